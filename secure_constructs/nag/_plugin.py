"""SecureServerlessChecks: the CDK policy-validation plugin that runs the pack on synthesized templates."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

import jsii
from aws_cdk import (
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
)
from constructs import IConstruct

from ._model import PACK_NAME, Finding, Level, RuleSpec
from ._pack import RULES, evaluate


@jsii.implements(IPolicyValidationPlugin)
class SecureServerlessChecks:
    """Run the SecureServerless rules on every template of the app at synth time.

    Register it like cdk-nag's packs::

        Validations.of(app).add_plugins(SecureServerlessChecks())

    Findings fail the synth (level ERROR) or are reported (WARNING) unless acknowledged on the construct
    (or an ancestor) with
    ``secure_constructs.acknowledge(construct, "SecureServerless-<Rule>[...]", reason)``.

    At synth it also writes ``secure_constructs.sources.json`` beside the templates: for each of our
    constructs, the file and line of the user's code that created it (relative to the app's directory),
    which ``python -m secure_constructs.nag check cdk.out`` adds to its findings.

    :param scope: the app (or any construct of it), as for cdk-nag's packs (``AwsSolutionsChecks(app)``):
        creation sites are then written for this app's constructs only. Default: None (every construct
        recorded in the process whose path is in the assembly).
    :param rules: the rules to run. Default: every rule of the pack (``secure_constructs.nag.RULES``).
    :param sarif: also write the synth's findings, acknowledged ones included with their reasons, as
        SARIF 2.1.0 to this file (the template scanner's output on the cloud assembly). Default: None.
    """

    def __init__(
        self,
        scope: IConstruct | None = None,
        *,
        rules: Iterable[RuleSpec] | None = None,
        sarif: str | None = None,
    ) -> None:
        self._rules = None if rules is None else tuple(rules)
        self._sarif = sarif
        self._app = scope.node.root if scope is not None else None

    # jsii registers only properties and methods as overrides: ``name`` must be a property.
    @property
    def name(self) -> str:
        return PACK_NAME

    @property
    def version(self) -> str | None:
        return None

    @property
    def rule_ids(self) -> list[str] | None:
        return [spec.rule_id for spec in (self._rules or RULES)]

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        violations: list[PolicyViolation] = []
        failed = False
        for path in context.template_paths:
            with open(path, encoding="utf-8") as handle:
                template = json.load(handle)
            for finding in evaluate(template, self._rules, template_dir=os.path.dirname(path)):
                failed = failed or finding.level is Level.ERROR
                violations.append(_violation(finding, path))
        assemblies = sorted({os.path.dirname(path) for path in context.template_paths})
        for directory in assemblies:
            write_sources(directory, self._app)
        if self._sarif is not None and assemblies:
            write_sarif(assemblies, self._sarif)
        return PolicyValidationPluginReport(success=not failed, violations=violations)


def write_sources(assembly: str, app: Any = None) -> None:
    """Write the creation sites of the constructs (of ``app``, when known) whose resources are in this
    cloud assembly."""
    from .._sources import creation_sites
    from ._scan import SOURCES_FILE, collect

    resource_paths = {
        path
        for job in collect([assembly])
        if job.stack is not None
        for path in job.stack.logical_paths.values()
    }
    sites = {
        path: site
        for path, site in creation_sites(app).items()
        if any(r == path or r.startswith(path + "/") for r in resource_paths)
    }
    with open(os.path.join(assembly, SOURCES_FILE), "w", encoding="utf-8") as handle:
        json.dump({"version": 1, "constructs": dict(sorted(sites.items()))}, handle, indent=1)


def write_sarif(assemblies: list[str], path: str) -> None:
    """The scanner's SARIF for the cloud assembly: the same findings, acknowledgments and locations as
    ``python -m secure_constructs.nag check cdk.out --format sarif``."""
    from ._output import sarif
    from ._scan import scan

    report = scan(assemblies, jobs=1)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(sarif(report) + "\n")


def _violation(finding: Finding, template_path: str) -> PolicyViolation:
    resource: Any = PolicyViolatingResource(
        resource_logical_id=finding.logical_id, template_path=template_path, locations=[finding.location]
    )
    return PolicyViolation(
        rule_name=finding.rule,
        description=finding.message,
        fix=finding.fix,
        severity=finding.level.value,
        violating_resources=[resource],
    )
