"""Where secure_constructs keeps its caches on disk (bundled Lambda code, code analyses)."""

from __future__ import annotations

import os
from pathlib import Path


def default_cache_dir() -> Path:
    """``$SECURE_CONSTRUCTS_CACHE``, else ``$XDG_CACHE_HOME/secure-constructs``, else ``~/.cache/...``."""
    explicit = os.environ.get("SECURE_CONSTRUCTS_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "secure-constructs"
