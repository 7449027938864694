"""Synth time, peak memory and stack footprint of the orders API: secure_constructs against plain aws-cdk-lib.

The same routes are built two ways and synthesized in fresh processes, alternating, with the same CDK
validation settings (``CDK_VALIDATION=false`` unless ``--builtin-validation``):

- ``plain``: aws-cdk-lib L2 constructs with their defaults (RestApi + LambdaIntegration, Function, table
  and secret grants), no hardening, no checks;
- ``secure``: SecureRestApi + SecureFunction (own role, CMK environment, encrypted log group, DLQ, tracing,
  WAF, default alarms) with the SecureServerless pack on;
- ``secure+stock``: the same plus cdk-nag's AwsSolutions and Serverless packs (what ``make synth`` runs);
- ``plain+harden``: the ``plain`` code after ``harden(app)``, with the SecureServerless pack.

Every route has its own function; routes beyond what one stack holds are split across stacks of at most
``--routes-per-stack`` routes, identically for every variant. Reports medians of ``--rounds`` runs of the
synth wall time (building + ``app.synth()``, in the worker), the worker's wall time including interpreter
and jsii start-up, and peak memory (Python + Node high-water marks), plus ratios to ``plain``, resources
per route and how many fully secured routes fit in one stack.

    python benchmarks/bench.py [--routes 4 20 100] [--rounds 5] [--out benchmarks/RESULTS.md]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from measure import count_round_trips, cpu_seconds, peak_memory_mb

ROOT = pathlib.Path(__file__).resolve().parent.parent
VARIANTS = ("plain", "secure", "secure+stock")
#: The plain routes built after ``harden(app)`` (secure_constructs.hardening), with the SecureServerless pack.
HARDENED = "plain+harden"
VARIANTS += (HARDENED,)


def worker(variant: str, routes: int, per_stack: int, outdir: str) -> dict[str, Any]:
    started = time.perf_counter()
    counter = count_round_trips() if os.environ.get("BENCH_COUNT_CALLS") == "1" else None
    from aws_cdk import App, Validations
    from variants import build_plain, build_secure

    app = App(outdir=outdir, analytics_reporting=False)
    if variant == HARDENED:
        from secure_constructs import harden

        harden(app)  # before the stacks: the same plain code, given the declared secure defaults
    builder = build_plain if variant in ("plain", HARDENED) else build_secure
    for n, first in enumerate(range(0, routes, per_stack)):
        builder(app, f"Orders{n}", range(first, min(first + per_stack, routes)))
    if variant != "plain":
        from secure_constructs import SecureServerlessChecks, add_checks

        if variant == "secure+stock":
            add_checks(app)
        else:
            Validations.of(app).add_plugins(SecureServerlessChecks())
    app.synth()
    synth_seconds = time.perf_counter() - started
    resources = {
        p.name: len(json.loads(p.read_text())["Resources"])
        for p in pathlib.Path(outdir).glob("*.template.json")
    }
    return {
        "synth_s": synth_seconds,
        "cpu_s": cpu_seconds(),
        "peak_mb": peak_memory_mb(),
        "resources": resources,
        **({"calls": counter[0]} if counter is not None else {}),
    }


# --- the driver -----------------------------------------------------------------------------------------


def run_once(variant: str, routes: int, per_stack: int, env: dict[str, str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as outdir:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, __file__, "--worker", variant, str(routes), str(per_stack), outdir],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=1800,
            check=False,
        )
        wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(
            f"{variant} {routes}: worker failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_s"] = wall
    return result


def footprint(env: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Per route and per stack, from the same two runs of 10 and 50 routes in one stack (counted, not
    timed): CloudFormation resources with how many routes fit under 500, and jsii round trips."""
    counting = {**env, "BENCH_COUNT_CALLS": "1"}
    small, large = 10, 50
    fit: dict[str, Any] = {}
    calls: dict[str, Any] = {}
    for variant in ("plain", "secure"):
        a, b = (run_once(variant, routes, large, counting) for routes in (small, large))

        def line(at_small: float, at_large: float) -> tuple[float, float]:
            per_route = (at_large - at_small) / (large - small)
            return per_route, at_small - per_route * small

        per_route, fixed = line(sum(a["resources"].values()), sum(b["resources"].values()))
        fit[variant] = {"per_route": per_route, "fixed": fixed, "fit": int((500 - fixed) // per_route)}
        per_route, fixed = line(a["calls"], b["calls"])
        calls[variant] = {"per_route": per_route, "fixed": fixed, "at_50": b["calls"]}
    return fit, calls


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--worker":
        variant, routes, per_stack, outdir = argv[1], int(argv[2]), int(argv[3]), argv[4]
        print(json.dumps(worker(variant, routes, per_stack, outdir)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--routes", type=int, nargs="+", default=[4, 20, 100])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--routes-per-stack", type=int, default=50)
    parser.add_argument(
        "--builtin-validation", action="store_true", help="leave CDK's CloudFormation validator on"
    )
    parser.add_argument("--out", type=pathlib.Path, default=None, help="write the Markdown results here")
    args = parser.parse_args(argv)

    env = {**os.environ, "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    env["CDK_VALIDATION"] = "true" if args.builtin_validation else "false"
    samples: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for round_no in range(args.rounds):
        for routes in args.routes:
            for variant in VARIANTS:  # alternating: each round runs every variant once
                result = run_once(variant, routes, args.routes_per_stack, env)
                samples.setdefault((variant, routes), []).append(result)
                print(
                    f"round {round_no + 1} {variant:13} {routes:4} routes: synth {result['synth_s']:6.2f} s, "
                    f"cpu {result['cpu_s']:6.2f} s, process {result['process_s']:6.2f} s, "
                    f"peak {result['peak_mb']:7.1f} MB",
                    flush=True,
                )
    fit, calls = footprint(env)
    text = render(args, samples, fit, calls)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


def _median(values: list[float]) -> float:
    return statistics.median(values)


def render(
    args: argparse.Namespace,
    samples: dict[tuple[str, int], list[dict[str, Any]]],
    fit: dict,
    calls: dict[str, dict[str, float]],
) -> str:
    from importlib.metadata import version

    node = subprocess.run(
        ["node", "--version"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ['PATH']}"},
    )
    lines = [
        "| routes | variant | synth (median s) | × plain | CPU (median s) | × plain | process (median s) "
        "| × plain | peak memory (MB) | × plain | resources |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for routes in args.routes:
        base = samples[("plain", routes)]
        base_synth = _median([s["synth_s"] for s in base])
        base_cpu = _median([s["cpu_s"] for s in base])
        base_proc = _median([s["process_s"] for s in base])
        base_mem = _median([s["peak_mb"] for s in base])
        for variant in VARIANTS:
            runs = samples[(variant, routes)]
            synth = _median([s["synth_s"] for s in runs])
            cpu = _median([s["cpu_s"] for s in runs])
            proc = _median([s["process_s"] for s in runs])
            mem = _median([s["peak_mb"] for s in runs])
            resources = sum(runs[0]["resources"].values())
            lines.append(
                f"| {routes} | {variant} | {synth:.2f} | {synth / base_synth:.2f} | {cpu:.2f} | "
                f"{cpu / base_cpu:.2f} | {proc:.2f} | "
                f"{proc / base_proc:.2f} | {mem:.0f} | {mem / base_mem:.2f} | {resources} |"
            )
    fit_lines = [
        "| variant | resources per route | fixed resources per stack | routes that fit in 500 |",
        "| --- | ---: | ---: | ---: |",
    ] + [
        f"| {variant} | {v['per_route']:.2f} | {v['fixed']:.0f} | {v['fit']} |" for variant, v in fit.items()
    ]
    call_lines = [
        "| variant | round trips per route | per stack (fixed) | at 50 routes |",
        "| --- | ---: | ---: | ---: |",
    ] + [
        f"| {variant} | {v['per_route']:.1f} | {v['fixed']:.0f} | {v['at_50']:.0f} |"
        for variant, v in calls.items()
    ]
    return "\n".join(
        [
            "## Synth time and memory",
            "",
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"Node {node.stdout.strip()}, aws-cdk-lib {version('aws-cdk-lib')}, "
            f"cdk-nag {version('cdk-nag')}; CDK_VALIDATION="
            f"{'true' if args.builtin_validation else 'false'}; {args.rounds} alternating rounds, medians; "
            f"at most {args.routes_per_stack} routes per stack.",
            "",
            *lines,
            "",
            "## Stack footprint",
            "",
            *fit_lines,
            "",
            "## jsii round trips (counted: the same on every run)",
            "",
            *call_lines,
            "",
        ]
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
