"""Security metric filters on a trail's CloudWatch Logs group, each with an alarm from the alarm factory."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from .._defaults import cloudtrail as _d
from ..monitoring.factory import AlarmFactory
from ..monitoring.thresholds import SecurityEventThresholds, keyed


class SecurityAlarms(Construct):
    """Metric filters and alarms for: unauthorized API calls, IAM policy and role changes, KMS keys disabled
    or scheduled for deletion, CloudTrail configuration changes, and a function role's credentials used
    from outside Lambda.

    Exposes ``metric_filters`` (by filter id) and ``alarms`` (by ``<filter id><disambiguator>``).

    :param scope: parent construct. Default: none (required).
    :param id: construct id. Default: none (required).
    :param log_group: the log group the trail delivers to. Default: none (required).
    :param namespace: CloudWatch namespace of the filters' metrics (one per trail). Default: none (required).
    :param function_role_prefix: role-name prefix of the functions' roles; empty to match every assumed role.
        Default: none (required).
    :param thresholds: ``{disambiguator: SecurityEventThresholds}``.
        Default: ``{"Critical": SecurityEventThresholds()}``.
    :param topic: SNS topic notified on ALARM and OK. Default: the stack's encrypted alarm topic.
    :param action: alarm action instead of a topic. Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        log_group: logs.ILogGroup,
        namespace: str,
        function_role_prefix: str,
        thresholds: Mapping[str, SecurityEventThresholds] | None = None,
        topic: sns.ITopic | None = None,
        action: cloudwatch.IAlarmAction | None = None,
    ) -> None:
        super().__init__(scope, id)
        keyed_thresholds = keyed(self, thresholds, SecurityEventThresholds, what="security_thresholds")
        factory = AlarmFactory(self, topic=topic, action=action)
        filters = list(_d.SECURITY_FILTERS) + [
            _d.SecurityFilter(
                _d.EXFILTRATION_ID,
                _d.EXFILTRATION_SUBJECT,
                _d.EXFILTRATION_PATTERN.replace("{role_prefix}", function_role_prefix),
            )
        ]
        self.metric_filters: dict[str, logs.MetricFilter] = {}
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for spec in filters:
            metric_filter = logs.MetricFilter(
                self,
                f"{spec.id}Filter",
                log_group=log_group,
                filter_pattern=logs.FilterPattern.literal(spec.pattern),
                metric_namespace=namespace,
                metric_name=spec.id,
                metric_value="1",
            )
            self.metric_filters[spec.id] = metric_filter
            for key, t in keyed_thresholds.items():
                self.alarms[f"{spec.id}{key}"] = factory.security_event_alarm(
                    self, f"{spec.id}{key}", subject=spec.subject, metric=metric_filter.metric(),
                    thresholds=t,
                )
