"""Monitoring: every alarm family the constructs create by default (per function, per API, per dead-letter
queue, per web ACL), and alarms that notify someone."""

from __future__ import annotations

from typing import Any

from .._model import Compliance, RuleResult, RuleSpec, Setting, set_
from .._template import TemplateContext, as_list, get_path, props
from ._common import W

ALARM = "AWS::CloudWatch::Alarm"
#: (namespace, metric name, {dimension name: value}, anomaly detection?) of every metric an alarm watches
Metric = tuple[Any, Any, dict[str, Any], bool]


def _dimensions(metric: Any) -> dict[Any, Any]:
    return {
        d.get("Name"): d.get("Value") for d in as_list(get_path(metric, "Dimensions")) if isinstance(d, dict)
    }


def alarm_metrics(ctx: TemplateContext) -> list[Metric]:
    """Every metric watched by an alarm of the template (once per template)."""

    def collect() -> list[Metric]:
        metrics: list[Metric] = []
        for _, alarm in ctx.of_type(ALARM):
            p = props(alarm)
            anomaly = p.get("ThresholdMetricId") is not None
            if p.get("MetricName") is not None:
                metrics.append((p.get("Namespace"), p.get("MetricName"), _dimensions(p), anomaly))
            for query in as_list(p.get("Metrics")):
                metric = get_path(query, "MetricStat", "Metric")
                if isinstance(metric, dict):
                    metrics.append(
                        (metric.get("Namespace"), metric.get("MetricName"), _dimensions(metric), anomaly)
                    )
        return metrics

    return ctx.memo("alarm-metrics", collect)


def _watched(
    ctx: TemplateContext,
    namespace: str,
    names: tuple[str, ...],
    dimension: str,
    logical_id: str,
    literal_name: Any,
    *,
    anomaly: bool = False,
) -> bool:
    for ns, metric_name, dims, is_anomaly in alarm_metrics(ctx):
        if (
            ns != namespace
            or metric_name not in names
            or dimension not in dims
            or (anomaly and not is_anomaly)
        ):
            continue
        value = dims[dimension]
        if logical_id in ctx.references(value) or (literal_name is not None and value == literal_name):
            return True
    return False


#: Lambda alarm families: (finding, metric names, anomaly detection band?)
FUNCTION_FAMILIES = (
    ("Errors", ("Errors",), False),
    ("Throttles", ("Throttles",), False),
    ("ConcurrentExecutions", ("ConcurrentExecutions",), False),
    ("Duration", ("Duration",), False),
    ("InvocationAnomaly", ("Invocations",), True),
)


def lambda_alarms(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Every function has alarms on its errors, throttles, concurrency, duration, and an anomaly alarm on
    its invocations."""
    name = props(resource).get("FunctionName")
    return [
        (f"Missing::{family}", f"no alarm on {'an anomaly band of ' if anomaly else ''}{metrics[0]}")
        for family, metrics, anomaly in FUNCTION_FAMILIES
        if not _watched(ctx, "AWS/Lambda", metrics, "FunctionName", logical_id, name, anomaly=anomaly)
    ]


def _api(resource: dict[str, Any]) -> tuple[str, Any] | None:
    """(dimension, literal name) an API's metrics use, or None for a WebSocket API."""
    p = props(resource)
    if resource.get("Type") == "AWS::ApiGatewayV2::Api":
        return None if p.get("ProtocolType") != "HTTP" else ("ApiId", None)
    return "ApiName", p.get("Name")


def _api_watched(
    ctx: TemplateContext,
    logical_id: str,
    resource: dict[str, Any],
    names: tuple[str, ...],
    anomaly: bool = False,
) -> bool:
    found = _api(resource)
    assert found is not None
    dimension, literal = found
    return _watched(ctx, "AWS/ApiGateway", names, dimension, logical_id, literal, anomaly=anomaly) or (
        dimension == "ApiName"
        and _watched(ctx, "AWS/ApiGateway", names, "ApiId", logical_id, None, anomaly=anomaly)
    )


def api_server_error_alarm(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Every REST or HTTP API has an alarm on its 5XX errors."""
    if _api(resource) is None:
        return Compliance.NOT_APPLICABLE
    ok = _api_watched(ctx, logical_id, resource, ("5XXError", "5xx"))
    return Compliance.COMPLIANT if ok else Compliance.NON_COMPLIANT


#: API alarm families besides 5XX: (finding, metric names, anomaly detection band?)
API_FAMILIES = (
    ("4XXError", ("4XXError", "4xx"), False),
    ("Latency", ("Latency",), False),
    ("CountAnomaly", ("Count",), True),
)


def api_alarms(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Every REST or HTTP API has alarms on its client errors and latency, and an anomaly alarm on its
    request count (a spike of 4XX is the footprint of scanning or credential stuffing)."""
    if _api(resource) is None:
        return Compliance.NOT_APPLICABLE
    return [
        (f"Missing::{family}", f"no alarm on {'an anomaly band of ' if anomaly else ''}{metrics[0]}")
        for family, metrics, anomaly in API_FAMILIES
        if not _api_watched(ctx, logical_id, resource, metrics, anomaly)
    ]


def _dead_letter_queue(ctx: TemplateContext, logical_id: str) -> bool:
    for _, fn in ctx.of_type("AWS::Lambda::Function"):
        if logical_id in ctx.references(get_path(props(fn), "DeadLetterConfig", "TargetArn")):
            return True
    for _, queue in ctx.of_type("AWS::SQS::Queue"):
        if logical_id in ctx.references(get_path(props(queue), "RedrivePolicy")):
            return True
    return False


def queue_backlog_alarm(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """A dead-letter queue has an alarm on its visible messages: a failed event waits there unseen
    otherwise."""
    if not _dead_letter_queue(ctx, logical_id):
        return Compliance.NOT_APPLICABLE
    ok = _watched(
        ctx,
        "AWS/SQS",
        ("ApproximateNumberOfMessagesVisible",),
        "QueueName",
        logical_id,
        props(resource).get("QueueName"),
    )
    return Compliance.COMPLIANT if ok else Compliance.NON_COMPLIANT


def waf_blocked_requests_alarm(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """A web ACL has an alarm on its blocked requests (a spike is an attack in progress)."""
    ok = _watched(ctx, "AWS/WAFV2", ("BlockedRequests",), "WebACL", logical_id, props(resource).get("Name"))
    return Compliance.COMPLIANT if ok else Compliance.NON_COMPLIANT


def alarm_actions(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Alarms have actions enabled and at least one alarm action (an alarm nobody hears is not monitoring)."""
    p = props(resource)
    why = ctx.insecure_when(p.get("ActionsEnabled"), lambda v: v in (False, "false"))
    if why is not None:
        return [("ActionsDisabled", f"ActionsEnabled is false{why}")]
    return [] if as_list(p.get("AlarmActions")) else ["NoAlarmAction"]


def _elsewhere(namespace: str, name: str, dimension: str) -> list[dict[str, Any]]:
    """Alarm metrics that watch someone else (what a weakened alarm watches in the self-mutation test)."""
    return [
        {
            "Id": "m0",
            "MetricStat": {
                "Metric": {
                    "Namespace": namespace,
                    "MetricName": name,
                    "Dimensions": [{"Name": dimension, "Value": "someone-else"}],
                },
                "Period": 300,
                "Stat": "Sum",
            },
            "ReturnData": True,
        }
    ]


_TUNING = "alarm tuning (thresholds, periods, missing data): the families and their actions are declared"
#: What the default alarms set that is not a security property, and why.
NOT_SECURITY_RELEVANT = {
    (ALARM, "AlarmName"): "a name derived from the construct path, stable for dashboards",
    (ALARM, "AlarmDescription"): "says what the alarm means and what to do",
    (ALARM, "DatapointsToAlarm"): _TUNING,
    (ALARM, "EvaluationPeriods"): _TUNING,
    (ALARM, "Period"): _TUNING,
    (ALARM, "Statistic"): _TUNING,
    (ALARM, "TreatMissingData"): _TUNING,
    ("AWS::SQS::Queue", "MessageRetentionPeriod"): "the dead-letter queue keeps failed events 14 days (the "
    "maximum) for inspection and redrive; its backlog alarm is declared",
}
#: What ``harden()`` adds with its aspect rather than a keyword argument (documentation only).
HARDEN = "harden()"
FN_ALARMS = (
    Setting("SecureFunction", "alarms", True, via="parameter"),
    Setting(HARDEN, "attach_function_alarms on each aws_lambda.Function", via="wired"),
)
API_ALARMS = (
    Setting("SecureRestApi", "alarms", True, via="parameter"),
    Setting("SecureHttpApi", "alarms", True, via="parameter"),
    Setting(HARDEN, "attach_api_alarms on each RestApi and HttpApi", via="wired"),
)
_ALARM_PATHS = tuple(
    (ALARM, p)
    for p in (
        "Metrics",
        "MetricName",
        "Namespace",
        "Dimensions",
        "ThresholdMetricId",
        "Threshold",
        "ComparisonOperator",
    )
)

RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "LambdaAlarms",
        "monitoring",
        ("AWS::Lambda::Function",),
        "The function lacks one of its default alarms (errors, throttles, concurrency, duration, or an "
        "invocation anomaly alarm).",
        "Add CloudWatch alarms on AWS/Lambda Errors, Throttles, ConcurrentExecutions and Duration, and an "
        "anomaly detection alarm on Invocations (dimension FunctionName), each with an alarm action.",
        W,
        lambda_alarms,
        paths=_ALARM_PATHS,
        finding_ids=tuple(f"Missing::{family}" for family, _, _ in FUNCTION_FAMILIES),
        settings=FN_ALARMS,
        mutations=(set_("Metrics", _elsewhere("AWS/Lambda", "Errors", "FunctionName"), target=ALARM),),
    ),
    RuleSpec(
        "ApiServerErrorAlarm",
        "monitoring",
        ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"),
        "The API has no alarm on its 5XX errors.",
        "Add a CloudWatch alarm on AWS/ApiGateway 5XXError (REST, dimension ApiName) or 5xx (HTTP, "
        "dimension ApiId) with an alarm action.",
        W,
        api_server_error_alarm,
        paths=(*_ALARM_PATHS, "Name"),  # REST metrics are keyed by the API name
        settings=API_ALARMS,
        mutations=(set_("Metrics", _elsewhere("AWS/ApiGateway", "5XXError", "ApiName"), target=ALARM),),
    ),
    RuleSpec(
        "ApiAlarms",
        "monitoring",
        ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"),
        "The API lacks one of its default alarms (client errors, latency, or a request-count anomaly alarm).",
        "Add CloudWatch alarms on AWS/ApiGateway 4XXError (4xx) and Latency, and an anomaly detection alarm "
        "on Count, each with an alarm action.",
        W,
        api_alarms,
        paths=_ALARM_PATHS,
        finding_ids=tuple(f"Missing::{family}" for family, _, _ in API_FAMILIES),
        settings=API_ALARMS,
        mutations=(set_("Metrics", _elsewhere("AWS/ApiGateway", "Count", "ApiName"), target=ALARM),),
    ),
    RuleSpec(
        "QueueBacklogAlarm",
        "monitoring",
        ("AWS::SQS::Queue",),
        "The dead-letter queue has no alarm on its backlog.",
        "Add a CloudWatch alarm on AWS/SQS ApproximateNumberOfMessagesVisible (dimension QueueName) at 1 or "
        "more, with an alarm action: a failed event waits there unseen otherwise.",
        W,
        queue_backlog_alarm,
        paths=_ALARM_PATHS,
        settings=FN_ALARMS,
        mutations=(set_("Dimensions", [{"Name": "QueueName", "Value": "someone-else"}], target=ALARM),),
    ),
    RuleSpec(
        "WafBlockedRequestsAlarm",
        "monitoring",
        ("AWS::WAFv2::WebACL",),
        "The web ACL has no alarm on its blocked requests.",
        "Add a CloudWatch alarm (an anomaly band suits it) on AWS/WAFV2 BlockedRequests for the web ACL, "
        "with an alarm action.",
        W,
        waf_blocked_requests_alarm,
        paths=(*_ALARM_PATHS, "VisibilityConfig"),
        settings=API_ALARMS,
        mutations=(set_("Metrics", _elsewhere("AWS/WAFV2", "BlockedRequests", "WebACL"), target=ALARM),),
    ),
    RuleSpec(
        "AlarmActions",
        "monitoring",
        (ALARM, "AWS::CloudWatch::CompositeAlarm"),
        "The alarm notifies nobody (no alarm action, or actions disabled).",
        "Add an alarm action (e.g. an encrypted SNS topic) and keep ActionsEnabled true.",
        W,
        alarm_actions,
        paths=("AlarmActions", "OKActions", "ActionsEnabled", "InsufficientDataActions"),
        finding_ids=("NoAlarmAction", "ActionsDisabled"),
        mutations=(set_("ActionsEnabled", False), set_("AlarmActions", [])),
    ),
)
