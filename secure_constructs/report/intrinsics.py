"""Render CloudFormation values readably: ``{"Fn::GetAtt": ["Table", "Arn"]}`` -> ``Table.Arn``.

Inside a string (``Fn::Join``, ``Fn::Sub``) a reference becomes a ``${Token}`` placeholder, so
``{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::b/*"]]}``
reads ``arn:${AWS::Partition}:s3:::b/*``.
"""

from __future__ import annotations

import json
from typing import Any


def render(value: Any) -> str:
    """A one-line, human-readable form of a CloudFormation value (literal or intrinsic)."""
    return _render(value, embedded=False)


def _render(value: Any, *, embedded: bool) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return ", ".join(_render(v, embedded=embedded) for v in value)
    if isinstance(value, dict) and len(value) == 1:
        (name, arg), = value.items()
        text = _intrinsic(name, arg)
        if text is not None:
            if embedded and name in ("Ref", "Fn::GetAtt", "Fn::ImportValue"):
                return "${" + text + "}"
            return text
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _intrinsic(name: str, arg: Any) -> str | None:
    if name == "Ref" and isinstance(arg, str):
        return arg
    if name == "Fn::GetAtt":
        if isinstance(arg, list) and len(arg) == 2:
            return f"{_render(arg[0], embedded=False)}.{_render(arg[1], embedded=False)}"
        if isinstance(arg, str):
            return arg
        return None
    if name == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
        separator = arg[0] if isinstance(arg[0], str) else ""
        return separator.join(_render(part, embedded=True) for part in arg[1])
    if name == "Fn::Sub":
        if isinstance(arg, str):
            return arg
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
            text = arg[0]
            for var, sub in arg[1].items():
                text = text.replace("${" + var + "}", _render(sub, embedded=True))
            return text
        return None
    if name == "Fn::ImportValue":
        return f"import:{_render(arg, embedded=False)}"
    if name.startswith("Fn::"):
        args = arg if isinstance(arg, list) else [arg]
        return f"{name[4:]}({', '.join(_render(a, embedded=False) for a in args)})"
    return None


def references(value: Any) -> set[str]:
    """Logical ids that ``value`` refers to through ``Ref``, ``Fn::GetAtt`` or ``${Id}`` in ``Fn::Sub``."""
    found: set[str] = set()
    _collect(value, found)
    return {ref for ref in found if not ref.startswith("AWS::")}


def _collect(value: Any, found: set[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _collect(item, found)
    elif isinstance(value, dict):
        if len(value) == 1:
            (name, arg), = value.items()
            if name == "Ref" and isinstance(arg, str):
                found.add(arg)
                return
            if name == "Fn::GetAtt":
                target = arg[0] if isinstance(arg, list) and arg else str(arg).split(".", 1)[0]
                if isinstance(target, str):
                    found.add(target)
                return
            if name == "Fn::Sub":
                template = arg[0] if isinstance(arg, list) and arg else arg
                if isinstance(template, str):
                    found.update(_sub_vars(template))
        for item in value.values():
            _collect(item, found)


def _sub_vars(template: str) -> set[str]:
    names: set[str] = set()
    start = template.find("${")
    while start != -1:
        end = template.find("}", start)
        if end == -1:
            break
        var = template[start + 2 : end]
        if not var.startswith("!"):
            names.add(var.split(".", 1)[0])
        start = template.find("${", end)
    return names
