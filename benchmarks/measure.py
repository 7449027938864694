"""What the synth benchmarks measure inside a worker: CPU time and memory of the worker and its jsii Node
processes (from /proc), and the round trips from Python to the jsii runtime."""

from __future__ import annotations

import os
import pathlib
from typing import Any


def family(root: int | None = None) -> set[int]:
    """``root`` (default: this process) and all its descendants: jsii's Node launcher, which relays the
    messages, and the Node runtime it starts (a grandchild)."""
    parent: dict[int, int] = {}
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found = {os.getpid() if root is None else root}
    grew = True
    while grew:
        more = {pid for pid, ppid in parent.items() if ppid in found} - found
        found |= more
        grew = bool(more)
    return found


def cpu_seconds(pids: set[int] | None = None) -> float:
    """User + system CPU time of ``pids`` (default: this process's family) so far, all threads, from
    /proc/<pid>/stat (clock ticks, 10 ms): less sensitive than wall time to a shared machine's other load,
    which delays a process without charging it CPU."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in family() if pids is None else pids:
        try:
            fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def run_ns(pid: int, field: int = 0) -> int:
    """Nanoseconds that all threads of ``pid`` have spent on a CPU (``field`` 0), or waiting for one on a
    run queue (``field`` 1), from /proc/<pid>/task/*/schedstat: the scheduler's own accounting, finer than
    the 10 ms ticks of /proc/<pid>/stat."""
    total = 0
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[field])
        except (OSError, IndexError, ValueError):
            continue
    return total


def peak_memory_mb(pids: set[int] | None = None) -> float:
    """High-water RSS of ``pids`` (default: this process's family), summed, from /proc."""
    total_kb = 0
    for pid in family() if pids is None else pids:
        try:
            status = pathlib.Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        peaks = [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")]
        total_kb += peaks[0] if peaks else 0
    return total_kb / 1024


def count_round_trips() -> list[int]:
    """Count the requests this process sends to the jsii runtime's Node process, each of which waits for
    its answer (answers to Node's callbacks included): ``counter[0]`` grows by one per request. Unlike the
    wall time on a shared machine, the count is the same on every run. Call before ``import aws_cdk``."""
    from jsii._kernel.providers import process

    counter = [0]
    send = process._NodeProcess.send

    def counting_send(self: Any, *args: Any, **kwargs: Any) -> Any:
        counter[0] += 1
        return send(self, *args, **kwargs)

    process._NodeProcess.send = counting_send  # type: ignore[method-assign]
    return counter
