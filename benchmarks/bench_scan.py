"""The template scanner against checkov and cfn-lint on the same inputs, in one run, alternating.

Inputs: the demo app's template (``app.py``, synthesized once here), a 500- and a 2,000-resource template
and a directory of 50 templates, generated from the examples' committed snapshots
(``tests/nag/scan_support.py``). Each round runs every tool once on every input, in a rotating order;
the table gives median wall time (process start-up included), the ratio to ours, and peak memory (max RSS
from GNU time). Import time is measured apart (a process that only imports), and our time per resource
once started is measured in one process (second scan of the 2,000-resource template).

The peers live in their own environment, never in requirements.txt: ``make bench-scan`` creates
``.venv-peers`` from ``benchmarks/requirements-peers.txt``.

    python benchmarks/bench_scan.py [--rounds 3] [--peers .venv-peers/bin]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "nag"))

from scan_support import generated_template  # noqa: E402

PY = sys.executable


def _timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in MB, exit code) of one run of ``command``."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", report.name, *command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        wall = time.perf_counter() - start
        peak_kb = int(report.read().strip().splitlines()[-1] or 0)
    return wall, peak_kb // 1024, done.returncode


def _demo_template(workdir: pathlib.Path) -> pathlib.Path:
    outdir = workdir / "demo.out"
    env = dict(os.environ, CDK_OUTDIR=str(outdir), CDK_VALIDATION="false")
    env["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{env.get('PATH', '')}"
    subprocess.run([PY, "app.py"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    (template,) = outdir.glob("*.template.json")
    return template


def _inputs(workdir: pathlib.Path) -> dict[str, tuple[pathlib.Path, int]]:
    inputs = {}
    demo = _demo_template(workdir)
    inputs["demo template"] = (demo, len(json.loads(demo.read_text())["Resources"]))
    for size in (500, 2000):
        path = workdir / f"generated-{size}.json"
        path.write_text(json.dumps(generated_template(size), indent=1))
        inputs[f"{size} resources"] = (path, size)
    directory = workdir / "fifty"
    directory.mkdir()
    total = 0
    for index in range(50):
        size = 20 + (index % 5) * 10  # 20..60 resources, 2,000 in all
        (directory / f"stack{index:02}.json").write_text(json.dumps(generated_template(size), indent=1))
        total += size
    inputs["50 templates"] = (directory, total)
    return inputs


def _commands(tool: str, path: pathlib.Path, peers: pathlib.Path) -> list[str]:
    is_dir = path.is_dir()
    if tool == "ours":
        return [PY, "-m", "secure_constructs.nag", "check", str(path), "--format", "json", "-o", os.devnull]
    if tool == "cfn-lint":
        target = [str(p) for p in sorted(path.glob("*.json"))] if is_dir else [str(path)]
        return [str(peers / "cfn-lint"), "--format", "json", *target]
    return [
        str(peers / "checkov"),
        "-d" if is_dir else "-f",
        str(path),
        "--framework",
        "cloudformation",
        "--quiet",
        "--compact",
        "-o",
        "json",
        "--skip-download",
    ]


def _import_times(peers: pathlib.Path, rounds: int) -> dict[str, float]:
    probes = {
        "ours (CLI, JSON path)": [
            PY,
            "-c",
            "import secure_constructs.nag._cli, secure_constructs.nag._scan, secure_constructs.nag._output",
        ],
        "ours + YAML decoder (cfn-lint's)": [
            PY,
            "-c",
            "import secure_constructs.nag._scan; import cfnlint.decode.cfn_yaml",
        ],
        "ours + SAM translator": [
            PY,
            "-c",
            "import secure_constructs.nag._scan; import boto3; import samtranslator.translator.translator",
        ],
        "python (nothing imported)": [PY, "-c", "pass"],
        "cfn-lint --version": [str(peers / "cfn-lint"), "--version"],
        "checkov --version": [str(peers / "checkov"), "--version"],
    }
    times: dict[str, list[float]] = {name: [] for name in probes}
    for _ in range(rounds):
        for name, command in probes.items():
            times[name].append(_timed(command)[0])
    return {name: statistics.median(values) for name, values in times.items()}


def _per_resource(path: pathlib.Path, resources: int) -> float:
    """Our time per resource once started: median of three scans after a first one, in one process."""
    code = (
        "import statistics, sys, time\n"
        "from secure_constructs.nag._scan import scan\n"
        "scan([sys.argv[1]], jobs=1)\n"
        "runs = []\n"
        "for _ in range(3):\n"
        "    start = time.perf_counter()\n"
        "    scan([sys.argv[1]], jobs=1)\n"
        "    runs.append(time.perf_counter() - start)\n"
        "print(statistics.median(runs))\n"
    )
    out = subprocess.run([PY, "-c", code, str(path)], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip()) / resources * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--peers", default=str(ROOT / ".venv-peers" / "bin"))
    args = parser.parse_args()
    peers = pathlib.Path(args.peers)
    tools = ("ours", "cfn-lint", "checkov")
    with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
        inputs = _inputs(pathlib.Path(tmp))
        results: dict[tuple[str, str], list[tuple[float, int, int]]] = {}
        for round_ in range(args.rounds):
            order = tools[round_ % 3 :] + tools[: round_ % 3]
            for name, (path, _) in inputs.items():
                for tool in order:
                    results.setdefault((name, tool), []).append(_timed(_commands(tool, path, peers)))
            print(f"round {round_ + 1} done", file=sys.stderr)
        imports = _import_times(peers, args.rounds)
        per_resource = _per_resource(inputs["2000 resources"][0], 2000)
    print("| input | resources | tool | median wall (s) | × ours | peak memory (MB) | exit codes |")
    print("| --- | ---: | --- | ---: | ---: | ---: | --- |")
    for name, (_, resources) in inputs.items():
        ours = statistics.median(r[0] for r in results[(name, "ours")])
        for tool in tools:
            runs = results[(name, tool)]
            wall = statistics.median(r[0] for r in runs)
            peak = max(r[1] for r in runs)
            codes = ",".join(sorted({str(r[2]) for r in runs}))
            print(f"| {name} | {resources} | {tool} | {wall:.2f} | {wall / ours:.1f} | {peak} | {codes} |")
    print()
    print("| start-up and imports | median (s) |")
    print("| --- | ---: |")
    for name, value in imports.items():
        print(f"| {name} | {value:.3f} |")
    print()
    where = "2,000-resource template, median of 3 in one process"
    print(f"ours, once started: {per_resource:.3f} ms per resource ({where})")


if __name__ == "__main__":
    main()
