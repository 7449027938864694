"""AWS WAF: a web ACL that blocks with managed rule groups and a rate-based rule, and logs what it sees
with the credentials redacted."""

from __future__ import annotations

from typing import Any

from .._model import RuleResult, RuleSpec, Setting, Undecidable, if_, set_
from .._template import MISSING, TemplateContext, as_list, get_path, props, when
from ._common import E, W, scenarios

ACL = "AWS::WAFv2::WebACL"
LOGGING = "AWS::WAFv2::LoggingConfiguration"
#: Request headers that carry credentials; WAF logs every header unless it is redacted.
CREDENTIAL_HEADERS = ("authorization",)


def _rules(
    resource: dict[str, Any], ctx: TemplateContext
) -> list[tuple[list[dict[str, Any]], tuple[str, ...]]]:
    """The web ACL's rules in every combination of the Fn::If branches in ``Rules`` (around the list, a rule,
    or a rule's action), each with the conditions that lead to it."""
    out = []
    for value, conds in scenarios(props(resource).get("Rules", MISSING), "Rules"):
        rules = [] if value is MISSING or value is None else as_list(ctx.literal(value, "Rules"))
        if any(not isinstance(rule, dict) for rule in rules):
            raise Undecidable("Unresolved::Rules", "a rule of the web ACL is not a literal object")
        out.append((rules, conds))
    return out


def _name(rule: dict[str, Any]) -> str:
    return str(rule.get("Name") or get_path(rule, "Statement", "ManagedRuleGroupStatement", "Name") or "?")


def waf_managed_rules(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The web ACL blocks with at least one managed rule group, none of them in count-only mode."""
    for rules, conds in _rules(resource, ctx):
        managed = [r for r in rules if get_path(r, "Statement", "ManagedRuleGroupStatement")]
        if not managed:
            return [("NoManagedRules", f"the web ACL has no managed rule group{when(conds)}")]
        counting = [
            _name(r)
            for r in managed
            if isinstance(r.get("OverrideAction"), dict) and "Count" in r["OverrideAction"]
        ]
        if counting:
            return [(f"Count::{name}", f"the rule group only counts{when(conds)}") for name in counting]
    return []


def waf_rate_rule(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The web ACL has a rate-based rule that blocks (a flood from one address is cut off)."""
    for rules, conds in _rules(resource, ctx):
        rate = [r for r in rules if get_path(r, "Statement", "RateBasedStatement")]
        blocking = [r for r in rate if isinstance(r.get("Action"), dict) and "Block" in r["Action"]]
        if not blocking:
            detail = "its rate-based rule only counts" if rate else "no rate-based rule"
            return [("NoRateRule", detail + when(conds))]
    return []


def waf_logging(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The web ACL logs its requests (AWS::WAFv2::LoggingConfiguration), with credential headers redacted."""
    configs = [
        (lid, cfg)
        for lid, cfg in ctx.of_type(LOGGING)
        if logical_id in ctx.references(props(cfg).get("ResourceArn"))
    ]
    if not configs:
        return [("NoLogging", "no logging configuration names this web ACL")]
    findings = []
    for _, cfg in configs:
        redacted = {
            str(get_path(field, "SingleHeader", "Name") or "").lower()
            for field in as_list(props(cfg).get("RedactedFields"))
            if isinstance(field, dict)
        }
        findings += [f"NotRedacted::{header}" for header in CREDENTIAL_HEADERS if header not in redacted]
    return sorted(set(findings))


def _managed(name: str, override: str = "None") -> dict[str, Any]:
    return {
        "Name": name,
        "Priority": 0,
        "OverrideAction": {override: {}},
        "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": name}},
        "VisibilityConfig": {
            "CloudWatchMetricsEnabled": True,
            "MetricName": name,
            "SampledRequestsEnabled": True,
        },
    }


def _rate(action: str = "Block") -> dict[str, Any]:
    return {
        "Name": "RateLimitPerIp",
        "Priority": 1,
        "Action": {action: {}},
        "Statement": {"RateBasedStatement": {"AggregateKeyType": "IP", "Limit": 1000}},
        "VisibilityConfig": {
            "CloudWatchMetricsEnabled": True,
            "MetricName": "rate",
            "SampledRequestsEnabled": True,
        },
    }


_WAF = Setting("SecureRestApi", "waf", via="parameter")

RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "WafManagedRules",
        "network",
        (ACL,),
        "The web ACL does not block with a managed rule group (none, or only in count mode).",
        "Add AWS managed rule groups (common rule set, known bad inputs, SQL injection, IP reputation) with "
        "OverrideAction None, so that they block; a web ACL without them does nothing.",
        E,
        waf_managed_rules,
        paths=("Rules", "DefaultAction"),
        finding_ids=("NoManagedRules", "Count::<rule group>"),
        settings=(_WAF,),
        mutations=(
            set_("Rules", []),
            set_("Rules", [_managed("AWSManagedRulesCommonRuleSet", "Count"), _rate()]),
            if_("Rules", []),
        ),
    ),
    RuleSpec(
        "WafRateRule",
        "network",
        (ACL,),
        "The web ACL has no rate-based rule that blocks.",
        "Add a rate-based rule (per source IP, Action Block), so that one address cannot flood the API.",
        E,
        waf_rate_rule,
        paths=("Rules",),
        finding_ids=("NoRateRule",),
        settings=(_WAF,),
        mutations=(
            set_("Rules", [_managed("AWSManagedRulesCommonRuleSet")]),
            set_("Rules", [_managed("AWSManagedRulesCommonRuleSet"), _rate("Count")]),
        ),
    ),
    RuleSpec(
        "WafLogging",
        "logging",
        (ACL,),
        "The web ACL does not log the requests it sees, or logs credentials.",
        "Add an AWS::WAFv2::LoggingConfiguration for the web ACL to an encrypted CloudWatch Logs group "
        "(named aws-waf-logs-...) with the Authorization header redacted: the logs show what was blocked "
        "and why, and must not hold tokens.",
        W,
        waf_logging,
        paths=(
            (LOGGING, "LogDestinationConfigs"),
            (LOGGING, "ResourceArn"),
            (LOGGING, "RedactedFields"),
            (LOGGING, "LoggingFilter"),
        ),
        finding_ids=("NoLogging", "NotRedacted::<header>"),
        settings=(_WAF,),
        mutations=(
            set_(
                "ResourceArn", "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/other/id", target=LOGGING
            ),
            set_("RedactedFields", [], target=LOGGING),
        ),
    ),
)
