"""Audited acknowledgments: accept a finding of a validation plugin with a reason that lands in the report.

Acknowledging ``<Plugin>::<RuleId>`` (rather than the bare rule id) makes CDK core record the suppression,
with its reason, under ``suppressedViolations`` in ``cdk.out/validation-report.json``. Every reason that
secure_constructs accepts from a user (a weakened default, a public route) goes through here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import SecureConstructsError

if TYPE_CHECKING:  # aws_cdk is imported where it is used: the template scanner reuses check_reason without it
    from constructs import IConstruct

#: Reasons that say nothing; refused so that every acknowledgment tells a reviewer something.
_VAGUE_REASONS = frozenset(
    {"", "n/a", "na", "none", "todo", "tbd", "fixme", "ok", "okay", "ignore", "ignored", "test", "because",
     "-"}
)
MIN_REASON_LENGTH = 10


def plugin_of(rule_id: str) -> str:
    """The validation plugin that reports ``rule_id`` (``AwsSolutions-IAM5[...]`` -> ``AwsSolutions``)."""
    head = rule_id.split("[", 1)[0]
    if "::" in head:
        return head.split("::", 1)[0]
    if "-" not in head:
        raise ValueError(f"rule id {rule_id!r} has no '<Pack>-' prefix")
    return head.rsplit("-", 1)[0] if head.startswith("NIST.") else head.split("-", 1)[0]


def audited_id(rule_id: str) -> str:
    """``AwsSolutions-IAM5`` -> ``AwsSolutions::AwsSolutions-IAM5`` (the id CDK core audits)."""
    return rule_id if "::" in rule_id.split("[", 1)[0] else f"{plugin_of(rule_id)}::{rule_id}"


def check_reason(where: IConstruct | str | None, reason: object, what: str) -> str:
    """Return ``reason`` stripped, or raise SC-GEN-003 when it is missing or says nothing."""
    text = reason.strip() if isinstance(reason, str) else ""
    if len(text) < MIN_REASON_LENGTH or text.lower().rstrip(".") in _VAGUE_REASONS:
        raise SecureConstructsError(
            "SC-GEN-003",
            where,
            f"{what} needs a specific reason",
            received=reason,
            fix=(
                f"Give a sentence (at least {MIN_REASON_LENGTH} characters) that tells a reviewer why this "
                "is acceptable, e.g. 'Health check for the load balancer; returns no data'"
            ),
        )
    return text


def acknowledge(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge ``rule_id`` on ``construct`` (and everything below it) with an audited reason.

    ``rule_id`` is the id as a failing synth prints it, with or without the ``<Plugin>::`` prefix,
    e.g. ``"AwsSolutions-IAM5[Action::xray:PutTraceSegments]"`` or ``"SecureServerless-ApiRouteAuth"``.
    Each finding of a ``Rule[Finding]`` rule must be acknowledged on its own (no prefix matching).
    """
    from aws_cdk import Acknowledgment, Validations

    text = check_reason(construct, reason, f"Acknowledging {rule_id}")
    Validations.of(construct).acknowledge(Acknowledgment(id=audited_id(rule_id), reason=text))


def acknowledge_all(construct: IConstruct, rule_ids: list[str] | tuple[str, ...], reason: str) -> None:
    """:func:`acknowledge` several rule ids with one reason."""
    from aws_cdk import Acknowledgment, Validations

    acknowledgments = [
        Acknowledgment(
            id=audited_id(rule_id), reason=check_reason(construct, reason, f"Acknowledging {rule_id}")
        )
        for rule_id in rule_ids
    ]
    if acknowledgments:
        Validations.of(construct).acknowledge(*acknowledgments)
