"""Alarms for a Lambda function: one combined health alarm and one invocation-spike alarm per disambiguator,
plus one backlog alarm per dead-letter queue (shared queues get one alarm, not one per function).

Why two alarms and not six: a stack holds at most 500 resources and a service aims at 60+ routes each with
its own function. Errors, throttles, concurrency near the limit and duration near the timeout are combined
in one metric math alarm (5 metrics; CloudWatch allows 10 per alarm); anomaly detection needs an alarm of
its own (its threshold is a band, not a number).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct

from .._defaults import cloudwatch as _d
from ..acknowledgments import check_reason
from ..errors import SecureConstructsError
from .factory import AlarmFactory, Condition, MetricStat, metric_number, path_in_stack
from .subjects import alarmed_function
from .thresholds import AnomalyThresholds, FunctionHealthThresholds, QueueThresholds, keyed

_LAMBDA_NAMESPACE = "AWS/Lambda"
ALARMS_ID = "Alarms"
BACKLOG_ID = "BacklogAlarm"
OPT_OUT_METADATA = "secure_constructs:alarms-opt-out"


class FunctionAlarms(Construct):
    """The alarms of one Lambda function (see the module docstring for the design).

    Exposes ``health_alarms`` and ``invocation_spike_alarms`` (dicts by disambiguator of
    ``cloudwatch.IAlarm``, usable in composite alarms and dashboards) and ``dead_letter_queue_alarms`` (the
    backlog alarms of the function's dead-letter queue, shared with any other function that uses the same
    queue; empty when it has none). With a topic (the default) the health and spike alarms are
    :class:`~secure_constructs.monitoring.CfnBackedAlarm` objects (one ``CfnAlarm`` each, at
    ``<alarm>/Resource`` as under an L2 alarm); with a custom ``action`` they are ``cloudwatch.Alarm`` /
    ``AnomalyDetectionAlarm`` objects.

    :param scope: construct to create the alarms under (alarm names follow its path). Default: none.
    :param id: construct id. Default: none (required).
    :param function: a ``SecureFunction`` (or its ``.function``), anything else that implements
        :class:`~secure_constructs.monitoring.subjects.AlarmedFunction`, or an ``aws_lambda`` function.
        Default: none (required).
    :param thresholds: ``{disambiguator: FunctionHealthThresholds}``; one health alarm per entry.
        Default: ``{"Critical": FunctionHealthThresholds()}``.
    :param anomaly: ``{disambiguator: AnomalyThresholds}`` for the invocation-spike alarm.
        Default: ``{"Critical": AnomalyThresholds()}``.
    :param invocation_spike: create the invocation-spike alarm. ``False`` saves one resource per function
        where the budget is tight and the function serves exactly one API route, whose API request-spike
        alarm watches the same traffic (at API rather than route granularity). Default: True.
    :param dead_letter_queue_thresholds: ``{disambiguator: QueueThresholds}`` for the dead-letter queue.
        Default: ``{"Critical": QueueThresholds()}``.
    :param timeout: the function's timeout, for "duration near timeout". Default: the function's
        ``timeout`` (for a plain function its L1's ``Timeout``; Lambda's 3 seconds when unset).
    :param account_concurrency_limit: the account's concurrent executions quota, used for "concurrency near
        the limit" when the function has no reserved concurrency. Default: 1000 (a new account's quota).
    :param topic: SNS topic notified on ALARM and OK. Default: the stack's encrypted alarm topic.
    :param action: alarm action instead of a topic (exclusive with ``topic``). Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function: Any,
        thresholds: Mapping[str, FunctionHealthThresholds] | None = None,
        anomaly: Mapping[str, AnomalyThresholds] | None = None,
        invocation_spike: bool = True,
        dead_letter_queue_thresholds: Mapping[str, QueueThresholds] | None = None,
        timeout: Duration | None = None,
        account_concurrency_limit: int = _d.ACCOUNT_CONCURRENCY_LIMIT,
        topic: sns.ITopic | None = None,
        action: cloudwatch.IAlarmAction | None = None,
    ) -> None:
        super().__init__(scope, id)
        subject_function = alarmed_function(self, function)
        health = keyed(self, thresholds, FunctionHealthThresholds, what="thresholds")
        spikes = keyed(self, anomaly, AnomalyThresholds, what="anomaly")
        queue_thresholds = keyed(self, dead_letter_queue_thresholds, QueueThresholds,
                                 what="dead_letter_queue_thresholds")
        _check_concurrency_limit(self, account_concurrency_limit)
        timeout_seconds = _timeout_seconds(self, timeout if timeout is not None else subject_function.timeout)
        reserved = subject_function.reserved_concurrent_executions
        limit = reserved if reserved is not None else account_concurrency_limit
        limit_words = "reserved concurrency" if reserved is not None else "account concurrency limit"

        factory = AlarmFactory(self, topic=topic, action=action)
        self.factory = factory
        subject = f"Lambda function {path_in_stack(subject_function.node)}"
        # The metrics of aws_lambda's metric_* methods, as plain data: AWS/Lambda, dimension FunctionName.
        dimensions = subject_function.metric_dimensions

        def lambda_metric(name: str, statistic: str, period_minutes: int) -> MetricStat:
            return MetricStat(_LAMBDA_NAMESPACE, name, dimensions, statistic, period_minutes)

        self.health_alarms: dict[str, cloudwatch.IAlarm] = {}
        for key, t in health.items():
            minutes = t.period_minutes
            metrics: dict[str, cloudwatch.IMetric | MetricStat] = {
                "errors": lambda_metric("Errors", "Sum", minutes),
                "invocations": lambda_metric("Invocations", "Sum", minutes),
                "throttles": lambda_metric("Throttles", "Sum", minutes),
                "concurrency": lambda_metric("ConcurrentExecutions", "Maximum", minutes),
                "duration": lambda_metric("Duration", "Maximum", minutes),
            }
            conditions = _health_conditions(t, limit, limit_words, timeout_seconds)
            self.health_alarms[key] = factory.health_alarm(
                self,
                f"Health{key}",
                subject=subject,
                metrics=metrics,
                conditions=conditions,
                period_minutes=t.period_minutes,
                evaluation_periods=t.evaluation_periods,
                datapoints_to_alarm=t.datapoints_to_alarm,
            )
        self.invocation_spike_alarms: dict[str, cloudwatch.IAlarm] = {
            key: factory.spike_alarm(
                self, f"InvocationSpike{key}", subject=f"Invocations of {subject}",
                metric=lambda_metric("Invocations", "Sum", t.period_minutes), thresholds=t,
            )
            for key, t in (spikes.items() if invocation_spike else ())
        }
        queue = subject_function.dead_letter_queue
        self.dead_letter_queue_alarms: dict[str, cloudwatch.Alarm] = (
            queue_alarms(queue, thresholds=queue_thresholds, topic=topic, action=action)
            if queue is not None else {}
        )


def _health_conditions(
    t: FunctionHealthThresholds, limit: int, limit_words: str, timeout_seconds: float
) -> list[Condition]:
    """The failure conditions of a function's health alarm: errors, throttles, concurrency near its limit
    and duration near its timeout."""
    concurrency_at = limit * t.concurrency_percent_of_limit / 100
    duration_at_ms = timeout_seconds * 1000 * t.duration_percent_of_timeout / 100
    return [
        Condition(
            f"errors >= {t.min_errors} and error rate >= {metric_number(t.error_rate_percent)}%",
            f"IF(FILL(errors, 0) >= {t.min_errors}, 100 * FILL(errors, 0) / FILL(invocations, 1), 0)"
            f" >= {metric_number(t.error_rate_percent)}",
        ),
        Condition(f"throttles >= {t.throttles}", f"FILL(throttles, 0) >= {t.throttles}"),
        Condition(
            f"concurrent executions >= {metric_number(concurrency_at)} "
            f"({metric_number(t.concurrency_percent_of_limit)}% of "
            f"the {limit_words} {limit})",
            f"FILL(concurrency, 0) >= {metric_number(concurrency_at)}",
        ),
        Condition(
            f"slowest invocation >= {metric_number(duration_at_ms)} ms "
            f"({metric_number(t.duration_percent_of_timeout)}% of "
            f"the {metric_number(timeout_seconds)} s timeout)",
            f"FILL(duration, 0) >= {metric_number(duration_at_ms)}",
        ),
    ]


def _check_concurrency_limit(where: IConstruct, limit: Any) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise SecureConstructsError(
            "SC-MON-002",
            where,
            "account_concurrency_limit must be a whole number of at least 1",
            received=limit,
            fix="Pass your account's Lambda concurrent executions quota (Service Quotas console)",
        )


def queue_alarms(
    queue: sqs.IQueue,
    *,
    thresholds: Mapping[str, QueueThresholds] | None = None,
    topic: sns.ITopic | None = None,
    action: cloudwatch.IAlarmAction | None = None,
) -> dict[str, cloudwatch.Alarm]:
    """The backlog alarms of a (dead-letter) queue, made once per queue: later calls return the same alarms.

    :param queue: the queue; the alarms are created under it (``<queue path>/BacklogAlarm<Disambiguator>``).
        Default: none (required).
    :param thresholds: ``{disambiguator: QueueThresholds}``. Default: ``{"Critical": QueueThresholds()}``.
    :param topic: SNS topic notified on ALARM and OK. Default: the stack's encrypted alarm topic.
    :param action: alarm action instead of a topic. Default: none.
    """
    keyed_thresholds = keyed(queue, thresholds, QueueThresholds, what="thresholds")
    factory = AlarmFactory(queue, topic=topic, action=action)  # type: ignore[arg-type]
    out: dict[str, cloudwatch.Alarm] = {}
    for key, t in keyed_thresholds.items():
        existing = queue.node.try_find_child(f"{BACKLOG_ID}{key}")
        if existing is not None:
            out[key] = existing  # type: ignore[assignment]
            continue
        out[key] = factory.backlog_alarm(
            queue,  # type: ignore[arg-type]
            f"{BACKLOG_ID}{key}",
            subject=f"Queue {path_in_stack(queue.node)}",
            metric=queue.metric_approximate_number_of_messages_visible(),
            thresholds=t,
        )
    return out


def attach_function_alarms(
    function: Any,
    *,
    thresholds: Mapping[str, FunctionHealthThresholds] | None = None,
    anomaly: Mapping[str, AnomalyThresholds] | None = None,
    invocation_spike: bool = True,
    dead_letter_queue_thresholds: Mapping[str, QueueThresholds] | None = None,
    timeout: Duration | None = None,
    account_concurrency_limit: int = _d.ACCOUNT_CONCURRENCY_LIMIT,
    topic: sns.ITopic | None = None,
    action: cloudwatch.IAlarmAction | None = None,
) -> FunctionAlarms:
    """Give ``function`` its default alarms (``<function path>/Alarms``): 2 alarms per function (1 with
    ``invocation_spike=False``).

    Raises SC-MON-006 when the function already has alarms or was opted out with :func:`opt_out_of_alarms`.
    The parameters are those of :class:`FunctionAlarms` (same defaults).
    """
    refuse_second_alarms(function)
    return FunctionAlarms(
        function,
        ALARMS_ID,
        function=function,
        thresholds=thresholds,
        anomaly=anomaly,
        invocation_spike=invocation_spike,
        dead_letter_queue_thresholds=dead_letter_queue_thresholds,
        timeout=timeout,
        account_concurrency_limit=account_concurrency_limit,
        topic=topic,
        action=action,
    )


def opt_out_of_alarms(construct: IConstruct, reason: str) -> str:
    """Record that ``construct`` (a function or an API) deliberately has no alarms, and why.

    The reason is checked (SC-GEN-003 when empty or vague) and stored as construct metadata
    (``secure_constructs:alarms-opt-out``) so that it shows in the cloud assembly; returns the reason.
    """
    text = check_reason(construct, reason, "Turning alarms off")
    if construct.node.try_find_child(ALARMS_ID) is not None:
        raise SecureConstructsError(
            "SC-MON-006",
            construct,
            "alarms are already attached, so they cannot be turned off",
            received="alarms=False",
            fix="Either attach alarms or opt out, not both",
        )
    construct.node.add_metadata(OPT_OUT_METADATA, text)
    return text


def has_alarms_or_opted_out(construct: IConstruct) -> bool:
    """Whether ``construct`` has its alarms (an ``Alarms`` child) or was opted out of them."""
    node = construct.node
    if node.try_find_child(ALARMS_ID) is not None:
        return True
    return any(entry.type == OPT_OUT_METADATA for entry in node.metadata)


def refuse_second_alarms(construct: IConstruct) -> None:
    if has_alarms_or_opted_out(construct):
        raise SecureConstructsError(
            "SC-MON-006",
            construct,
            "alarms were already attached to (or turned off for) this construct",
            received=ALARMS_ID,
            fix="Attach alarms once; pass all thresholds in that one call",
        )


def _timeout_seconds(where: IConstruct, timeout: Duration | None) -> float:
    seconds = timeout.to_seconds() if isinstance(timeout, Duration) else None
    if seconds is None or Token.is_unresolved(seconds):
        raise SecureConstructsError(
            "SC-MON-003",
            where,
            "the function's timeout cannot be read (imported function or a token)",
            received="a token" if timeout is not None else "no timeout",
            fix="Pass timeout=Duration.seconds(...) with the function's real timeout",
        )
    return float(seconds)
