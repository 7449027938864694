"""Where the user's code created each of our constructs (``app.py:12``), so that a finding on a resource
the construct made can point at that line. Recorded when the construct is built, without calls into the
jsii runtime; paths are worked out at synth (:func:`creation_sites`), where the validation plugin writes
them beside the templates (``secure_constructs.sources.json`` in the cloud assembly), never into them.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
#: Frames of these packages are machinery between the user's line and our constructor.
_SKIPPED = (_PACKAGE_DIR,)


@dataclass
class _Site:
    construct: Any
    scope: Any
    id: str
    file: str
    line: int


_RECORDED: list[_Site] = []


def _machinery(filename: str) -> bool:
    if filename.startswith(_SKIPPED):
        return True
    return f"{os.sep}jsii{os.sep}" in filename or filename.startswith("<frozen ")


def record_creation_site(construct: Any) -> None:
    """Note the first line outside secure_constructs (and jsii) on the stack that created ``construct``.

    Called by each public construct right after ``super().__init__(scope, id)``; reads ``scope`` and
    ``id`` from that ``__init__``'s first two parameters, whatever their names."""
    init = sys._getframe(1)
    code = init.f_code
    names = code.co_varnames[: code.co_argcount]
    if len(names) < 3:
        return
    scope, construct_id = init.f_locals.get(names[1]), init.f_locals.get(names[2])
    frame = init.f_back
    while frame is not None and _machinery(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None or not isinstance(construct_id, str):
        return
    _RECORDED.append(_Site(construct, scope, construct_id, frame.f_code.co_filename, frame.f_lineno))


#: Path and root of the parents that are not ours (usually stacks), asked once per process: a construct's
#: path never changes, and jsii never frees its objects, so ``id()`` stays theirs.
_PARENTS: dict[int, tuple[str, Any]] = {}


def _parent(construct: Any) -> tuple[str, Any]:
    key = id(construct)
    if key not in _PARENTS:
        node = construct.node
        _PARENTS[key] = (str(node.path), node.root)
    return _PARENTS[key]


def creation_sites(root: Any = None, base: str | None = None) -> dict[str, str]:
    """``{construct path: "file:line"}`` for the recorded constructs (of the app ``root`` when given), the
    file relative to ``base`` (default: the working directory, the app's directory under ``cdk synth``).

    Paths come from the recorded parent chain; a parent that is not one of ours (usually the stack) is
    asked for its path and root once per process (two jsii calls)."""
    directory = os.path.abspath(base or os.getcwd())
    by_object = {id(site.construct): site for site in _RECORDED}
    memo: dict[int, tuple[str, Any]] = {}

    def locate(construct: Any) -> tuple[str, Any]:
        key = id(construct)
        if key not in memo:
            site = by_object.get(key)
            if site is None:
                memo[key] = _parent(construct)
            else:
                parent, app = locate(site.scope)
                memo[key] = (f"{parent}/{site.id}" if parent else site.id, app)
        return memo[key]

    out: dict[str, str] = {}
    for site in _RECORDED:
        path, app = locate(site.construct)
        if root is not None and app is not root:
            continue
        relative = os.path.relpath(site.file, directory) if os.path.isabs(site.file) else site.file
        out[path] = f"{relative.replace(os.sep, '/')}:{site.line}"
    return out
