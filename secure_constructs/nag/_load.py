"""Read one template file (JSON, or YAML with short-form intrinsics) into plain data plus the line of each
resource, in pure Python. Anything that is not a readable CloudFormation template raises
:class:`SecureConstructsError` (the CLI turns it into exit 2 and one line).

JSON goes through the standard library's C scanner: each resource's value is decoded by it, and only the
two object levels above (the template and its ``Resources``/``Outputs``) are walked here, to note where each
key starts. That keeps the line numbers at the speed of ``json.loads`` (cfn-lint's line-keeping JSON decoder
is pure Python: about 0.9 ms per resource, 100 times slower). YAML goes through cfn-lint's decoder
(``cfnlint.decode.cfn_yaml``), which understands ``!Ref``/``!Sub``/``!GetAtt``... and keeps the line of
every key; it is imported only when a YAML file comes (it costs about 0.5 s of imports). A test checks that
both give the same lines on the same template.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from json.decoder import WHITESPACE, scanstring  # type: ignore[attr-defined]  # public, not in typeshed
from json.scanner import make_scanner
from typing import Any

from ..errors import SecureConstructsError

#: A template larger than this is refused (CloudFormation's own limit is 1 MB from S3).
MAX_TEMPLATE_BYTES = 64 * 1024 * 1024
#: Nesting deeper than this is refused: no CloudFormation template needs it, and rules walk values
#: recursively.
MAX_DEPTH = 200
#: Properties whose value CloudFormation also accepts as a JSON string (a policy document).
_JSON_DOCUMENT_KEYS = ("PolicyDocument", "AssumeRolePolicyDocument", "KeyPolicy")
#: Sections whose keys get a line each.
_SECTIONS = ("Resources", "Outputs")

_SCAN_ONCE = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]  # the C scanner when available
_WS = WHITESPACE.match


@dataclass
class Loaded:
    """One template as data, with the 1-based line of each resource (``lines["Resources"][id]``) and
    output (``lines["Outputs"][id]``) in the file it came from."""

    path: str
    template: dict[str, Any]
    lines: dict[str, dict[str, int]] = field(default_factory=dict)
    format: str = "json"

    def line_of(self, logical_id: str, section: str = "Resources") -> int | None:
        return self.lines.get(section, {}).get(logical_id)


def read_text(path: str) -> str:
    """The file's text; refuses unreadable, binary, non-UTF-8 and oversized files (SC-NAG-001/006)."""
    try:
        size = os.stat(path).st_size
        if size > MAX_TEMPLATE_BYTES:
            raise SecureConstructsError(
                "SC-NAG-006",
                path,
                "the file is too large to be a CloudFormation template",
                received=f"{size:,} bytes (limit {MAX_TEMPLATE_BYTES:,})",
                fix="Pass a template; CloudFormation itself accepts at most 1 MB",
            )
        with open(path, "rb") as handle:
            data = handle.read(MAX_TEMPLATE_BYTES + 1)
    except OSError as error:
        raise SecureConstructsError(
            "SC-NAG-001",
            path,
            "the template file cannot be read",
            received=f"{type(error).__name__}: {error.strerror or error}",
            fix="Pass the path of a readable CloudFormation template (JSON or YAML)",
        ) from error
    if b"\x00" in data:
        raise _binary(path, "it contains NUL bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _binary(path, f"byte {error.start} is not UTF-8") from error


def _binary(path: str, why: str) -> SecureConstructsError:
    return SecureConstructsError(
        "SC-NAG-001",
        path,
        "the file is not a text template (binary or not UTF-8)",
        received=why,
        fix="Pass a CloudFormation template in JSON or YAML, encoded as UTF-8",
    )


def load(path: str) -> Loaded:
    """Read and decode the template at ``path`` (see :func:`loads`)."""
    return loads(read_text(path), path)


def loads(text: str, path: str) -> Loaded:
    """Decode ``text`` (JSON when it starts with ``{``, else YAML) and check it is a template."""
    if text.lstrip()[:1] == "{":
        try:
            loaded = _loads_json(text, path)
        except _NotJson as not_json:
            try:  # a YAML flow mapping also starts with "{"
                loaded = _loads_yaml(text, path)
            except SecureConstructsError:
                raise not_json.error from None
    else:
        loaded = _loads_yaml(text, path)
    check_shape(loaded.template, path)
    _parse_json_documents(loaded.template)
    return loaded


# --- JSON -------------------------------------------------------------------------------------------------


class _NotJson(Exception):
    def __init__(self, error: SecureConstructsError) -> None:
        super().__init__(str(error))
        self.error = error


def _loads_json(text: str, path: str) -> Loaded:
    try:
        template, offsets = _decode_json(text)
    except RecursionError as error:
        raise _too_deep(path, "more nesting levels than Python's JSON decoder allows") from error
    except (ValueError, IndexError, StopIteration) as error:
        raise _NotJson(_json_error(text, path)) from error
    lines: dict[str, dict[str, int]] = {section: {} for section in offsets}
    line, last = 1, 0
    count = text.count
    for offset, section, key in sorted((o, s, k) for s, keys in offsets.items() for k, o in keys.items()):
        line += count("\n", last, offset)  # newlines between consecutive keys, counted in C
        last = offset
        lines[section][key] = line
    return Loaded(path, template, lines, "json")


def _walk_object(text: str, at: int, member: Callable[[str, int, int], int]) -> int:
    """Walk the JSON object whose ``{`` is at ``at``: ``member(key, key offset, value offset)`` decodes each
    value and returns where it ends. Returns the offset just past the closing ``}``; raises ValueError."""
    at = _WS(text, at + 1).end()
    if text[at] == "}":
        return at + 1
    while True:
        if text[at] != '"':
            raise ValueError("expected a key")
        key_at = at
        key, at = scanstring(text, at + 1)
        at = _WS(text, at).end()
        if text[at] != ":":
            raise ValueError("expected ':'")
        at = _WS(text, member(key, key_at, _WS(text, at + 1).end())).end()
        if text[at] == "}":
            return at + 1
        if text[at] != ",":
            raise ValueError("expected ',' or '}'")
        at = _WS(text, at + 1).end()


def _decode_json(text: str) -> tuple[Any, dict[str, dict[str, int]]]:
    """The template and the offset of each key of its Resources and Outputs; raises ValueError."""
    template: dict[str, Any] = {}
    offsets: dict[str, dict[str, int]] = {}

    def top_member(key: str, _key_at: int, value_at: int) -> int:
        if key in _SECTIONS and text[value_at] == "{":
            section: dict[str, Any] = {}
            where: dict[str, int] = {}

            def section_member(name: str, name_at: int, item_at: int) -> int:
                section[name], end = _SCAN_ONCE(text, item_at)
                where[name] = name_at
                return int(end)

            end = _walk_object(text, value_at, section_member)
            template[key], offsets[key] = section, where
            return end
        template[key], end = _SCAN_ONCE(text, value_at)
        return int(end)

    start = _WS(text, 0).end()
    if text[start] != "{":
        raise ValueError("not an object")
    end = _WS(text, _walk_object(text, start, top_member)).end()
    if end != len(text):
        raise ValueError("extra data after the template")
    return template, offsets


def _json_error(text: str, path: str) -> SecureConstructsError:
    try:
        json.loads(text)
        received = "a JSON document the template reader could not follow"
    except json.JSONDecodeError as error:
        received = f"{error.msg} at line {error.lineno} column {error.colno}"
    except RecursionError:
        return _too_deep(path, "more nesting levels than Python's JSON decoder allows")
    return SecureConstructsError(
        "SC-NAG-002",
        path,
        "the file is not valid JSON (nor YAML)",
        received=received,
        fix="Fix the syntax at that place (a CloudFormation template is JSON or YAML)",
    )


# --- YAML -------------------------------------------------------------------------------------------------


def _loads_yaml(text: str, path: str) -> Loaded:
    cfn_yaml = yaml_decoder(path)

    try:
        template = cfn_yaml.loads(text, path)
    except RecursionError as error:
        raise _too_deep(path, "more nesting levels than the YAML reader allows") from error
    except cfn_yaml.CfnParseError as error:
        match = error.matches[0]
        received = f"{match.message} at line {match.linenumber}"
        if "nesting depth" in match.message:
            raise _too_deep(path, received) from error
        raise _yaml_error(path, received) from error
    except Exception as error:  # noqa: BLE001 - PyYAML's scanner/parser errors and anything else it raises
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        received = f"{problem} at line {mark.line + 1} column {mark.column + 1}" if mark else str(problem)
        if "nesting depth" in str(problem) or "recursion" in str(problem):
            raise _too_deep(path, received) from error
        raise _yaml_error(path, received) from error
    lines: dict[str, dict[str, int]] = {}
    if isinstance(template, dict):
        for section in _SECTIONS:
            value = template.get(section)
            if isinstance(value, dict):
                lines[section] = {
                    str(key): key.start_mark.line + 1 for key in value if hasattr(key, "start_mark")
                }
    return Loaded(path, template, lines, "yaml")


def yaml_decoder(path: str) -> Any:
    """cfn-lint's YAML decoder, imported on first use (about 0.5 s: it imports cfn-lint's rule machinery)."""
    try:
        from cfnlint.decode import cfn_yaml
    except ImportError as error:
        raise missing_extra(path, "cfn-lint", error) from error
    return cfn_yaml


def missing_extra(path: str, package: str, error: ImportError) -> SecureConstructsError:
    return SecureConstructsError(
        "SC-NAG-011",
        path,
        f"reading this template needs {package}, an optional dependency of the scanner",
        received=f"ImportError: {error}",
        fix="Install the scanner's extra: pip install 'secure-constructs[scan]'",
    )


def _yaml_error(path: str, received: str) -> SecureConstructsError:
    return SecureConstructsError(
        "SC-NAG-002",
        path,
        "the file is not valid YAML (nor JSON)",
        received=received[:300],
        fix="Fix the syntax at that place (a CloudFormation template is JSON or YAML)",
    )


def _too_deep(path: str, received: str) -> SecureConstructsError:
    return SecureConstructsError(
        "SC-NAG-007",
        path,
        "the template is nested too deeply to be a CloudFormation template",
        received=received,
        fix=f"Pass a template nested at most {MAX_DEPTH} levels deep",
    )


# --- shape ------------------------------------------------------------------------------------------------


def check_shape(template: Any, path: str) -> None:
    """Raise SC-NAG-003 unless ``template`` has a non-empty Resources object of typed resources, and
    SC-NAG-007 when it nests deeper than :data:`MAX_DEPTH`."""
    resources = template.get("Resources") if isinstance(template, dict) else None
    if (
        not isinstance(resources, dict)
        or not resources
        or not all(isinstance(r, dict) and isinstance(r.get("Type"), str) for r in resources.values())
    ):
        raise SecureConstructsError(
            "SC-NAG-003",
            path,
            "the file is not a CloudFormation template",
            received=_shape_of(template),
            fix="Pass a template with a non-empty Resources object, each resource with a Type",
        )
    depth = _depth(template)
    if depth > MAX_DEPTH:
        raise _too_deep(path, f"{depth} levels")


def _shape_of(template: Any) -> str:
    if not isinstance(template, dict):
        return f"a {type(template).__name__} at the top level, not an object"
    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resources:
        return "no Resources object, or an empty one"
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            return f"resource {str(logical_id)[:80]!r} has no Type"
    return "a document of another shape"  # pragma: no cover


def _depth(value: Any) -> int:
    """Nesting depth of ``value``, without recursion (it may be deep)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        item, level = pop()
        if level > deepest:
            deepest = level
            if deepest > MAX_DEPTH:
                return deepest
        if isinstance(item, dict):
            for child in item.values():
                if isinstance(child, (dict, list)):
                    push((child, level + 1))
        elif isinstance(item, list):
            for child in item:
                if isinstance(child, (dict, list)):
                    push((child, level + 1))
    return deepest


def _parse_json_documents(template: dict[str, Any]) -> None:
    """Policy documents given as JSON strings (CloudFormation accepts both) become objects, so that the
    rules read them like any other document."""
    for resource in template["Resources"].values():
        properties = resource.get("Properties")
        if not isinstance(properties, dict):
            continue
        holders = [properties] + [p for p in _as_list(properties.get("Policies")) if isinstance(p, dict)]
        for holder in holders:
            for key in _JSON_DOCUMENT_KEYS:
                value = holder.get(key)
                if isinstance(value, str) and value.lstrip()[:1] == "{":
                    parsed = _parse_json(value)
                    if isinstance(parsed, dict):
                        holder[key] = parsed


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None
