"""Merging secure defaults with user overrides, and the guard that refuses an override that weakens a
declared security property.

The guard does not keep its own idea of "weaker": it applies the property's declared CloudFormation
condition (the rule of the pack, :mod:`secure_constructs.nag`) to the resources the construct has just
built. An argument the user changed that makes a property's rule fail raises SC-GEN-002, unless the caller
names it in ``accepted_risks`` with a reason; the reason then acknowledges exactly the findings the rule
reports (and the declared cdk-nag findings of the same property), so the validation report carries it.
Misspelt keys raise SC-GEN-001, checked against the wrapped CDK class's own signature; keys the construct
manages raise SC-GEN-004.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Collection, Mapping
from functools import cache
from typing import Any

from constructs import IConstruct

from .acknowledgments import acknowledge_all, check_reason
from .errors import SecureConstructsError
from .nag._model import Level
from .nag.declarations import ConstructSettings, settings_of


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


class Guard:
    """One construct's overrides, the arguments it was given, and the check of what they built.

    ``construct`` names the construct in the declarations (``"SecureFunction"``); ``parameters`` are the
    construct's own arguments that set a declared property (``{"log_removal_policy": ...}``), judged when
    they differ from the declared default.
    """

    def __init__(
        self,
        where: IConstruct | str,
        construct: str,
        accepted_risks: Mapping[str, str] | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> None:
        self.where = where
        self.settings: ConstructSettings = settings_of(construct)
        self.changed: dict[str, Any] = {}
        self.reasons: dict[str, str] = {}
        for key, reason in dict(accepted_risks or {}).items():
            if key not in self.settings.guarded:
                raise SecureConstructsError(
                    "SC-GEN-001",
                    where,
                    f"accepted_risks names {key!r}, which is not a security setting of {construct}",
                    received=key,
                    fix=f"Only name arguments that set a security property: {sorted(self.settings.guarded)}",
                )
            self.reasons[key] = check_reason(where, reason, f"Weakening {key!r}")
        for key, value in dict(parameters or {}).items():
            if self.settings.differs(key, value):
                self.changed[key] = value

    def merge(
        self,
        cls: type,
        defaults: Mapping[str, Any],
        overrides: Mapping[str, Any] | None,
        *,
        managed: Collection[str] = (),
    ) -> dict[str, Any]:
        """``defaults`` with ``overrides`` over them, for ``cls`` (SC-GEN-001, SC-GEN-004)."""
        overrides = dict(overrides or {})
        check_keys(self.where, cls, overrides)
        for key in overrides:
            if key in managed:
                raise SecureConstructsError(
                    "SC-GEN-004",
                    self.where,
                    f"override {key!r} is managed by the construct",
                    received=key,
                    fix="Use the construct's own parameter for it (see its docstring) instead of overrides",
                )
        self.changed.update({key: value for key, value in overrides.items() if key in self.settings.guarded})
        return {**defaults, **overrides}

    def check(self, *scopes: IConstruct) -> None:
        """Judge the resources under ``scopes`` (just built) with the rules of the properties that a changed
        argument sets: acknowledge what the user accepted with a reason, refuse the rest (SC-GEN-002).

        Nothing is rendered when no security argument was changed: the defaults themselves are proven by
        the examples' synth and the self-mutation test.
        """
        unused = {key for key in self.reasons if key not in self.changed}
        if unused:
            key = sorted(unused)[0]
            raise SecureConstructsError(
                "SC-GEN-001",
                self.where,
                f"accepted_risks names {key!r}, which was not changed from its secure default",
                received=key,
                fix=f"Remove {key!r} from accepted_risks",
            )
        specs = self.settings.specs_for(self.changed)
        if not specs:
            return
        from ._render import render_resources
        from .nag.declarations import judge

        rendered = render_resources(scopes)
        used: set[str] = set()
        for construct, logical_id, finding_ids, spec in judge(rendered, specs):
            keys = sorted(self.settings.keys_of(spec) & set(self.changed))
            accepted = [key for key in keys if key in self.reasons]
            if not accepted:
                self._discard()
                raise SecureConstructsError(
                    "SC-GEN-002",
                    self.where,
                    f"{'/'.join(repr(k) for k in keys)} weakens a security default: {finding_ids[0][1]}",
                    received={key: self.changed[key] for key in keys} if keys else logical_id,
                    fix=(
                        f"Remove the override, or accept the risk explicitly with accepted_risks="
                        f"{{{keys[0] if keys else 'key'!r}: '<why this is acceptable>'}} ({spec.rule_id})"
                    ),
                )
            if spec.level is Level.FATAL:
                self._discard()
                raise SecureConstructsError(
                    "SC-GEN-006",
                    self.where,
                    f"{'/'.join(repr(k) for k in accepted)} weakens a property that can never be accepted: "
                    f"{finding_ids[0][1]}",
                    received={key: self.changed[key] for key in accepted},
                    fix=f"Remove the override and its accepted_risks entry ({spec.rule_id} cannot be "
                    "acknowledged)",
                )
            used.update(accepted)
            reason = " | ".join(self.reasons[key] for key in accepted)
            acknowledge_all(
                construct,
                [rule for rule, _ in finding_ids] + list(spec.stock_ids),
                f"{spec.info.rstrip('.')}, on purpose: {reason}",
            )
        checked = {key for key in self.reasons if self.settings.all_guarded(key)}
        idle = sorted(checked - used)
        if idle:
            raise SecureConstructsError(
                "SC-GEN-001",
                self.where,
                f"accepted_risks names {idle[0]!r}, but its value weakens no security property",
                received=idle[0],
                fix=f"Remove {idle[0]!r} from accepted_risks",
            )

    def _discard(self) -> None:
        """Take the refused construct out of the tree, so that code that catches the error (a test, a
        notebook) does not synthesize what was refused."""
        node = getattr(self.where, "node", None)
        if node is not None and node.scope is not None:
            node.scope.node.try_remove_child(node.id)
