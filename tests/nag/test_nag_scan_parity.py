"""The synth-time plugin and the template scanner run the same rules: on every example, the scanner on the
synthesized cdk.out reports exactly the findings the plugin reported at synth, acknowledged or not, with
the same reasons."""

from __future__ import annotations

import json
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "fixtures"))
from examples_support import cdk_examples, synth_example  # noqa: E402

from secure_constructs.nag._model import PACK_NAME  # noqa: E402
from secure_constructs.nag._scan import scan  # noqa: E402


def _logical_ids(outdir: pathlib.Path) -> dict[str, str]:
    """construct path -> logical id, from the assembly's metadata."""
    out = {}
    for path in outdir.rglob("*.metadata.json"):
        for construct, entries in json.loads(path.read_text()).items():
            for entry in entries:
                if entry.get("type") == "aws:cdk:logicalId":
                    out[construct.lstrip("/")] = entry["data"]
    return out


def _plugin_findings(outdir: pathlib.Path) -> tuple[set[tuple[str, str]], set[tuple[str, str, str]]]:
    report = json.loads((outdir / "validation-report.json").read_text())
    ids = _logical_ids(outdir)
    open_, acknowledged = set(), set()
    for plugin in report.get("pluginReports", []):
        if plugin["pluginName"] != PACK_NAME:
            continue
        for violation in plugin.get("violations", []):
            if violation["severity"] == "info":
                continue  # the entry that lists a clean SecureServerless run: not a finding
            for construct in violation["violatingConstructs"]:
                open_.add((violation["ruleName"], ids[construct["constructPath"]]))
        for violation in plugin.get("suppressedViolations", []):
            for construct in violation["violatingConstructs"]:
                acknowledged.add(
                    (violation["ruleName"], ids[construct["constructPath"]], violation["reason"])
                )
    return open_, acknowledged


@pytest.mark.parametrize("example", cdk_examples(), ids=lambda p: p.stem)
def test_scanner_reports_what_the_plugin_reported(example, tmp_path):
    outdir = tmp_path / "cdk.out"
    synth_example(example, outdir)
    plugin_open, plugin_acknowledged = _plugin_findings(outdir)
    report = scan([str(outdir)], jobs=1)
    assert {(f.rule, f.logical_id) for f in report.findings} == plugin_open
    assert {
        (a.finding.rule, a.finding.logical_id, a.ack.reason) for a in report.acknowledged
    } == plugin_acknowledged
    # the scanner checked the same templates (a clean example is compared on its resources' count too)
    assert sum(t.resources for t in report.templates) == sum(
        len(json.loads(p.read_text())["Resources"]) for p in outdir.glob("*.template.json")
    )


def test_scanner_reports_what_the_plugin_reported_with_findings_and_acknowledgments(tmp_path):
    """The examples are clean under the pack; this app (the fixture assembly's) has open and acknowledged
    findings. The plugin sees top-level stack templates only; the scanner also reads nested stacks."""
    from aws_cdk import App, Validations
    from make_assembly import build

    from secure_constructs.nag import SecureServerlessChecks

    outdir = tmp_path / "cdk.out"
    app = App(outdir=str(outdir), analytics_reporting=False)
    build(app)
    Validations.of(app).add_plugins(SecureServerlessChecks())
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    plugin_open, plugin_acknowledged = _plugin_findings(outdir)
    report = scan([str(outdir)], jobs=1)
    top_level = [f for f in report.findings if not f.file.endswith(".nested.template.json")]
    assert {(f.rule, f.logical_id) for f in top_level} == plugin_open
    assert {
        (a.finding.rule, a.finding.logical_id, a.ack.reason) for a in report.acknowledged
    } == plugin_acknowledged
    assert plugin_open and plugin_acknowledged
