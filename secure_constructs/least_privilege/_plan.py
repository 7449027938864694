"""From an analysis and a way to resolve each bound name to a resource, the exact statements to grant and
the calls that cannot be granted (with why). Pure: shared by ``grant_from_code`` and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import _iam
from ._kinds import suffix_for
from ._scan import SdkCall
from ._sources import Analysis


@dataclass(frozen=True)
class Target:
    """A resource a name resolves to: its kind (``_kinds.RESOURCE_TYPES``), ARN, and the ARN of the
    customer managed KMS key that encrypts it (None without one). ARNs may be CDK tokens."""

    kind: str
    arn: str
    key_arn: str | None = None


@dataclass(frozen=True, order=True)
class Unresolved:
    """A call that gets no grant: declare its permission by hand (``add_to_role_policy`` with a reason)."""

    file: str
    line: int
    why: str


@dataclass(frozen=True)
class Statement:
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: tuple[tuple[str, str], ...] = ()  # (condition key, value) for StringEquals

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "Effect": "Allow",
            "Action": list(self.actions) if len(self.actions) > 1 else self.actions[0],
            "Resource": list(self.resources) if len(self.resources) > 1 else self.resources[0],
        }
        if self.condition:
            document["Condition"] = {"StringEquals": dict(self.condition)}
        return document


Resolver = Callable[[str], "Target | str"]


def plan(
    analysis: Analysis, resolve: Resolver, resolve_index: Callable[[str], str | None], region: str
) -> tuple[list[Statement], list[Unresolved]]:
    """The statements that allow exactly what ``analysis`` found on exactly the resources its names
    resolve to (``resolve(name)`` gives a Target, or why not), and every call left out."""
    grants: dict[tuple[str, tuple[tuple[str, str], ...]], set[str]] = {}
    unresolved = [Unresolved(u.file, u.line, u.reason) for u in analysis.unresolved]
    for call in analysis.calls:
        where = f"{call.service} {call.operation}"
        if call.reason is not None:
            unresolved.append(Unresolved(call.file, call.line, f"{where}: {call.reason}"))
            continue
        if call.key is None:  # actions that IAM only accepts on Resource "*"
            for action in call.actions:
                grants.setdefault(("*", ()), set()).add(action)
            continue
        target = resolve(call.key)
        if isinstance(target, str):
            unresolved.append(Unresolved(call.file, call.line, f"{where}: {target}"))
            continue
        index = _index(call, resolve_index)
        if isinstance(index, Unresolved):
            unresolved.append(index)
            continue
        for action in call.actions:
            suffix = suffix_for(action, target.kind, index)
            if suffix is None:
                unresolved.append(
                    Unresolved(
                        call.file,
                        call.line,
                        f"{where}: {action} does not act on a {target.kind} "
                        f"({call.key} names a {target.kind})",
                    )
                )
                continue
            grants.setdefault((target.arn + suffix, ()), set()).add(action)
        kms = _iam.KMS_VIA_ENCRYPTION.get((call.service, call.operation), ())
        if kms and target.key_arn is not None:
            via = (("kms:ViaService", f"{_iam.VIA_SERVICE[call.service]}.{region}.amazonaws.com"),)
            grants.setdefault((target.key_arn, via), set()).update(kms)
    return merge(grants), sorted(set(unresolved))


def merge(grants: dict[tuple[str, tuple[tuple[str, str], ...]], set[str]]) -> list[Statement]:
    """One statement per (action set, condition), listing every resource that needs exactly that set."""
    by_actions: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], list[str]] = {}
    for (resource, condition), actions in grants.items():
        by_actions.setdefault((tuple(sorted(actions)), condition), []).append(resource)
    return [
        Statement(actions, tuple(resources), condition)
        for (actions, condition), resources in sorted(
            by_actions.items(), key=lambda item: (item[0], str(item[1]))
        )
    ]


def _index(call: SdkCall, resolve_index: Callable[[str], str | None]) -> str | None | Unresolved:
    if call.index is None or not call.index.startswith("$"):
        return call.index
    name = resolve_index(call.index[1:])
    if name is None:
        return Unresolved(
            call.file,
            call.line,
            f"{call.service} {call.operation}: the index name comes from environment variable "
            f"{call.index[1:]}, which holds no literal index name",
        )
    return name
