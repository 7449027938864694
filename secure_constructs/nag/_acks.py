"""Acknowledgments that a raw template carries, for the template scanner.

Three sources, each needing a reason (the same reason check as ``secure_constructs.acknowledge``):

- ours, in the resource's Metadata::

      Metadata:
        secure_constructs:
          acknowledgments:
            - id: SecureServerless-LambdaAlarms[Missing::Throttles]
              reason: Throttles are alarmed on the account level by the platform team

  ``id`` is the exact finding id (as the scanner prints it), with or without the ``SecureServerless::``
  prefix; like a synth acknowledgment, ``Rule`` does not cover ``Rule[finding]``;
- cdk-nag's, which existing templates carry (``NagSuppressions`` with
  ``write_suppressions_to_cloud_formation``)::

      Metadata:
        cdk_nag:
          rules_to_suppress:
            - id: SecureServerless-IamNoWildcardResource
              reason: ...
              applies_to: ["Action::logs:CreateLogGroup"]

  with cdk-nag's meaning: without ``applies_to`` every finding of the rule is covered; with it, only the
  findings named (a string, or ``{regex: "/.../"}``);
- in a ``cdk.out``, what ``Validations.of(c).acknowledge(...)`` recorded at synth (metadata
  ``aws:cdk:acknowledged-rules`` of the construct and everything below it), passed in by the caller.

An acknowledgment without a usable reason is not honoured: the finding stays, with the refusal noted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from .._reasons import check_reason
from ..errors import SecureConstructsError
from ._model import PACK_NAME, Finding

#: Why an acknowledgment of a fatal finding (a plaintext secret, a function open to anyone) is refused.
UNACKNOWLEDGEABLE = "the finding is fatal: it cannot be acknowledged"

OURS, CDK_NAG, SYNTH = "Metadata.secure_constructs", "Metadata.cdk_nag", "cdk.out (Validations.acknowledge)"


@dataclass(frozen=True)
class Ack:
    """One acknowledgment as written. ``refused`` says why it is not honoured (None when it is)."""

    rule: str
    reason: str
    source: str
    applies_to: tuple[Any, ...] | None = None
    refused: str | None = None

    def covers(self, rule_id: str) -> bool:
        if self.source != CDK_NAG:
            return rule_id == self.rule
        base, _, rest = rule_id.partition("[")
        if base != self.rule and rule_id != self.rule:
            return False
        if self.applies_to is None or rule_id == self.rule:
            return True
        finding = rest[:-1] if rest.endswith("]") else rest
        return any(_applies(entry, finding) for entry in self.applies_to)


@dataclass(frozen=True)
class Acknowledged:
    """A finding together with the acknowledgment that accepts it."""

    finding: Finding
    ack: Ack


def _applies(entry: Any, finding: str) -> bool:
    if isinstance(entry, str):
        return entry == finding
    pattern = entry.get("regex") if isinstance(entry, dict) else None
    if not isinstance(pattern, str):
        return False
    body = pattern[1 : pattern.rfind("/")] if pattern.startswith("/") and pattern.rfind("/") > 0 else pattern
    try:
        return re.fullmatch(body, finding) is not None
    except re.error:
        return False


def bare(rule_id: str) -> str:
    """``SecureServerless::SecureServerless-X`` -> ``SecureServerless-X`` (the audited prefix dropped)."""
    head, sep, rest = rule_id.partition("::")
    return rest if sep and head == PACK_NAME and "[" not in head else rule_id


def _ack(rule: Any, reason: Any, source: str, where: str, applies_to: Any = None) -> Ack | None:
    if not isinstance(rule, str) or not rule.startswith(f"{PACK_NAME}"):
        return None  # another pack's acknowledgment: not ours to judge
    rule = bare(rule.strip())
    refused = None
    try:
        text = check_reason(where, reason, f"Acknowledging {rule}")
    except SecureConstructsError:
        text, refused = (reason if isinstance(reason, str) else ""), "no reason, or one that says nothing"
    entries = tuple(_plain(entry) for entry in applies_to) if isinstance(applies_to, list) else None
    return Ack(str(rule), str(text), source, entries, refused)


def _plain(value: Any) -> Any:
    """The YAML decoder's str/dict subclasses as plain values (they do not cross processes)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value) if isinstance(value, str) else value


def from_metadata(logical_id: str, resource: dict[str, Any]) -> list[Ack]:
    """The acknowledgments a resource's Metadata carries (ours and cdk-nag's)."""
    metadata = resource.get("Metadata")
    if not isinstance(metadata, dict):
        return []
    found: list[Ack | None] = []
    ours = metadata.get("secure_constructs")
    if isinstance(ours, dict):
        for entry in _dicts(ours.get("acknowledgments")):
            found.append(_ack(entry.get("id"), entry.get("reason"), OURS, logical_id))
    nag = metadata.get("cdk_nag")
    if isinstance(nag, dict):
        for entry in _dicts(nag.get("rules_to_suppress")):
            found.append(
                _ack(entry.get("id"), entry.get("reason"), CDK_NAG, logical_id, entry.get("applies_to"))
            )
    return [ack for ack in found if ack is not None]


def from_synth(acknowledged: dict[str, Any], where: str) -> list[Ack]:
    """Acknowledgments recorded by ``Validations.acknowledge`` (``{audited id: reason}``) at a construct."""
    found = [_ack(rule, reason, SYNTH, where) for rule, reason in acknowledged.items()]
    return [ack for ack in found if ack is not None]


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def split(
    findings: Iterable[Finding], acks_of: dict[str, list[Ack]]
) -> tuple[list[Finding], list[Acknowledged], list[Acknowledged]]:
    """(open findings, acknowledged findings, findings whose acknowledgment was refused — also open)."""
    open_: list[Finding] = []
    accepted: list[Acknowledged] = []
    refused: list[Acknowledged] = []
    for finding in findings:
        matching = [ack for ack in acks_of.get(finding.logical_id, ()) if ack.covers(finding.rule)]
        if not finding.acknowledgeable:
            matching = [replace(ack, refused=ack.refused or UNACKNOWLEDGEABLE) for ack in matching]
        honoured = next((ack for ack in matching if ack.refused is None), None)
        if honoured is not None:
            accepted.append(Acknowledged(finding, honoured))
            continue
        open_.append(finding)
        if matching:
            refused.append(Acknowledged(finding, matching[0]))
    return open_, accepted, refused
