"""Reading IAM policy documents (identity, trust and resource policies) in template form.

The analysis itself (wildcards, actions that accept only ``*``, conditions that restrict a caller) is
:mod:`secure_constructs.policy`, shared with the constructs; this module only walks template values.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...policy import RESTRICTING_CONDITION_KEYS, TRUST_CONDITION_KEYS, may_allow, restricting_keys
from .._model import Undecidable
from .._template import MISSING, NO_VALUE, TemplateContext, as_list, flatten

__all__ = [
    "RESTRICTING_CONDITION_KEYS",
    "TRUST_CONDITION_KEYS",
    "action_strings",
    "allows",
    "any_principal",
    "conditional_statements",
    "open_to_anyone",
    "readable_condition",
    "resource_strings",
    "statements",
]


def statements(document: Any, ctx: TemplateContext, what: str) -> Iterator[dict[str, Any]]:
    """Every statement of ``document``; both branches of an Fn::If are checked (fail closed), and a
    statement whose Effect is an Fn::If is read once per branch."""
    for statement, _ in conditional_statements(document, ctx, what):
        yield statement


def conditional_statements(
    document: Any, ctx: TemplateContext, what: str
) -> Iterator[tuple[dict[str, Any], tuple[str, ...]]]:
    """:func:`statements`, each with the conditions under which it is in force (``("not IsProd",)``)."""
    for doc, doc_conds in ctx.conditional(document):
        if doc is None or doc is MISSING:
            continue
        if not isinstance(doc, dict):
            raise Undecidable(f"Unresolved::{what}", f"{what} is not a literal policy document")
        for statement in as_list(doc.get("Statement")):
            for branch, conds in ctx.conditional(statement):
                if branch is None or branch is MISSING:
                    continue
                if not isinstance(branch, dict):
                    raise Undecidable(f"Unresolved::{what}", f"a statement of {what} is not a literal object")
                effects = ctx.conditional(branch.get("Effect"))
                if len(effects) > 1:
                    for effect, effect_conds in effects:
                        yield {**branch, "Effect": effect}, doc_conds + conds + effect_conds
                else:
                    yield branch, doc_conds + conds


def allows(statement: dict[str, Any]) -> bool:
    """Everything but a literal Deny may allow (an intrinsic Effect is judged as Allow: fail closed)."""
    return may_allow(statement)


def any_principal(principal: Any) -> bool:
    """True when a Principal element matches everyone (``"*"`` or ``{"AWS": "*"}``)."""
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any(value == "*" for value in as_list(principal.get("AWS")))
    return False


def open_to_anyone(
    statement: dict[str, Any], restricting: frozenset[str] = RESTRICTING_CONDITION_KEYS
) -> bool:
    """An Allow for any principal with no condition that really narrows the caller (a condition whose
    value is ``*``, ``0.0.0.0/0`` or a wildcard ARN narrows nothing)."""
    return (
        allows(statement)
        and (any_principal(statement.get("Principal")) or "NotPrincipal" in statement)
        and not restricting_keys(readable_condition(statement.get("Condition")), restricting)
    )


def readable_condition(condition: Any) -> Any:
    """A Condition block as the policy analyser reads it: values built with ``Fn::Join``/``Fn::Sub`` as
    strings (references written ``${...}``), an ``Fn::If`` as the list of its branches (each must
    restrict)."""
    if not isinstance(condition, dict):
        return condition
    out: dict[Any, Any] = {}
    for operator, block in condition.items():
        readable = isinstance(block, dict)
        out[operator] = {k: _condition_values(v) for k, v in block.items()} if readable else block
    return out


def _condition_values(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [v for item in value for v in _condition_values(item)]
    if isinstance(value, dict) and len(value) == 1:
        arg = value.get("Fn::If")
        if isinstance(arg, list) and len(arg) == 3:
            return [v for branch in arg[1:] if branch != NO_VALUE for v in _condition_values(branch)]
        text = flatten(value)
        if text is not None:
            return [text]
    return [value]


def _values(statement: dict[str, Any], key: str, ctx: TemplateContext | None) -> list[Any]:
    """The statement's ``key`` values, each Fn::If expanded into its branches (all of them are judged)."""
    out: list[Any] = []
    for value in ctx.branches(statement.get(key)) if ctx is not None else [statement.get(key)]:
        for item in as_list(value):
            out += ctx.branches(item) if ctx is not None else [item]
    return [v for v in out if v is not None]


def action_strings(
    statement: dict[str, Any], key: str = "Action", ctx: TemplateContext | None = None
) -> list[str]:
    """The statement's actions (every Fn::If branch); an action that is not a literal string, or a joined
    one with a reference in it, cannot be judged and is refused (fail closed)."""
    out: list[str] = []
    for action in _values(statement, key, ctx):
        text = action if isinstance(action, str) else flatten(action)
        if text is None or "${" in text:
            raise Undecidable(f"Unresolved::{key}", f"an {key} of a policy statement is not a literal string")
        out.append(text)
    return out


def resource_strings(
    statement: dict[str, Any], key: str = "Resource", ctx: TemplateContext | None = None
) -> list[str]:
    """The statement's resources (every Fn::If branch) as strings: ``Fn::Join``/``Fn::Sub`` keep their
    literal parts and show references as ``${...}``; a bare reference (Ref, Fn::GetAtt) is ``${?}`` (a named
    resource)."""
    out: list[str] = []
    for resource in _values(statement, key, ctx):
        text = flatten(resource)
        out.append("${?}" if text is None else text)
    return out
