"""SecureFunction's construct-time checks of its arguments: each returns the checked value or raises
SecureConstructsError with a stable code (SC-FN-004 to SC-FN-009, SC-GEN-001, SC-GEN-005)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration, Stack, Token
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from .._defaults import lambda_ as defaults
from ..acknowledgments import check_reason
from ..errors import SecureConstructsError
from ..secrets import classify, classify_resolved

_ENV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_DB_USER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
#: Set by the Lambda runtime; a function cannot define them (CreateFunction rejects them).
_RESERVED_ENV = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
SECRET_ARN_SUFFIX = "_SECRET_ARN"
PARAMETER_NAME_SUFFIX = "_PARAMETER_NAME"

def check_memory(where: Construct, memory_size: Any) -> int:
    low, high = defaults.MEMORY_RANGE_MB
    if isinstance(memory_size, bool) or not isinstance(memory_size, int):
        raise SecureConstructsError(
            "SC-FN-006",
            where,
            "memory_size must be a whole number of MB",
            received=memory_size,
            fix=f"Pass an int between {low} and {high}",
        )
    # a token is a value known only at deployment: it is not range-checked here
    if not Token.is_unresolved(memory_size) and not low <= memory_size <= high:
        raise SecureConstructsError(
            "SC-FN-006",
            where,
            f"memory_size must be between {low} and {high} MB",
            received=memory_size,
            fix=f"Pass an int between {low} and {high}",
        )
    return memory_size


def check_timeout(where: Construct, timeout: Any) -> Duration:
    low, high = defaults.TIMEOUT_RANGE_S
    if not isinstance(timeout, Duration):
        raise SecureConstructsError(
            "SC-FN-006",
            where,
            "timeout must be an aws_cdk.Duration",
            received=timeout,
            fix="Pass e.g. Duration.seconds(10)",
        )
    seconds = timeout.to_seconds()
    if not Token.is_unresolved(seconds) and not low <= seconds <= high:
        raise SecureConstructsError(
            "SC-FN-006",
            where,
            f"timeout must be between {low} s and {high} s",
            received=f"{seconds} s",
            fix="Pass e.g. Duration.seconds(10); Lambda allows at most 15 min",
        )
    return timeout


def check_reserved(where: Construct, reserved: Any) -> None:
    if reserved is None:
        return
    if isinstance(reserved, bool) or not isinstance(reserved, int) or reserved < 1:
        raise SecureConstructsError(
            "SC-FN-008",
            where,
            "reserved_concurrent_executions must be a whole number of at least 1",
            received=reserved,
            fix=(
                "Pass the concurrency to reserve (it is also the cap), or None to use the unreserved pool; "
                "0 would throttle every invocation"
            ),
        )


def check_function_url(
    where: Construct, function_url: Any, reason: str | None
) -> lambda_.FunctionUrlAuthType | None:
    if function_url is False or function_url is None:
        if reason is not None:
            raise SecureConstructsError(
                "SC-GEN-001",
                where,
                "accepted_risks names 'function_url' but no public Function URL is requested",
                received="function_url",
                fix="Remove 'function_url' from accepted_risks",
            )
        return None
    if function_url is True or function_url == lambda_.FunctionUrlAuthType.AWS_IAM:
        return lambda_.FunctionUrlAuthType.AWS_IAM
    if function_url == lambda_.FunctionUrlAuthType.NONE:
        if reason is None:
            raise SecureConstructsError(
                "SC-FN-007",
                where,
                "a Function URL without IAM auth lets anyone on the internet invoke the function",
                received="FunctionUrlAuthType.NONE",
                fix=(
                    "Use function_url=True (AWS_IAM auth; call it with SigV4), or accept the risk with "
                    "accepted_risks={'function_url': '<why it must be public>'}"
                ),
            )
        check_reason(where, reason, "A public Function URL")
        return lambda_.FunctionUrlAuthType.NONE
    raise SecureConstructsError(
        "SC-GEN-005",
        where,
        "function_url must be a bool or a FunctionUrlAuthType",
        received=function_url,
        fix="Pass function_url=True for an IAM-authenticated Function URL",
    )


def check_env_name(where: Construct, name: Any, what: str) -> None:
    if not isinstance(name, str) or not _ENV_NAME.match(name) or name in _RESERVED_ENV:
        raise SecureConstructsError(
            "SC-GEN-005",
            where,
            f"{what} name must be a letter followed by letters, digits or '_' and not reserved by Lambda",
            received=name,
            fix="Rename the variable (e.g. ORDERS_TABLE); AWS_REGION and friends are set by Lambda itself",
        )


def check_environment(where: Construct, environment: Mapping[str, Any]) -> dict[str, Any]:
    for name, value in environment.items():
        check_env_name(where, name, "environment variable")
        if not isinstance(value, str):
            why = None
        elif Token.is_unresolved(value):  # judged as CloudFormation will see it (e.g. a Fn::Join of parts)
            why = classify_resolved(name, Stack.of(where).resolve(value))
        else:
            why = classify(name, value)
        if why is not None:
            raise SecureConstructsError(
                "SC-FN-004",
                where,
                f"environment variable {name} looks like a secret ({why}; value redacted)",
                fix=(
                    f'Pass it with secrets={{"{name}": secret}} instead (a Secrets Manager secret or an SSM '
                    "SecureString parameter); only its ARN or name goes into the environment"
                ),
            )
    return dict(environment)


def check_secrets(
    where: Construct, secrets: Mapping[str, Any], environment: Mapping[str, Any]
) -> tuple[dict[str, str], list[Any], list[Any]]:
    """The environment variables ``secrets`` set, then the Secrets Manager secrets and the SSM parameters
    among them."""
    env: dict[str, str] = {}
    secret_list: list[Any] = []
    parameters: list[Any] = []
    for name, secret in secrets.items():
        check_env_name(where, name, "secret")
        if getattr(secret, "secret_arn", None) is not None and hasattr(secret, "grant_read"):
            env_name, value = f"{name}{SECRET_ARN_SUFFIX}", secret.secret_arn
            kind = secret_list
        elif parameter_type(secret) == "SecureString":
            env_name, value = f"{name}{PARAMETER_NAME_SUFFIX}", secret.parameter_name
            kind = parameters
        else:
            raise SecureConstructsError(
                "SC-FN-005",
                where,
                f"secret {name} is not a Secrets Manager secret or an SSM SecureString parameter",
                received=describe(secret),
                fix=(
                    "Pass a secretsmanager.ISecret, or an SSM SecureString imported with "
                    "ssm.StringParameter.from_secure_string_parameter_attributes(...)"
                ),
            )
        for clash in (name, env_name):
            if clash in environment or clash in env:
                raise SecureConstructsError(
                    "SC-FN-009",
                    where,
                    f"environment variable {clash} is set both by environment= and by secrets=",
                    received=clash,
                    fix=f"Remove {clash} from environment=; secrets={{'{name}': ...}} sets {env_name} itself",
                )
        env[env_name] = value
        kind.append(secret)
    return env, secret_list, parameters


def parameter_type(candidate: Any) -> str | None:
    try:
        return str(candidate.parameter_type) if getattr(candidate, "parameter_name", None) else None
    except AttributeError:
        return None


def describe(value: Any) -> str:
    if isinstance(value, str):
        return "a string (value redacted)"
    node = getattr(value, "node", None)
    path = getattr(node, "path", None)
    return f"{type(value).__name__} at {path}" if path else type(value).__name__


def check_db_user(where: Any, db_user: Any, master: str) -> str:
    """``db_user`` when it is a valid database user name other than the master user (SC-DB-002)."""
    if not isinstance(db_user, str) or not _DB_USER.match(db_user) or db_user == master:
        raise SecureConstructsError(
            "SC-DB-002",
            where,
            "db_user must be an application user's name (letters, digits, '_'), not the master user",
            received=db_user,
            fix="Create a user for the function (CREATE USER app; GRANT rds_iam TO app;) and pass its name",
        )
    return db_user
