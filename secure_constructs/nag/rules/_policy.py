"""Reading IAM policy documents (identity, trust and resource policies) in template form."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._model import Undecidable
from .._template import TemplateContext, as_list

#: Condition keys that pin a statement with Principal "*" to known callers or networks.
RESTRICTING_CONDITION_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:SourceOwner",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceIp",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:PrincipalServiceName",
        "aws:ResourceOrgID",
        "kms:CallerAccount",
        "kms:ViaService",
        "sts:ExternalId",
        "lambda:FunctionUrlAuthType",
    )
)
#: Keys that narrow who may assume a role whose trust policy names Principal "*".
TRUST_CONDITION_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
    )
)


def statements(document: Any, ctx: TemplateContext, what: str) -> Iterator[dict[str, Any]]:
    """Every statement of ``document``; both branches of an Fn::If are checked (fail closed)."""
    for doc in ctx.branches(document):
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise Undecidable(f"Unresolved::{what}", f"{what} is not a literal policy document")
        for statement in as_list(doc.get("Statement")):
            for branch in ctx.branches(statement):
                if branch is None:
                    continue
                if not isinstance(branch, dict):
                    raise Undecidable(f"Unresolved::{what}", f"a statement of {what} is not a literal object")
                yield branch


def allows(statement: dict[str, Any]) -> bool:
    return statement.get("Effect") == "Allow"


def any_principal(principal: Any) -> bool:
    """True when a Principal element matches everyone (``"*"`` or ``{"AWS": "*"}``)."""
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any(value == "*" for value in as_list(principal.get("AWS")))
    return False


def condition_keys(statement: dict[str, Any]) -> set[str]:
    """Lower-cased condition keys of a statement (``{"StringEquals": {"aws:SourceArn": ...}}`` -> keys)."""
    keys: set[str] = set()
    condition = statement.get("Condition")
    if isinstance(condition, dict):
        for block in condition.values():
            if isinstance(block, dict):
                keys.update(str(key).lower() for key in block)
    return keys


def open_to_anyone(
    statement: dict[str, Any], restricting: frozenset[str] = RESTRICTING_CONDITION_KEYS
) -> bool:
    """An Allow for any principal with no condition that narrows the caller."""
    return (
        allows(statement)
        and (any_principal(statement.get("Principal")) or "NotPrincipal" in statement)
        and not (condition_keys(statement) & restricting)
    )


def action_strings(statement: dict[str, Any], key: str = "Action") -> list[str]:
    """The statement's actions; an intrinsic where an action should be is refused (fail closed)."""
    out: list[str] = []
    for action in as_list(statement.get(key)):
        if not isinstance(action, str):
            raise Undecidable(f"Unresolved::{key}", f"an {key} of a policy statement is not a literal string")
        out.append(action)
    return out
