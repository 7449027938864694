"""The scanner's outputs: text for people, JSON, SARIF 2.1.0 for code scanning, JUnit XML for CI dashboards.

Each finding appears once, with rule, level, resource, template file and line, and fix; acknowledged
findings are listed with their reasons (SARIF: as suppressed results).
"""

from __future__ import annotations

import json
import os
from typing import Any
from xml.etree import ElementTree

from ._acks import Acknowledged
from ._model import PACK_NAME, Finding, Level, rule_anchor
from ._pack import RULES
from ._scan import ScanReport

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_SARIF_LEVEL = {Level.FATAL: "error", Level.ERROR: "error", Level.WARNING: "warning"}


def where(finding: Finding) -> str:
    """``template.yaml:12`` (or the file alone when the line is unknown)."""
    return f"{finding.file}:{finding.line}" if finding.line else str(finding.file)


def _origin(finding: Finding) -> str:
    parts = []
    if finding.sam_resource:
        parts.append(f"SAM resource {finding.sam_resource}")
    if finding.created_at:
        parts.append(f"created at {finding.created_at}")
    return f" ({'; '.join(parts)})" if parts else ""


# --- text -----------------------------------------------------------------------------------------------


def text(report: ScanReport) -> str:
    blocks = []
    for finding in report.findings:
        block = (
            f"{finding.level.value.upper()} {finding.rule}\n"
            f"   {where(finding)}: {finding.logical_id}{_origin(finding)}\n"
            f"   {finding.message}\n"
            f"   Fix: {finding.fix}"
        )
        refusal = next((r for r in report.refused if r.finding is finding), None)
        if refusal is not None:
            block += f"\n   Acknowledgment not honoured ({refusal.ack.source}): {refusal.ack.refused}."
        blocks.append(block)
    if report.acknowledged:
        lines = [f"Acknowledged ({len(report.acknowledged)}):"]
        for item in report.acknowledged:
            finding = item.finding
            lines.append(
                f"   {finding.rule}\n      {where(finding)}: {finding.logical_id}{_origin(finding)}\n"
                f"      Reason ({item.ack.source}): {item.ack.reason}"
            )
        blocks.append("\n".join(lines))
    if report.skipped:
        blocks.append(
            f"Skipped {len(report.skipped)} file(s) that are not templates:\n"
            + "\n".join(f"   {path}" for path, _ in report.skipped)
        )
    errors = sum(f.level.fails for f in report.findings)
    warnings = len(report.findings) - errors
    resources = sum(t.resources for t in report.templates)
    summary = (
        f"{len(report.findings)} finding(s) ({errors} error(s), {warnings} warning(s)), "
        f"{len(report.acknowledged)} acknowledged, in {len(report.templates)} template(s) "
        f"with {resources} resource(s)."
    )
    if not report.findings:
        summary = "No findings. " + summary
    return "\n\n".join(blocks + [summary])


# --- JSON -----------------------------------------------------------------------------------------------


def _finding_json(finding: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule": finding.rule,
        "level": finding.level.value,
        "logical_id": finding.logical_id,
        "path": finding.file,
        "line": finding.line,
        "message": finding.message,
        "fix": finding.fix,
        "doc": finding.doc_anchor,
    }
    if finding.sam_resource:
        out["sam_resource"] = finding.sam_resource
    if finding.created_at:
        out["created_at"] = finding.created_at
    return out


def _ack_json(item: Acknowledged) -> dict[str, Any]:
    return {**_finding_json(item.finding), "reason": item.ack.reason, "acknowledged_in": item.ack.source}


def as_json(report: ScanReport) -> str:
    data = {
        "findings": [_finding_json(f) for f in report.findings],
        "acknowledged": [_ack_json(a) for a in report.acknowledged],
        "templates": [{"path": t.path, "resources": t.resources, "sam": t.sam} for t in report.templates],
        "skipped": [path for path, _ in report.skipped],
    }
    return json.dumps(data, indent=2)


# --- SARIF 2.1.0 ----------------------------------------------------------------------------------------


def _uri(path: str | None) -> str:
    """A relative URI for a file under the working directory (what code scanning maps to the repo)."""
    if not path:
        return ""
    relative = os.path.relpath(path) if os.path.isabs(path) else path
    if relative.startswith(".."):
        relative = os.path.abspath(path)
        return "file://" + relative.replace(os.sep, "/")
    return relative.replace(os.sep, "/")


def _sarif_result(finding: Finding, rule_index: dict[str, int], ack: Acknowledged | None) -> dict[str, Any]:
    region = {"startLine": finding.line} if finding.line else {}
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(finding.file)},
            **({"region": region} if region else {}),
        },
        "logicalLocations": [{"name": finding.logical_id, "kind": "resource"}],
    }
    result: dict[str, Any] = {
        "ruleId": finding.base_rule,
        "level": _SARIF_LEVEL[finding.level],
        "message": {"text": f"{finding.message} [{finding.rule}] Fix: {finding.fix}"},
        "locations": [location],
        "partialFingerprints": {"findingId/v1": f"{finding.rule}|{finding.logical_id}|{_uri(finding.file)}"},
        "properties": {"findingId": finding.rule},
    }
    if finding.base_rule in rule_index:
        result["ruleIndex"] = rule_index[finding.base_rule]
    related = []
    if finding.created_at:
        file, _, line = finding.created_at.rpartition(":")
        related.append(
            {
                "id": 1,
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(file)},
                    **({"region": {"startLine": int(line)}} if line.isdigit() else {}),
                },
                "message": {"text": "The construct that made this resource was created here."},
            }
        )
    if related:
        result["relatedLocations"] = related
    if finding.sam_resource:
        result["properties"]["samResource"] = finding.sam_resource
    if ack is not None:
        result["suppressions"] = [
            {
                "kind": "inSource",
                "status": "accepted",
                "justification": ack.ack.reason,
                "properties": {"acknowledgedIn": ack.ack.source},
            }
        ]
    return result


def sarif(report: ScanReport) -> str:
    rules = []
    rule_index: dict[str, int] = {}
    for index, spec in enumerate(RULES):
        rule_index[spec.rule_id] = index
        rules.append(
            {
                "id": spec.rule_id,
                "name": spec.name,
                "shortDescription": {"text": spec.info},
                "fullDescription": {"text": spec.explanation},
                "help": {
                    "text": f"{spec.explanation} Documented in RULES.md#{rule_anchor(spec.rule_id)}.",
                },
                "defaultConfiguration": {"level": _SARIF_LEVEL[spec.level]},
                "properties": {"tags": ["security", spec.area]},
            }
        )
    results = [_sarif_result(f, rule_index, None) for f in report.findings]
    results += [_sarif_result(a.finding, rule_index, a) for a in report.acknowledged]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": PACK_NAME,
                        "semanticVersion": _version(),
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2)


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("secure-constructs")
    except metadata.PackageNotFoundError:
        return "0.0.0"


# --- JUnit XML ------------------------------------------------------------------------------------------


def junit(report: ScanReport, fail_on: Level = Level.ERROR) -> str:
    """One test suite per template, one test case per resource with a finding (and one passing case for a
    clean template); a finding at the failing level is a failure, others are listed in system-out."""
    failing = {level for level in Level if level.fails or fail_on is Level.WARNING}
    suites = ElementTree.Element("testsuites", name=PACK_NAME)
    total = failures = 0
    for template in report.templates:
        by_resource: dict[str, list[Finding]] = {}
        for finding in template.findings:
            by_resource.setdefault(finding.logical_id, []).append(finding)
        suite = ElementTree.SubElement(suites, "testsuite", name=template.path)
        failed = 0
        cases = len(by_resource)
        for logical_id, findings in by_resource.items():
            case = ElementTree.SubElement(suite, "testcase", name=logical_id, classname=template.path)
            bad = [f for f in findings if f.level in failing]
            if bad:
                failed += 1
                failure = ElementTree.SubElement(
                    case,
                    "failure",
                    message=f"{len(bad)} finding(s): " + ", ".join(f.rule for f in bad),
                    type=bad[0].level.value,
                )
                failure.text = "\n\n".join(
                    f"{f.level.value.upper()} {f.rule} at {where(f)}{_origin(f)}\n{f.message}\nFix: {f.fix}"
                    for f in bad
                )
            rest = [f for f in findings if f.level not in failing]
            if rest:
                out = ElementTree.SubElement(case, "system-out")
                out.text = "\n".join(
                    f"{f.level.value.upper()} {f.rule} at {where(f)}: {f.message}" for f in rest
                )
        if not by_resource:
            ElementTree.SubElement(suite, "testcase", name="all resources", classname=template.path)
            cases = 1
        if template.acknowledged:
            out = ElementTree.SubElement(suite, "system-out")
            out.text = "\n".join(
                f"Acknowledged {a.finding.rule} on {a.finding.logical_id}: {a.ack.reason}"
                for a in template.acknowledged
            )
        suite.set("tests", str(cases))
        suite.set("failures", str(failed))
        total += cases
        failures += failed
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode")


FORMATS = ("text", "json", "sarif", "junit")


def render(report: ScanReport, fmt: str, fail_on: Level = Level.ERROR) -> str:
    if fmt == "json":
        return as_json(report)
    if fmt == "sarif":
        return sarif(report)
    if fmt == "junit":
        return junit(report, fail_on)
    return text(report)
