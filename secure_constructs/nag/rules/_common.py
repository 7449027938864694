"""Small factories for the rules that check one property path of one resource, and shared lookups.

A rule made by :func:`expect` reads the value at a dotted path in every Fn::If branch (and every allowed
value of a parameter), and reports the first insecure one with the value received and the conditions that
lead to it. An intrinsic where a literal is needed is undecidable: the pack fails closed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

from .._model import Compliance, Level, RuleFn, RuleResult, Undecidable
from .._template import MISSING, NO_VALUE, TemplateContext, as_list, flatten, props, show, when

E, W, F = Level.ERROR, Level.WARNING, Level.FATAL


def truthy(value: Any) -> bool:
    return value in (True, "true", "True")


def falsy(value: Any) -> bool:
    return value in (False, "false", "False")


def expect(
    path: str,
    ok: Callable[[Any], bool],
    *,
    what: str | None = None,
    detail: Callable[[Any], str] | None = None,
    literal: bool = True,
) -> RuleFn:
    """A rule: the value at ``path`` satisfies ``ok`` in every branch. ``ok`` receives the literal value, or
    :data:`MISSING` when the property is absent; with ``literal=False`` (a check that the property is set)
    it also receives references and other intrinsics as they are. The finding's detail is
    ``"<path> is <value>"`` (or ``detail(value)``) followed by the conditions of the insecure branch."""

    def check(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
        for value, conds in ctx.at(props(resource), path, what):
            literal_value = value if value is MISSING or not literal else ctx.literal(value, what or path)
            if not ok(literal_value):
                text = detail(literal_value) if detail is not None else f"{path} is {show(literal_value)}"
                return [(None, text + when(conds))]
        return []

    check.__doc__ = f"{path} must be secure (see the declaration)."
    return check


def referencing(
    ctx: TemplateContext, logical_id: str, resource_type: str, prop: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Resources of ``resource_type`` whose ``prop`` (a value or a list) points at ``logical_id``: by
    Ref/GetAtt, or by a literal equal to the target's name."""
    for lid, res in ctx.of_type(resource_type):
        values = as_list(props(res).get(prop))
        if any(logical_id in ctx.references(v) for v in values):
            yield lid, res


def names_of(ctx: TemplateContext, logical_id: str, *name_props: str) -> set[str]:
    """The literal physical names a resource is given (``BucketName``, ``QueueName``...), for literal
    references."""
    p = props(ctx.resources.get(logical_id, {}))
    out = set()
    for prop in name_props:
        text = flatten(p.get(prop))
        if text and "${" not in text:
            out.add(text)
    return out


#: At most this many distinct conditions are combined when a value is judged in every combination of its
#: Fn::If branches (2**6 combinations); more is undecidable (fail closed).
MAX_CONDITIONS = 6


def condition_names(value: Any) -> list[str]:
    """The names of the conditions of every Fn::If inside ``value``, in order of appearance."""
    names: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            arg = node.get("Fn::If") if len(node) == 1 else None
            if isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str) and arg[0] not in names:
                names.append(arg[0])
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(value)
    return names


def resolve(value: Any, truth: dict[str, bool]) -> Any:
    """``value`` as CloudFormation deploys it when each condition is as ``truth`` says: Fn::If replaced by its
    branch, ``AWS::NoValue`` dropped from objects and lists (:data:`MISSING` when the value itself is)."""
    if isinstance(value, dict):
        arg = value.get("Fn::If") if len(value) == 1 else None
        if isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str) and arg[0] in truth:
            return resolve(arg[1] if truth[arg[0]] else arg[2], truth)
        if value == NO_VALUE:
            return MISSING
        out = {k: resolve(v, truth) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not MISSING}
    if isinstance(value, list):
        return [v for v in (resolve(item, truth) for item in value) if v is not MISSING]
    return value


def scenarios(value: Any, what: str) -> Iterator[tuple[Any, tuple[str, ...]]]:
    """``value`` resolved in every combination of the conditions its Fn::If use, each with the conditions
    that lead to it (``("IsProd", "not HasDomain")``); a value without Fn::If is its only scenario."""
    names = condition_names(value)
    if len(names) > MAX_CONDITIONS:
        raise Undecidable(
            f"Unresolved::{what}", f"{what} combines more than {MAX_CONDITIONS} conditions, too many to judge"
        )
    for bits in itertools.product((True, False), repeat=len(names)):
        truth = dict(zip(names, bits, strict=True))
        yield resolve(value, truth), tuple(name if on else f"not {name}" for name, on in truth.items())


def per_scenario(fn: RuleFn) -> RuleFn:
    """``fn`` judged on the resource as CloudFormation deploys it in every combination of the conditions
    its properties use (for rules that read whole lists of settings, any of which may be an Fn::If). A
    finding of every combination is reported as ``fn`` words it; one of only some combinations names the
    conditions of the first such combination."""

    def check(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
        properties = resource.get("Properties")
        if not condition_names(properties):
            return fn(logical_id, resource, ctx)
        runs = [
            (_as_findings(fn(logical_id, {**resource, "Properties": resolved}, ctx)), conds)
            for resolved, conds in scenarios(properties, "Properties")
        ]
        if all(found is None for found, _ in runs):
            return Compliance.NOT_APPLICABLE
        out: dict[str | None, str] = {}
        for found, conds in runs:
            for finding, detail in (found or {}).items():
                if finding in out:
                    continue
                everywhere = all(finding in (other or {}) for other, _ in runs)
                out[finding] = detail if everywhere else f"{detail}{when(conds)}".strip()
        result: list[str | tuple[str | None, str]] = []
        for finding, detail in out.items():
            result.append(finding if finding is not None and not detail else (finding, detail))
        return result

    check.__doc__ = fn.__doc__
    return check


def _as_findings(result: RuleResult) -> dict[str | None, str] | None:
    """A rule's result as {finding id: detail} (None: not applicable)."""
    if result is Compliance.NOT_APPLICABLE:
        return None
    if result is Compliance.COMPLIANT:
        return {}
    if result is Compliance.NON_COMPLIANT:
        return {None: ""}
    out: dict[str | None, str] = {}
    for item in result:
        finding, detail = item if isinstance(item, tuple) else (item, "")
        out.setdefault(finding, detail)
    return out
