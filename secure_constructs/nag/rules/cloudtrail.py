"""CloudTrail rules: trails log, cover management and global events in every region, validate log files,
and record Lambda data events for every function of the template."""

from __future__ import annotations

import re
from typing import Any

from .._model import Compliance, RuleResult, RuleSpec, Setting, if_, remove, set_
from .._template import MISSING, TemplateContext, as_list, flatten, props
from ._common import E, W, expect, truthy

LAMBDA = "AWS::Lambda::Function"
#: An ARN prefix that selects every function (``arn:aws:lambda``, any partition).
_ALL_FUNCTIONS = re.compile(r"arn:(?:aws[a-z-]*|\$\{AWS::Partition\}):lambda")
TRAIL = ("AWS::CloudTrail::Trail",)
METRIC_FILTER = "AWS::Logs::MetricFilter"


def _flag(prop: str, default: bool) -> Any:
    return expect(prop, lambda v: default if v is MISSING or v is None else truthy(v))


#: The trail is logging (IsLogging true).
trail_logging = _flag("IsLogging", False)
#: The trail includes global service events (IAM, STS, CloudFront).
trail_global_service_events = _flag("IncludeGlobalServiceEvents", True)
#: The trail records every region (IsMultiRegionTrail true).
trail_multi_region = _flag("IsMultiRegionTrail", False)
#: The trail writes digest files so that tampering with log files can be detected.
trail_log_file_validation = _flag("EnableLogFileValidation", False)


def trail_cloudwatch_logs(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The trail also delivers to CloudWatch Logs (CloudWatchLogsLogGroupArn and its role), where metric
    filters and alarms can watch it within minutes."""
    p = props(resource)
    for prop in ("CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn"):
        why = ctx.insecure_when(p.get(prop), lambda v: v is MISSING or v in (None, ""))
        if why is not None:
            return [(None, f"{prop} is absent{why}")]
    return []


#: The security alarm families on a trail's CloudWatch Logs copy, each recognised by words its metric
#: filter pattern must contain (any one of them).
SECURITY_FILTER_WORDS: dict[str, tuple[str, ...]] = {
    "UnauthorizedApiCalls": ("UnauthorizedOperation", "AccessDenied"),
    "IamPolicyChanges": ("PutRolePolicy", "AttachRolePolicy"),
    "KmsKeyDisabledOrScheduledForDeletion": ("ScheduleKeyDeletion", "DisableKey"),
    "CloudTrailConfigChanges": ("StopLogging", "DeleteTrail"),
    "FunctionCredentialsUsedOutsideLambda": ("exec-env/AWS_Lambda",),
}


def _alarmed_metrics(ctx: TemplateContext) -> set[tuple[Any, Any]]:
    from .cloudwatch import alarm_metrics

    return {(ns, name) for ns, name, _, _ in alarm_metrics(ctx)}


def trail_security_alarms(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The trail's log group has a metric filter, watched by an alarm, for each security event family:
    refused calls, IAM policy changes, KMS keys disabled, trail changes, and function credentials used
    outside Lambda."""
    group = ctx.target(props(resource).get("CloudWatchLogsLogGroupArn"))
    if group is None:
        return Compliance.NOT_APPLICABLE  # TrailCloudWatchLogs reports the missing delivery
    watched = ctx.memo("alarmed-metrics", lambda: _alarmed_metrics(ctx))
    covered: set[str] = set()
    for _, metric_filter in ctx.of_type(METRIC_FILTER):
        p = props(metric_filter)
        if group not in ctx.references(p.get("LogGroupName")):
            continue
        pattern = str(p.get("FilterPattern") or "")
        metrics = [
            (t.get("MetricNamespace"), t.get("MetricName"))
            for t in as_list(p.get("MetricTransformations"))
            if isinstance(t, dict)
        ]
        if not any(m in watched for m in metrics):
            continue
        covered.update(
            family for family, words in SECURITY_FILTER_WORDS.items() if any(w in pattern for w in words)
        )
    return [
        (f"Missing::{family}", "no alarmed metric filter for it")
        for family in SECURITY_FILTER_WORDS
        if family not in covered
    ]


def _field(selector: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [
        f for f in as_list(selector.get("FieldSelectors")) if isinstance(f, dict) and f.get("Field") == name
    ]


def trail_management_events(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The trail records read and write management events."""
    p = props(resource)
    basic = [s for s in as_list(p.get("EventSelectors")) if isinstance(s, dict)]
    advanced = [s for s in as_list(p.get("AdvancedEventSelectors")) if isinstance(s, dict)]
    if advanced:
        management = [
            s
            for s in advanced
            if any("Management" in as_list(f.get("Equals")) for f in _field(s, "eventCategory"))
        ]
        if not management:
            return ["NoManagementEvents"]
        if all(_field(s, "readOnly") for s in management):
            return ["ReadWriteType"]
        return Compliance.COMPLIANT
    if not basic:
        return Compliance.COMPLIANT  # CloudTrail's default: all management events
    included = [s for s in basic if s.get("IncludeManagementEvents", True) not in (False, "false")]
    if not included:
        return ["NoManagementEvents"]
    if all(s.get("ReadWriteType", "All") != "All" for s in included):
        return ["ReadWriteType"]
    if any(as_list(s.get("ExcludeManagementEventSources")) for s in included):
        return ["ExcludedSources"]
    return Compliance.COMPLIANT


def _covers_all(value: Any) -> bool:
    text = flatten(value)
    if text is None:
        return False
    head = text.split(":function", 1)
    return bool(_ALL_FUNCTIONS.fullmatch(text.rstrip(":"))) or (len(head) == 2 and head[1] in ("", ":", ":*"))


def trail_lambda_data_events(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The trail records Lambda data events (Invoke) for every function of the template."""
    p = props(resource)
    functions = [lid for lid, _ in ctx.of_type(LAMBDA)]
    selectors: list[tuple[list[Any], bool, bool]] = []  # (ARN values, read and write?, excludes some?)
    for selector in as_list(p.get("EventSelectors")):
        if not isinstance(selector, dict):
            continue
        for data in as_list(selector.get("DataResources")):
            if isinstance(data, dict) and data.get("Type") == LAMBDA:
                selectors.append(
                    (as_list(data.get("Values")), selector.get("ReadWriteType", "All") == "All", False)
                )
    for selector in as_list(p.get("AdvancedEventSelectors")):
        if not isinstance(selector, dict):
            continue
        if not any(LAMBDA in as_list(f.get("Equals")) for f in _field(selector, "resources.type")):
            continue
        arns = _field(selector, "resources.ARN")
        values = [v for f in arns for v in as_list(f.get("Equals")) + as_list(f.get("StartsWith"))]
        excludes = any(k.startswith("Not") for f in arns for k in f)
        selectors.append((values if arns else ["arn:aws:lambda"], not _field(selector, "readOnly"), excludes))
    if not selectors:
        return ["NoLambdaDataEvents"]
    findings: list[str] = []
    if not any(read_write for _, read_write, _ in selectors):
        findings.append("ReadWriteType")
    if any(excludes for _, _, excludes in selectors):
        findings.append("ArnExclusion")
    if not any(_covers_all(v) for values, _, _ in selectors for v in values):
        covered = {ref for values, _, _ in selectors for v in values for ref in ctx.references(v)}
        findings += [f"Function::{lid}" for lid in functions if lid not in covered]
    return findings


DET = "DataEventsTrail"
_SECURITY_FILTER_PATHS = tuple(
    (METRIC_FILTER, p) for p in ("FilterPattern", "LogGroupName", "MetricTransformations")
)

RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "TrailLogging",
        "logging",
        TRAIL,
        "The trail is not logging (IsLogging false).",
        "Set IsLogging to true.",
        E,
        trail_logging,
        paths=("IsLogging",),
        mutations=(set_("IsLogging", False), if_("IsLogging", False)),
    ),
    RuleSpec(
        "TrailManagementEvents",
        "logging",
        TRAIL,
        "The trail does not record all read and write management events.",
        "Include management events with ReadWriteType All and no excluded event sources.",
        E,
        trail_management_events,
        paths=("EventSelectors", "AdvancedEventSelectors"),
        finding_ids=("NoManagementEvents", "ReadWriteType", "ExcludedSources"),
        mutations=(
            set_(
                "AdvancedEventSelectors",
                [
                    {
                        "Name": "data only",
                        "FieldSelectors": [
                            {"Field": "eventCategory", "Equals": ["Data"]},
                            {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]},
                        ],
                    }
                ],
            ),
        ),
    ),
    RuleSpec(
        "TrailGlobalServiceEvents",
        "logging",
        TRAIL,
        "The trail excludes global service events (IAM, STS).",
        "Set IncludeGlobalServiceEvents to true.",
        E,
        trail_global_service_events,
        paths=("IncludeGlobalServiceEvents",),
        settings=(Setting(DET, "include_global_service_events", True),),
        mutations=(set_("IncludeGlobalServiceEvents", False),),
    ),
    RuleSpec(
        "TrailMultiRegion",
        "logging",
        TRAIL,
        "The trail records a single region.",
        "Set IsMultiRegionTrail to true so that activity in unused regions is recorded too.",
        E,
        trail_multi_region,
        paths=("IsMultiRegionTrail",),
        settings=(Setting(DET, "is_multi_region_trail", True),),
        mutations=(set_("IsMultiRegionTrail", False), remove("IsMultiRegionTrail")),
    ),
    RuleSpec(
        "TrailLogFileValidation",
        "logging",
        TRAIL,
        "The trail does not validate its log files.",
        "Set EnableLogFileValidation to true (digest files reveal tampering).",
        E,
        trail_log_file_validation,
        paths=("EnableLogFileValidation",),
        settings=(Setting(DET, "enable_file_validation", True),),
        stock_ids=("NIST.800.53.R5-CloudTrailLogFileValidationEnabled",),
        mutations=(set_("EnableLogFileValidation", False), if_("EnableLogFileValidation", False)),
    ),
    RuleSpec(
        "TrailLambdaDataEvents",
        "logging",
        TRAIL,
        "The trail drops Lambda data events (Invoke) for some or all functions.",
        "Add an event selector for AWS::Lambda::Function data events (ReadWriteType All) that covers "
        "every function: all functions (arn:<partition>:lambda) or each function's ARN.",
        E,
        trail_lambda_data_events,
        paths=("AdvancedEventSelectors", "EventSelectors"),
        finding_ids=("NoLambdaDataEvents", "ReadWriteType", "ArnExclusion", "Function::<logical id>"),
        settings=(Setting(DET, "functions", via="parameter"),),
        mutations=(
            set_(
                "AdvancedEventSelectors",
                [
                    {
                        "Name": "management",
                        "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
                    }
                ],
            ),
        ),
    ),
    RuleSpec(
        "TrailCloudWatchLogs",
        "logging",
        TRAIL,
        "The trail does not deliver to CloudWatch Logs.",
        "Set CloudWatchLogsLogGroupArn (an encrypted log group with a retention) and CloudWatchLogsRoleArn "
        "(send_to_cloud_watch_logs in CDK), so that metric filters and alarms see events within minutes.",
        E,
        trail_cloudwatch_logs,
        paths=("CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn"),
        mutations=(remove("CloudWatchLogsLogGroupArn"), remove("CloudWatchLogsRoleArn")),
    ),
    RuleSpec(
        "TrailSecurityAlarms",
        "monitoring",
        TRAIL,
        "A security event family has no alarmed metric filter on the trail's CloudWatch Logs copy.",
        "Add a metric filter and an alarm for each family: refused calls (UnauthorizedOperation, "
        "AccessDenied), IAM policy changes, KMS keys disabled or scheduled for deletion, trail changes, and "
        "a function role's credentials used outside Lambda (DataEventsTrail adds them).",
        W,
        trail_security_alarms,
        paths=_SECURITY_FILTER_PATHS,
        finding_ids=tuple(f"Missing::{family}" for family in SECURITY_FILTER_WORDS),
        settings=(Setting(DET, "security_alarms", True, via="parameter"),),
        mutations=(set_("FilterPattern", '{ $.eventName = "Nothing" }', target=METRIC_FILTER),),
    ),
)
