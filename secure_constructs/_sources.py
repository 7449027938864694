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


def creation_sites(base: str | None = None) -> dict[str, str]:
    """``{construct path: "file:line"}`` for every construct recorded in this process, the file relative
    to ``base`` (default: the working directory, which is the app's directory under ``cdk synth``).

    Paths come from the recorded parent chain; a parent that is not one of ours is asked for its path
    once (a jsii call per distinct parent, usually the stack)."""
    root = os.path.abspath(base or os.getcwd())
    paths: dict[int, str] = {}
    by_object = {id(site.construct): site for site in _RECORDED}

    def path_of(construct: Any) -> str:
        key = id(construct)
        if key not in paths:
            site = by_object.get(key)
            if site is not None:
                parent = path_of(site.scope)
                paths[key] = f"{parent}/{site.id}" if parent else site.id
            else:
                paths[key] = str(construct.node.path)
        return paths[key]

    out: dict[str, str] = {}
    for site in _RECORDED:
        relative = os.path.relpath(site.file, root) if os.path.isabs(site.file) else site.file
        out[path_of(site.construct)] = f"{relative.replace(os.sep, '/')}:{site.line}"
    return out
