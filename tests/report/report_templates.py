"""Hand-written templates for the security-report unit tests (not a test module)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_assembly(
    outdir: Path, templates: dict[str, dict[str, Any]], validation: dict[str, Any] | None = None
) -> Path:
    """Write ``{stack: {logical id: resource}}`` as ``<stack>.template.json`` files (+ validation report)."""
    outdir.mkdir(parents=True, exist_ok=True)
    for stack, resources in templates.items():
        (outdir / f"{stack}.template.json").write_text(json.dumps({"Resources": resources}), encoding="utf-8")
    if validation is not None:
        (outdir / "validation-report.json").write_text(json.dumps(validation), encoding="utf-8")
    return outdir


def res(type_: str, path: str = "", **props: Any) -> dict[str, Any]:
    """A resource of ``type_`` with ``props`` and, when given, its construct path."""
    resource: dict[str, Any] = {"Type": type_, "Properties": props}
    if path:
        resource["Metadata"] = {"aws:cdk:path": path}
    return resource


def ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


def arn(logical_id: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def suppressed(plugin: str, rule: str, path: str, reason: str) -> dict[str, Any]:
    return {
        "ruleName": rule,
        "description": f"{rule} description",
        "severity": "error",
        "reason": reason,
        "violatingConstructs": [{"constructPath": path}],
    }


def validation_report(
    plugin: str,
    *,
    suppressed_: list[dict[str, Any]] = (),  # type: ignore[assignment]
    violations: list[dict[str, Any]] = (),
) -> dict[str, Any]:  # type: ignore[assignment]
    return {
        "version": "54.0.0",
        "title": "Validation Report",
        "pluginReports": [
            {
                "pluginName": plugin,
                "conclusion": "failure" if violations else "success",
                "violations": list(violations),
                "suppressedViolations": list(suppressed_),
            }
        ],
    }
