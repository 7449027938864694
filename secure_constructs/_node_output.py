"""Node's own output (its end-of-life banner) printed as text rather than as Python ``b'...'`` reprs.

jsii's reader of the Node process's stderr calls ``print(line)`` on raw bytes, looking ``print`` up in its
module (``jsii._kernel.providers.process``) at each line. Giving that module a ``print`` that decodes bytes
fixes every line printed after it is set. jsii is not imported for it: the scanner and the client never
load jsii, so the module is patched when something else first imports it (``aws_cdk`` does).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType
from typing import Any

JSII_PROCESS = "jsii._kernel.providers.process"


def readable(*args: Any, **kwargs: Any) -> None:
    text = [a.decode("utf-8", "replace").rstrip("\n") if isinstance(a, bytes) else a for a in args]
    print(*text, **kwargs)


def _patch(module: ModuleType) -> None:
    if getattr(module, "print", None) is None:
        module.print = readable  # type: ignore[attr-defined]


class _PatchWhenImported(importlib.abc.MetaPathFinder):
    """Finds nothing itself; when jsii's process module is imported, patches it right after it runs."""

    def find_spec(
        self, name: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name != JSII_PROCESS:
            return None
        sys.meta_path.remove(self)  # one module, once; the lookup below must not find this finder again
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            _patch(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install() -> None:
    """Patch jsii's process module now if it is loaded, else when it is first imported."""
    module = sys.modules.get(JSII_PROCESS)
    if module is not None:
        _patch(module)
    elif not any(isinstance(f, _PatchWhenImported) for f in sys.meta_path):
        sys.meta_path.insert(0, _PatchWhenImported())
