"""Governed acknowledgments: judge, at synth, every acknowledgment given with
:func:`secure_constructs.acknowledge` against the findings the packs actually reported.

- ``AcknowledgmentUnused`` (fatal): it matches no finding of a pack whose findings were watched (our pack,
  and the cdk-nag packs registered through ``add_checks``); the message names the closest finding id. The
  acknowledgments our constructs make are judged for our own pack only (for cdk-nag's packs, whether a
  stock rule fires is cdk-nag's logic, which no user could fix), and never for a pack that is not
  registered; one the user made for a pack name that no known pack has is judged (a misspelt pack).
- ``AcknowledgmentExpired`` (fatal): its expiry date has passed; it was not registered with CDK, so the
  finding it accepted is reported again, and this names it.
- ``AcknowledgmentExpiring`` (warning): it expires within 30 days.

Pure Python on plain values: the plugin (``_plugin.py``) gathers the findings and the records.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .._reasons import EXPIRY_WARNING_DAYS, Record
from ._model import PACK_NAME, Level

UNUSED = f"{PACK_NAME}-AcknowledgmentUnused"
EXPIRED = f"{PACK_NAME}-AcknowledgmentExpired"
EXPIRING = f"{PACK_NAME}-AcknowledgmentExpiring"

#: The governance findings, their level and what they mean (README, CHANGELOG, RULES.md).
GOVERNANCE: dict[str, tuple[Level, str]] = {
    UNUSED: (Level.FATAL, "An acknowledgment matches no finding of a watched pack (misspelt or stale)."),
    EXPIRED: (Level.FATAL, "An acknowledgment is past its expiry date; the finding it accepted is back."),
    EXPIRING: (Level.WARNING, f"An acknowledgment expires within {EXPIRY_WARNING_DAYS} days."),
}

#: Plugin names an acknowledgment may name without that pack being watched (cdk-nag's packs, CDK's own).
KNOWN_PLUGINS = frozenset({
    PACK_NAME, "AwsSolutions", "Serverless", "NIST.800.53.R5", "NIST.800.53.R4", "HIPAA.Security",
    "PCI.DSS.321", "CloudFormation-Validate", "Annotation",
})


@dataclass(frozen=True)
class Observed:
    """The findings one pack reported (before CDK applied acknowledgments): ``(rule id, construct path)``.
    ``rule_ids`` are the rules it ran (base ids), when known: an acknowledgment of a rule of the pack that
    was not run is not judged."""

    plugin: str
    findings: tuple[tuple[str, str], ...]
    rule_ids: frozenset[str] | None = None
    all_rule_ids: frozenset[str] | None = None


@dataclass(frozen=True)
class Verdict:
    rule: str
    path: str  # the construct the acknowledgment was given on ("" for the app)
    message: str
    fix: str
    level: Level


def _under(path: str, scope: str) -> bool:
    return not scope or path == scope or path.startswith(scope + "/")


def _bare(rule: str) -> str:
    return rule.split("::", 1)[1] if "::" in rule.split("[", 1)[0] else rule


def _closest(record: Record, observed: Observed | None, watched: Mapping[str, Observed]) -> str:
    wanted = record.rule_id
    if observed is None:
        plugins = sorted(set(watched) | KNOWN_PLUGINS)
        guess = difflib.get_close_matches(record.plugin, plugins, n=1, cutoff=0.5)
        hint = f"; did you mean the pack {guess[0]}?" if guess else ""
        return f"no pack named {record.plugin!r} ran (watched: {', '.join(sorted(watched))}){hint}"
    here = sorted({rule for rule, path in observed.findings if _under(path, record.path)})
    anywhere = sorted({rule for rule, _ in observed.findings})
    for pool, where in ((here, "here"), (anywhere, "elsewhere in the app")):
        guess = difflib.get_close_matches(wanted, pool, n=1, cutoff=0.6)
        if guess:
            paths = sorted(p for r, p in observed.findings if r == guess[0] and _under(p, record.path))
            at = f" at {paths[0]}" if paths else ""
            return f"closest finding id {where}: {guess[0]}{at}"
    if here:
        shown = ", ".join(here[:3]) + (" ..." if len(here) > 3 else "")
        return f"findings of {record.plugin} here: {shown}"
    names = sorted(observed.all_rule_ids or ())
    guess = difflib.get_close_matches(wanted.split("[", 1)[0], names, n=1, cutoff=0.6)
    rule_hint = f" (closest rule of the pack: {guess[0]})" if guess else ""
    return f"{record.plugin} reports no finding at or below this construct{rule_hint}"


def govern(records: Iterable[Record], watched: Mapping[str, Observed]) -> list[Verdict]:
    """The governance verdicts on ``records`` given the findings of the ``watched`` packs."""
    verdicts: list[Verdict] = []
    for record in records:
        if record.expired:
            verdicts.append(Verdict(
                EXPIRED,
                record.path,
                f"The acknowledgment {record.describe()} expired {-(record.days_left or 0)} day(s) ago "
                f"(reason: {record.reason}); the finding it accepted is reported again.",
                "Fix the finding, or renew the acknowledgment with a later expires= date and a current "
                "reason.",
                Level.FATAL,
            ))
            continue
        observed = watched.get(record.plugin)
        if observed is None and (record.ours or record.plugin in KNOWN_PLUGINS):
            continue  # a pack that was not registered (or not watched): not ours to judge
        if record.ours and record.plugin != PACK_NAME:
            # Our constructs acknowledge cdk-nag's findings of a property they weaken on request; whether a
            # stock rule fires is cdk-nag's logic (it changes between versions) and no user could fix it.
            continue
        base = record.rule_id.split("[", 1)[0]
        if (observed is not None and observed.rule_ids is not None and observed.all_rule_ids is not None
                and base in observed.all_rule_ids and base not in observed.rule_ids):
            continue  # a rule of the pack that this synth did not run
        matched = observed is not None and any(
            rule == record.rule_id and _under(path, record.path) for rule, path in observed.findings
        )
        if not matched:
            verdicts.append(Verdict(
                UNUSED,
                record.path,
                f"The acknowledgment {record.describe()} matches no finding: "
                f"{_closest(record, observed, watched)}.",
                "Use the finding id exactly as the synth prints it after 'Acknowledge with', on the "
                "construct that has the finding (or an ancestor), or remove the acknowledgment.",
                Level.FATAL,
            ))
            continue
        days = record.days_left
        if days is not None and days <= EXPIRY_WARNING_DAYS:
            verdicts.append(Verdict(
                EXPIRING,
                record.path,
                f"The acknowledgment {record.describe()} expires in {days} day(s); after "
                f"{record.expires} the finding comes back and fails the synth.",
                "Fix the finding, or renew the acknowledgment with a later expires= date.",
                Level.WARNING,
            ))
    return verdicts


def bare(rule: str) -> str:
    """``Plugin::Rule[x]`` -> ``Rule[x]``."""
    return _bare(rule)
