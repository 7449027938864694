"""The self-mutation harness: weakened versions of every example app, derived from the declarations.

For each declared property (``RuleSpec``) and each of its concrete weakenings (``Mutation``), the harness
picks a resource of an example app where the property holds today, applies the weakening through the L1
escape hatch (``add_property_override`` / ``add_property_deletion_override``, ``add_override`` for
``DeletionPolicy``), synthesizes the app for real with ``add_checks`` and expects the property's rule to
report that resource. Weakenings on different resources and of different rules share one synth (a batch);
two weakenings of the same rule, or of the same resource, never do, so that one cannot mask another.
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from examples_support import app_context, load

from secure_constructs.nag import RULES, Compliance, RuleSpec, TemplateContext
from secure_constructs.nag._model import OTHER, Mutation
from secure_constructs.nag._template import MISSING, props

#: The condition the Fn::If weakenings name (declared values use it too).
MUTANT_CONDITION = "SecureConstructsMutant"
PSEUDO_TYPES = ("Parameter", "Output")


@dataclass
class Mutant:
    """One weakening of one resource, and where its finding is expected."""

    spec: RuleSpec
    mutation: Mutation
    stack: str  # stack artifact id
    targets: list[str]  # logical ids weakened
    expected: str  # logical id whose finding is expected
    expected_path: str  # its construct path (the report names constructs)
    cfn_paths: dict[str, str]  # logical id -> construct path of each weakened resource
    values: dict[str, Any] = field(default_factory=dict)  # logical id -> value to write (set / if)

    @property
    def key(self) -> str:
        return f"{self.spec.name}:{self.mutation.kind}:{self.mutation.path}@{self.stack}/{self.expected}"


@dataclass
class Baseline:
    """One synth of an unweakened example: templates, paths of resources, and what was reported."""

    templates: dict[str, dict[str, Any]]
    paths: dict[tuple[str, str], str]  # (stack, logical id) -> construct path of the CfnResource
    reported: set[tuple[str, str]]  # (rule name, construct path), violations and acknowledged alike


def synth(
    path: pathlib.Path,
    outdir: pathlib.Path,
    mutants: Iterable[Mutant] = (),
    rules: tuple[RuleSpec, ...] | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Build the example (with cdk.json's feature flags and path metadata), weaken it, synthesize it with
    every check on (our pack with ``rules`` only, when given); return (validation result, {stack id:
    template})."""
    from aws_cdk import App, CfnCondition, Fn, Stack

    from secure_constructs import add_checks
    from secure_constructs.testing import synth_and_validate

    app = App(outdir=str(outdir), context={**app_context(), "aws:cdk:enable-path-metadata": True})
    load(path).build(app)
    mutants = list(mutants)
    stacks = {child.node.id: child for child in app.node.children if isinstance(child, Stack)}
    for stack_id in sorted({m.stack for m in mutants if m.mutation.kind == "if"}):
        condition = CfnCondition(stacks[stack_id], MUTANT_CONDITION, expression=Fn.condition_equals("a", "b"))
        condition.override_logical_id(MUTANT_CONDITION)
    # Applied when the tree is validated: after the aspects (the default alarms are attached by one), so the
    # weakened resources all exist, and before the templates are written.
    app.node.add_validation(_weakening(app, mutants))
    if rules is None:
        add_checks(app)
    else:
        from aws_cdk import Validations
        from cdk_nag import AwsSolutionsChecks, ServerlessChecks

        from secure_constructs.nag import SecureServerlessChecks

        Validations.of(app).add_plugins(
            SecureServerlessChecks(rules=rules), AwsSolutionsChecks(app), ServerlessChecks(app)
        )
    result = synth_and_validate(app)
    templates = {
        p.name.removesuffix(".template.json"): json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(outdir.glob("*.template.json"))
    }
    return result, templates


def _weakening(app: Any, mutants: list[Mutant]) -> Any:
    import jsii
    from constructs import IValidation

    @jsii.implements(IValidation)
    class Weaken:
        def validate(self) -> list[str]:
            for mutant in mutants:
                for target in mutant.targets:
                    _apply(_find(app, mutant.cfn_paths[target]), mutant.mutation, mutant.values.get(target))
            mutants.clear()
            return []

    return Weaken()


def _find(app: Any, path: str) -> Any:
    node = app
    for part in path.split("/"):
        node = node.node.find_child(part)
    return node


def _apply(cfn: Any, mutation: Mutation, value: Any) -> None:
    if mutation.path in ("DeletionPolicy", "UpdateReplacePolicy"):
        if mutation.kind == "remove":
            cfn.add_deletion_override(mutation.path)
        else:
            cfn.add_override(mutation.path, value)
    elif mutation.kind == "remove":
        cfn.add_property_deletion_override(mutation.path)
    else:
        cfn.add_property_override(mutation.path, value)


def baseline(path: pathlib.Path, outdir: pathlib.Path) -> Baseline:
    result, templates = synth(path, outdir)
    paths = {
        (stack, lid): res["Metadata"]["aws:cdk:path"]
        for stack, template in templates.items()
        for lid, res in template.get("Resources", {}).items()
        if isinstance(res.get("Metadata"), dict) and "aws:cdk:path" in res["Metadata"]
    }
    reported = {(_rule_name(f.rule), f.path) for f in result.violations + result.suppressed}
    return Baseline(templates, paths, reported)


def _rule_name(rule_id: str) -> str:
    return rule_id.split("[", 1)[0].removeprefix("SecureServerless-")


def _value_at(resource: dict[str, Any], path: str) -> Any:
    if path in ("DeletionPolicy", "UpdateReplacePolicy"):
        return resource.get(path, MISSING)
    value: Any = props(resource)
    for key in path.split("."):
        if not isinstance(value, dict):
            return MISSING
        value = value.get(key, MISSING)
    return value


def _related(ctx: TemplateContext, checked: str, target_type: str) -> list[str]:
    """Resources of ``target_type`` tied to ``checked``: they reference it, it references them, they share a
    referenced resource (a metric filter and a trail, through the log group), or they hold its name."""
    resource = ctx.resources[checked]
    names = {
        v
        for k, v in props(resource).items()
        if isinstance(v, str) and k.endswith("Name") and k not in ("HandlerName",)
    }
    own = ctx.references(props(resource))
    out = []
    for lid, other in ctx.of_type(target_type):
        refs = ctx.references(other.get("Properties"))
        strings = set(_strings(other.get("Properties")))
        if checked in refs or lid in own or (own & refs) or (names & strings):
            out.append(lid)
    return out


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _applies(spec: RuleSpec, logical_id: str, ctx: TemplateContext) -> bool:
    try:
        result = spec.fn(logical_id, ctx.resources[logical_id], ctx)
    except Exception:  # noqa: BLE001 - a rule that cannot judge the unweakened resource is no target
        return False
    return result is not Compliance.NOT_APPLICABLE and not (isinstance(result, list) and result)


def derive(
    stack: str, template: dict[str, Any], base: Baseline, rules: Iterable[RuleSpec] = RULES
) -> list[Mutant]:
    """Every weakening the declarations define that applies to this stack, each on a resource where the
    property holds and nothing reports it yet; the weakenings of one property are spread over different
    resources where there are several."""
    ctx = TemplateContext(template)
    mutants: list[Mutant] = []
    for spec in rules:
        checked_types = [t for t in spec.resource_types if t not in PSEUDO_TYPES]
        for index, mutation in enumerate(spec.mutations):
            target_type = mutation.target
            direct = target_type is None or target_type in checked_types or "*" in checked_types
            candidates: list[tuple[str, list[str]]] = []
            types = [target_type] if direct and target_type else checked_types
            for lid, _ in ctx.of_type(*[t for t in types if t != "*"]):
                path = base.paths.get((stack, lid))
                if path is None or (spec.name, path) in base.reported or not _applies(spec, lid, ctx):
                    continue
                if direct:
                    candidates.append((lid, [lid]))
                else:
                    related = _related(ctx, lid, target_type)
                    if related and all((stack, r) in base.paths for r in related):
                        candidates.append((lid, related))
            if not candidates:
                continue
            expected, targets = candidates[index % len(candidates)]
            values = {target: _mutant_value(mutation, ctx, target) for target in targets}
            if any(v is MISSING for v in values.values()):
                continue  # OTHER, with no other resource to take the value from
            mutants.append(
                Mutant(
                    spec,
                    mutation,
                    stack,
                    targets,
                    expected,
                    base.paths[(stack, expected)],
                    {t: base.paths[(stack, t)] for t in targets},
                    values,
                )
            )
    return mutants


def _mutant_value(mutation: Mutation, ctx: TemplateContext, target: str) -> Any:
    resource = ctx.resources[target]
    if mutation.kind == "remove":
        return None
    value = mutation.value
    if value is OTHER:
        others = [
            _value_at(res, mutation.path)
            for lid, res in ctx.of_type(str(resource.get("Type")))
            if lid != target and _value_at(res, mutation.path) is not MISSING
        ]
        if not others:
            return MISSING
        value = others[0]
    if mutation.kind == "if":
        original = _value_at(resource, mutation.path)
        original = {"Ref": "AWS::NoValue"} if original is MISSING else original
        return {"Fn::If": [MUTANT_CONDITION, value, original]}
    return value


def batches(mutants: list[Mutant]) -> list[list[Mutant]]:
    """Group mutants so that no batch holds two weakenings of the same rule or of the same resource."""
    out: list[tuple[set[str], set[str], list[Mutant]]] = []
    for mutant in mutants:
        touched = {f"{mutant.stack}/{t}" for t in mutant.targets} | {f"{mutant.stack}/{mutant.expected}"}
        for rules, resources, group in out:
            if mutant.spec.name not in rules and not (touched & resources):
                rules.add(mutant.spec.name)
                resources.update(touched)
                group.append(mutant)
                break
        else:
            out.append(({mutant.spec.name}, set(touched), [mutant]))
    return [group for _, _, group in out]


def caught(mutant: Mutant, result: Any) -> str | None:
    """None when the synth reported the mutant's rule on its expected resource (an Fn::If weakening with the
    rule's own finding, naming the condition); otherwise why not."""
    findings = [
        f
        for f in result.violations + result.suppressed
        if _rule_name(f.rule) == mutant.spec.name and f.path == mutant.expected_path
    ]
    if not findings:
        return "not reported"
    if mutant.mutation.kind == "if":
        own = [f for f in findings if "[Unresolved::" not in f.rule and "[RuleError]" not in f.rule]
        if not own:
            return f"reported only as {findings[0].rule}"
        if not any(MUTANT_CONDITION in f["description"] for f in own):
            return "the finding does not name the condition"
    return None
