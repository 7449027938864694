"""What the alarms need to know of a function or an API: two small protocols.

``SecureFunction`` implements :class:`AlarmedFunction`, ``SecureRestApi`` and ``SecureHttpApi`` implement
:class:`AlarmedApi`; plain aws-cdk-lib functions and APIs are adapted here. The alarm side reads nothing
else of them, and imports none of their modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from aws_cdk import Duration, Token
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_wafv2 as wafv2
from constructs import IConstruct, Node

from .._context import StackContext
from ..errors import SecureConstructsError

#: Lambda's timeout when a function sets none.
_LAMBDA_DEFAULT_TIMEOUT = 3


@runtime_checkable
class AlarmedFunction(Protocol):
    """A Lambda function as its alarms see it."""

    @property
    def node(self) -> Node:
        """Where the function is: its alarms are named and described after its path."""
        ...

    @property
    def timeout(self) -> Duration | None:
        """Its timeout ("duration near the timeout"); None when it cannot be known (an imported function)."""
        ...

    @property
    def dead_letter_queue(self) -> sqs.IQueue | None:
        """Where its failed asynchronous invocations go (the queue gets a backlog alarm)."""
        ...

    @property
    def reserved_concurrent_executions(self) -> int | None:
        """Its reserved concurrency ("concurrency near the limit"); None for the account's unreserved pool."""
        ...

    @property
    def metric_dimensions(self) -> Mapping[str, str]:
        """The dimensions of its ``AWS/Lambda`` metrics (``{"FunctionName": ...}``)."""
        ...


class ApiMetrics(Protocol):
    """The API-wide metrics API Gateway publishes (``apigateway.RestApi`` and ``apigatewayv2.HttpApi``)."""

    def metric_count(
        self, *, statistic: str | None = None, period: Duration | None = None
    ) -> cloudwatch.Metric: ...

    def metric_server_error(
        self, *, statistic: str | None = None, period: Duration | None = None
    ) -> cloudwatch.Metric: ...

    def metric_client_error(
        self, *, statistic: str | None = None, period: Duration | None = None
    ) -> cloudwatch.Metric: ...

    def metric_latency(
        self, *, statistic: str | None = None, period: Duration | None = None
    ) -> cloudwatch.Metric: ...


@runtime_checkable
class AlarmedApi(Protocol):
    """An API as its alarms see it."""

    @property
    def node(self) -> Node:
        """Where the API is: its alarms are named and described after its path."""
        ...

    @property
    def api_metrics(self) -> ApiMetrics:
        """Its API-wide metrics (every stage), which the alarms watch."""
        ...

    @property
    def web_acl(self) -> wafv2.CfnWebACL | None:
        """The web ACL in front of it (its blocked requests get a spike alarm), or None."""
        ...


def alarmed_function(where: IConstruct, function: Any) -> AlarmedFunction:
    """``function`` as an :class:`AlarmedFunction`: a SecureFunction (also when given its
    ``aws_lambda.Function``), or a plain ``aws_lambda`` function adapted; SC-MON-003 for anything else."""
    if isinstance(function, lambda_.FunctionBase):
        owner = StackContext.of(function).owners.get(function)
        return owner if isinstance(owner, AlarmedFunction) else _LambdaFunction(function)
    if isinstance(function, AlarmedFunction):
        return function
    raise SecureConstructsError(
        "SC-MON-003",
        where,
        "function must be a SecureFunction or an aws_lambda Function",
        received=type(function).__name__,
        fix="Pass the SecureFunction (or lambda_.Function) whose alarms you want",
    )


def alarmed_api(where: IConstruct, api: Any) -> AlarmedApi:
    """``api`` as an :class:`AlarmedApi`: a SecureRestApi or SecureHttpApi, or a plain
    ``apigateway.RestApi`` / ``apigatewayv2.HttpApi`` adapted; SC-MON-003 for anything else."""
    if isinstance(api, (apigateway.RestApiBase, apigwv2.HttpApi)):
        return _PlainApi(api)
    if isinstance(api, AlarmedApi):
        return api
    raise SecureConstructsError(
        "SC-MON-003",
        where,
        "api must be a SecureRestApi, SecureHttpApi, apigateway.RestApi or apigatewayv2.HttpApi",
        received=type(api).__name__,
        fix="Pass the API construct whose alarms you want",
    )


def reserved_concurrency(cfn: lambda_.CfnFunction) -> int | None:
    """The reserved concurrency set on a function's L1, when it is a number (not a token) above 0."""
    value = cfn.reserved_concurrent_executions
    if isinstance(value, (int, float)) and not Token.is_unresolved(value) and value > 0:
        return int(value)
    return None


class _LambdaFunction:
    """A plain ``aws_lambda`` function as an :class:`AlarmedFunction` (settings read from its L1)."""

    def __init__(self, function: lambda_.FunctionBase) -> None:
        self._function = function
        self.node = function.node
        cfn = function.node.default_child
        self._cfn = cfn if isinstance(cfn, lambda_.CfnFunction) else None  # None: an imported function

    @property
    def timeout(self) -> Duration | None:
        timeout = getattr(self._function, "timeout", None)
        if isinstance(timeout, Duration):
            return timeout
        if self._cfn is None:
            return None
        seconds = self._cfn.timeout
        if seconds is None:
            return Duration.seconds(_LAMBDA_DEFAULT_TIMEOUT)
        return Duration.seconds(seconds) if not Token.is_unresolved(seconds) else None

    @property
    def dead_letter_queue(self) -> sqs.IQueue | None:
        return getattr(self._function, "dead_letter_queue", None)

    @property
    def reserved_concurrent_executions(self) -> int | None:
        return reserved_concurrency(self._cfn) if self._cfn is not None else None

    @property
    def metric_dimensions(self) -> Mapping[str, str]:
        return {"FunctionName": self._function.function_name}


class _PlainApi:
    """A plain ``apigateway.RestApi`` or ``apigatewayv2.HttpApi`` as an :class:`AlarmedApi` (no web ACL)."""

    def __init__(self, api: apigateway.RestApiBase | apigwv2.HttpApi) -> None:
        self.node = api.node
        self.api_metrics: ApiMetrics = api
        self.web_acl: wafv2.CfnWebACL | None = None
