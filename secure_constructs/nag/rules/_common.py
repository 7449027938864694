"""Small factories for the rules that check one property path of one resource, and shared lookups.

A rule made by :func:`expect` reads the value at a dotted path in every Fn::If branch (and every allowed
value of a parameter), and reports the first insecure one with the value received and the conditions that
lead to it. An intrinsic where a literal is needed is undecidable: the pack fails closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from .._model import Level, RuleFn, RuleResult
from .._template import MISSING, TemplateContext, as_list, flatten, props, show, when

E, W = Level.ERROR, Level.WARNING


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
