"""What ``harden()`` does when the app is synthesized: the resources an argument cannot give (alarms, a web
ACL per REST stage, a user pool's risk configuration), the record of what each construct was given (its
metadata, and the validation report), and the check that no other injector took a hardened class over."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import (
    Aspects,
    IAspect,
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    Names,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    PropertyInjectors,
    Stack,
)
from constructs import Construct, IConstruct, IValidation

from ..errors import SecureConstructsError
from ._classes import HARDENED
from ._inject import Injector, Record, cdk_class

if TYPE_CHECKING:
    from . import Hardening

#: The construct metadata that says what harden() did to a construct (read by the security report).
METADATA = "secure_constructs:harden"
PLUGIN_NAME = "SecureServerlessHarden"


def attach(hardening: Hardening, marker_id: str) -> None:
    """Run :class:`_AtSynth` once per synth, on a childless construct under the hardened scope, and check the
    tree before the templates are written."""
    marker = Construct(hardening.scope, marker_id)
    aspect = _AtSynth(hardening)
    Aspects.of(marker).add(aspect)
    hardening.scope.node.add_validation(_NoOtherInjector(hardening))


@jsii.implements(IAspect)
class _AtSynth:
    def __init__(self, hardening: Hardening) -> None:
        self.hardening = hardening
        self.done = 0

    def visit(self, node: IConstruct) -> None:
        records, self.done = self.hardening.records[self.done :], len(self.hardening.records)
        for record in records:
            construct = record.scope.node.try_find_child(record.id)
            if construct is None:
                continue  # its construction failed, or it was removed
            record.construct = construct
            _locate(record)
            if record.excluded is None:
                ADD.get(record.cls, lambda h, r: None)(self.hardening, record)
            construct.node.add_metadata(METADATA, record.metadata())


def _locate(record: Record) -> None:
    construct = record.construct
    assert construct is not None
    child = construct.node.default_child
    if child is None:
        return
    stack = Stack.of(construct)
    record.logical_id = str(stack.resolve(child.logical_id))  # type: ignore[attr-defined]
    record.template_file = stack.template_file


# --- what a construct gets besides its arguments ------------------------------------------------------------


def _function_alarms(hardening: Hardening, record: Record) -> None:
    from ..monitoring.defaults import attach_default_alarms

    assert record.construct is not None  # located by the aspect before this runs
    if not attach_default_alarms(record.construct, hardening.function_alarms):
        record.kept["alarms"] = ("SecureServerless-LambdaAlarms",)  # the user's own, or opted out


def _api_alarms(hardening: Hardening, record: Record, web_acl: Any = None) -> None:
    from ..monitoring.defaults import attach_default_alarms

    assert record.construct is not None
    if not attach_default_alarms(record.construct, hardening.api_alarms, web_acl=web_acl):
        record.kept["alarms"] = ("SecureServerless-ApiAlarms",)


def _rest_api(hardening: Hardening, record: Record) -> None:
    """A web ACL on the deployment stage (SecureRestApi's builders), unless the stage has one; then the
    alarms, with the web ACL's blocked-requests alarm."""
    from aws_cdk import aws_wafv2 as wafv2

    from ..api.waf import regional_web_acl, web_acl_logging
    from ..nag.declarations import settings_of

    api: Any = record.construct
    options = hardening.waf
    stage = api.deployment_stage if _deploys(api) else None
    web_acl = None
    if stage is None:
        record.notes.append("no deployment stage (deploy=False): no web ACL was associated")
    elif options.disabled_reason is not None:
        record.notes.append(f"no web ACL: WafOptions.disabled({options.disabled_reason!r})")
    elif _has_web_acl(stage):
        record.kept["web ACL"] = ("SecureServerless-ApiStageWaf",)
    else:
        if options.web_acl_arn is None:
            unique = Names.unique_id(api)[-200:]
            web_acl = regional_web_acl(api, "WebAcl", options, metric_prefix=unique)
            arn = web_acl.attr_arn
            defaults = settings_of("SecureRestApi").by_argument
            web_acl_logging(
                api,
                web_acl,
                name=unique,
                retention=defaults["log_retention"][0][0].value(),
                removal_policy=defaults["log_removal_policy"][0][0].value(),
            )
        else:
            arn = options.web_acl_arn
        association = wafv2.CfnWebACLAssociation(
            api, "WebAclAssociation", resource_arn=stage.stage_arn, web_acl_arn=arn
        )
        association.node.add_dependency(stage)
        record.supplied["web ACL"] = ("SecureServerless-ApiStageWaf",)
    _api_alarms(hardening, record, web_acl)
    if "alarms" not in record.kept:
        record.supplied["alarms"] = ("SecureServerless-ApiAlarms", "SecureServerless-ApiServerErrorAlarm")


def _deploys(api: Any) -> bool:
    try:
        return api.deployment_stage is not None
    except Exception:  # noqa: BLE001 - CDK raises when the API has no deployment stage (deploy=False)
        return False


def _has_web_acl(stage: Any) -> bool:
    """Whether the stack already associates a web ACL with ``stage`` (WAF allows one per resource)."""
    from aws_cdk import aws_wafv2 as wafv2

    stack = Stack.of(stage)
    target = stack.resolve(stage.stage_arn)
    return any(
        stack.resolve(c.resource_arn) == target
        for c in stack.node.find_all()
        if isinstance(c, wafv2.CfnWebACLAssociation)
    )


def _http_api(hardening: Hardening, record: Record) -> None:
    _api_alarms(hardening, record)
    if "alarms" not in record.kept:
        record.supplied["alarms"] = ("SecureServerless-ApiAlarms", "SecureServerless-ApiServerErrorAlarm")


def _function(hardening: Hardening, record: Record) -> None:
    _function_alarms(hardening, record)
    if "alarms" not in record.kept:
        record.supplied["alarms"] = ("SecureServerless-LambdaAlarms",)


def _user_pool(hardening: Hardening, record: Record) -> None:
    """The risk configuration (block breached credentials) of a pool whose threat protection is enforced,
    unless the stack has one for it."""
    from aws_cdk import aws_cognito as cognito

    from ..identity.user_pool import risk_configuration

    pool: Any = record.construct
    cfn = pool.node.default_child
    stack = Stack.of(pool)
    add_ons = stack.resolve(cfn.user_pool_add_ons) or {}
    if add_ons.get("advancedSecurityMode") != "ENFORCED":
        return
    target = stack.resolve(pool.user_pool_id)
    if any(
        stack.resolve(c.user_pool_id) == target
        for c in stack.node.find_all()
        if isinstance(c, cognito.CfnUserPoolRiskConfigurationAttachment)
    ):
        record.kept["risk configuration"] = ("SecureServerless-CognitoCompromisedCredentials",)
        return
    risk_configuration(pool, "ThreatProtection", pool.user_pool_id)
    record.supplied["risk configuration"] = ("SecureServerless-CognitoCompromisedCredentials",)


ADD = {
    "aws_lambda.Function": _function,
    "aws_apigateway.RestApi": _rest_api,
    "aws_apigatewayv2.HttpApi": _http_api,
    "aws_cognito.UserPool": _user_pool,
}


# --- no other injector took a hardened class over -----------------------------------------------------------


@jsii.implements(IValidation)
class _NoOtherInjector:
    """Every construct of a hardened class outside our constructs went through harden()'s injector; one that
    did not was built under a scope with an injector of its own for the class (SC-HARDEN-001)."""

    def __init__(self, hardening: Hardening) -> None:
        self.hardening = hardening

    def validate(self) -> list[str]:
        seen = set()
        for record in self.hardening.records:
            construct = record.construct or record.scope.node.try_find_child(record.id)
            if construct is not None:
                seen.add(id(construct))
        classes = {cdk_class(path): path for path in HARDENED}
        for construct in self.hardening.scope.node.find_all():
            path = next((p for cls, p in classes.items() if isinstance(construct, cls)), None)
            if path is None or path in self.hardening.excluded or id(construct) in seen:
                continue
            if self.hardening.inside_ours(construct):
                continue
            owner = _injector_scope(construct, cdk_class(path).PROPERTY_INJECTION_ID)  # type: ignore[attr-defined]
            if owner is not None:
                error = SecureConstructsError(
                    "SC-HARDEN-001",
                    owner,
                    f"a property injector for {path} registered here takes the place of harden()'s, so "
                    f"{construct.node.path} was not hardened",
                    received=type(PropertyInjectors.of(owner).for_(cdk_class(path).PROPERTY_INJECTION_ID)).__name__,  # type: ignore[attr-defined]
                    fix=f"Drop that injector, or exclude {path.split('.')[-1]} from harden() with a reason",
                )
                return [str(error)]
        return []


def _injector_scope(construct: IConstruct, unique_id: str) -> IConstruct | None:
    """The nearest scope above ``construct`` whose own injector for ``unique_id`` is not harden()'s."""
    node: IConstruct | None = construct.node.scope
    while node is not None:
        if PropertyInjectors.has_property_injectors(node):
            found = PropertyInjectors.of(node).for_(unique_id)
            if found is not None:
                return None if isinstance(found, Injector) else node
        node = node.node.scope
    return None


# --- the validation report ------------------------------------------------------------------------------


@jsii.implements(IPolicyValidationPlugin)
class HardenReport:
    """Writes what harden() supplied, kept and left out to ``validation-report.json``: info entries (what it
    supplied or kept, the classes excluded with their reasons) and warnings (what it did not apply and what
    the app needs besides). It never fails the synth."""

    def __init__(self, hardening: Hardening) -> None:
        self.hardening = hardening

    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def version(self) -> str | None:
        return None

    @property
    def rule_ids(self) -> list[str] | None:
        return None

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        templates = {os.path.basename(path): path for path in context.template_paths}
        violations = []
        for record in self.hardening.records:
            if record.logical_id is None or record.template_file not in templates:
                continue
            resource: Any = PolicyViolatingResource(
                resource_logical_id=record.logical_id,
                template_path=templates[record.template_file],
                locations=["Properties"],
            )
            for rule, description, fix, severity in entries(record):
                violations.append(
                    PolicyViolation(
                        rule_name=f"{PLUGIN_NAME}-{rule}",
                        description=description,
                        fix=fix,
                        severity=severity,
                        violating_resources=[resource],
                    )
                )
        return PolicyValidationPluginReport(success=True, violations=violations)


def _listed(values: dict[str, tuple[str, ...]]) -> str:
    rules = sorted({rule for ids in values.values() for rule in ids})
    return ", ".join(values) + (f" (sets {', '.join(rules)})" if rules else "")


def entries(record: Record) -> Iterator[tuple[str, str, str, str]]:
    """(rule, description, fix, severity) of the report's entries about one construct: what harden()
    supplied and kept (info), what it left out and what the construct needs besides (warnings)."""
    cls = record.cls
    if record.excluded is not None:
        yield (
            f"Excluded[{cls}]",
            f"harden() left this {cls} alone: {record.excluded}",
            "Remove the class from exclude to harden it",
            "info",
        )
        return
    if record.supplied:
        yield (
            f"Supplied[{cls}]",
            f"harden() supplied {_listed(record.supplied)}",
            "Set an argument yourself to choose another value; the pack judges it",
            "info",
        )
    if record.kept or record.left:
        left = "; ".join(f"{arg}: {why}" for arg, why in record.left.items())
        yield (
            f"Kept[{cls}]",
            f"harden() kept what the user set: {_listed(record.kept) or '-'}"
            + (f"; and left unset {left}" if left else ""),
            "-",
            "info",
        )
    for argument, why in record.not_applied.items():
        yield (
            f"NotApplied[{cls}.{argument}]",
            f"harden() did not supply {argument}: {why}",
            "On an app that is not deployed yet pass harden(app, replace=True); otherwise set it when the "
            "resource is replaced anyway",
            "warning",
        )
    for note in record.notes:
        yield f"Needs[{cls}]", note, "See README.md, Hardening an existing app", "warning"
