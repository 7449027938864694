"""Secure, cost-bounded defaults for CloudWatch alarms and the alarm topic, as plain data.

The threshold dataclasses in ``secure_constructs.monitoring.thresholds`` take their field defaults from
here, so that every number a user may want to question is in one place and documented once
(``docs/audit-and-alarms.md``).
"""

from __future__ import annotations

from typing import Any

#: Hard CloudWatch limit: an alarm on a metric math expression may reference at most 10 metrics.
MAX_METRICS_PER_ALARM = 10
#: CloudWatch alarm names are at most 255 characters.
MAX_ALARM_NAME_LENGTH = 255

#: Lambda "health" alarm (one metric math alarm per function and disambiguator).
FUNCTION_HEALTH: dict[str, Any] = {
    # Errors raise the alarm when both hold in one period: at least `min_errors` errors and an error rate of
    # at least `error_rate_percent` (a single error in a quiet period is a 100 % rate; `min_errors` keeps
    # the alarm meaningful for low-traffic functions while a 1 % rate catches a partial outage).
    "error_rate_percent": 5.0,
    "min_errors": 3,
    # Any throttle means a caller was refused: alarm on the first one.
    "throttles": 1,
    # Percent of the function's reserved concurrency (or of the account limit when none is reserved).
    "concurrency_percent_of_limit": 80.0,
    # Percent of the function's timeout reached by the slowest invocation of the period.
    "duration_percent_of_timeout": 80.0,
    "period_minutes": 5,
    "evaluation_periods": 1,
    "datapoints_to_alarm": 1,
}

#: Account-level concurrent executions assumed when a function has no reserved concurrency (the default
#: Lambda quota of a new account; pass the real quota with ``account_concurrency_limit``).
ACCOUNT_CONCURRENCY_LIMIT = 1000

#: Anomaly detection on a count (Lambda invocations, API requests, WAF blocked requests): raise on a spike.
ANOMALY: dict[str, Any] = {
    # Width of the expected band in standard deviations; 3 keeps ordinary daily swings inside it.
    "std_devs": 3.0,
    "period_minutes": 5,
    # Two consecutive 5-minute periods above the band: a spike that lasts, not one noisy datapoint.
    "evaluation_periods": 2,
    "datapoints_to_alarm": 2,
}

#: API health alarm (one metric math alarm per API and disambiguator).
API_HEALTH: dict[str, Any] = {
    "server_error_rate_percent": 1.0,
    # A high 4XX rate is the footprint of scanning, credential stuffing or a broken client release.
    "client_error_rate_percent": 25.0,
    # Rates are judged only when the period has at least this many requests.
    "min_requests": 20,
    "p99_latency_ms": 5000.0,
    "period_minutes": 5,
    "evaluation_periods": 1,
    "datapoints_to_alarm": 1,
}

#: Dead-letter queue alarm (one per queue, however many functions share it).
QUEUE_BACKLOG: dict[str, Any] = {
    "visible_messages": 1,
    "period_minutes": 5,
    "evaluation_periods": 1,
    "datapoints_to_alarm": 1,
}

#: Security event alarms on the trail's log group (metric filters): any matching event in the period.
SECURITY_EVENT: dict[str, Any] = {
    "events": 1,
    "period_minutes": 5,
    "evaluation_periods": 1,
    "datapoints_to_alarm": 1,
}

#: The default disambiguator: one alarm per family keeps the per-function footprint at two alarms.
DEFAULT_DISAMBIGUATOR = "Critical"

ALARM_TOPIC_ID = "SecureConstructsAlarmTopic"
