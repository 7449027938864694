"""What each Secure* construct changes, compared with the plain L2 built from the same arguments: every
(resource type, property path) that differs is declared by a property, or listed as not security-relevant
with a reason (``secure_constructs.nag.NOT_SECURITY_RELEVANT``)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from secure_constructs.testing import normalize

Paths = Counter  # (type, path, value) -> count

ATTRIBUTES = ("DeletionPolicy", "UpdateReplacePolicy")


def _normalized_value(value: Any, types: dict[str, str]) -> Any:
    """References name the type of what they point to (logical ids differ between the two apps)."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" and isinstance(arg, str):
                return {"Ref": types.get(arg, arg)}
            if key == "Fn::GetAtt":
                parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
                return {"Fn::GetAtt": [types.get(parts[0], parts[0]), *parts[1:]]}
        return {k: _normalized_value(v, types) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalized_value(v, types) for v in value]
    if isinstance(value, str):
        for lid, resource_type in types.items():
            value = value.replace("${" + lid, "${" + resource_type)
        return value
    return value


def _leaves(value: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict) and not (len(value) == 1 and next(iter(value)).startswith(("Ref", "Fn::"))):
        for key, item in value.items():  # an empty object has no leaf
            yield from _leaves(item, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix, value


def paths(
    template: dict[str, Any], ignore: Callable[[str, dict[str, Any]], bool] = lambda t, r: False
) -> Paths:
    """(type, property path, value) of every leaf of every resource (lists are leaves), resource attributes
    included; resources ``ignore`` picks out (the handler both apps share) are left out."""
    resources = normalize(template).get("Resources", {})
    types = {lid: res.get("Type", "") for lid, res in resources.items()}
    out: Paths = Counter()
    for resource in resources.values():
        resource_type = resource.get("Type", "")
        if ignore(resource_type, resource):
            continue
        for attribute in ATTRIBUTES:
            out[(resource_type, attribute, resource.get(attribute, "Delete"))] += 1
        for path, value in _leaves(_normalized_value(resource.get("Properties", {}), types), ""):
            out[(resource_type, path, json.dumps(value, sort_keys=True))] += 1
    return out


def differing(ours: Paths, plain: Paths) -> set[tuple[str, str]]:
    """(type, path) of every leaf whose values differ between the two apps, or that only one of them has."""
    return {(t, p) for (t, p, _), _ in ((ours - plain) + (plain - ours)).items()}


def covered(resource_type: str, path: str, declared: set[tuple[str, str]]) -> bool:
    """Whether a declared (type, path) covers this one: the same type (or ``*``), the path or a parent."""
    return any(t in (resource_type, "*") and (path == p or path.startswith(p + ".")) for t, p in declared)


def declared_paths(rules: Any) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for spec in rules:
        for entry in spec.paths:
            if isinstance(entry, tuple):
                out.add(entry)
            else:
                out.update((t, entry) for t in spec.resource_types)
    return out
