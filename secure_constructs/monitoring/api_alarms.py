"""Alarms for an API (REST or HTTP): a combined health alarm (5XX rate, 4XX rate, p99 latency), a request
spike alarm, and a WAF blocked-request spike alarm when a web ACL is attached. A fixed number per API,
whatever its number of routes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from aws_cdk import Duration, Fn, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sns as sns
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from ..errors import SecureConstructsError
from .factory import AlarmFactory, Condition, metric_number, path_in_stack
from .function_alarms import ALARMS_ID, refuse_second_alarms
from .subjects import alarmed_api
from .thresholds import AnomalyThresholds, ApiHealthThresholds, keyed


class ApiAlarms(Construct):
    """The alarms of one API: ``health_alarms``, ``request_spike_alarms`` and ``waf_blocked_spike_alarms``
    (dicts by disambiguator; the last is empty without a web ACL).

    :param scope: construct to create the alarms under (alarm names follow its path). Default: none.
    :param id: construct id. Default: none (required).
    :param api: a ``SecureRestApi`` or ``SecureHttpApi`` (or anything else that implements
        :class:`~secure_constructs.monitoring.subjects.AlarmedApi`), or an ``apigateway.RestApi`` /
        ``apigatewayv2.HttpApi``. Default: none (required).
    :param thresholds: ``{disambiguator: ApiHealthThresholds}``; one health alarm per entry.
        Default: ``{"Critical": ApiHealthThresholds()}``.
    :param anomaly: ``{disambiguator: AnomalyThresholds}`` for the request-count and WAF spike alarms.
        Default: ``{"Critical": AnomalyThresholds()}``.
    :param web_acl: the regional ``wafv2.CfnWebACL`` protecting the API. Default: the API's ``.web_acl``
        when it has one, else no WAF alarm.
    :param topic: SNS topic notified on ALARM and OK. Default: the stack's encrypted alarm topic.
    :param action: alarm action instead of a topic (exclusive with ``topic``). Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        api: Any,
        thresholds: Mapping[str, ApiHealthThresholds] | None = None,
        anomaly: Mapping[str, AnomalyThresholds] | None = None,
        web_acl: wafv2.CfnWebACL | None = None,
        topic: sns.ITopic | None = None,
        action: cloudwatch.IAlarmAction | None = None,
    ) -> None:
        super().__init__(scope, id)
        subject_api = alarmed_api(self, api)
        metrics_of = subject_api.api_metrics
        health = keyed(self, thresholds, ApiHealthThresholds, what="thresholds")
        spikes = keyed(self, anomaly, AnomalyThresholds, what="anomaly")
        acl = web_acl if web_acl is not None else subject_api.web_acl
        if acl is not None and not isinstance(acl, wafv2.CfnWebACL):
            raise SecureConstructsError(
                "SC-MON-003",
                self,
                "web_acl must be a wafv2.CfnWebACL",
                received=type(acl).__name__,
                fix="Pass the CfnWebACL associated with the API's stage",
            )
        factory = AlarmFactory(self, topic=topic, action=action)
        self.factory = factory
        subject = f"API {path_in_stack(subject_api.node)}"
        self.health_alarms: dict[str, cloudwatch.Alarm] = {}
        for key, t in health.items():
            period = Duration.minutes(t.period_minutes)
            metrics: dict[str, cloudwatch.IMetric] = {
                "requests": metrics_of.metric_count(statistic="Sum", period=period),
                "server_errors": metrics_of.metric_server_error(statistic="Sum", period=period),
                "client_errors": metrics_of.metric_client_error(statistic="Sum", period=period),
                "latency_p99": metrics_of.metric_latency(statistic="p99", period=period),
            }
            conditions = [
                _rate("5XX", "server_errors", t.server_error_rate_percent, t.min_requests),
                _rate("4XX", "client_errors", t.client_error_rate_percent, t.min_requests),
                Condition(
                    f"p99 latency >= {metric_number(t.p99_latency_ms)} ms",
                    f"FILL(latency_p99, 0) >= {metric_number(t.p99_latency_ms)}",
                ),
            ]
            # L2 metrics give L2 alarms (only MetricStat data gives a CfnBackedAlarm)
            self.health_alarms[key] = cast(cloudwatch.Alarm, factory.health_alarm(
                self,
                f"Health{key}",
                subject=subject,
                metrics=metrics,
                conditions=conditions,
                period_minutes=t.period_minutes,
                evaluation_periods=t.evaluation_periods,
                datapoints_to_alarm=t.datapoints_to_alarm,
            ))
        self.request_spike_alarms: dict[str, cloudwatch.AnomalyDetectionAlarm] = {
            key: cast(cloudwatch.AnomalyDetectionAlarm, factory.spike_alarm(
                self, f"RequestSpike{key}", subject=f"Requests to {subject}",
                metric=metrics_of.metric_count(), thresholds=t,
            ))
            for key, t in spikes.items()
        }
        self.waf_blocked_spike_alarms: dict[str, cloudwatch.AnomalyDetectionAlarm] = {}
        if acl is not None:
            blocked = waf_blocked_requests_metric(acl)
            for key, spike in spikes.items():
                alarm = factory.spike_alarm(
                    self, f"WafBlockedSpike{key}", subject=f"Requests blocked by the web ACL of {subject}",
                    metric=blocked, thresholds=spike,
                )
                self.waf_blocked_spike_alarms[key] = cast(cloudwatch.AnomalyDetectionAlarm, alarm)


def attach_api_alarms(
    api: Any,
    *,
    thresholds: Mapping[str, ApiHealthThresholds] | None = None,
    anomaly: Mapping[str, AnomalyThresholds] | None = None,
    web_acl: wafv2.CfnWebACL | None = None,
    topic: sns.ITopic | None = None,
    action: cloudwatch.IAlarmAction | None = None,
) -> ApiAlarms:
    """Give ``api`` its default alarms (``<api path>/Alarms``): 2 alarms, 3 with a web ACL.

    Raises SC-MON-006 when the API already has alarms or was opted out. Parameters as :class:`ApiAlarms`.
    """
    refuse_second_alarms(api)
    return ApiAlarms(api, ALARMS_ID, api=api, thresholds=thresholds, anomaly=anomaly, web_acl=web_acl,
                     topic=topic, action=action)


def waf_blocked_requests_metric(web_acl: wafv2.CfnWebACL) -> cloudwatch.Metric:
    """``AWS/WAFV2 BlockedRequests`` of a regional web ACL, all rules (dimension ``Rule=ALL``)."""
    # CfnWebACL's Ref is "name|id|scope"; its first part is the name even when CloudFormation generated it.
    name = web_acl.name if web_acl.name else Fn.select(0, Fn.split("|", web_acl.ref))
    return cloudwatch.Metric(
        namespace="AWS/WAFV2",
        metric_name="BlockedRequests",
        dimensions_map={"WebACL": name, "Region": Stack.of(web_acl).region, "Rule": "ALL"},
        statistic="Sum",
    )


def _rate(label: str, metric_id: str, percent: float, min_requests: int) -> Condition:
    return Condition(
        f"{label} rate >= {metric_number(percent)}% (with >= {min_requests} requests)",
        f"IF(FILL(requests, 0) >= {min_requests}, 100 * FILL({metric_id}, 0) / FILL(requests, 1), 0)"
        f" >= {metric_number(percent)}",
    )
