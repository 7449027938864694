"""How Python and jsii's two Node processes share a synth: measured from /proc, in one process.

jsii runs aws-cdk-lib in Node: Python (P) starts a Node launcher (R, ``jsii-runtime.js``), which starts the
Node kernel (K, ``program.js``) and relays the messages between P's pipes and K's channel. Measured, each
``--rounds`` times:

1. **Node while Python works.** CPU time of R and K (utime + stime from /proc/<pid>/stat, and the
   scheduler's nanoseconds from /proc/<pid>/task/*/schedstat) before and after ``--seconds`` of a pure-Python
   busy loop: a process that polled its input would show CPU here.
2. **Per request.** ``--requests`` calls of one cheap static method (``Token.is_unresolved``: one round trip
   each, counted) with P's, R's and K's CPU time per request, their time waiting for a CPU (run queue), and
   the wall time per round trip; R's CPU is what the relay costs per request.
3. **Python while Node works.** CPU time of P and R during one long request: ``app.synth()`` of the
   hand-hardened peer (``peers/hardened.py``, ``--routes`` routes) with cdk-nag's packs, which runs in
   Node without calling back into Python. Python, blocked on its pipe, should show no CPU here.

Together, 1 and 3 show that the processes take turns: whichever side waits for the other's answer is
blocked, at no CPU cost, and the relay works only while a message passes through it.

    python benchmarks/bench_jsii.py [--rounds 5] [--seconds 2] [--requests 20000] [--routes 20]
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import tempfile
import time
from typing import Any

from measure import count_round_trips, family, run_ns

ROOT = pathlib.Path(__file__).resolve().parent.parent
NAMES = ("python", "relay", "kernel")


def _ticks(pid: int) -> int:
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _processes() -> dict[str, int]:
    """{"python": P, "relay": R, "kernel": K} of this process's jsii runtime."""
    me = os.getpid()
    parents = {
        pid: int(pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        for pid in family() - {me}
    }
    relay = [pid for pid, ppid in parents.items() if ppid == me]
    kernel = [pid for pid, ppid in parents.items() if relay and ppid == relay[0]]
    if len(relay) != 1 or len(kernel) != 1:
        raise RuntimeError(f"expected one jsii launcher and one kernel under {me}, found {parents}")
    for pid, script in ((relay[0], "jsii-runtime.js"), (kernel[0], "program.js")):
        cmdline = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        if script not in cmdline:
            raise RuntimeError(f"process {pid} is not jsii's {script}: {cmdline}")
    return {"python": me, "relay": relay[0], "kernel": kernel[0]}


def _snapshot(pids: dict[str, int]) -> dict[str, Any]:
    return {
        "wall": time.perf_counter(),
        "ns": {name: run_ns(pid) for name, pid in pids.items()},
        "wait_ns": {name: run_ns(pid, field=1) for name, pid in pids.items()},
        "ticks": {name: _ticks(pid) for name, pid in pids.items()},
    }


def _delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    hz = os.sysconf("SC_CLK_TCK")
    return {
        "wall_s": after["wall"] - before["wall"],
        "cpu_s": {name: (after["ns"][name] - before["ns"][name]) / 1e9 for name in NAMES},
        "wait_s": {name: (after["wait_ns"][name] - before["wait_ns"][name]) / 1e9 for name in NAMES},
        "stat_s": {name: (after["ticks"][name] - before["ticks"][name]) / hz for name in NAMES},
    }


def python_busy(pids: dict[str, int], seconds: float) -> dict[str, Any]:
    """CPU of each process during ``seconds`` of pure-Python work (no jsii call)."""
    before = _snapshot(pids)
    end = time.perf_counter() + seconds
    total = 0
    while time.perf_counter() < end:
        for i in range(1000):
            total += i * i
    return _delta(before, _snapshot(pids))


def round_trips(pids: dict[str, int], requests: int, counter: list[int]) -> dict[str, Any]:
    """CPU of each process during ``requests`` cheap round trips."""
    from aws_cdk import Token

    calls = counter[0]
    before = _snapshot(pids)
    for _ in range(requests):
        Token.is_unresolved("x")
    result = _delta(before, _snapshot(pids))
    result["requests"] = counter[0] - calls
    return result


def node_busy(pids: dict[str, int], routes: int, counter: list[int], outdir: str) -> dict[str, Any]:
    """CPU of each process during ``app.synth()`` of the peer with the stock packs (work in Node only)."""
    import cdk_nag
    from aws_cdk import App, Validations
    from peers.hardened import build_hardened

    app = App(outdir=outdir, analytics_reporting=False)
    build_hardened(app, "Orders0", range(routes))
    Validations.of(app).add_plugins(cdk_nag.AwsSolutionsChecks(app), cdk_nag.ServerlessChecks(app))
    calls = counter[0]
    before = _snapshot(pids)
    app.synth()
    result = _delta(before, _snapshot(pids))
    result["requests"] = counter[0] - calls
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0, help="length of each pure-Python busy loop")
    parser.add_argument("--requests", type=int, default=20000, help="round trips per measurement")
    parser.add_argument("--routes", type=int, default=20, help="routes of the app synthesized in step 3")
    parser.add_argument("--out", type=pathlib.Path, default=None, help="write the Markdown results here")
    args = parser.parse_args(argv)

    os.environ["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    counter = count_round_trips()
    import aws_cdk  # noqa: F401  (starts jsii's Node processes)

    pids = _processes()
    load = " ".join(pathlib.Path("/proc/loadavg").read_text().split()[:3])
    print(f"processes {pids}; load {load}", flush=True)
    round_trips(pids, 2000, counter)  # warm up: JIT, caches
    busy: list[dict[str, Any]] = []
    synths: list[dict[str, Any]] = []
    trips: list[dict[str, Any]] = []
    for n in range(args.rounds):
        busy.append(python_busy(pids, args.seconds))
        with tempfile.TemporaryDirectory() as outdir:
            synths.append(node_busy(pids, args.routes, counter, outdir))
        trips.append(round_trips(pids, args.requests, counter))
        print(f"round {n + 1}: busy {busy[-1]}\n  synth {synths[-1]}\n  trips {trips[-1]}", flush=True)
    load_end = " ".join(pathlib.Path("/proc/loadavg").read_text().split()[:3])
    text = render(args, busy, synths, trips, f"{load} at the start, {load_end} at the end")
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


def _med(values: list[float], scale: float = 1.0, digits: int = 3) -> str:
    scaled = [v * scale for v in values]
    return f"{statistics.median(scaled):.{digits}f} ({min(scaled):.{digits}f}-{max(scaled):.{digits}f})"


def render(
    args: argparse.Namespace,
    busy: list[dict[str, Any]],
    synths: list[dict[str, Any]],
    trips: list[dict[str, Any]],
    load: str,
) -> str:
    lines = [
        f"{args.rounds} rounds, medians (min-max); load average (1, 5, 15 min) {load}.",
        "",
        "CPU seconds of each process (schedstat), and utime + stime from /proc/<pid>/stat summed over all "
        "rounds:",
        "",
        f"| process | 1. during {args.seconds:g} s of pure-Python work | utime + stime, all rounds "
        f"| 3. during app.synth() ({args.routes} routes, stock packs) | utime + stime, all rounds |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name in NAMES:
        lines.append(
            f"| {name} | {_med([b['cpu_s'][name] for b in busy])} "
            f"| {sum(b['stat_s'][name] for b in busy):.2f} "
            f"| {_med([s['cpu_s'][name] for s in synths])} | {sum(s['stat_s'][name] for s in synths):.2f} |"
        )
    lines.append(
        f"| wall | {_med([b['wall_s'] for b in busy])} | | {_med([s['wall_s'] for s in synths])} | |"
    )
    requests = sorted({t["requests"] for t in trips})
    synth_requests = sorted({s["requests"] for s in synths})
    lines += [
        "",
        f"app.synth() was {'/'.join(map(str, synth_requests))} request(s) from Python.",
        "",
        f"2. Per round trip ({args.requests} calls of Token.is_unresolved, counted: "
        f"{'/'.join(map(str, requests))} requests), milliseconds:",
        "",
        "| measure | ms per round trip |",
        "| --- | ---: |",
        f"| wall | {_med([t['wall_s'] / t['requests'] for t in trips], 1000)} |",
    ]
    for name in NAMES:
        lines.append(f"| CPU, {name} | {_med([t['cpu_s'][name] / t['requests'] for t in trips], 1000)} |")
    lines += [
        "| CPU, sum of the three | "
        f"{_med([sum(t['cpu_s'].values()) / t['requests'] for t in trips], 1000)} |",
        "| waiting for a CPU (run queue), sum of the three | "
        f"{_med([sum(t['wait_s'].values()) / t['requests'] for t in trips], 1000)} |",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
