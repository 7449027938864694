"""Print where ``cdk synth`` wrote its templates and validation report, and a one-screen summary."""

from __future__ import annotations

import json
import pathlib
import sys


def summarize(outdir: pathlib.Path) -> str:
    lines = [f"Cloud assembly: {outdir.resolve()}"]
    templates = sorted(outdir.glob("*.template.json"))
    for template in templates:
        resources = json.loads(template.read_text()).get("Resources", {})
        lines.append(f"  template  {template}  ({len(resources)} resources)")
    report = outdir / "validation-report.json"
    if report.exists():
        data = json.loads(report.read_text())
        violations = suppressed = 0
        for plugin in data.get("pluginReports", []):
            # info entries are notes (the pack ran; what harden() supplied), not findings
            violations += sum(1 for v in plugin.get("violations", []) if v.get("severity") != "info")
            suppressed += len(plugin.get("suppressedViolations", []))
        lines.append(
            f"  report    {report}  ({violations} open findings, {suppressed} acknowledged with a reason)"
        )
    else:
        lines.append("  report    (no validation-report.json: no validation plugin reported anything)")
    for extra in ("security-report.md", "security-report.html"):
        if (outdir / extra).exists():
            lines.append(f"  security  {outdir / extra}")
    if templates:
        from .report import collect, summary_lines

        lines.append("Security summary:")
        lines += [f"  {line}" for line in summary_lines(collect(outdir))]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    outdir = pathlib.Path(argv[1] if len(argv) > 1 else "cdk.out")
    if not outdir.is_dir():
        print(f"no cloud assembly at {outdir}", file=sys.stderr)
        return 2
    print(summarize(outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
