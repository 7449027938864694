"""RULES.md, generated from the pack table."""

from __future__ import annotations

from ._model import PACK_NAME, rule_anchor
from ._pack import FINDING_IDS, RULES

AREAS = ("auth", "iam", "encryption", "secrets", "logging", "monitoring", "network", "identity", "general")


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
        "(and `[RuleError]` if the rule itself fails): both fail closed.",
        "ERROR fails the synth; WARNING is reported.",
        "This file is generated from `secure_constructs/nag/_pack.py` (`make docs`).",
    ]
    for area in AREAS:
        specs = [spec for spec in RULES if spec.area == area]
        lines += [
            "",
            f"## {area}",
            "",
            "| rule | level | resource types | finding | finding ids | fix |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for spec in specs:
            types = ", ".join(f"`{t}`" for t in spec.resource_types)
            ids = ", ".join(f"`[{f}]`" for f in FINDING_IDS.get(spec.name, ())) or "-"
            anchor = f'<a id="{rule_anchor(spec.rule_id)}"></a>'
            cells = (f"{anchor}`{spec.rule_id}`", spec.level.value, types, spec.info, ids, spec.explanation)
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
