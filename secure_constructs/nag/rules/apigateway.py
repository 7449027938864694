"""API Gateway rules (REST, HTTP, WebSocket): authorization, authorizers, logs, TLS, CORS, validation, WAF."""

from __future__ import annotations

from typing import Any

from .._model import Compliance, RuleResult, Undecidable
from .._template import TemplateContext, as_list, flatten, get_path, props

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "ANY"})
MAX_AUTHORIZER_TTL_SECONDS = 300
STRONG_TLS_POLICIES = ("TLS_1_2", "SecurityPolicy_TLS12", "SecurityPolicy_TLS13")


def _http_method(resource: dict[str, Any], ctx: TemplateContext) -> str:
    method = ctx.literal(props(resource).get("HttpMethod"), "HttpMethod")
    return str(method or "").upper()


def api_method_auth(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """REST methods and HTTP/WebSocket routes require authorization (CORS preflight OPTIONS excepted)."""
    p = props(resource)
    if resource.get("Type") == "AWS::ApiGateway::Method":
        if _http_method(resource, ctx) == "OPTIONS":
            return Compliance.NOT_APPLICABLE
    else:
        route_key = str(ctx.literal(p.get("RouteKey"), "RouteKey") or "")
        if route_key.upper().startswith("OPTIONS "):
            return Compliance.NOT_APPLICABLE
        api = ctx.resources.get(ctx.target(p.get("ApiId")) or "")
        if api is not None:
            websocket = get_path(api, "Properties", "ProtocolType") == "WEBSOCKET"
        else:  # imported API: only route keys that exist on WebSocket APIs alone tell
            websocket = route_key.startswith("$") and route_key != "$default"
        if websocket and route_key != "$connect":
            return Compliance.NOT_APPLICABLE  # only $connect of a WebSocket API can carry an authorizer
    open_ = ctx.decide(
        p.get("AuthorizationType"),
        lambda v: ctx.literal(v, "AuthorizationType") in (None, "NONE"),
        "AuthorizationType",
    )
    return Compliance.NON_COMPLIANT if open_ else Compliance.COMPLIANT


def api_key_as_auth(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """An API key is not an authorizer: a method that requires a key also needs real authorization."""
    p = props(resource)
    if p.get("ApiKeyRequired") not in (True, "true"):
        return Compliance.NOT_APPLICABLE
    open_ = ctx.decide(
        p.get("AuthorizationType"),
        lambda v: ctx.literal(v, "AuthorizationType") in (None, "NONE"),
        "AuthorizationType",
    )
    return Compliance.NON_COMPLIANT if open_ else Compliance.COMPLIANT


def api_authorizer_cache_ttl(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Authorizer results are cached for at most 300 seconds (a revoked token stays valid that long)."""
    p = props(resource)
    if str(p.get("Type") or p.get("AuthorizerType") or "").upper() == "JWT":
        return Compliance.NOT_APPLICABLE
    default = 300 if resource.get("Type") == "AWS::ApiGateway::Authorizer" else 0
    ttl = ctx.literal(p.get("AuthorizerResultTtlInSeconds", default), "AuthorizerResultTtlInSeconds")
    try:
        seconds = int(ttl)
    except (TypeError, ValueError) as error:
        raise Undecidable(
            "Unresolved::AuthorizerResultTtlInSeconds", "AuthorizerResultTtlInSeconds is not a number"
        ) from error
    return Compliance.NON_COMPLIANT if seconds > MAX_AUTHORIZER_TTL_SECONDS else Compliance.COMPLIANT


def api_authorizer_query_token(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Authorizers read credentials from headers, not query strings (URLs end up in logs and histories)."""
    sources: list[str] = []
    for source in as_list(props(resource).get("IdentitySource")):
        text = ctx.literal(source, "IdentitySource")
        sources += [part.strip() for part in str(text).split(",")]
    bad = sorted({s.rsplit(".", 1)[-1] for s in sources if ".querystring." in s})
    return [f"QueryString::{name}" for name in bad]


def api_jwt_audience(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """JWT authorizers check the issuer and an audience (else any token of the issuer is accepted)."""
    p = props(resource)
    if str(ctx.literal(p.get("AuthorizerType"), "AuthorizerType")).upper() != "JWT":
        return Compliance.NOT_APPLICABLE
    findings = []
    if not as_list(get_path(p, "JwtConfiguration", "Audience")):
        findings.append("NoAudience")
    if get_path(p, "JwtConfiguration", "Issuer") in (None, ""):
        findings.append("NoIssuer")
    return findings


def api_access_logs(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """API stages write access logs."""
    p = props(resource)
    resource_type = resource.get("Type")
    if resource_type == "AWS::ApiGateway::Deployment":
        if p.get("StageName") is None:
            return Compliance.NOT_APPLICABLE  # the stage is a separate AWS::ApiGateway::Stage
        destination = get_path(p, "StageDescription", "AccessLogSetting", "DestinationArn")
    elif resource_type == "AWS::ApiGateway::Stage":
        destination = get_path(p, "AccessLogSetting", "DestinationArn")
    else:
        destination = get_path(p, "AccessLogSettings", "DestinationArn")
    missing = ctx.decide(destination, lambda v: v in (None, ""), "AccessLogSetting")
    return Compliance.NON_COMPLIANT if missing else Compliance.COMPLIANT


def api_execution_data_trace(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Execution logging does not log full request/response data (tokens and personal data end up in logs)."""
    p = props(resource)
    settings = as_list(p.get("MethodSettings")) + as_list(get_path(p, "StageDescription", "MethodSettings"))
    settings += [p.get("StageDescription"), p.get("DefaultRouteSettings")]
    route_settings = p.get("RouteSettings")
    if isinstance(route_settings, dict):
        settings += list(route_settings.values())
    for setting in settings:
        if isinstance(setting, dict) and ctx.decide(
            setting.get("DataTraceEnabled"), lambda v: v in (True, "true"), "DataTraceEnabled"
        ):
            return Compliance.NON_COMPLIANT
    return Compliance.COMPLIANT


def api_tls12(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Custom domains require TLS 1.2 or later."""
    p = props(resource)
    if resource.get("Type") == "AWS::ApiGateway::DomainName":
        policies = [(p.get("SecurityPolicy"), True)]
    else:
        policies = [
            (get_path(c, "SecurityPolicy"), False) for c in as_list(p.get("DomainNameConfigurations"))
        ]
    for value, missing_is_weak in policies:
        policy = ctx.literal(value, "SecurityPolicy")
        if policy is None:
            if missing_is_weak:
                return Compliance.NON_COMPLIANT  # REST custom domains default to TLS_1_0
            continue
        if not str(policy).startswith(STRONG_TLS_POLICIES):
            return Compliance.NON_COMPLIANT
    return Compliance.COMPLIANT


def _header(params: Any, name: str) -> str | None:
    if not isinstance(params, dict):
        return None
    for key, value in params.items():
        if str(key).lower().endswith(name.lower()) and isinstance(value, str):
            return value.strip("'").strip()
    return None


def api_cors_credentials_any_origin(
    logical_id: str, resource: dict[str, Any], ctx: TemplateContext
) -> RuleResult:
    """CORS does not allow credentials for any origin."""
    p = props(resource)
    resource_type = resource.get("Type")
    if resource_type == "AWS::ApiGatewayV2::Api":
        cors = p.get("CorsConfiguration")
        if not isinstance(cors, dict):
            return Compliance.NOT_APPLICABLE
        any_origin = "*" in as_list(cors.get("AllowOrigins"))
        credentials = cors.get("AllowCredentials") in (True, "true")
        return Compliance.NON_COMPLIANT if any_origin and credentials else Compliance.COMPLIANT
    if resource_type == "AWS::ApiGateway::GatewayResponse":
        blocks = [p.get("ResponseParameters")]
    else:
        blocks = [
            r.get("ResponseParameters")
            for r in as_list(get_path(p, "Integration", "IntegrationResponses"))
            if isinstance(r, dict)
        ]
    for params in blocks:
        allow_origin = _header(params, "Access-Control-Allow-Origin")
        allow_credentials = _header(params, "Access-Control-Allow-Credentials")
        if allow_origin == "*" and allow_credentials == "true":
            return Compliance.NON_COMPLIANT
    return Compliance.COMPLIANT


def api_request_validation(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """REST methods that take a body validate it against a model (a request validator with
    ValidateRequestBody and RequestModels)."""
    if _http_method(resource, ctx) not in BODY_METHODS:
        return Compliance.NOT_APPLICABLE
    p = props(resource)
    validator_id = p.get("RequestValidatorId")
    if validator_id is None:
        return ["NoValidator"]
    validator = ctx.resources.get(ctx.target(validator_id) or "")
    if validator is None:
        raise Undecidable(
            "Unresolved::RequestValidatorId",
            "RequestValidatorId does not point to a validator in this template",
        )
    if get_path(validator, "Properties", "ValidateRequestBody") not in (True, "true"):
        return ["BodyNotValidated"]
    if not p.get("RequestModels"):
        return ["NoModel"]
    return Compliance.COMPLIANT


def api_stage_waf(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """REST API stages are protected by a WAF web ACL (an AWS::WAFv2::WebACLAssociation in the template)."""
    p = props(resource)
    api_id = ctx.target(p.get("RestApiId"))
    stage_name = p.get("StageName")
    for _, association in ctx.of_type("AWS::WAFv2::WebACLAssociation"):
        arn = get_path(association, "Properties", "ResourceArn")
        refs = ctx.references(arn)
        if logical_id in refs:
            return Compliance.COMPLIANT
        text = flatten(arn) or ""
        if api_id in refs and isinstance(stage_name, str) and text.endswith(f"/stages/{stage_name}"):
            return Compliance.COMPLIANT
    return Compliance.NON_COMPLIANT
