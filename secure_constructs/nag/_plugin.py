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

    :param scope: accepted for symmetry with cdk-nag's packs (``AwsSolutionsChecks(app)``); not used.
        Default: None.
    :param rules: the rules to run. Default: every rule of the pack (``secure_constructs.nag.RULES``).
    """

    def __init__(self, scope: IConstruct | None = None, *, rules: Iterable[RuleSpec] | None = None) -> None:
        self._rules = None if rules is None else tuple(rules)

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
        return PolicyValidationPluginReport(success=not failed, violations=violations)


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
