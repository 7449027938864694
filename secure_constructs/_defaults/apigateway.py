"""Secure defaults for API Gateway (REST and HTTP APIs), as plain data.

Each function returns keyword arguments for an aws-cdk-lib class; the constructs in
``secure_constructs.api`` merge them with the caller's overrides.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw

from ..nag.declarations import defaults_of

#: Longest result cache for a Lambda authorizer. A cached "Allow" outlives the token's revocation (and,
#: for TOKEN authorizers, is reused for every method the same token calls), so keep it short.
MAX_AUTHORIZER_CACHE = Duration.minutes(5)
DEFAULT_AUTHORIZER_CACHE = Duration.minutes(5)

#: JSON access-log fields for REST APIs: who called what, the outcome, and why it failed (authorizer,
#: integration, WAF). No request or response bodies, no authorization headers.
REST_ACCESS_LOG_FIELDS: dict[str, str] = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "caller": "$context.identity.caller",
    "user": "$context.identity.user",
    "principalId": "$context.authorizer.principalId",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "protocol": "$context.protocol",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "authorizerError": "$context.authorizer.error",
    "integrationStatus": "$context.integration.status",
    "integrationError": "$context.integration.error",
    "errorMessage": "$context.error.message",
    "wafStatus": "$context.waf.status",
    "xrayTraceId": "$context.xrayTraceId",
}

#: JSON access-log fields for HTTP APIs (their context variables differ from REST's).
HTTP_ACCESS_LOG_FIELDS: dict[str, str] = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "caller": "$context.identity.caller",
    "user": "$context.identity.user",
    "jwtSubject": "$context.authorizer.claims.sub",
    "routeKey": "$context.routeKey",
    "protocol": "$context.protocol",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "authorizerError": "$context.authorizer.error",
    "integrationStatus": "$context.integrationStatus",
    "integrationError": "$context.integrationErrorMessage",
    "errorMessage": "$context.error.message",
}


def access_log_format(fields: dict[str, str]) -> apigw.AccessLogFormat:
    """A one-line JSON access-log format (the Serverless pack's structured-logging rule parses it as JSON)."""
    return apigw.AccessLogFormat.custom(json.dumps(fields, separators=(",", ":")))


def rest_api_props() -> dict[str, Any]:
    """Keyword arguments for ``apigateway.RestApi`` (besides what the construct manages)."""
    return {
        "endpoint_types": [apigw.EndpointType.REGIONAL],
        # Never let CDK create the account-level CloudWatch role: it is one setting per account and region,
        # and the CDK-made role uses an AWS managed policy (see docs/api.md and ApiGatewayCloudWatchRole).
        "cloud_watch_role": False,
    }


def rest_stage_options() -> dict[str, Any]:
    """Keyword arguments for ``apigateway.StageOptions`` (access logs are added by the construct): the
    declared secure defaults of the stage (execution logging without data trace, metrics, tracing,
    throttling; ``secure_constructs.nag.rules.apigateway``) and the stage name."""
    return {"stage_name": "prod", **defaults_of("SecureRestApi", via="stage_overrides")}


def http_stage_props() -> dict[str, Any]:
    """Keyword arguments for ``apigatewayv2.HttpStage`` (access logs are added by the construct): the
    declared secure defaults (detailed metrics, throttling) and the auto-deployed ``$default`` stage."""
    return {
        "stage_name": "$default",
        "auto_deploy": True,
        **defaults_of("SecureHttpApi", via="stage_overrides"),
    }


def http_api_props() -> dict[str, Any]:
    """Keyword arguments for ``apigatewayv2.HttpApi`` (besides what the construct manages)."""
    return {"create_default_stage": False}
