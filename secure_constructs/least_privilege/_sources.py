"""Which files of a function's code are the handler's own modules (not vendored dependencies), and the
cached analysis of them."""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import json
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .._cache import default_cache_dir
from . import _iam, _models
from ._scan import Analyzer, SdkCall, UnresolvedCall

#: Bump when the analysis changes what it finds: part of the cache key.
ANALYZER_VERSION = "1"
#: Folders that never hold the handler's own code.
SKIPPED_DIRS = (
    "__pycache__",
    ".git",
    ".venv",
    "venv",
    "site-packages",
    "dist-packages",
    "node_modules",
    "bin",
    "*.dist-info",
    "*.egg-info",
    "*.data",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
)
#: Top-level packages that are the SDK itself when vendored without their metadata.
SDK_PACKAGES = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"})
INLINE_FILE = "index.py"


@dataclass(frozen=True)
class Analysis:
    """What a handler's code calls: ``calls`` (resolved operations) and ``unresolved`` (with the reason)."""

    calls: tuple[SdkCall, ...]
    unresolved: tuple[UnresolvedCall, ...]
    files: tuple[str, ...]

    @property
    def actions(self) -> frozenset[str]:
        return frozenset(a for call in self.calls for a in call.actions)

    def to_json(self) -> dict[str, object]:
        return {
            "calls": [asdict(c) for c in self.calls],
            "unresolved": [asdict(u) for u in self.unresolved],
            "files": list(self.files),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Analysis:
        calls = tuple(SdkCall(**{**c, "actions": tuple(c["actions"])}) for c in data["calls"])
        unresolved = tuple(UnresolvedCall(**u) for u in data["unresolved"])
        return cls(calls, unresolved, tuple(data["files"]))


def vendored_packages(root: Path) -> set[str]:
    """Top-level names installed into ``root`` by pip (from each ``*.dist-info/RECORD`` and
    ``*.egg-info/top_level.txt``), plus the SDK's own packages."""
    found = set(SDK_PACKAGES)
    for meta in [*root.glob("*.dist-info"), *root.glob("*.egg-info")]:
        record = meta / "RECORD"
        top_level = meta / "top_level.txt"
        if record.is_file():
            for line in record.read_text(encoding="utf-8", errors="replace").splitlines():
                first = line.split(",", 1)[0].split("/", 1)[0]
                if first and not first.endswith((".dist-info", ".egg-info")) and first != "..":
                    found.add(first.removesuffix(".py"))
        if top_level.is_file():
            found.update(n.strip() for n in top_level.read_text(encoding="utf-8").splitlines() if n.strip())
    return found


def handler_files(root: Path) -> list[str]:
    """Relative paths of the handler's own ``.py`` files under ``root``, sorted."""
    vendored = vendored_packages(root)
    files: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        relative_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        top = relative_dir == "."
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not any(fnmatch.fnmatch(d, pattern) for pattern in SKIPPED_DIRS)
            and not (top and d in vendored)
        )
        for name in filenames:
            if name.endswith(".py") and not (top and name.removesuffix(".py") in vendored):
                files.append(name if top else f"{relative_dir}/{name}")
    return sorted(files)


def read_sources(root: Path) -> dict[str, str]:
    return {rel: (root / rel).read_text(encoding="utf-8", errors="replace") for rel in handler_files(root)}


def cache_key(sources: dict[str, str]) -> str:
    """The hash of the handler's own code and of everything the analysis depends on."""
    digest = hashlib.sha256()
    for part in (ANALYZER_VERSION, _analyzer_source(), _models.versions(), _iam.data_version()):
        digest.update(part.encode() + b"\0")
    for relative in sorted(sources):
        digest.update(relative.encode() + b"\0" + hashlib.sha256(sources[relative].encode()).digest())
    return digest.hexdigest()


@functools.cache
def _analyzer_source() -> str:
    """A hash of this package's own code: a cached analysis never outlives the analyser that made it."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()


_MEMORY: dict[str, Analysis] = {}
_LOCK = threading.Lock()


def _disk_cache() -> Path | None:
    if os.environ.get("SECURE_CONSTRUCTS_NO_ANALYSIS_CACHE"):
        return None
    return default_cache_dir() / "least-privilege"


def analyze_sources(sources: dict[str, str]) -> Analysis:
    """Analyse ``{relative path: source}``; cached in memory and on disk by :func:`cache_key`."""
    key = cache_key(sources)
    with _LOCK:
        if key in _MEMORY:
            return _MEMORY[key]
    folder = _disk_cache()
    path = folder / f"{key}.json" if folder is not None else None
    analysis = None
    if path is not None and path.is_file():
        try:
            analysis = Analysis.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, KeyError):
            analysis = None  # a damaged entry: analyse again
    if analysis is None:
        calls, unresolved = Analyzer(sources).run()
        analysis = Analysis(tuple(calls), tuple(unresolved), tuple(sorted(sources)))
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                temporary = path.with_suffix(f".{os.getpid()}.tmp")
                temporary.write_text(json.dumps(analysis.to_json()), encoding="utf-8")
                os.replace(temporary, path)
            except OSError:
                pass  # a read-only cache: analyse again next time
    with _LOCK:
        _MEMORY[key] = analysis
    return analysis


def analyze_directory(path: str | os.PathLike[str]) -> Analysis:
    """The SDK calls of the handler code in ``path`` (vendored dependencies are not read)."""
    return analyze_sources(read_sources(Path(path)))


def analyze_code(code: str) -> Analysis:
    """The SDK calls of inline handler code (``Code.from_inline``), read as ``index.py``."""
    return analyze_sources({INLINE_FILE: code})


def clear_memory_cache() -> None:
    with _LOCK:
        _MEMORY.clear()
