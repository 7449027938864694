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

from .._reasons import records
from ._governance import Observed, Verdict, govern
from ._model import PACK_NAME, Finding, RuleSpec
from ._pack import RULES, evaluate

#: The "info" entry that lists the pack in validation-report.json when it found nothing.
RAN = f"{PACK_NAME}-Ran"


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
    :param watch: other packs, wrapped in :class:`WatchedPack` and registered before this plugin, whose
        findings the acknowledgment check knows besides ours (``add_checks`` passes the cdk-nag packs it
        registers). Default: none (acknowledgments of other packs are not judged).

    Every acknowledgment given with ``secure_constructs.acknowledge`` in the app is governed here: one
    that matches no finding of a watched pack (``SecureServerless-AcknowledgmentUnused``) or is past its
    expiry date (``-AcknowledgmentExpired``) fails the synth (severity ``fatal``, which CDK never lets
    anyone acknowledge); one that expires within 30 days is a warning (``-AcknowledgmentExpiring``).
    When the pack finds nothing, an ``info`` entry (``SecureServerless-Ran``) lists it in
    ``validation-report.json`` all the same.
    """

    def __init__(
        self,
        scope: IConstruct | None = None,
        *,
        rules: Iterable[RuleSpec] | None = None,
        sarif: str | None = None,
        watch: Iterable[WatchedPack] = (),
    ) -> None:
        self._rules = None if rules is None else tuple(rules)
        self._watch = tuple(watch)
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
        ours: list[tuple[str, str]] = []
        resources = 0
        assemblies = sorted({os.path.dirname(path) for path in context.template_paths})
        logical_paths = _logical_paths(assemblies)
        for path in context.template_paths:
            with open(path, encoding="utf-8") as handle:
                template = json.load(handle)
            resources += len(template.get("Resources") or {})
            paths = logical_paths.get(os.path.abspath(path), {})
            for finding in evaluate(template, self._rules, template_dir=os.path.dirname(path)):
                failed = failed or finding.level.fails
                violations.append(_violation(finding, path))
                ours.append((finding.rule, paths.get(finding.logical_id, "")))
        for verdict in self._govern(context, ours):
            failed = failed or verdict.level.fails
            violations.append(PolicyViolation(
                rule_name=verdict.rule,
                description=verdict.message,
                fix=verdict.fix,
                severity=verdict.level.value,
                violating_resources=[PolicyViolatingResource(construct_path=verdict.path, locations=[])],
            ))
        for directory in assemblies:
            write_sources(directory, self._app)
        if self._sarif is not None and assemblies:
            write_sarif(assemblies, self._sarif)
        rules = len(self._rules or RULES)
        if not violations:
            # CDK leaves a plugin that reported nothing out of validation-report.json: an "info" entry says
            # that the pack ran and what it checked (it does not fail the synth, and our readers of the
            # report skip "info" entries).
            violations.append(PolicyViolation(
                rule_name=RAN,
                description=f"{PACK_NAME} ran {rules} rules on {len(context.template_paths)} template(s) "
                            f"({resources} resources): no finding.",
                severity="info",
                violating_resources=[
                    PolicyViolatingResource(construct_path=stack.stack_construct_path, locations=[])
                    for stack in context.stack_templates
                ],
            ))
        return PolicyValidationPluginReport(
            success=not failed,
            violations=violations,
            metadata={"rules": str(rules), "templates": str(len(context.template_paths)),
                      "resources": str(resources)},
        )

    def _govern(self, context: IPolicyValidationContext, ours: list[tuple[str, str]]) -> list[Verdict]:
        """The verdicts on the acknowledgments given with ``secure_constructs.acknowledge`` in this app."""
        app = self._app if self._app is not None else context.app_construct
        given = records(app)
        if not given:
            return []
        run = frozenset(spec.rule_id for spec in (self._rules or RULES))
        watched = {PACK_NAME: Observed(PACK_NAME, tuple(ours), run, frozenset(s.rule_id for s in RULES))}
        for pack in self._watch:
            if pack.observed is not None:
                watched.setdefault(pack.observed.plugin, pack.observed)
        return govern(given, watched)


@jsii.implements(IPolicyValidationPlugin)
class WatchedPack:
    """A validation plugin (a cdk-nag pack) run unchanged, whose findings are noted for the acknowledgment
    check of :class:`SecureServerlessChecks`. Register it before the SecureServerless plugin (add_checks
    does)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.observed: Observed | None = None

    @property
    def name(self) -> str:
        return str(self._inner.name)

    @property
    def version(self) -> str | None:
        return self._inner.version  # type: ignore[no-any-return]

    @property
    def rule_ids(self) -> list[str] | None:
        return self._inner.rule_ids  # type: ignore[no-any-return]

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        report = self._inner.validate(context)
        paths: dict[str, dict[str, str]] = {}
        findings: list[tuple[str, str]] = []
        for violation in report.violations:
            for resource in violation.violating_resources:
                path = resource.construct_path
                if not path and resource.template_path and resource.resource_logical_id:
                    if not paths:
                        paths = _logical_paths(sorted({os.path.dirname(p) for p in context.template_paths}))
                    by_id = paths.get(os.path.abspath(resource.template_path), {})
                    path = by_id.get(resource.resource_logical_id, "")
                findings.append((violation.rule_name, path or ""))
        self.observed = Observed(self.name, tuple(findings))
        return report


def _logical_paths(assemblies: list[str]) -> dict[str, dict[str, str]]:
    """``{absolute template path: {logical id: construct path}}`` from the cloud assemblies' metadata."""
    from ._scan import collect

    return {
        os.path.abspath(job.path): dict(job.stack.logical_paths)
        for job in collect(assemblies)
        if job.stack is not None
    }


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
