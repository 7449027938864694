"""Audited, governed acknowledgments: accept a finding of a validation plugin with a reason that lands in the
report, optionally with an owner and an expiry date.

Acknowledging ``<Plugin>::<RuleId>`` (rather than the bare rule id) makes CDK core record the suppression,
with its reason, under ``suppressedViolations`` in ``cdk.out/validation-report.json``. Every reason that
secure_constructs accepts from a user (a weakened default, a public route) goes through here.

Each acknowledgment is also recorded here, so that the SecureServerless plugin can govern it at synth
(:mod:`secure_constructs.nag._governance`): one that matches no finding of a pack it watched fails the synth
and names the closest finding id; one past its expiry date is not registered with CDK (the finding comes
back) and is named in the synth's output; one that expires within :data:`EXPIRY_WARNING_DAYS` days is
reported as a warning. "Today" is the context value :data:`TODAY_CONTEXT` or else the environment variable
:data:`TODAY_ENV` (``YYYY-MM-DD``), else the real date: tests and snapshots set it.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from ._reasons import (  # noqa: F401  (re-exported: the public names of acknowledgments)
    EXPIRY_WARNING_DAYS,
    MIN_REASON_LENGTH,
    RECORDS,
    TODAY_CONTEXT,
    TODAY_ENV,
    Record,
    Terms,
    audited_id,
    check_reason,
    parse_date,
    parse_terms,
    plugin_of,
    records,
    today,
    where_of,
    with_terms,
)
from .errors import SecureConstructsError

if TYPE_CHECKING:
    from constructs import IConstruct


def _fatal_rule(rule_id: str) -> str | None:
    """The rule's name when ``rule_id`` is a finding of a SecureServerless rule of level FATAL."""
    from .nag._model import PACK_NAME, Level

    bare = rule_id.split("::", 1)[1] if "::" in rule_id.split("[", 1)[0] else rule_id
    base = bare.split("[", 1)[0]
    if not base.startswith(f"{PACK_NAME}-"):
        return None
    from .nag._pack import RULES

    return next((s.rule_id for s in RULES if s.rule_id == base and s.level is Level.FATAL), None)


def _prepare(
    construct: IConstruct,
    where: tuple[Any, str, bool, str],
    rule_id: str,
    reason: str,
    owner: str | None,
    expires: object,
) -> tuple[str, str, Record]:
    root, path, ours, site = where
    text = check_reason(construct, reason, f"Acknowledging {rule_id}")
    fatal = _fatal_rule(rule_id)
    if fatal is not None:
        raise SecureConstructsError(
            "SC-ACK-003",
            construct,
            f"{fatal} findings cannot be acknowledged (a plaintext secret, a function anyone may invoke or "
            "credentials for unauthenticated identities are never acceptable)",
            received=rule_id,
            fix="Fix the finding: keep secrets in Secrets Manager, name the caller, turn guest access off",
        )
    if owner is not None and (not isinstance(owner, str) or not owner.strip()):
        raise SecureConstructsError(
            "SC-ACK-002",
            construct,
            "an acknowledgment's owner must name someone (a person or a team)",
            received=owner,
            fix="Pass owner='team-payments' (or leave owner out)",
        )
    expiry = None if expires is None else parse_date(
        construct, expires, "the expiry date", "Pass expires='YYYY-MM-DD', e.g. expires='2027-03-31'"
    )
    audited = audited_id(rule_id)
    record = Record(
        root=root,
        path=path,
        rule=audited,
        reason=text,
        owner=owner.strip() if owner else "",
        expires=expiry,
        today=today(construct) if expiry is not None else datetime.date.today(),
        ours=ours,
        site=site,
    )
    return audited, with_terms(text, record.owner, expiry), record


def acknowledge(
    construct: IConstruct,
    rule_id: str,
    reason: str,
    *,
    owner: str | None = None,
    expires: str | datetime.date | None = None,
) -> None:
    """Acknowledge ``rule_id`` on ``construct`` (and everything below it) with an audited reason.

    ``rule_id`` is the id as a failing synth prints it, with or without the ``<Plugin>::`` prefix,
    e.g. ``"AwsSolutions-IAM5[Action::xray:PutTraceSegments]"`` or ``"SecureServerless-ApiRouteAuth"``.
    Each finding of a ``Rule[Finding]`` rule must be acknowledged on its own (no prefix matching).

    :param owner: who answers for it (a person or team), shown in the validation and security reports.
        Default: None (no owner).
    :param expires: the last day it holds (``"YYYY-MM-DD"`` or a ``date``). After it the finding comes back
        and the synth names this acknowledgment; within 30 days before, the synth warns. Default: None
        (never expires).

    Raises SC-GEN-003 (vague reason), SC-ACK-001 (expiry not a date), SC-ACK-002 (blank owner) and
    SC-ACK-003 (a finding that can never be acknowledged). At synth, an acknowledgment that matches no
    finding of a pack the SecureServerless plugin watched fails the synth (``AcknowledgmentUnused``).
    """
    from aws_cdk import Acknowledgment, Validations

    audited, recorded, record = _prepare(construct, where_of(construct), rule_id, reason, owner, expires)
    RECORDS.append(record)
    if not record.expired:
        Validations.of(construct).acknowledge(Acknowledgment(id=audited, reason=recorded))


def acknowledge_all(construct: IConstruct, rule_ids: list[str] | tuple[str, ...], reason: str) -> None:
    """:func:`acknowledge` several rule ids with one reason."""
    from aws_cdk import Acknowledgment, Validations

    where = where_of(construct)
    prepared = [_prepare(construct, where, rule_id, reason, None, None) for rule_id in rule_ids]
    RECORDS.extend(record for _, _, record in prepared)
    if prepared:
        Validations.of(construct).acknowledge(
            *(Acknowledgment(id=audited, reason=recorded) for audited, recorded, _ in prepared)
        )
