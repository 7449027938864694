"""RULES.md, generated from the declarations (the pack table)."""

from __future__ import annotations

from ._model import PACK_NAME, WIRED, RuleSpec, Setting, rule_anchor
from ._pack import FINDING_IDS, NOT_SECURITY_RELEVANT, RULES

AREAS = ("auth", "iam", "encryption", "secrets", "logging", "monitoring", "network", "identity", "general")


def _setting(setting: Setting) -> str:
    if setting.via == "wired":
        return f"`{setting.construct}` ({setting.argument})"
    if setting.via == "harden":
        default = "" if setting.default == WIRED else f" = `{setting.default}`"
        return f"`harden()`: `{setting.construct}({setting.argument})`{default}"
    where = {"overrides": "overrides", "stage_overrides": "stage_overrides"}.get(setting.via)
    default = "" if setting.default == WIRED else f" = `{setting.default}`"
    if where:
        return f"`{setting.construct}({where}={{{setting.argument!r}{default and ': ...'}}})`{default}"
    return f"`{setting.construct}({setting.argument})`{default}"


def _set_by(spec: RuleSpec) -> str:
    return "<br>".join(_setting(s) for s in spec.settings) or "-"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def rules_markdown() -> str:
    """The rule table as Markdown (``RULES.md`` is this text)."""
    lines = [
        f"# {PACK_NAME} rules",
        "",
        f"The `{PACK_NAME}` validation plugin (`secure_constructs.nag.SecureServerlessChecks`) runs these",
        "rules on every synthesized template (and, through `python -m secure_constructs.nag check`, on",
        "existing templates). A rule checks a property of the resource, whoever created it. Rules that",
        "report several findings use ids `<rule>[<finding>]`, each acknowledged on its own:",
        f'`secure_constructs.acknowledge(construct, "{PACK_NAME}-<Rule>[<finding>]", reason)`. A rule that',
        "cannot decide (an intrinsic where a literal is needed) reports `[Unresolved::<property>]`",
        "(and `[RuleError]` if the rule itself fails): both fail closed. A value behind an `Fn::If` is",
        "judged in every branch: an insecure branch is the rule's own finding, naming the condition.",
        "ERROR fails the synth; WARNING is reported.",
        "",
        "Each rule is the declaration of one security property: the column *set by* names the construct",
        "argument that sets it and its secure default. An override that makes the rule fail on the",
        "resource the construct builds is refused (SC-GEN-002) unless `accepted_risks={argument: reason}`",
        "names it; the reason then acknowledges the findings. `harden()` entries are what",
        "`secure_constructs.harden(app)` gives a plain aws-cdk-lib class the user left unset (it also",
        "gives each class the `overrides` defaults of the construct that wraps it). This file is generated",
        "from `secure_constructs/nag/rules/*.py` (`make docs`).",
    ]
    for area in AREAS:
        specs = [spec for spec in RULES if spec.area == area]
        lines += [
            "",
            f"## {area}",
            "",
            "| rule | level | resource types | finding | finding ids | fix | set by |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for spec in specs:
            types = ", ".join(f"`{t}`" for t in spec.resource_types)
            ids = ", ".join(f"`[{f}]`" for f in FINDING_IDS.get(spec.name, ())) or "-"
            fix = spec.explanation + (f" Exempt: {spec.exemption}" if spec.exemption else "")
            anchor = f'<a id="{rule_anchor(spec.rule_id)}"></a>'
            cells = (f"{anchor}`{spec.rule_id}`", spec.level.value, types, spec.info, ids, fix, _set_by(spec))
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    lines += [
        "",
        "## What the constructs set that is not a security property",
        "",
        "Every other property path a `Secure*` construct sets differently from the plain L2 built from the",
        "same arguments is declared above (tests/nag/test_completeness.py holds it).",
        "",
        "| resource type | property | why it is not a security property |",
        "| --- | --- | --- |",
    ]
    for (resource_type, path), why in sorted(NOT_SECURITY_RELEVANT.items()):
        lines.append(f"| `{resource_type}` | `{path}` | {_cell(why)} |")
    return "\n".join(lines) + "\n"
