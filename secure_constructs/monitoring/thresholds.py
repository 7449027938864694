"""Alarm thresholds: small frozen dataclasses, keyed by a disambiguator such as ``"Warning"``/``"Critical"``.

Each mapping entry produces one alarm per family, named ``<Family><Disambiguator>``; the defaults hold a
single ``"Critical"`` entry so that a function costs two alarms. Every default is documented in
``docs/audit-and-alarms.md`` and lives in ``secure_constructs/_defaults/cloudwatch.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from constructs import IConstruct

from .._defaults import cloudwatch as _d
from ..errors import SecureConstructsError

_DISAMBIGUATOR = re.compile(r"^[A-Z][A-Za-z0-9]{0,31}$")


@dataclass(frozen=True)
class _Evaluation:
    def _check_evaluation(self, where: IConstruct | str) -> None:
        period = getattr(self, "period_minutes")  # noqa: B009 - fields of the subclasses
        evaluation_periods = getattr(self, "evaluation_periods")  # noqa: B009
        datapoints = getattr(self, "datapoints_to_alarm")  # noqa: B009
        if period not in (1, 5, 10, 15, 30, 60) and period % 60 != 0:
            _out_of_range(where, self, "period_minutes", period, "1, 5, 10, 15, 30, 60 or a multiple of 60")
        if not 1 <= evaluation_periods <= 100:
            _out_of_range(where, self, "evaluation_periods", evaluation_periods, "between 1 and 100")
        if not 1 <= datapoints <= evaluation_periods:
            _out_of_range(where, self, "datapoints_to_alarm", datapoints, "between 1 and evaluation_periods")


@dataclass(frozen=True)
class FunctionHealthThresholds(_Evaluation):
    """When a function's combined health alarm fires (any one condition is enough).

    :param error_rate_percent: error rate (errors / invocations x 100) that, together with ``min_errors``,
        counts as failing. Default: 5.0.
    :param min_errors: errors in one period needed before the rate is judged. Default: 3.
    :param throttles: throttled invocations in one period that count as failing. Default: 1.
    :param concurrency_percent_of_limit: peak concurrent executions as a percent of the function's reserved
        concurrency (or of the account limit when none is reserved). Default: 80.0.
    :param duration_percent_of_timeout: slowest invocation of the period as a percent of the function's
        timeout. Default: 80.0.
    :param period_minutes: length of one evaluated period. Default: 5.
    :param evaluation_periods: periods evaluated. Default: 1.
    :param datapoints_to_alarm: failing periods (of ``evaluation_periods``) that raise the alarm. Default: 1.
    """

    error_rate_percent: float = _d.FUNCTION_HEALTH["error_rate_percent"]
    min_errors: int = _d.FUNCTION_HEALTH["min_errors"]
    throttles: int = _d.FUNCTION_HEALTH["throttles"]
    concurrency_percent_of_limit: float = _d.FUNCTION_HEALTH["concurrency_percent_of_limit"]
    duration_percent_of_timeout: float = _d.FUNCTION_HEALTH["duration_percent_of_timeout"]
    period_minutes: int = _d.FUNCTION_HEALTH["period_minutes"]
    evaluation_periods: int = _d.FUNCTION_HEALTH["evaluation_periods"]
    datapoints_to_alarm: int = _d.FUNCTION_HEALTH["datapoints_to_alarm"]

    def check(self, where: IConstruct | str) -> None:
        """Raise SC-MON-002 for a value out of range."""
        for name in ("error_rate_percent", "concurrency_percent_of_limit", "duration_percent_of_timeout"):
            _percent(where, self, name)
        for name in ("min_errors", "throttles"):
            _positive(where, self, name)
        self._check_evaluation(where)


@dataclass(frozen=True)
class AnomalyThresholds(_Evaluation):
    """When a count leaves its learned band upwards (a spike: abuse, a retry storm, a DoS).

    :param std_devs: width of the expected band in standard deviations. Default: 3.0.
    :param period_minutes: length of one evaluated period. Default: 5.
    :param evaluation_periods: periods evaluated. Default: 2.
    :param datapoints_to_alarm: periods above the band that raise the alarm. Default: 2.
    """

    std_devs: float = _d.ANOMALY["std_devs"]
    period_minutes: int = _d.ANOMALY["period_minutes"]
    evaluation_periods: int = _d.ANOMALY["evaluation_periods"]
    datapoints_to_alarm: int = _d.ANOMALY["datapoints_to_alarm"]

    def check(self, where: IConstruct | str) -> None:
        """Raise SC-MON-002 for a value out of range."""
        if not 0 < self.std_devs <= 100:
            _out_of_range(where, self, "std_devs", self.std_devs, "greater than 0 and at most 100")
        self._check_evaluation(where)


@dataclass(frozen=True)
class ApiHealthThresholds(_Evaluation):
    """When an API's combined health alarm fires (any one condition is enough).

    :param server_error_rate_percent: 5XX responses as a percent of requests. Default: 1.0.
    :param client_error_rate_percent: 4XX responses as a percent of requests. Default: 25.0.
    :param min_requests: requests in one period needed before the rates are judged. Default: 20.
    :param p99_latency_ms: 99th percentile latency in milliseconds. Default: 5000.0.
    :param period_minutes: length of one evaluated period. Default: 5.
    :param evaluation_periods: periods evaluated. Default: 1.
    :param datapoints_to_alarm: failing periods that raise the alarm. Default: 1.
    """

    server_error_rate_percent: float = _d.API_HEALTH["server_error_rate_percent"]
    client_error_rate_percent: float = _d.API_HEALTH["client_error_rate_percent"]
    min_requests: int = _d.API_HEALTH["min_requests"]
    p99_latency_ms: float = _d.API_HEALTH["p99_latency_ms"]
    period_minutes: int = _d.API_HEALTH["period_minutes"]
    evaluation_periods: int = _d.API_HEALTH["evaluation_periods"]
    datapoints_to_alarm: int = _d.API_HEALTH["datapoints_to_alarm"]

    def check(self, where: IConstruct | str) -> None:
        """Raise SC-MON-002 for a value out of range."""
        _percent(where, self, "server_error_rate_percent")
        _percent(where, self, "client_error_rate_percent")
        _positive(where, self, "min_requests")
        if not self.p99_latency_ms > 0:
            _out_of_range(where, self, "p99_latency_ms", self.p99_latency_ms, "greater than 0")
        self._check_evaluation(where)


@dataclass(frozen=True)
class QueueThresholds(_Evaluation):
    """When a dead-letter queue's alarm fires.

    :param visible_messages: messages waiting in the queue (each one is a failed event). Default: 1.
    :param period_minutes: length of one evaluated period. Default: 5.
    :param evaluation_periods: periods evaluated. Default: 1.
    :param datapoints_to_alarm: failing periods that raise the alarm. Default: 1.
    """

    visible_messages: int = _d.QUEUE_BACKLOG["visible_messages"]
    period_minutes: int = _d.QUEUE_BACKLOG["period_minutes"]
    evaluation_periods: int = _d.QUEUE_BACKLOG["evaluation_periods"]
    datapoints_to_alarm: int = _d.QUEUE_BACKLOG["datapoints_to_alarm"]

    def check(self, where: IConstruct | str) -> None:
        """Raise SC-MON-002 for a value out of range."""
        _positive(where, self, "visible_messages")
        self._check_evaluation(where)


@dataclass(frozen=True)
class SecurityEventThresholds(_Evaluation):
    """When a security metric filter's alarm fires.

    :param events: matching events in one period. Default: 1 (any occurrence).
    :param period_minutes: length of one evaluated period. Default: 5.
    :param evaluation_periods: periods evaluated. Default: 1.
    :param datapoints_to_alarm: failing periods that raise the alarm. Default: 1.
    """

    events: int = _d.SECURITY_EVENT["events"]
    period_minutes: int = _d.SECURITY_EVENT["period_minutes"]
    evaluation_periods: int = _d.SECURITY_EVENT["evaluation_periods"]
    datapoints_to_alarm: int = _d.SECURITY_EVENT["datapoints_to_alarm"]

    def check(self, where: IConstruct | str) -> None:
        """Raise SC-MON-002 for a value out of range."""
        _positive(where, self, "events")
        self._check_evaluation(where)


T = TypeVar("T", FunctionHealthThresholds, AnomalyThresholds, ApiHealthThresholds, QueueThresholds,
            SecurityEventThresholds)


def keyed(
    where: IConstruct | str,
    thresholds: Mapping[str, T] | None,
    cls: type[T],
    *,
    what: str,
) -> dict[str, T]:
    """Validate a ``{disambiguator: thresholds}`` mapping; ``None`` gives ``{"Critical": cls()}``.

    Raises SC-MON-001 for an empty mapping, a disambiguator that is not a CamelCase word or a value of the
    wrong type, and SC-MON-002 for a value out of range.
    """
    if thresholds is None:
        return {_d.DEFAULT_DISAMBIGUATOR: cls()}
    if not isinstance(thresholds, Mapping) or not thresholds:
        raise SecureConstructsError(
            "SC-MON-001",
            where,
            f"{what} must be a non-empty mapping of disambiguator to {cls.__name__}",
            received=thresholds,
            fix=f'Pass e.g. {{"Critical": {cls.__name__}()}}, or leave it unset for the documented defaults',
        )
    out: dict[str, T] = {}
    for key, value in thresholds.items():
        if not isinstance(key, str) or not _DISAMBIGUATOR.match(key):
            raise SecureConstructsError(
                "SC-MON-001",
                where,
                f"{what}: the disambiguator must be a CamelCase word (it becomes part of the alarm name)",
                received=key,
                fix='Use e.g. "Warning" or "Critical"',
            )
        if not isinstance(value, cls):
            raise SecureConstructsError(
                "SC-MON-001",
                where,
                f"{what}[{key!r}] must be a {cls.__name__}",
                received=type(value).__name__,
                fix=f"Pass {cls.__name__}(...) with the fields you want to change",
            )
        value.check(where)
        out[key] = value
    return out


def _out_of_range(where: IConstruct | str, obj: Any, name: str, value: Any, expected: str) -> None:
    raise SecureConstructsError(
        "SC-MON-002",
        where,
        f"{type(obj).__name__}.{name} is out of range",
        received=value,
        fix=f"Use a value {expected}",
    )


def _percent(where: IConstruct | str, obj: Any, name: str) -> None:
    value = getattr(obj, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 100:
        _out_of_range(where, obj, name, value, "greater than 0 and at most 100")


def _positive(where: IConstruct | str, obj: Any, name: str) -> None:
    value = getattr(obj, name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        _out_of_range(where, obj, name, value, "that is a whole number of at least 1")


__all__ = [
    "AnomalyThresholds",
    "ApiHealthThresholds",
    "FunctionHealthThresholds",
    "QueueThresholds",
    "SecurityEventThresholds",
    "keyed",
]
