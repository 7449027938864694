"""Where the user's code created each of our constructs (``app.py:12``), so that a finding on a resource
the construct made can point at that line. Recorded in the stack's context when the construct is built;
:func:`creation_sites` gives them at synth, where the validation plugin writes them beside the templates
(``secure_constructs.sources.json`` in the cloud assembly), never into them.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from ._context import CreationSite, StackContext

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _machinery(filename: str) -> bool:
    """Frames between the user's line and our constructor: ours, jsii's and the import system's."""
    return (
        filename.startswith(_PACKAGE_DIR)
        or f"{os.sep}jsii{os.sep}" in filename
        or filename.startswith("<frozen ")
    )


def record_creation_site(construct: Any) -> None:
    """Note the first line outside secure_constructs (and jsii) on the call stack that created
    ``construct``; called by each public construct right after ``super().__init__(scope, id)``."""
    frame = sys._getframe(1)
    while frame is not None and _machinery(frame.f_code.co_filename):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is not None:
        site = CreationSite(construct, frame.f_code.co_filename, frame.f_lineno)
        StackContext.of(construct).creation_sites.append(site)


def creation_sites(root: Any = None, base: str | None = None) -> dict[str, str]:
    """``{construct path: "file:line"}`` for our constructs (of the app ``root`` when given), the file
    relative to ``base`` (default: the working directory, the app's directory under ``cdk synth``)."""
    directory = os.path.abspath(base or os.getcwd())
    out: dict[str, str] = {}
    for context in StackContext.all(root):
        for site in context.creation_sites:
            relative = os.path.relpath(site.file, directory) if os.path.isabs(site.file) else site.file
            out[site.construct.node.path] = f"{relative.replace(os.sep, '/')}:{site.line}"
    return out
