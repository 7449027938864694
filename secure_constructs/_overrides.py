"""Merging secure defaults (data) with user overrides, refusing the ones that weaken an invariant.

Plumbing defaults are freely overridable. Security invariants are not: an override that weakens one raises
SC-GEN-002 unless the caller names it in ``accepted_risks`` with a reason, and that reason is then recorded
as an audited acknowledgment of the findings the weakened value triggers. Misspelt keys raise SC-GEN-001,
checked against the wrapped CDK class's own signature (Python kwargs are otherwise untyped).
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from constructs import IConstruct

from .acknowledgments import acknowledge, check_reason
from .errors import SecureConstructsError


@dataclass(frozen=True)
class Invariant:
    """A security property that an override may only weaken with a reason.

    ``weakens(value)`` says whether an overriding value weakens it; ``rule_ids`` are the validation findings
    that such a value triggers, acknowledged with the caller's reason so the report carries it.
    """

    key: str
    description: str
    weakens: Callable[[Any], bool]
    rule_ids: tuple[str, ...] = ()


@dataclass
class Merged:
    """Result of :func:`merge_props`: the kwargs to build with and the risks the caller accepted."""

    props: dict[str, Any]
    accepted: list[tuple[Invariant, str]] = field(default_factory=list)

    def acknowledge_on(self, construct: IConstruct) -> None:
        """Record every accepted risk as an audited acknowledgment on ``construct``."""
        for invariant, reason in self.accepted:
            for rule_id in invariant.rule_ids:
                acknowledge(construct, rule_id, f"{invariant.description} weakened on purpose: {reason}")


@cache
def keyword_names(cls: type) -> frozenset[str]:
    """The keyword arguments ``cls(scope, id, **kwargs)`` accepts."""
    params = inspect.signature(cls.__init__).parameters  # type: ignore[misc]  # the class's own signature
    return frozenset(name for name, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY)


def check_keys(where: IConstruct | str, cls: type, keys: Collection[str], *, what: str = "overrides") -> None:
    """Raise SC-GEN-001 for the first key that ``cls`` does not accept."""
    known = keyword_names(cls)
    for key in keys:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"Did you mean {close[0]!r}? " if close else ""
            raise SecureConstructsError(
                "SC-GEN-001",
                where,
                f"{what} key {key!r} is not an argument of {cls.__module__}.{cls.__qualname__}",
                received=key,
                fix=f"{hint}Use the snake_case name of a {cls.__qualname__} argument",
            )


def merge_props(
    where: IConstruct | str,
    cls: type,
    defaults: Mapping[str, Any],
    overrides: Mapping[str, Any] | None,
    *,
    invariants: Sequence[Invariant] = (),
    managed: Collection[str] = (),
    accepted_risks: Mapping[str, str] | None = None,
) -> Merged:
    """Merge ``overrides`` over ``defaults`` for ``cls``, enforcing ``invariants``.

    ``managed`` keys are set by the construct itself (e.g. ``role``) and cannot be overridden (SC-GEN-004):
    the construct offers a dedicated parameter for them.
    """
    overrides = dict(overrides or {})
    accepted_risks = dict(accepted_risks or {})
    check_keys(where, cls, overrides)
    for key in overrides:
        if key in managed:
            raise SecureConstructsError(
                "SC-GEN-004",
                where,
                f"override {key!r} is managed by the construct",
                received=key,
                fix="Use the construct's own parameter for it (see its docstring) instead of overrides",
            )
    by_key = {inv.key: inv for inv in invariants}
    for key in accepted_risks:
        if key not in by_key or key not in overrides:
            raise SecureConstructsError(
                "SC-GEN-001",
                where,
                f"accepted_risks names {key!r}, which is not a weakened security default of this construct",
                received=key,
                fix=f"Only name overridden security defaults: {sorted(by_key)}",
            )
    merged = Merged(props={**defaults, **overrides})
    for key, value in overrides.items():
        invariant = by_key.get(key)
        if invariant is None or not invariant.weakens(value):
            continue
        if key not in accepted_risks:
            raise SecureConstructsError(
                "SC-GEN-002",
                where,
                f"override {key!r} weakens a security default ({invariant.description})",
                received=value,
                fix=(
                    f"Remove the override, or accept the risk explicitly with "
                    f"accepted_risks={{{key!r}: '<why this is acceptable>'}}"
                ),
            )
        reason = check_reason(where, accepted_risks[key], f"Weakening {key!r}")
        merged.accepted.append((invariant, reason))
    return merged
