"""Secure defaults for Lambda functions (``aws_lambda.Function`` kwargs); the security settings among them are
the declared defaults of their properties (``secure_constructs.nag.rules.lambda_``)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_

from ..nag.declarations import defaults_of

#: Memory in MB. 512 MB gives a Python function a full share of a vCPU fraction large enough for
#: cold starts and JSON work; the 128 MB platform default is a common cause of slow, throttled functions.
DEFAULT_MEMORY_MB = 512
#: Timeout. Short enough to fail fast behind API Gateway (29 s integration limit), long enough for a
#: few downstream calls; the 3 s platform default is flagged by Serverless-LambdaDefaultTimeout.
DEFAULT_TIMEOUT = Duration.seconds(10)
MEMORY_RANGE_MB = (128, 10240)
TIMEOUT_RANGE_S = (1, 900)

_RUNTIME = re.compile(r"^([a-z]+)(\d+(\.?\d+|\.x)?)?.*$")


@cache
def latest_python_runtime() -> lambda_.Runtime:
    """The newest Python runtime that this aws-cdk-lib knows (the one cdk-nag's LambdaLatestVersion expects).

    Computed from ``Runtime.ALL`` the same way the rule does, so that upgrading aws-cdk-lib moves the
    default forward and the check keeps passing.
    """

    def version(name: str) -> tuple[int, ...]:
        match = _RUNTIME.match(name)
        digits = (match.group(2) or "0") if match else "0"
        return tuple(int(p) for p in digits.replace(".x", "").split(".") if p.isdigit())

    pythons = [runtime for runtime in lambda_.Runtime.ALL if runtime.name.startswith("python")]
    return max(pythons, key=lambda runtime: version(runtime.name))


def function_defaults() -> dict[str, Any]:
    """Secure, explicit ``aws_lambda.Function`` kwargs (everything the construct does not wire itself).

    The security settings among them (tracing, log format, recursive-loop detection) are the declared
    defaults of their properties (``secure_constructs.nag.rules.lambda_``); the rest is plumbing.
    """
    return {
        "runtime": latest_python_runtime(),
        "architecture": lambda_.Architecture.ARM_64,
        "memory_size": DEFAULT_MEMORY_MB,
        "timeout": DEFAULT_TIMEOUT,
        "application_log_level_v2": lambda_.ApplicationLogLevel.INFO,
        "system_log_level_v2": lambda_.SystemLogLevel.INFO,
        **_declared(),
    }


@cache
def _declared() -> dict[str, Any]:
    return defaults_of("SecureFunction")


#: Function kwargs the construct wires itself; each has a dedicated SecureFunction parameter (or none, when
#: the kwarg would bypass a default: ``initial_policy`` skips the wildcard checks of ``add_to_role_policy``,
#: ``log_retention`` creates a custom resource per function).
FUNCTION_MANAGED = frozenset(
    {
        "code",
        "handler",
        "runtime",
        "architecture",
        "log_removal_policy",
        "memory_size",
        "timeout",
        "environment",
        "environment_encryption",
        "role",
        "initial_policy",
        "log_group",
        "log_retention",
        "log_retention_role",
        "log_retention_retry_options",
        "log_format",
        "application_log_level",
        "system_log_level",
        "dead_letter_queue",
        "dead_letter_queue_enabled",
        "dead_letter_topic",
        "reserved_concurrent_executions",
        "code_signing_config",
    }
)
