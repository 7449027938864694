"""Monitoring rules: error and throttle alarms per function, 5XX alarms per API, alarms that notify."""

from __future__ import annotations

from typing import Any

from .._model import Compliance, RuleResult
from .._template import TemplateContext, as_list, get_path, props

# (namespace, metric name, {dimension name: value}) of every metric an alarm watches
_Metric = tuple[Any, Any, dict[str, Any]]


def _dimensions(metric: Any) -> dict[Any, Any]:
    return {
        d.get("Name"): d.get("Value") for d in as_list(get_path(metric, "Dimensions")) if isinstance(d, dict)
    }


def _alarm_metrics(ctx: TemplateContext) -> list[_Metric]:
    metrics: list[_Metric] = []
    for _, alarm in ctx.of_type("AWS::CloudWatch::Alarm"):
        p = props(alarm)
        if p.get("MetricName") is not None:
            metrics.append((p.get("Namespace"), p.get("MetricName"), _dimensions(p)))
        for query in as_list(p.get("Metrics")):
            metric = get_path(query, "MetricStat", "Metric")
            if isinstance(metric, dict):
                metrics.append((metric.get("Namespace"), metric.get("MetricName"), _dimensions(metric)))
    return metrics


def _watched(
    ctx: TemplateContext,
    namespace: str,
    names: tuple[str, ...],
    dimension: str,
    logical_id: str,
    literal_name: Any,
) -> bool:
    for ns, metric_name, dims in ctx.memo("alarm-metrics", lambda: _alarm_metrics(ctx)):
        if ns != namespace or metric_name not in names or dimension not in dims:
            continue
        value = dims[dimension]
        if ctx.target(value) == logical_id or (literal_name is not None and value == literal_name):
            return True
    return False


def lambda_alarms(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Every function has an alarm on its Errors and on its Throttles metric."""
    name = props(resource).get("FunctionName")
    return [
        (f"Missing::{metric}", f"no alarm on {metric}")
        for metric in ("Errors", "Throttles")
        if not _watched(ctx, "AWS/Lambda", (metric,), "FunctionName", logical_id, name)
    ]


def api_server_error_alarm(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Every REST or HTTP API has an alarm on its 5XX errors."""
    p = props(resource)
    if resource.get("Type") == "AWS::ApiGatewayV2::Api":
        if p.get("ProtocolType") != "HTTP":
            return Compliance.NOT_APPLICABLE
        ok = _watched(ctx, "AWS/ApiGateway", ("5xx", "5XXError"), "ApiId", logical_id, None)
    else:
        ok = _watched(ctx, "AWS/ApiGateway", ("5XXError",), "ApiName", logical_id, p.get("Name")) or _watched(
            ctx, "AWS/ApiGateway", ("5XXError",), "ApiId", logical_id, None
        )
    return Compliance.COMPLIANT if ok else Compliance.NON_COMPLIANT


def alarm_actions(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Alarms have actions enabled and at least one alarm action (an alarm nobody hears is not monitoring)."""
    p = props(resource)
    disabled = ctx.decide(p.get("ActionsEnabled"), lambda v: v in (False, "false"), "ActionsEnabled")
    if disabled:
        return ["ActionsDisabled"]
    return [] if as_list(p.get("AlarmActions")) else ["NoAlarmAction"]
