"""The one alarm factory: deterministic names from the construct path, the alarm action wired, and the
alarm families (health, spike, backlog, security event) whose semantics are fixed here.

Every alarm of secure_constructs is made by :class:`AlarmFactory`; the families decide comparison,
missing-data treatment and description so that two alarms of one family always behave alike.

Alarms whose metrics are given as :class:`MetricStat` data (the default alarms of every function) are
:class:`CfnBackedAlarm` objects, one ``CfnAlarm`` each, which render the template ``cloudwatch.Alarm``
would render.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from constructs import Construct, IConstruct, Node

from .._context import StackContext
from .._defaults import cloudwatch as _d
from ..errors import SecureConstructsError
from .thresholds import AnomalyThresholds, QueueThresholds, SecurityEventThresholds
from .topic import alarm_topic


@dataclass(frozen=True)
class Condition:
    """One condition of a health alarm: ``expression`` is a metric math expression that is 1 when the
    condition holds and 0 otherwise; ``description`` says it in words (it lands in the alarm description)."""

    description: str
    expression: str


@dataclass(frozen=True)
class MetricStat:
    """A CloudWatch metric as plain data, for alarms written without L2 metric objects.

    :param namespace: e.g. ``"AWS/Lambda"``. Default: none (required).
    :param metric_name: e.g. ``"Errors"``. Default: none (required).
    :param dimensions: ``{name: value}`` (values may be tokens, e.g. a function's name). Default: none.
    :param statistic: ``"Sum"``, ``"Maximum"``, ``"p99"`` ... Default: none (required).
    :param period_minutes: the period of the statistic. Default: none (required).
    """

    namespace: str
    metric_name: str
    dimensions: Mapping[str, str]
    statistic: str
    period_minutes: int

    def query(self, id: str, *, return_data: bool, period_minutes: int | None = None) -> dict[str, Any]:
        """The ``MetricDataQuery`` of a metric math alarm (CfnAlarm ``metrics`` item) for this metric;
        ``period_minutes`` overrides the metric's own period (as a math expression's period does)."""
        minutes = self.period_minutes if period_minutes is None else period_minutes
        return {
            "id": id,
            "metricStat": {
                "metric": {
                    # sorted by name, as the L2 metrics render them
                    "dimensions": [{"name": k, "value": v} for k, v in sorted(self.dimensions.items())],
                    "metricName": self.metric_name,
                    "namespace": self.namespace,
                },
                "period": minutes * 60,
                "stat": self.statistic,
            },
            "returnData": return_data,
        }


def alarm_name(scope: IConstruct, id: str) -> str:
    """The name of the alarm ``scope/id``: ``<stack name>/<path of the alarm inside the stack>``.

    Unique in an account and region (stack names are), stable across synths, and readable in the console
    and in notifications. Names longer than CloudWatch's 255 characters keep their start and end with a
    hash of the full name.
    """
    context = StackContext.of(scope)
    name = f"{context.name}/{_inside(context, f'{scope.node.path}/{id}')}"
    name = "".join(ch if 32 <= ord(ch) < 127 else "_" for ch in name)
    if len(name) > _d.MAX_ALARM_NAME_LENGTH:
        digest = hashlib.sha256(name.encode()).hexdigest()[:10]
        name = name[: _d.MAX_ALARM_NAME_LENGTH - 11] + "-" + digest
    return name


def path_in_stack(node: Node) -> str:
    """The path of a construct inside its stack (``Orders/Api`` -> ``Api``), as alarm descriptions name it."""
    return _inside(StackContext.of(node.scopes[-1]), node.path)


def _inside(context: StackContext, path: str) -> str:
    prefix = context.path + "/"
    return path[len(prefix) :] if context.path and path.startswith(prefix) else path


def metric_number(value: float) -> str:
    """A number as metric math and people read it: no exponent, no trailing zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text or "0"


class AlarmFactory:
    """Makes alarms that notify ``topic`` (or run ``action``), named by :func:`alarm_name`.

    :param scope: any construct of the stack the alarms belong to. Default: none (required).
    :param topic: the SNS topic notified on ALARM and OK. Default: the stack's encrypted alarm topic
        (:func:`~secure_constructs.monitoring.alarm_topic`).
    :param action: an alarm action to run instead of notifying a topic (e.g. an SSM OpsItem action); mutually
        exclusive with ``topic``. Default: none (notify the topic).
    """

    def __init__(
        self,
        scope: Construct,
        *,
        topic: sns.ITopic | None = None,
        action: cloudwatch.IAlarmAction | None = None,
    ) -> None:
        if topic is not None and action is not None:
            raise SecureConstructsError(
                "SC-MON-004",
                scope,
                "both topic and action were given for the alarms",
                received="topic and action",
                fix="Pass either topic (notified on ALARM and OK) or action, not both",
            )
        self.scope = scope
        self._topic = topic
        self._action = action
        self._custom_action = action is not None

    @property
    def action(self) -> cloudwatch.IAlarmAction:
        """The action every alarm runs (made on first use, so an unused factory creates no topic)."""
        if self._action is None:
            self._action = cw_actions.SnsAction(self._notified_topic())
        return self._action

    def _notified_topic(self) -> sns.ITopic:
        return self._topic if self._topic is not None else alarm_topic(self.scope)

    # --- the generic builders -------------------------------------------------------------------------

    def alarm(
        self,
        scope: Construct,
        id: str,
        *,
        metric: cloudwatch.IMetric,
        threshold: float,
        comparison: cloudwatch.ComparisonOperator,
        description: str,
        treat_missing_data: cloudwatch.TreatMissingData,
        evaluation_periods: int,
        datapoints_to_alarm: int,
    ) -> cloudwatch.Alarm:
        """A static-threshold alarm ``scope/id`` with the factory's name and action."""
        alarm = cloudwatch.Alarm(
            scope,
            id,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=treat_missing_data,
            alarm_description=description,
            alarm_name=alarm_name(scope, id),
        )
        self._wire(alarm)
        return alarm

    def anomaly_alarm(
        self,
        scope: Construct,
        id: str,
        *,
        metric: cloudwatch.IMetric,
        thresholds: AnomalyThresholds,
        description: str,
    ) -> cloudwatch.AnomalyDetectionAlarm:
        """An anomaly detection alarm ``scope/id`` that fires when ``metric`` rises above its band."""
        alarm = cloudwatch.AnomalyDetectionAlarm(
            scope,
            id,
            metric=metric,
            std_devs=thresholds.std_devs,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
            evaluation_periods=thresholds.evaluation_periods,
            datapoints_to_alarm=thresholds.datapoints_to_alarm,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
            alarm_name=alarm_name(scope, id),
        )
        self._wire(alarm)
        return alarm

    # --- the families ---------------------------------------------------------------------------------

    def health_alarm(
        self,
        scope: Construct,
        id: str,
        *,
        subject: str,
        metrics: Mapping[str, cloudwatch.IMetric | MetricStat],
        conditions: Sequence[Condition],
        period_minutes: int,
        evaluation_periods: int,
        datapoints_to_alarm: int,
    ) -> cloudwatch.IAlarm:
        """One alarm for several failure conditions: the metric math expression is the number of conditions
        that hold, and the alarm fires when it is at least 1. Missing data is not breaching (a function that
        is not called is healthy).

        ``metrics`` are L2 metrics or :class:`MetricStat` data. Returns a ``cloudwatch.Alarm``, or, when every
        metric is a ``MetricStat`` and the alarm notifies a topic, a :class:`CfnBackedAlarm` (an ``IAlarm``
        whose ``CfnAlarm`` sits at ``<id>/Resource``, as under an L2 alarm) that renders the same template."""
        if len(metrics) > _d.MAX_METRICS_PER_ALARM:
            raise SecureConstructsError(
                "SC-MON-005",
                scope,
                f"a metric math alarm may reference at most {_d.MAX_METRICS_PER_ALARM} metrics",
                received=sorted(metrics),
                fix="Split the conditions over two alarms",
            )
        expression = " + ".join(f"IF({c.expression}, 1, 0)" for c in conditions)
        label = f"{subject}: failing conditions"
        lines = "; ".join(f"({i}) {c.description}" for i, c in enumerate(conditions, start=1))
        description = (
            f"{subject} is unhealthy: at least one of these held in a {period_minutes}-minute period: "
            f"{lines}. "
            "The alarm value is the number of conditions that held."
        )[:1024]
        if self._plain_data(metrics.values()):
            return self._cfn_alarm(
                scope,
                id,
                description=description,
                metrics=[
                    {"expression": expression, "id": "expr_1", "label": label, "returnData": True},
                    # the expression's period applies to every metric it uses (as in MathExpression)
                    *(
                        m.query(k, return_data=False, period_minutes=period_minutes)  # type: ignore[union-attr]
                        for k, m in metrics.items()
                    ),
                ],
                threshold=1,
                comparison_operator="GreaterThanOrEqualToThreshold",
                treat_missing_data="notBreaching",
                evaluation_periods=evaluation_periods,
                datapoints_to_alarm=datapoints_to_alarm,
            )
        math = cloudwatch.MathExpression(
            expression=expression,
            using_metrics={k: _metric(m) for k, m in metrics.items()},
            period=Duration.minutes(period_minutes),
            label=label,
        )
        return self.alarm(
            scope,
            id,
            metric=math,
            threshold=1,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            description=description,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
        )

    def spike_alarm(
        self,
        scope: Construct,
        id: str,
        *,
        subject: str,
        metric: cloudwatch.Metric | MetricStat,
        thresholds: AnomalyThresholds,
    ) -> cloudwatch.IAlarm:
        """Anomaly detection on a count: fires when ``metric`` (summed per period) rises above its band.

        Returns a ``cloudwatch.AnomalyDetectionAlarm``, or for a :class:`MetricStat` notifying a topic a
        :class:`CfnBackedAlarm` that renders the same template.
        """
        description = (
            f"{subject} rose above its expected band ({thresholds.std_devs:g} standard deviations) in "
            f"{thresholds.datapoints_to_alarm} of {thresholds.evaluation_periods} "
            f"{thresholds.period_minutes}-minute "
            "periods: a spike that may be abuse, a retry storm or a denial of service."
        )
        if isinstance(metric, MetricStat):
            summed = MetricStat(
                metric.namespace, metric.metric_name, metric.dimensions, "Sum", thresholds.period_minutes
            )
            if self._plain_data((summed,)):
                band = f"ANOMALY_DETECTION_BAND(m0, {_js_number(thresholds.std_devs)})"
                return self._cfn_alarm(
                    scope,
                    id,
                    description=description,
                    metrics=[
                        {"expression": band, "id": "expr_1", "label": "Anomaly Detection Band",
                         "returnData": True},
                        summed.query("m0", return_data=True),
                    ],
                    threshold_metric_id="expr_1",
                    comparison_operator="GreaterThanUpperThreshold",
                    treat_missing_data="notBreaching",
                    evaluation_periods=thresholds.evaluation_periods,
                    datapoints_to_alarm=thresholds.datapoints_to_alarm,
                )
            summed_metric: cloudwatch.IMetric = _metric(summed)
        else:
            summed_metric = metric.with_(statistic="Sum", period=Duration.minutes(thresholds.period_minutes))
        return self.anomaly_alarm(
            scope, id, metric=summed_metric, thresholds=thresholds, description=description
        )

    def backlog_alarm(
        self,
        scope: Construct,
        id: str,
        *,
        subject: str,
        metric: cloudwatch.Metric,
        thresholds: QueueThresholds,
    ) -> cloudwatch.Alarm:
        """Messages waiting in a (dead-letter) queue: each one is an event that failed for good."""
        return self.alarm(
            scope,
            id,
            metric=metric.with_(statistic="Maximum", period=Duration.minutes(thresholds.period_minutes)),
            threshold=thresholds.visible_messages,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            description=(
                f"{subject} holds at least {thresholds.visible_messages} message(s): events failed after all "
                "retries. Inspect them, fix the cause and redrive."
            ),
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            evaluation_periods=thresholds.evaluation_periods,
            datapoints_to_alarm=thresholds.datapoints_to_alarm,
        )

    def security_event_alarm(
        self,
        scope: Construct,
        id: str,
        *,
        subject: str,
        metric: cloudwatch.Metric,
        thresholds: SecurityEventThresholds,
    ) -> cloudwatch.Alarm:
        """A metric filter on the audit trail matched: any occurrence is worth a look."""
        return self.alarm(
            scope,
            id,
            metric=metric.with_(statistic="Sum", period=Duration.minutes(thresholds.period_minutes)),
            threshold=thresholds.events,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            description=f"Security event in the audit trail: {subject}",
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            evaluation_periods=thresholds.evaluation_periods,
            datapoints_to_alarm=thresholds.datapoints_to_alarm,
        )

    # --- internals ------------------------------------------------------------------------------------

    def _plain_data(self, metrics: Any) -> bool:
        """Whether an alarm on ``metrics`` can be written as a CfnAlarm: plain-data metrics, and a topic to
        notify (a custom alarm action is bound to an L2 alarm, e.g. a Lambda action adds a permission)."""
        return not self._custom_action and all(isinstance(m, MetricStat) for m in metrics)

    def _cfn_alarm(self, scope: Construct, id: str, *, description: str, **props: Any) -> cloudwatch.IAlarm:
        """``scope/id/Resource``: the CfnAlarm an L2 alarm would make (same path, so the same logical id),
        named and notifying the topic like every alarm of the factory."""
        topic_arn = self._notified_topic().topic_arn
        return CfnBackedAlarm(
            scope,
            id,
            alarm_name=alarm_name(scope, id),
            alarm_description=description,
            alarm_actions=[topic_arn],
            ok_actions=[topic_arn],
            **props,
        )

    def _wire(self, alarm: cloudwatch.AlarmBase) -> None:
        alarm.add_alarm_action(self.action)
        alarm.add_ok_action(self.action)


@jsii.implements(cloudwatch.IAlarm)
class CfnBackedAlarm(Construct):
    """An alarm written as one ``cloudwatch.CfnAlarm`` (its ``node.default_child``, id ``Resource`` as under
    an L2 alarm), usable wherever an ``IAlarm`` is: composite alarm rules, dashboards, ``alarm_arn``.

    Made by :class:`AlarmFactory` for alarms whose metrics are :class:`MetricStat` data; the keyword
    arguments are those of ``cloudwatch.CfnAlarm``. To change a property, edit ``alarm.cfn_alarm``.

    :param scope: parent construct. Default: none (required).
    :param id: construct id. Default: none (required).
    """

    def __init__(self, scope: Construct, id: str, **props: Any) -> None:
        super().__init__(scope, id)
        self.cfn_alarm = cloudwatch.CfnAlarm(self, "Resource", **props)

    @property
    def alarm_arn(self) -> str:
        """The alarm's ARN (``Fn::GetAtt Arn``, so a composite alarm using it depends on it)."""
        return self.cfn_alarm.attr_arn

    @property
    def alarm_name(self) -> str:
        """The alarm's name (``Ref``)."""
        return self.cfn_alarm.ref

    @property
    def alarm_ref(self) -> Any:
        return self.cfn_alarm.alarm_ref

    @property
    def stack(self) -> Stack:
        return Stack.of(self)

    @property
    def env(self) -> Any:
        return self.cfn_alarm.env

    def apply_removal_policy(self, policy: Any) -> None:
        self.cfn_alarm.apply_removal_policy(policy)

    def render_alarm_rule(self) -> str:
        """``ALARM("<arn>")``, as an L2 alarm renders itself in a composite alarm rule."""
        return f'ALARM("{self.alarm_arn}")'

def _metric(metric: cloudwatch.IMetric | MetricStat) -> cloudwatch.IMetric:
    """An L2 metric for ``metric`` (plain data becomes a ``cloudwatch.Metric`` that renders the same)."""
    if not isinstance(metric, MetricStat):
        return metric
    return cloudwatch.Metric(
        namespace=metric.namespace,
        metric_name=metric.metric_name,
        dimensions_map=dict(metric.dimensions),
        statistic=metric.statistic,
        period=Duration.minutes(metric.period_minutes),
    )


def _js_number(value: float) -> str:
    """A number as JavaScript prints it (what the L2 alarm writes into its expression)."""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


__all__ = ["AlarmFactory", "CfnBackedAlarm", "Condition", "MetricStat", "alarm_name"]
