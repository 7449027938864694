"""secure_constructs against what a user would otherwise write for the same protection: synth time, jsii
round trips, stack footprint and the fixed monthly cost of the security resources.

Variants (each a fresh process per run, ``CDK_VALIDATION=false``):

- ``secure+stock``: ``variants.build_secure`` with ``add_checks`` (our pack, AwsSolutions, Serverless);
- ``hardened+stock``: ``peers/hardened.py`` (plain aws-cdk-lib hardened by hand, passing our pack: see
  tests/test_benchmark_peer.py) with cdk-nag's AwsSolutions and Serverless packs, as its user would run;
- ``hardened+ours`` (``--explain``): the peer with all three packs, so that the cost of our pack on the
  same templates can be told apart from the cost of building them.

Both sides split into as many stacks as they need by the same rule: a linear fit of resources against
routes (two counted single-stack runs) gives how many routes fit under CloudFormation's 500 resources;
the routes are then spread evenly over the fewest stacks that hold them. Every run must synthesize with no
open finding of any pack, and no stack above 500 resources.

Each round runs every variant at every size, the order of the variants rotating from round to round. The
worker times three phases: importing (aws_cdk and the stock packs, which starts jsii's Node runtime and
loads aws-cdk-lib; then our package), building the app, and ``app.synth()`` with the validation plugins.
Reported: medians with min-max of wall and CPU time (Python + its Node processes), the ratio of each
round's pair (secure / hardened, same round, adjacent in time) with its median and min-max, jsii round
trips (counted), resources and routes per stack, and the fixed monthly cost from the security report's
price table (``secure_constructs.report``), computed by the same function for both.

    python benchmarks/bench_peer.py [--sizes 20 50 100] [--rounds 7] [--explain] [--out FILE]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from typing import Any

from measure import count_round_trips, cpu_seconds, peak_memory_mb
from scenario import MAX_RESOURCES_PER_STACK, routes_that_fit, split

ROOT = pathlib.Path(__file__).resolve().parent.parent
OURS, PEER, PEER_OURS = "secure+stock", "hardened+stock", "hardened+ours"
#: What every variant imports before it builds (the same list for all: the modules the apps use).
COMMON_IMPORTS = (
    "aws_cdk",
    "aws_cdk.aws_apigateway",
    "aws_cdk.aws_cloudwatch",
    "aws_cdk.aws_cloudwatch_actions",
    "aws_cdk.aws_dynamodb",
    "aws_cdk.aws_iam",
    "aws_cdk.aws_kms",
    "aws_cdk.aws_lambda",
    "aws_cdk.aws_logs",
    "aws_cdk.aws_secretsmanager",
    "aws_cdk.aws_sns",
    "aws_cdk.aws_sqs",
    "aws_cdk.aws_wafv2",
    "cdk_nag",
)
#: Counted single-stack sizes from which resources and round trips per route are fitted.
PROBE_SIZES = (10, 30)


# --- the worker (one synth in a fresh process) ----------------------------------------------------------


def worker(variant: str, stacks: list[list[int]], outdir: str) -> dict[str, Any]:
    import importlib

    started = time.perf_counter()
    counter = count_round_trips()
    me = {os.getpid()}
    marks: list[tuple[str, float, float, float, int]] = [
        ("start", started, cpu_seconds(), cpu_seconds(me), 0)
    ]

    def mark(name: str) -> None:
        marks.append((name, time.perf_counter(), cpu_seconds(), cpu_seconds(me), counter[0]))

    for module in COMMON_IMPORTS:
        importlib.import_module(module)
    mark("import_cdk")
    if variant in (OURS, PEER_OURS):
        from secure_constructs import SecureFunction, SecureRestApi, add_checks  # noqa: F401
        from secure_constructs.nag import SecureServerlessChecks  # noqa: F401
    mark("import_ours")

    from aws_cdk import App, Validations

    profiler = None
    if os.environ.get("BENCH_PROFILE") == "1":
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU time: waiting for Node counts nothing
        profiler.enable()
    app = App(outdir=outdir, analytics_reporting=False)
    if variant == OURS:
        from variants import build_secure as build
    else:
        from peers.hardened import build_hardened as build
    for n, (first, last) in enumerate(stacks):
        build(app, f"Orders{n}", range(first, last))
    if variant == PEER:
        import cdk_nag

        Validations.of(app).add_plugins(cdk_nag.AwsSolutionsChecks(app), cdk_nag.ServerlessChecks(app))
    else:
        from secure_constructs import add_checks

        add_checks(app)
    mark("build")
    app.synth()
    mark("synth")
    if profiler is not None:
        profiler.disable()

    report = pathlib.Path(outdir) / "validation-report.json"
    open_findings = [
        f"{plugin['pluginName']}: {violation['ruleName']}"
        for plugin in (json.loads(report.read_text())["pluginReports"] if report.exists() else [])
        for violation in plugin.get("violations", [])
    ]
    resources = {
        p.name.removesuffix(".template.json"): len(json.loads(p.read_text())["Resources"])
        for p in sorted(pathlib.Path(outdir).glob("*.template.json"))
    }
    phases = {}
    for (_, t0, c0, p0, n0), (name, t1, c1, p1, n1) in zip(marks, marks[1:], strict=False):
        phases[name] = {"wall": t1 - t0, "cpu": c1 - c0, "python_cpu": p1 - p0, "calls": n1 - n0}
    return {
        "phases": phases,
        "profile": _by_package(profiler) if profiler is not None else {},
        "peak_mb": peak_memory_mb(),
        "resources": resources,
        "open_findings": open_findings,
    }


def _by_package(profiler: Any) -> dict[str, Any]:
    """Python CPU seconds: each function's own time summed by where it lives (``packages``), and the
    functions of secure_constructs with the most time including what they call (``ours``, cumulative)."""
    import pstats
    import sysconfig

    stdlib = sysconfig.get_paths()["stdlib"].replace(os.sep, "/") + "/"
    packages: dict[str, float] = {}
    ours: list[tuple[float, str]] = []
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    for (filename, line, function), (_, _, own, cumulative, _) in stats.items():
        path = filename.replace(os.sep, "/")
        if "/secure_constructs/" in path:
            module = path.split("/secure_constructs/", 1)[1].removesuffix(".py").replace("/", ".")
            where = f"secure_constructs.{module.split('.')[0]}"
            ours.append((cumulative, f"{module}:{line} {function}"))
        elif "/site-packages/" in path:
            where = path.split("/site-packages/", 1)[1].split("/")[0].removesuffix(".py")
        elif "/benchmarks/" in path:
            where = "benchmark code"
        elif path.startswith(stdlib):
            where = f"stdlib {path[len(stdlib):].split('/')[0].removesuffix('.py')}"
        else:
            where = "built-ins (isinstance, getattr, str methods, ...)"
        packages[where] = packages.get(where, 0.0) + own
    ours.sort(reverse=True)
    return {"packages": packages, "ours": ours[:15]}


# --- the driver -----------------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = {**os.environ, "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    env["CDK_VALIDATION"] = "false"
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    return env


def run_once(
    variant: str, stacks: list[range], env: dict[str, str], keep: pathlib.Path | None = None
) -> dict[str, Any]:
    """One synth of ``variant`` in a fresh process; ``keep``: copy its cloud assembly there."""
    bounds = json.dumps([[r.start, r.stop] for r in stacks])
    with tempfile.TemporaryDirectory() as outdir:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, __file__, "--worker", variant, bounds, outdir],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=1800,
            check=False,
        )
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"{variant}: worker failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        if keep is not None:
            shutil.copytree(outdir, keep)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["open_findings"]:
        raise RuntimeError(f"{variant}: open findings: {result['open_findings'][:10]}")
    too_big = {name: n for name, n in result["resources"].items() if n > MAX_RESOURCES_PER_STACK}
    if too_big:
        raise RuntimeError(f"{variant}: stacks above {MAX_RESOURCES_PER_STACK} resources: {too_big}")
    result["process_s"] = wall
    result["stderr"] = done.stderr
    return result


def footprint(variant: str, env: dict[str, str]) -> dict[str, float]:
    """Resources and round trips per route and per stack, fitted from two counted single-stack runs."""
    small, large = (run_once(variant, [range(0, n)], env) for n in PROBE_SIZES)
    span = PROBE_SIZES[1] - PROBE_SIZES[0]

    def fit(a: float, b: float) -> tuple[float, float]:
        per_route = (b - a) / span
        return per_route, a - per_route * PROBE_SIZES[0]

    resources = fit(sum(small["resources"].values()), sum(large["resources"].values()))
    calls = [fit(small["phases"][p]["calls"], large["phases"][p]["calls"]) for p in ("build", "synth")]
    return {
        "resources_per_route": resources[0],
        "resources_fixed": resources[1],
        "fit": routes_that_fit(resources[1], resources[0]),
        "build_calls_per_route": calls[0][0],
        "synth_calls_per_route": calls[1][0],
        "calls_per_route": calls[0][0] + calls[1][0],
    }


def jsii_debug_check(variant: str, stacks: list[range], env: dict[str, str]) -> tuple[int, int]:
    """(requests counted by the benchmark's wrapper, requests the jsii kernel logged with JSII_DEBUG=1):
    the kernel logs every request it reads as a line starting with '> '."""
    result = run_once(variant, stacks, {**env, "JSII_DEBUG": "1"})
    counted = sum(phase["calls"] for phase in result["phases"].values())
    logged = sum(
        1 for line in result["stderr"].splitlines() if line.startswith("> ") and line != '> {"exit":0}'
    )  # the exit line is written at interpreter exit, not sent as a request
    return counted, logged


def fixed_monthly_cost(outdir: pathlib.Path) -> tuple[Decimal, dict[str, tuple[int, Decimal]]]:
    """The fixed monthly cost of a cloud assembly's security resources, by the security report's price
    table (``secure_constructs.report``: customer managed keys, alarm metrics, web ACLs and their rules,
    secrets, topics, trails): ``(total, {item: (count, monthly)})``. The same function for every variant."""
    from secure_constructs.report.collect import collect

    lines = collect(outdir).fixed_costs
    return (
        sum((line.monthly for line in lines), Decimal(0)),
        {line.price.item: (line.count, line.monthly) for line in lines},
    )


def machine() -> dict[str, str]:
    from importlib.metadata import version

    node = subprocess.run(["node", "--version"], capture_output=True, text=True, env=_env(), check=False)
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": str(os.cpu_count()),
        "python": platform.python_version(),
        "node": node.stdout.strip(),
        "aws-cdk-lib": version("aws-cdk-lib"),
        "cdk-nag": version("cdk-nag"),
        "jsii": version("jsii"),
    }


def load() -> str:
    return " ".join(pathlib.Path("/proc/loadavg").read_text().split()[:3])


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--worker":
        print(json.dumps(worker(argv[1], json.loads(argv[2]), argv[3])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 50, 100], help="routes per app")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--explain", action="store_true", help=f"also run {PEER_OURS} (our pack on the peer's templates)"
    )
    parser.add_argument("--out", type=pathlib.Path, default=None, help="write the Markdown results here")
    parser.add_argument("--json", type=pathlib.Path, default=None, help="write every run's numbers here")
    args = parser.parse_args(argv)
    if args.rounds < 1 or any(n < 1 for n in args.sizes):
        parser.error("--rounds and --sizes must be at least 1")

    env = _env()
    variants = [OURS, PEER] + ([PEER_OURS] if args.explain else [])
    info = machine()
    info["load_start"] = load()
    print(f"machine: {info}", flush=True)

    shapes = {v: footprint(v, env) for v in (OURS, PEER)}
    shapes[PEER_OURS] = shapes[PEER]
    for v in (OURS, PEER):
        print(f"footprint {v}: {shapes[v]}", flush=True)
    stacks = {(v, n): split(n, int(shapes[v]["fit"])) for v in variants for n in args.sizes}
    debug = {v: jsii_debug_check(v, [range(0, min(args.sizes))], env) for v in (OURS, PEER)}
    print(f"JSII_DEBUG check (counted, logged): {debug}", flush=True)

    # one unrecorded run of each variant: file-system caches, bytecode, the handler-analysis cache
    for v in variants:
        run_once(v, stacks[(v, min(args.sizes))], env)

    samples: dict[tuple[str, int], list[dict[str, Any]]] = {}
    costs: dict[tuple[str, int], tuple[Decimal, dict[str, tuple[int, Decimal]]]] = {}
    with tempfile.TemporaryDirectory() as kept:
        for round_no in range(args.rounds):
            order = variants[round_no % len(variants) :] + variants[: round_no % len(variants)]
            for n in args.sizes:
                for v in order:
                    keep = pathlib.Path(kept) / f"{v}-{n}" if round_no == 0 else None
                    result = run_once(v, stacks[(v, n)], env, keep=keep)
                    samples.setdefault((v, n), []).append(result)
                    if keep is not None:
                        costs[(v, n)] = fixed_monthly_cost(keep)
                    print(
                        f"round {round_no + 1} {v:14} {n:4} routes: import {_import(result):5.2f} s, "
                        f"synth {_synth(result, 'wall'):6.2f} s (cpu {_synth(result, 'cpu'):6.2f}), "
                        f"process {result['process_s']:6.2f} s, calls {_calls(result)}, "
                        f"{sum(result['resources'].values())} resources, load {load()}",
                        flush=True,
                    )
    info["load_end"] = load()
    # where Python's CPU goes: one profiled run of each variant at the middle size (not timed)
    middle = sorted(args.sizes)[len(args.sizes) // 2]
    profiles = {
        v: run_once(v, stacks[(v, middle)], {**env, "BENCH_PROFILE": "1"})["profile"] for v in variants
    }
    text = render(args, variants, info, shapes, stacks, samples, costs, debug, (middle, profiles))
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    if args.json:
        raw = {
            "machine": info,
            "footprint": shapes,
            "runs": {
                f"{v} {n}": [{k: r[k] for k in r if k != "stderr"} for r in runs]
                for (v, n), runs in samples.items()
            },
        }
        args.json.write_text(json.dumps(raw, indent=1, default=str), encoding="utf-8")
    return 0


# --- the tables -----------------------------------------------------------------------------------------


def _import(result: dict[str, Any], what: str = "wall") -> float:
    return float(result["phases"]["import_cdk"][what] + result["phases"]["import_ours"][what])


def _synth(result: dict[str, Any], what: str) -> float:
    """Building the app plus app.synth() with the validation plugins (imports excluded)."""
    return float(result["phases"]["build"][what] + result["phases"]["synth"][what])


def _calls(result: dict[str, Any]) -> int:
    return int(sum(phase["calls"] for phase in result["phases"].values()))


def _spread(values: list[float], digits: int = 2) -> str:
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def _ratios(a: list[float], b: list[float]) -> list[float]:
    return [x / y for x, y in zip(a, b, strict=True)]


def render(
    args: argparse.Namespace,
    variants: list[str],
    info: dict[str, str],
    shapes: dict[str, dict[str, float]],
    stacks: dict[tuple[str, int], list[range]],
    samples: dict[tuple[str, int], list[dict[str, Any]]],
    costs: dict[tuple[str, int], tuple[Decimal, dict[str, tuple[int, Decimal]]]],
    debug: dict[str, tuple[int, int]],
    profiled: tuple[int, dict[str, dict[str, Any]]],
) -> str:
    out = [
        f"Measured {info['date']}: {info['cpus']} CPUs, Python {info['python']}, Node {info['node']}, "
        f"aws-cdk-lib {info['aws-cdk-lib']}, cdk-nag {info['cdk-nag']}, jsii {info['jsii']}; "
        f"load average (1, 5, 15 min) {info['load_start']} at the start, {info['load_end']} at the end; "
        f"{args.rounds} rounds, medians with (min-max).",
        "",
        "| routes | variant | stacks × routes | resources | round trips (per route) | import (s) "
        "| synth wall (s) | synth CPU (s) | process wall (s) | peak memory (MB) |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n in args.sizes:
        for v in variants:
            runs = samples[(v, n)]
            sizes = [len(r) for r in stacks[(v, n)]]
            layout = f"{len(sizes)} × {'/'.join(str(s) for s in sorted(set(sizes), reverse=True))}"
            calls = {_calls(r) for r in runs}
            call_text = "/".join(str(c) for c in sorted(calls))  # one value: the count is deterministic
            out.append(
                f"| {n} | {v} | {layout} | {sum(runs[0]['resources'].values())} | {call_text} "
                f"({max(calls) / n:.1f}) | {_spread([_import(r) for r in runs])} "
                f"| {_spread([_synth(r, 'wall') for r in runs])} "
                f"| {_spread([_synth(r, 'cpu') for r in runs])} "
                f"| {_spread([r['process_s'] for r in runs])} "
                f"| {statistics.median(r['peak_mb'] for r in runs):.0f} |"
            )
    out += [
        "",
        "Paired ratios (each round's runs of the two variants, a few seconds apart), median (min-max):",
        "",
        "| routes | ratio | synth wall | synth CPU | import wall | process wall |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    pairs = [(OURS, PEER, "**ours / peer**")]
    if PEER_OURS in variants:
        pairs += [
            (PEER_OURS, PEER, "our pack on the peer's templates"),
            (OURS, PEER_OURS, "our constructs, the same three packs"),
        ]
    for n in args.sizes:
        for a, b, label in pairs:
            cells = [
                _spread(_ratios([measure(r) for r in samples[(a, n)]], [measure(r) for r in samples[(b, n)]]))
                for measure in (
                    lambda r: _synth(r, "wall"),
                    lambda r: _synth(r, "cpu"),
                    _import,
                    lambda r: r["process_s"],
                )
            ]
            out.append(f"| {n} | {label}: {a} / {b} | " + " | ".join(cells) + " |")
    out += [
        "",
        "Phases, medians of wall time in seconds (round trips in that phase), and the CPU time of building "
        "and synthesizing split between Python and jsii's Node processes:",
        "",
        "| routes | variant | import aws_cdk + cdk_nag | import secure_constructs | build | app.synth() "
        "| build + synth CPU: Python | Node |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n in args.sizes:
        for v in variants:
            runs = samples[(v, n)]
            cells = [
                f"{statistics.median(r['phases'][p]['wall'] for r in runs):.2f} "
                f"({runs[0]['phases'][p]['calls']})"
                for p in ("import_cdk", "import_ours", "build", "synth")
            ]
            python = [r["phases"]["build"]["python_cpu"] + r["phases"]["synth"]["python_cpu"] for r in runs]
            node = [_synth(r, "cpu") - p for r, p in zip(runs, python, strict=True)]
            cells += [f"{statistics.median(python):.2f}", f"{statistics.median(node):.2f}"]
            out.append(f"| {n} | {v} | " + " | ".join(cells) + " |")
    out += [
        "",
        f"Footprint, fitted from single-stack runs of {PROBE_SIZES[0]} and {PROBE_SIZES[1]} routes "
        "(counted, not timed):",
        "",
        "| variant | resources per route | fixed resources per stack | routes per stack (≤ 500) "
        "| round trips per route: build | synth | total |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for v in (OURS, PEER):
        s = shapes[v]
        out.append(
            f"| {v} | {s['resources_per_route']:.2f} | {s['resources_fixed']:.0f} | {s['fit']} "
            f"| {s['build_calls_per_route']:.1f} | {s['synth_calls_per_route']:.1f} "
            f"| {s['calls_per_route']:.1f} |"
        )
    out += [
        "",
        "Round-trip counter checked against the jsii kernel's own log (JSII_DEBUG=1, lines starting with "
        f"'> ') at {min(args.sizes)} routes: "
        + "; ".join(f"{v}: counted {c}, logged {lg}" for v, (c, lg) in debug.items())
        + ".",
        "",
        "Fixed monthly cost of the security resources (USD, the security report's price table, us-east-1):",
        "",
    ]
    items = sorted({item for cost in costs.values() for item in cost[1]})
    out += [
        "| routes | variant | " + " | ".join(items) + " | total |",
        "| ---: | --- | " + " | ".join("---:" for _ in items) + " | ---: |",
    ]
    for n in args.sizes:
        for v in (OURS, PEER):
            total, lines = costs[(v, n)]
            cells = [f"{lines[i][0]} = ${lines[i][1]:.2f}" if i in lines else "-" for i in items]
            out.append(f"| {n} | {v} | " + " | ".join(cells) + f" | ${total:.2f} |")
    middle, profiles = profiled
    kinds = sorted(
        {k for p in profiles.values() for k in p["packages"]},
        key=lambda k: -max(p["packages"].get(k, 0.0) for p in profiles.values()),
    )[:14]
    out += [
        "",
        f"Where Python's CPU time goes while building and synthesizing {middle} routes (one run of each "
        "variant under cProfile with a CPU-time clock, which slows Python down severalfold: compare shares, "
        "not seconds). Own time of each function, summed by package:",
        "",
        "| package | " + " | ".join(variants) + " |",
        "| --- | " + " | ".join("---:" for _ in variants) + " |",
    ]
    for kind in kinds:
        shares = [f"{profiles[v]['packages'].get(kind, 0.0):.2f}" for v in variants]
        out.append(f"| {kind} | " + " | ".join(shares) + " |")
    out.append(
        "| **all Python** | "
        + " | ".join(f"{sum(profiles[v]['packages'].values()):.2f}" for v in variants)
        + " |"
    )
    out += [
        "",
        f"The functions of secure_constructs with the most CPU time including what they call ({OURS}):",
        "",
        "| function | CPU s (profiled) |",
        "| --- | ---: |",
        *[f"| `{name}` | {seconds:.2f} |" for seconds, name in profiles[OURS]["ours"]],
    ]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
