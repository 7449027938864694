"""The WAFv2 web ACL in front of a REST API stage: AWS managed rule groups plus a per-IP rate limit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct, IConstruct

from .._defaults.wafv2 import MANAGED_RULE_GROUPS, MAX_RATE_LIMIT, MIN_RATE_LIMIT, RATE_LIMIT_PER_5_MIN
from .._shared import logs_key
from ..acknowledgments import check_reason
from ..errors import SecureConstructsError


@dataclass(frozen=True)
class WafOptions:
    """How a ``SecureRestApi`` stage is protected by AWS WAF.

    :param rate_limit: requests per source IP in any 5-minute window before that IP is blocked.
        Default: 1000.
    :param managed_rule_groups: AWS managed rule group names, in evaluation order. Default: IP reputation,
        common rule set, known bad inputs, SQL injection.
    :param web_acl_arn: associate this existing regional web ACL instead of creating one (e.g. one ACL shared
        by several APIs). Default: a new web ACL per API.
    :param disabled_reason: set by :meth:`WafOptions.disabled`; never set it directly. Default: None.
    """

    rate_limit: int = RATE_LIMIT_PER_5_MIN
    managed_rule_groups: Sequence[str] = tuple(name for name, _ in MANAGED_RULE_GROUPS)
    web_acl_arn: str | None = None
    disabled_reason: str | None = None

    @staticmethod
    def disabled(reason: str) -> WafOptions:
        """No web ACL, for ``reason`` (acknowledges AwsSolutions-APIG3 and SecureServerless-ApiStageWaf)."""
        return WafOptions(disabled_reason=check_reason("WafOptions.disabled", reason, "Turning WAF off"))

    def check(self, where: IConstruct) -> None:
        if not isinstance(self.rate_limit, int) or not MIN_RATE_LIMIT <= self.rate_limit <= MAX_RATE_LIMIT:
            raise SecureConstructsError(
                "SC-GEN-005",
                where,
                "the WAF rate limit is out of range",
                received=self.rate_limit,
                fix=f"Use an int from {MIN_RATE_LIMIT} to {MAX_RATE_LIMIT} (requests per IP, 5 minutes)",
            )
        if not self.managed_rule_groups and self.disabled_reason is None and self.web_acl_arn is None:
            raise SecureConstructsError(
                "SC-API-009",
                where,
                "a web ACL without managed rule groups blocks nothing but floods",
                received=list(self.managed_rule_groups),
                fix="Keep the default rule groups, name the ones you want, or turn WAF off with "
                "WafOptions.disabled('<why this API needs no WAF>')",
            )
        if isinstance(self.managed_rule_groups, str) or any(
            not isinstance(n, str) or not re.match(r"^AWSManagedRules[A-Za-z0-9]+$", n)
            for n in self.managed_rule_groups
        ):
            raise SecureConstructsError(
                "SC-GEN-005",
                where,
                "managed_rule_groups must be a list of AWS managed rule group names",
                received=self.managed_rule_groups,
                fix="Pass e.g. ['AWSManagedRulesCommonRuleSet']",
            )


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


#: Request headers whose values WAF logs must not hold (credentials and sessions).
REDACTED_HEADERS = ("authorization", "cookie")


def web_acl_logging(
    scope: Construct,
    web_acl: wafv2.CfnWebACL,
    *,
    name: str,
    retention: logs.RetentionDays,
    removal_policy: RemovalPolicy,
    key: kms.IKey | None = None,
) -> tuple[logs.LogGroup, wafv2.CfnLoggingConfiguration]:
    """Log what the web ACL sees to an encrypted log group (WAF requires the ``aws-waf-logs-`` prefix), with
    the credential headers redacted. Billed as vended logs per GB; no fixed charge."""
    group = logs.LogGroup(
        scope,
        "WafLogs",
        log_group_name=f"aws-waf-logs-{name}"[:512],
        retention=retention,
        removal_policy=removal_policy,
        encryption_key=key if key is not None else logs_key(scope),
    )
    stack = Stack.of(scope)
    config = wafv2.CfnLoggingConfiguration(
        scope,
        "WafLogging",
        resource_arn=web_acl.attr_arn,
        # WAF takes the log group's ARN without the ":*" suffix that LogGroup.log_group_arn carries.
        log_destination_configs=[
            stack.format_arn(
                service="logs",
                resource="log-group",
                resource_name=group.log_group_name,
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
        ],
        redacted_fields=[
            wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": header})
            for header in REDACTED_HEADERS
        ],
    )
    return group, config


def regional_web_acl(
    scope: Construct, id: str, options: WafOptions, *, metric_prefix: str
) -> wafv2.CfnWebACL:
    """A REGIONAL web ACL: allow by default, managed rule groups, then a rate-based block per IP."""
    rules = [
        wafv2.CfnWebACL.RuleProperty(
            name=name,
            priority=priority,
            statement=wafv2.CfnWebACL.StatementProperty(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS", name=name
                )
            ),
            override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            visibility_config=_visibility(f"{metric_prefix}-{name}"),
        )
        for priority, name in enumerate(options.managed_rule_groups)
    ]
    rules.append(
        wafv2.CfnWebACL.RuleProperty(
            name="RateLimitPerIp",
            priority=len(rules),
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    aggregate_key_type="IP", limit=options.rate_limit
                )
            ),
            action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            visibility_config=_visibility(f"{metric_prefix}-RateLimitPerIp"),
        )
    )
    return wafv2.CfnWebACL(
        scope,
        id,
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=_visibility(metric_prefix),
        rules=rules,
    )
