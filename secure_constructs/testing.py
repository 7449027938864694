"""Helpers for snapshot-testing stacks: a template with the machine- and build-specific noise removed.

Use it in your own tests with syrupy::

    from syrupy.extensions.json import JSONSnapshotExtension
    from secure_constructs.testing import normalized_template

    def test_orders_stack(snapshot):
        app = App()
        stack = OrdersStack(app, "Orders")
        assert normalized_template(stack) == snapshot(extension_class=JSONSnapshotExtension)

What is normalized (and why): asset hashes (they change with file modes, paths and the CDK version) become
``"<asset-hash>"``; the ``BootstrapVersion`` parameter and ``CheckBootstrapVersion`` rule, the
``CDKMetadata`` resource and its condition (versions and analytics) are dropped; ``aws:asset:*`` and
``aws:cdk:path`` metadata are dropped. Everything that is security-relevant stays.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aws_cdk import Stack
from aws_cdk.assertions import Template

ASSET_HASH = "<asset-hash>"
_HASH = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
_DROPPED_METADATA = ("aws:asset:", "aws:cdk:path")


def normalize(template: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a CloudFormation template dict with build noise replaced (see module docs)."""
    text = _HASH.sub(ASSET_HASH, json.dumps(template, sort_keys=True))
    out: dict[str, Any] = json.loads(text)
    params = out.get("Parameters", {})
    params.pop("BootstrapVersion", None)
    rules = out.get("Rules", {})
    rules.pop("CheckBootstrapVersion", None)
    resources = out.get("Resources", {})
    resources.pop("CDKMetadata", None)
    out.get("Conditions", {}).pop("CDKMetadataAvailable", None)
    for resource in resources.values():
        metadata = resource.get("Metadata")
        if isinstance(metadata, dict):
            for key in [k for k in metadata if k.startswith(_DROPPED_METADATA)]:
                del metadata[key]
            if not metadata:
                del resource["Metadata"]
    for section in ("Parameters", "Rules", "Conditions"):
        if section in out and not out[section]:
            del out[section]
    return out


def normalized_template(stack: Stack) -> dict[str, Any]:
    """Synthesize ``stack`` and return its normalized template (stable across runs and machines)."""
    return normalize(dict(Template.from_stack(stack).to_json()))


# --- validation reports -------------------------------------------------------------------------------


class Finding(dict):
    """One violating construct of a validation report: ``rule``, ``plugin``, ``path``, ``severity``,
    ``description``, and for suppressed ones ``reason`` and ``acknowledged_id``."""

    @property
    def rule(self) -> str:
        return str(self["rule"])

    @property
    def path(self) -> str:
        return str(self["path"])


class ValidationResult:
    """The findings of one synth: ``violations`` (unacknowledged) and ``suppressed`` (acknowledged), and
    ``notes``: entries of severity ``info``, which report rather than find (the entry that lists
    SecureServerless when it found nothing; what ``harden()`` supplied)."""

    def __init__(self, report: dict[str, Any]) -> None:
        self.report = report
        self.violations: list[Finding] = []
        self.suppressed: list[Finding] = []
        self.notes: list[Finding] = []
        for plugin in report.get("pluginReports", []):
            name = plugin.get("pluginName", "")
            for bucket, items in ((self.violations, plugin.get("violations", [])),
                                  (self.suppressed, plugin.get("suppressedViolations", []))):
                for violation in items:
                    info = bucket is self.violations and violation.get("severity") == "info"
                    target = self.notes if info else bucket
                    for construct in violation.get("violatingConstructs", []):
                        target.append(Finding(
                            plugin=name,
                            rule=violation.get("ruleName", ""),
                            severity=violation.get("severity", ""),
                            description=violation.get("description", ""),
                            path=construct.get("constructPath", ""),
                            reason=violation.get("reason"),
                            acknowledged_id=violation.get("acknowledgedId"),
                        ))

    @property
    def plugins(self) -> list[str]:
        """The plugins listed in the report (a clean SecureServerless run included)."""
        return [str(plugin.get("pluginName", "")) for plugin in self.report.get("pluginReports", [])]

    def rules(self, *, suppressed: bool = False) -> set[str]:
        return {f.rule for f in (self.suppressed if suppressed else self.violations)}

    def format(self) -> str:
        return "\n".join(f"{f['plugin']}: {f.rule} at {f.path}" for f in self.violations) or "(none)"


def synth_and_validate(app: Any) -> ValidationResult:
    """Synthesize ``app`` (with whatever validation plugins it has) and return its validation report.

    A failing validation does not raise here: read ``.violations`` instead. Other synth errors do.
    """
    import os

    try:
        app.synth()
    except RuntimeError as error:  # jsii surfaces CDK's ValidationFailed as RuntimeError
        if "alidation" not in str(error):
            raise
    path = os.path.join(app.outdir, "validation-report.json")
    if not os.path.exists(path):
        return ValidationResult({})
    with open(path, encoding="utf-8") as handle:
        return ValidationResult(json.load(handle))
