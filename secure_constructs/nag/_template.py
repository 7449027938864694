"""Whole-template lookups for rules: Ref/GetAtt resolution, who references whom, Fn::If branches.

Rules read the synthesized CloudFormation JSON (plain dicts), so they see escape-hatch overrides and
CfnInclude'd resources exactly as CloudFormation will.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from ._model import Undecidable

T = TypeVar("T")

NO_VALUE = {"Ref": "AWS::NoValue"}


class _Missing:
    """An absent property (or ``AWS::NoValue``): distinct from an explicit ``null``."""

    def __repr__(self) -> str:
        return "absent"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()
_SUB_REF = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def as_list(value: Any) -> list[Any]:
    """``None`` -> ``[]``, a scalar -> ``[scalar]``, a list -> itself."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def is_intrinsic(value: Any) -> bool:
    """True for ``{"Ref": ...}``, ``{"Fn::...": ...}`` and ``{"Condition": ...}``."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (key,) = value
    return key == "Ref" or key == "Condition" or key.startswith("Fn::")


def props(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource's Properties (``{}`` when absent)."""
    value = resource.get("Properties")
    return value if isinstance(value, dict) else {}


def get_path(value: Any, *keys: str) -> Any:
    """``get_path(p, "A", "B")`` = ``p["A"]["B"]``, or None when a level is missing or not a dict."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def flatten(value: Any) -> str | None:
    """A string view of a value built with Fn::Join/Fn::Sub: literal parts kept, references shown as
    ``${Name}`` (a Ref: a resource, a parameter or ``AWS::Partition``) or ``${Name.Attr}`` (Fn::GetAtt), other
    intrinsics as ``${?}``. None when the value is not string-like (a number, a list, a Fn::If)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            parts = [flatten(part) for part in arg[1]]
            sep = arg[0] if isinstance(arg[0], str) else ""
            return sep.join(part if part is not None else "${?}" for part in parts)
        if key == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) and arg else arg
            return text if isinstance(text, str) else None
        if key == "Ref" and isinstance(arg, str):
            return "${" + arg + "}"
        if key == "Fn::GetAtt":
            names = arg if isinstance(arg, list) else str(arg).split(".", 1)
            if len(names) == 2 and all(isinstance(n, str) for n in names):
                return "${" + f"{names[0]}.{names[1]}" + "}"
            return "${?}"
        if key in ("Fn::ImportValue", "Fn::Select", "Fn::FindInMap"):
            return "${?}"
    return None


def strings_in(value: Any) -> Iterator[str]:
    """Every string anywhere inside ``value`` (keys excluded)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def when(conds: tuple[str, ...]) -> str:
    """``" when A and not B"`` for a branch's conditions, ``""`` for an unconditional value."""
    return f" when {' and '.join(conds)}" if conds else ""


def show(value: Any) -> str:
    """A short, single-line rendering of a template value for a finding's detail (never a secret: callers
    only show security settings)."""
    if value is MISSING:
        return "absent"
    text = json.dumps(value, sort_keys=True, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


class TemplateContext:
    """One synthesized template, with the lookups cross-resource rules need."""

    def __init__(self, template: dict[str, Any], *, template_dir: str | None = None) -> None:
        self.template = template
        #: the folder the template was read from (staged assets are relative to it), when known
        self.template_dir = template_dir
        resources = template.get("Resources")
        self.resources: dict[str, dict[str, Any]] = {
            lid: res
            for lid, res in (resources.items() if isinstance(resources, dict) else ())
            if isinstance(res, dict)
        }
        params = template.get("Parameters")
        self.parameters: dict[str, Any] = params if isinstance(params, dict) else {}
        outputs = template.get("Outputs")
        self.outputs: dict[str, Any] = outputs if isinstance(outputs, dict) else {}
        self._by_type: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for lid, res in self.resources.items():
            self._by_type.setdefault(str(res.get("Type", "")), []).append((lid, res))
        self._referrers: dict[str, set[str]] | None = None
        self._memo: dict[str, Any] = {}

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per template (for indexes that several resources share)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[no-any-return]

    # --- lookups ------------------------------------------------------------------------------------

    def of_type(self, *types: str) -> list[tuple[str, dict[str, Any]]]:
        """(logical id, resource) for every resource of these types, in template order."""
        out: list[tuple[str, dict[str, Any]]] = []
        for resource_type in types:
            out += self._by_type.get(resource_type, [])
        return out

    def type_of(self, logical_id: str | None) -> str | None:
        res = self.resources.get(logical_id or "")
        return None if res is None else str(res.get("Type", ""))

    def target(self, value: Any) -> str | None:
        """The logical id a ``Ref``/``Fn::GetAtt`` points to (None for literals and other intrinsics)."""
        if isinstance(value, dict) and len(value) == 1:
            if "Ref" in value and isinstance(value["Ref"], str):
                return value["Ref"] if value["Ref"] in self.resources else None
            att = value.get("Fn::GetAtt")
            if isinstance(att, list) and att and isinstance(att[0], str):
                return att[0] if att[0] in self.resources else None
            if isinstance(att, str):
                head = att.split(".", 1)[0]
                return head if head in self.resources else None
        return None

    def references(self, value: Any) -> set[str]:
        """Every resource logical id referenced anywhere inside ``value`` (Ref, GetAtt, Sub)."""
        found: set[str] = set()
        self._collect(value, found)
        return found

    def _collect(self, value: Any, found: set[str]) -> None:
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key == "Ref" and isinstance(arg, str) and arg in self.resources:
                    found.add(arg)
                    return
                if key == "Fn::GetAtt":
                    head = (
                        arg[0]
                        if isinstance(arg, list) and arg
                        else (arg.split(".", 1)[0] if isinstance(arg, str) else None)
                    )
                    if isinstance(head, str) and head in self.resources:
                        found.add(head)
                    return
                if key == "Fn::Sub":
                    text = arg[0] if isinstance(arg, list) and arg else arg
                    if isinstance(text, str):
                        found.update(m for m in _SUB_REF.findall(text) if m in self.resources)
                    if isinstance(arg, list) and len(arg) > 1:
                        self._collect(arg[1], found)
                    return
            for item in value.values():
                self._collect(item, found)
        elif isinstance(value, list):
            for item in value:
                self._collect(item, found)

    def referrers(self, logical_id: str, *types: str) -> list[str]:
        """Logical ids of resources (of ``types``, if given) whose properties reference ``logical_id``."""
        if self._referrers is None:
            index: dict[str, set[str]] = {}
            for lid, res in self.resources.items():
                for ref in self.references(res.get("Properties")):
                    index.setdefault(ref, set()).add(lid)
            self._referrers = index
        found = self._referrers.get(logical_id, set())
        ordered = [lid for lid in self.resources if lid in found]
        return [lid for lid in ordered if not types or self.type_of(lid) in types]

    # --- deciding on values that may be conditional -------------------------------------------------

    def branches(self, value: Any) -> list[Any]:
        """The values ``value`` can take: Fn::If expanded (AWS::NoValue -> None); a Ref to a parameter
        with AllowedValues expands to those values. Anything else is returned as is."""
        if isinstance(value, dict) and len(value) == 1:
            if value == NO_VALUE:
                return [None]
            arg = value.get("Fn::If")
            if isinstance(arg, list) and len(arg) == 3:
                return self.branches(arg[1]) + self.branches(arg[2])
            ref = value.get("Ref")
            if isinstance(ref, str) and ref in self.parameters:
                allowed = get_path(self.parameters[ref], "AllowedValues")
                if isinstance(allowed, list) and allowed:
                    return list(allowed)
        return [value]

    def decide(self, value: Any, predicate: Callable[[Any], T], what: str) -> T:
        """``predicate`` applied to every branch of ``value``; raises Undecidable when they disagree."""
        results = [predicate(branch) for branch in self.branches(value)]
        first = results[0]
        if any(result != first for result in results[1:]):
            raise Undecidable(
                f"Unresolved::{what}",
                f"{what} depends on a condition or parameter whose values differ in compliance",
            )
        return first

    def conditional(self, value: Any) -> list[tuple[Any, tuple[str, ...]]]:
        """Like :meth:`branches`, each value with the conditions that lead to it (``"IsProd"``,
        ``"not IsProd"``, ``"Param = 'x'"``); ``AWS::NoValue`` becomes :data:`MISSING`."""
        if isinstance(value, dict) and len(value) == 1:
            if value == NO_VALUE:
                return [(MISSING, ())]
            arg = value.get("Fn::If")
            if isinstance(arg, list) and len(arg) == 3:
                name = arg[0] if isinstance(arg[0], str) else "?"
                return [
                    (v, (name, *conds)) for v, conds in self.conditional(arg[1])
                ] + [(v, (f"not {name}", *conds)) for v, conds in self.conditional(arg[2])]
            ref = value.get("Ref")
            if isinstance(ref, str) and ref in self.parameters:
                allowed = get_path(self.parameters[ref], "AllowedValues")
                if isinstance(allowed, list) and allowed:
                    return [(v, (f"{ref} = {v!r}",)) for v in allowed]
        return [(value, ())]

    def at(self, value: Any, path: str, what: str | None = None) -> list[tuple[Any, tuple[str, ...]]]:
        """Every value found at the dotted ``path`` inside ``value`` (a resource's Properties), one per
        combination of Fn::If branches met on the way, each with its conditions. A level that is absent
        gives :data:`MISSING`; an intrinsic other than Fn::If where an object is needed cannot be read
        (Undecidable, fail closed). The leaf itself is returned as is (it may be an intrinsic)."""
        keys = [k for k in path.split(".") if k]
        out: list[tuple[Any, tuple[str, ...]]] = []

        def walk(node: Any, index: int, conds: tuple[str, ...]) -> None:
            for branch, more in self.conditional(node) if index else [(node, ())]:
                here = conds + more
                if index == len(keys):
                    out.append((branch, here))
                elif branch is MISSING or branch is None:
                    out.append((MISSING, here))
                elif isinstance(branch, dict) and is_intrinsic(branch):
                    shown = ".".join(keys[:index]) or "Properties"
                    raise Undecidable(
                        f"Unresolved::{what or path}",
                        f"{shown} is set by intrinsic {next(iter(branch))}, so {path} cannot be read",
                    )
                elif isinstance(branch, dict):
                    walk(branch.get(keys[index], MISSING), index + 1, here)
                else:
                    out.append((MISSING, here))

        walk(value, 0, ())
        return out

    def insecure_when(self, value: Any, is_insecure: Callable[[Any], bool]) -> str | None:
        """``None`` when every value ``value`` can take (its Fn::If branches, a parameter's allowed values)
        is secure; otherwise ``""`` when it is insecure unconditionally, or ``" when <conditions>"`` naming
        the conditions of an insecure branch. ``is_insecure`` receives :data:`MISSING` for an absent value."""
        for branch, conds in self.conditional(MISSING if value is None else value):
            if is_insecure(branch):
                return when(conds)
        return None

    def literal(self, value: Any, what: str) -> Any:
        """``value`` itself when it is a literal (or None); raises Undecidable for an intrinsic."""
        if value is None or not isinstance(value, (dict, list)):
            return value
        if isinstance(value, list):
            return value
        if is_intrinsic(value):
            ref = value.get("Ref")
            source = (
                f"parameter {ref}"
                if isinstance(ref, str) and ref in self.parameters
                else (f"intrinsic {next(iter(value))}")
            )
            raise Undecidable(
                f"Unresolved::{what}",
                f"{what} is set by {source} at deploy time, and the rule needs a literal value to decide",
            )
        return value
