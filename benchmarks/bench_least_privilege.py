"""Precision and recall of the inferred (action, environment variable) pairs on the fixture corpus, and the
analysis time per function on the demo's handlers (cold: no cache; cached: by asset hash).

    .venv/bin/python benchmarks/bench_least_privilege.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "least_privilege"))
sys.path.insert(0, str(ROOT))
os.environ["SECURE_CONSTRUCTS_NO_ANALYSIS_CACHE"] = "1"

from corpus import EXPECTED, FIXTURES  # noqa: E402

from examples import orders_service  # noqa: E402
from secure_constructs.least_privilege import _sources  # noqa: E402


def precision_recall() -> None:
    granted_not_called = called_not_granted = true_positive = 0
    for name, expected in sorted(EXPECTED.items()):
        analysis = _sources.analyze_directory(FIXTURES / name)
        found = {(a, c.env) for c in analysis.calls if c.reason is None for a in c.actions}
        true_positive += len(found & expected)
        granted_not_called += len(found - expected)
        called_not_granted += len(expected - found)
    precision = true_positive / (true_positive + granted_not_called)
    recall = true_positive / (true_positive + called_not_granted)
    print(
        f"corpus: {len(EXPECTED)} handlers, {true_positive} pairs right, {granted_not_called} granted but "
        f"never called, {called_not_granted} called but not granted; precision {precision:.3f}, "
        f"recall {recall:.3f}"
    )


def timing(rounds: int = 7) -> None:
    handlers = {
        n: getattr(orders_service, n) for n in ("LIST_ORDERS", "GET_ORDER", "CREATE_ORDER", "DELETE_ORDER")
    }
    cold: list[float] = []
    cached: list[float] = []
    for _ in range(rounds):  # alternating: cold (caches cleared, models loaded), then cached
        for code in handlers.values():
            _sources.clear_memory_cache()
            for fn in (
                _sources._models.operations,
                _sources._models.service_model,
                _sources._models.resource_model,
            ):
                fn.cache_clear()
            start = time.perf_counter()
            _sources.analyze_code(code)
            cold.append(time.perf_counter() - start)
            start = time.perf_counter()
            _sources.analyze_code(code)
            cached.append(time.perf_counter() - start)
    print(
        f"demo handlers: {len(handlers)}, {rounds} rounds; per function median cold "
        f"{statistics.median(cold) * 1000:.1f} ms (max {max(cold) * 1000:.1f}), cached "
        f"{statistics.median(cached) * 1000:.3f} ms; "
        f"ratio {statistics.median(cold) / statistics.median(cached):.0f}x"
    )


if __name__ == "__main__":
    precision_recall()
    timing()
