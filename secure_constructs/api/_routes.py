"""Shared by the REST and HTTP API constructs: route keys, handlers, CORS options and execute-api grants."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import IConstruct

from ..errors import SecureConstructsError

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
_SEGMENT = re.compile(r"^(?:[A-Za-z0-9._~@:-]+|\{[A-Za-z][A-Za-z0-9_]*\+?\})$")


def check_method(where: IConstruct, method: str, *, allow_wildcard: bool = False) -> str:
    """The upper-cased HTTP method, or SC-API-006."""
    upper = method.upper() if isinstance(method, str) else method
    if upper in METHODS or (allow_wildcard and upper == "*"):
        return str(upper)
    raise SecureConstructsError(
        "SC-API-006",
        where,
        "not an HTTP method",
        received=method,
        fix=f"Use one of {', '.join(METHODS)}" + (" or '*' (every method)" if allow_wildcard else ""),
    )


def check_path(where: IConstruct, path: str, *, allow_wildcard: bool = False) -> str:
    """A normalized resource path (``/``, ``/orders/{id}``), or SC-API-006."""
    if isinstance(path, str) and path.startswith("/"):
        if path == "/":
            return path
        trimmed = path.rstrip("/") if len(path) > 1 else path
        segments = trimmed[1:].split("/")
        ok = all(
            _SEGMENT.match(s) or (allow_wildcard and s == "*" and i == len(segments) - 1)
            for i, s in enumerate(segments)
        )
        greedy_last = all("+}" not in s for s in segments[:-1])
        if ok and greedy_last:
            return trimmed
    raise SecureConstructsError(
        "SC-API-006",
        where,
        "not a resource path",
        received=path,
        fix="Use a path that starts with '/', e.g. '/orders/{id}' ('{proxy+}' only as the last segment"
        + ("; '*' as the last segment for everything below" if allow_wildcard else "")
        + ")",
    )


def arn_path(path: str) -> str:
    """A resource path as it appears in an execute-api ARN: path parameters match any value."""
    if path == "/":
        return "/"
    return "/" + "/".join("*" if s.startswith("{") else s for s in path[1:].split("/"))


def arn_method(method: str) -> str:
    return "*" if method in ("ANY", "*") else method


def function_of(where: IConstruct, handler: Any, what: str = "handler") -> lambda_.IFunction:
    """The ``lambda_.IFunction`` of a ``SecureFunction`` (its ``.function``) or of an ``IFunction``."""
    inner = getattr(handler, "function", None)
    candidate = inner if inner is not None else handler
    if isinstance(candidate, lambda_.FunctionBase):
        return candidate
    # jsii interfaces are not runtime-checkable protocols: recognise an IFunction by its members.
    if hasattr(candidate, "function_arn") and hasattr(candidate, "add_permission"):
        return candidate  # type: ignore[no-any-return]
    raise SecureConstructsError(
        "SC-API-010",
        where,
        f"the {what} is not a Lambda function",
        received=type(handler).__name__,
        fix="Pass a SecureFunction or an aws_lambda.IFunction",
    )


@dataclass(frozen=True)
class CorsOptions:
    """Browser access from other origins; preflight (OPTIONS) answers never weaken the real routes' auth.

    :param allow_origins: origins allowed to call the API, e.g. ``["https://app.example.com"]``.
        Default: none (required).
    :param allow_methods: methods allowed cross-origin (this grants nothing beyond each route's auth).
        Default: every method.
    :param allow_headers: request headers allowed cross-origin. Default: ``Content-Type``, ``Authorization``,
        ``X-Amz-Date``, ``X-Amz-Security-Token``.
    :param allow_credentials: let browsers send cookies / credentials; refused with origin ``*``.
        Default: False.
    :param max_age: how long browsers may cache a preflight answer. Default: 10 minutes.
    """

    allow_origins: Sequence[str]
    allow_methods: Sequence[str] | None = None
    allow_headers: Sequence[str] = ("Content-Type", "Authorization", "X-Amz-Date", "X-Amz-Security-Token")
    allow_credentials: bool = False
    max_age: Duration = Duration.minutes(10)

    def check(self, where: IConstruct) -> None:
        origins = (
            list(self.allow_origins) if not isinstance(self.allow_origins, str) else [self.allow_origins]
        )
        if not origins:
            raise SecureConstructsError(
                "SC-API-008",
                where,
                "CORS needs at least one allowed origin",
                received=self.allow_origins,
                fix="Pass allow_origins=['https://app.example.com'] (or no cors at all)",
            )
        if "*" in origins and self.allow_credentials:
            raise SecureConstructsError(
                "SC-API-008",
                where,
                "CORS allows every origin ('*') together with credentials: any web site could make a "
                "logged-in browser call this API",
                received={"allow_origins": origins, "allow_credentials": True},
                fix="List the allowed origins explicitly, or set allow_credentials=False",
            )
        for origin in origins:
            if origin != "*" and not re.match(r"^https?://[^/\s*]+$", origin):
                raise SecureConstructsError(
                    "SC-API-008",
                    where,
                    "a CORS origin must be '*' or scheme://host[:port] without a path",
                    received=origin,
                    fix="Pass e.g. 'https://app.example.com'",
                )


def grant_execute(grantee: iam.IGrantable, arn: str) -> iam.Grant:
    return iam.Grant.add_to_principal(grantee=grantee, actions=["execute-api:Invoke"], resource_arns=[arn])


def deny_execute(grantee: iam.IGrantable, arn: str) -> iam.AddToPrincipalPolicyResult:
    return grantee.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(effect=iam.Effect.DENY, actions=["execute-api:Invoke"], resources=[arn])
    )


def route_key(method: str, path: str) -> str:
    return f"{method} {path}"
