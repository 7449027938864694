"""API Gateway rules (REST, HTTP, WebSocket): authorization, authorizers, logs, TLS, CORS, validation, WAF."""

from __future__ import annotations

from typing import Any

from .._model import Cdk, Compliance, RuleResult, RuleSpec, Setting, Undecidable, if_, remove, set_
from .._template import MISSING, NO_VALUE, TemplateContext, as_list, flatten, get_path, props, show, when
from ._common import E, W, per_scenario, truthy

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "ANY"})
MAX_AUTHORIZER_TTL_SECONDS = 300
STRONG_TLS_POLICIES = ("TLS_1_2", "SecurityPolicy_TLS12", "SecurityPolicy_TLS13")
#: The account-level API Gateway quota per Region (steady requests per second, burst): a stage throttled
#: above it is not throttled at all, and one API could starve every other API of the account.
MAX_THROTTLE_RATE = 10_000
MAX_THROTTLE_BURST = 5_000
REST_STAGE = "AWS::ApiGateway::Stage"
HTTP_STAGE = "AWS::ApiGatewayV2::Stage"
DEPLOYMENT = "AWS::ApiGateway::Deployment"


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
    why = ctx.insecure_when(p.get("AuthorizationType"), _no_auth(ctx))
    return [] if why is None else [(None, f"AuthorizationType is NONE{why}")]


def _no_auth(ctx: TemplateContext) -> Any:
    return lambda v: v is MISSING or ctx.literal(v, "AuthorizationType") in (None, "NONE")


def api_key_as_auth(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """An API key is not an authorizer: a method that requires a key also needs real authorization."""
    p = props(resource)
    if p.get("ApiKeyRequired") not in (True, "true"):
        return Compliance.NOT_APPLICABLE
    why = ctx.insecure_when(p.get("AuthorizationType"), _no_auth(ctx))
    return [] if why is None else [(None, f"only an API key is required{why}")]


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
    why = ctx.insecure_when(destination, lambda v: v is MISSING or v in (None, ""))
    return [] if why is None else [(None, f"no access log destination{why}")]


def api_execution_data_trace(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Execution logging does not log full request/response data (tokens and personal data end up in logs)."""
    p = props(resource)
    settings = as_list(p.get("MethodSettings")) + as_list(get_path(p, "StageDescription", "MethodSettings"))
    settings += [p.get("StageDescription"), p.get("DefaultRouteSettings")]
    route_settings = p.get("RouteSettings")
    if isinstance(route_settings, dict):
        settings += list(route_settings.values())
    for setting in settings:
        if not isinstance(setting, dict):
            continue
        why = ctx.insecure_when(setting.get("DataTraceEnabled"), truthy)
        if why is not None:
            return [(None, f"DataTraceEnabled is true{why}")]
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


# --- stages: execution logging, metrics, tracing, throttling, cache --------------------------------------


def _method_settings(resource: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any] | None] | None:
    """A REST stage's method settings and the one that applies to every method (``*`` on ``/*``, or a
    Deployment's inline StageDescription); None for a Deployment without an inline stage."""
    p = props(resource)
    if resource.get("Type") == DEPLOYMENT:
        description = p.get("StageDescription")
        if p.get("StageName") is None or not isinstance(description, dict):
            return None
        settings = [s for s in as_list(description.get("MethodSettings")) if isinstance(s, dict)]
        return settings, description
    settings = [s for s in as_list(p.get("MethodSettings")) if isinstance(s, dict)]
    default = next(
        (s for s in settings if s.get("HttpMethod") == "*" and s.get("ResourcePath") in ("/*", "/*/*")), None
    )
    return settings, default


def api_execution_logging(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """REST stages log execution errors (LoggingLevel ERROR or INFO for every method, none turned OFF)."""
    found = _method_settings(resource)
    if found is None:
        return Compliance.NOT_APPLICABLE
    settings, default = found
    levels = ("ERROR", "INFO")
    why = ctx.insecure_when(
        get_path(default, "LoggingLevel") if default else None,
        lambda v: ctx.literal(v, "LoggingLevel") not in levels if v is not MISSING else True,
    )
    if why is not None:
        return [(None, f"execution logging is not ERROR or INFO for every method{why}")]
    for setting in settings:
        off = ctx.insecure_when(setting.get("LoggingLevel"), lambda v: v == "OFF")
        if off is not None:
            return [
                (
                    None,
                    f"LoggingLevel is OFF for {setting.get('HttpMethod')} {setting.get('ResourcePath')}{off}",
                )
            ]
    return []


def api_stage_metrics(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Stages publish per-method (REST) or per-route (HTTP) CloudWatch metrics."""
    if resource.get("Type") == HTTP_STAGE:
        value = get_path(props(resource), "DefaultRouteSettings", "DetailedMetricsEnabled")
        what = "DefaultRouteSettings.DetailedMetricsEnabled"
    else:
        found = _method_settings(resource)
        if found is None:
            return Compliance.NOT_APPLICABLE
        value = get_path(found[1], "MetricsEnabled") if found[1] else None
        what = "MetricsEnabled of every method"
    why = ctx.insecure_when(value, lambda v: not truthy(v))
    return [] if why is None else [(None, f"{what} is not true{why}")]


def api_stage_tracing(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """REST stages trace requests with AWS X-Ray (TracingEnabled)."""
    p = props(resource)
    if resource.get("Type") == DEPLOYMENT:
        if p.get("StageName") is None or not isinstance(p.get("StageDescription"), dict):
            return Compliance.NOT_APPLICABLE
        value = get_path(p, "StageDescription", "TracingEnabled")
    else:
        value = p.get("TracingEnabled")
    why = ctx.insecure_when(value, lambda v: not truthy(v))
    return [] if why is None else [(None, f"TracingEnabled is not true{why}")]


def _limits(
    setting: dict[str, Any], rate_key: str, burst_key: str, ctx: TemplateContext
) -> list[tuple[Any, Any, tuple[str, ...]]]:
    """Every (rate, burst) a setting can take, with the conditions that lead to it."""
    rates = ctx.conditional(setting.get(rate_key, MISSING))
    bursts = ctx.conditional(setting.get(burst_key, MISSING))
    return [(r, b, rc + bc) for r, rc in rates for b, bc in bursts]


def _number(value: Any, what: str, ctx: TemplateContext) -> float | None:
    if value is MISSING or value is None:
        return None
    literal = ctx.literal(value, what)
    try:
        return float(literal)
    except (TypeError, ValueError) as error:
        raise Undecidable(f"Unresolved::{what}", f"{what} is not a number") from error


def api_throttling(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Stages throttle every method or route, within the account's quota (10,000 requests per second, burst
    5,000): a stage without limits, or with limits above the quota, is not throttled at all."""
    if resource.get("Type") == HTTP_STAGE:
        p = props(resource)
        default = p.get("DefaultRouteSettings") if isinstance(p.get("DefaultRouteSettings"), dict) else None
        routes = p.get("RouteSettings")
        others = [s for s in (routes.values() if isinstance(routes, dict) else []) if isinstance(s, dict)]
    else:
        found = _method_settings(resource)
        if found is None:
            return Compliance.NOT_APPLICABLE
        others, default = found
    findings: dict[str, str] = {}
    if default is None:
        findings["NoThrottling"] = "no default method or route settings"
    else:
        for rate, burst, conds in _limits(default, "ThrottlingRateLimit", "ThrottlingBurstLimit", ctx):
            if (
                _number(rate, "ThrottlingRateLimit", ctx) is None
                or _number(burst, "ThrottlingBurstLimit", ctx) is None
            ):
                findings["NoThrottling"] = f"the default settings set no rate or no burst limit{when(conds)}"
                break
    for setting in ([default] if default else []) + others:
        for rate, burst, conds in _limits(setting, "ThrottlingRateLimit", "ThrottlingBurstLimit", ctx):
            r, b = _number(rate, "ThrottlingRateLimit", ctx), _number(burst, "ThrottlingBurstLimit", ctx)
            if (r is not None and r > MAX_THROTTLE_RATE) or (b is not None and b > MAX_THROTTLE_BURST):
                findings.setdefault("AboveQuota", f"rate {show(rate)}, burst {show(burst)}{when(conds)}")
    return list(findings.items())


def api_cache_encrypted(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Cached responses are encrypted (CacheDataEncrypted wherever CachingEnabled). A stage cache
    (CacheClusterEnabled) caches GET methods unless the stage-wide setting turns caching off."""
    found = _method_settings(resource)
    if found is None:
        return Compliance.NOT_APPLICABLE
    settings, default = found
    p = props(resource)
    cluster = p.get("StageDescription", {}) if resource.get("Type") == DEPLOYMENT else p
    if ctx.insecure_when(get_path(cluster, "CacheClusterEnabled"), truthy) is not None:
        settings = [s for s in settings if s is not default]
        default = {"CachingEnabled": True, **(default or {})}
    for setting in settings + ([default] if default is not None and default not in settings else []):
        if ctx.insecure_when(setting.get("CachingEnabled"), truthy) is None:
            continue
        why = ctx.insecure_when(setting.get("CacheDataEncrypted"), lambda v: not truthy(v))
        if why is not None:
            return [(None, f"responses are cached unencrypted{why}")]
    return []


# --- routes and APIs ---------------------------------------------------------------------------------------


def api_cognito_scopes(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Methods authorized by a Cognito user pool require OAuth scopes: without them API Gateway accepts any
    token of the pool, ID tokens included, for any client."""
    p = props(resource)
    kinds = [ctx.literal(v, "AuthorizationType") for v, _ in ctx.conditional(p.get("AuthorizationType"))]
    if "COGNITO_USER_POOLS" not in kinds:
        return Compliance.NOT_APPLICABLE
    why = ctx.insecure_when(p.get("AuthorizationScopes"), lambda v: v is MISSING or not as_list(v))
    return [] if why is None else [(None, f"AuthorizationScopes is empty{why}")]


def api_execute_endpoint_disabled(
    logical_id: str, resource: dict[str, Any], ctx: TemplateContext
) -> RuleResult:
    """An API behind a custom domain disables its default execute-api endpoint, which would otherwise
    bypass what the domain enforces (its TLS policy, its mapping, a WAF on the domain's distribution)."""
    mappings = [
        lid
        for lid, mapping in ctx.of_type(
            "AWS::ApiGateway::BasePathMapping",
            "AWS::ApiGateway::BasePathMappingV2",
            "AWS::ApiGatewayV2::ApiMapping",
        )
        if logical_id in ctx.references(props(mapping).get("RestApiId", props(mapping).get("ApiId")))
    ]
    if not mappings:
        return Compliance.NOT_APPLICABLE
    why = ctx.insecure_when(props(resource).get("DisableExecuteApiEndpoint"), lambda v: not truthy(v))
    return (
        []
        if why is None
        else [(None, f"DisableExecuteApiEndpoint is not true{why} (mapped by {mappings[0]})")]
    )


REST_METHOD, HTTP_ROUTE = "AWS::ApiGateway::Method", "AWS::ApiGatewayV2::Route"
AUTHORIZERS = ("AWS::ApiGateway::Authorizer", "AWS::ApiGatewayV2::Authorizer")
STAGES = (REST_STAGE, DEPLOYMENT, HTTP_STAGE)
REST, HTTP = "SecureRestApi", "SecureHttpApi"
_MUTANT = "SecureConstructsMutant"
_DEFAULT_SETTINGS = {
    "HttpMethod": "*",
    "ResourcePath": "/*",
    "DataTraceEnabled": False,
    "MetricsEnabled": True,
}


def _stage_settings(**changes: Any) -> list[dict[str, Any]]:
    """A stage's MethodSettings as our default renders it, with ``changes`` (a mutant's value)."""
    base = {
        **_DEFAULT_SETTINGS,
        "LoggingLevel": "ERROR",
        "ThrottlingRateLimit": 100,
        "ThrottlingBurstLimit": 200,
    }
    base.update(changes)
    return [{k: v for k, v in base.items() if v is not None}]


#: What the API constructs set that is not a security property, and why.
NOT_SECURITY_RELEVANT = {
    (
        "AWS::ApiGateway::RestApi",
        "EndpointConfiguration",
    ): "a regional endpoint (not edge-optimized): latency and "
    "cost; put CloudFront in front when a distribution is wanted",
    ("AWS::WAFv2::WebACL", "Scope"): "REGIONAL is what an API Gateway stage can use",
    (
        "AWS::ApiGateway::RequestValidator",
        "ValidateRequestParameters",
    ): "parameters are validated whatever the body; the body validation is declared (ApiRequestValidation)",
}

RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "ApiRouteAuth",
        "auth",
        (REST_METHOD, HTTP_ROUTE),
        "The API method or route has no authorization (AuthorizationType NONE).",
        "Use IAM, a Cognito user pool, a JWT or a Lambda authorizer. Only CORS preflight (OPTIONS) may "
        "be open; acknowledge a deliberately public route with the reason.",
        E,
        api_method_auth,
        paths=("AuthorizationType", "AuthorizerId"),
        settings=(
            Setting(REST, "default_auth", via="parameter"),
            Setting(HTTP, "default_auth", via="parameter"),
            Setting(
                "aws_apigateway.RestApi",
                "default_method_options.authorization_type",
                Cdk("aws_apigateway.AuthorizationType.IAM"),
                via="harden",
            ),
            Setting("aws_apigatewayv2.HttpApi", "default_authorizer", via="harden"),
        ),
        stock_ids=("AwsSolutions-APIG4",),
        mutations=(set_("AuthorizationType", "NONE"), if_("AuthorizationType", "NONE")),
    ),
    RuleSpec(
        "ApiKeyNotAuthorization",
        "auth",
        (REST_METHOD, HTTP_ROUTE),
        "The method relies on an API key instead of an authorizer.",
        "API keys identify callers for usage plans; they are not credentials. Add an authorizer (IAM, "
        "Cognito, JWT or Lambda) and keep the key for throttling only.",
        E,
        api_key_as_auth,
        paths=("ApiKeyRequired",),
        settings=(Setting(REST, "add_route(api_key_required=)", via="parameter"),),
        mutations=(set_("AuthorizationType", "NONE"),),
    ),
    RuleSpec(
        "ApiCognitoScopes",
        "auth",
        (REST_METHOD,),
        "The method is authorized by a Cognito user pool without OAuth scopes.",
        "Without AuthorizationScopes, API Gateway accepts any token of the pool (ID tokens included) for any "
        "app client. Require the route's scopes (Auth.cognito(pool, scopes=[...]) in secure_constructs), "
        "which only access tokens carry.",
        E,
        api_cognito_scopes,
        paths=("AuthorizationScopes",),
        settings=(Setting(REST, "Auth.cognito(scopes=)", via="parameter"),),
        mutations=(remove("AuthorizationScopes"), if_("AuthorizationScopes", NO_VALUE)),
    ),
    RuleSpec(
        "ApiAuthorizerCacheTtl",
        "auth",
        AUTHORIZERS,
        "The authorizer caches its result for more than 300 seconds.",
        "A cached allow outlives a revoked token. Set AuthorizerResultTtlInSeconds to 300 or less "
        "(0 turns caching off).",
        E,
        api_authorizer_cache_ttl,
        paths=("AuthorizerResultTtlInSeconds",),
        settings=(Setting(REST, "Auth.lambda_token(result_cache_ttl=)", via="parameter"),),
        mutations=(set_("AuthorizerResultTtlInSeconds", 3600),),
    ),
    RuleSpec(
        "ApiAuthorizerQueryToken",
        "auth",
        AUTHORIZERS,
        "The authorizer reads its identity source from the query string.",
        "Query strings land in access logs, proxies and browser histories. Read the token from a header "
        "(e.g. method.request.header.Authorization or $request.header.Authorization).",
        E,
        api_authorizer_query_token,
        paths=("IdentitySource",),
        finding_ids=("QueryString::<parameter>",),
        mutations=(set_("IdentitySource", "method.request.querystring.token"),),
    ),
    RuleSpec(
        "ApiJwtAudience",
        "auth",
        ("AWS::ApiGatewayV2::Authorizer",),
        "The JWT authorizer does not check the audience (or the issuer).",
        "Without an audience any token of the issuer, for any app, is accepted. Set "
        "JwtConfiguration.Audience to your app client ids and JwtConfiguration.Issuer.",
        E,
        api_jwt_audience,
        paths=("JwtConfiguration",),
        finding_ids=("NoAudience", "NoIssuer"),
        mutations=(remove("JwtConfiguration.Audience"),),
    ),
    RuleSpec(
        "ApiAccessLogs",
        "logging",
        STAGES,
        "The API stage does not write access logs.",
        "Set the stage's access log destination to an encrypted log group with a retention.",
        E,
        api_access_logs,
        paths=("AccessLogSetting", "AccessLogSettings", "StageDescription.AccessLogSetting"),
        settings=(
            Setting("aws_apigateway.RestApi", "deploy_options.access_log_destination", via="harden"),
            Setting("aws_apigateway.RestApi", "deploy_options.access_log_format", via="harden"),
            Setting("aws_apigatewayv2.HttpStage", "access_log_settings", via="harden"),
        ),
        stock_ids=("AwsSolutions-APIG1",),
        mutations=(
            remove("AccessLogSetting", target=REST_STAGE),
            remove("AccessLogSettings", target=HTTP_STAGE),
        ),
    ),
    RuleSpec(
        "ApiDataTrace",
        "logging",
        STAGES,
        "Execution logging logs full request and response data (DataTraceEnabled).",
        "Full data traces write tokens and personal data to logs. Set DataTraceEnabled to false; use "
        "logging level ERROR or INFO.",
        E,
        per_scenario(api_execution_data_trace),
        paths=("MethodSettings", "DefaultRouteSettings.DataTraceEnabled"),
        settings=(Setting(REST, "data_trace_enabled", False, via="stage_overrides"),),
        mutations=(set_("MethodSettings", _stage_settings(DataTraceEnabled=True), target=REST_STAGE),),
    ),
    RuleSpec(
        "ApiExecutionLogging",
        "logging",
        (REST_STAGE, DEPLOYMENT),
        "The REST stage does not log execution errors (LoggingLevel is not ERROR or INFO for every method).",
        "Set the stage's logging level to ERROR or INFO for every method (logging_level in CDK; it needs the "
        "account's API Gateway CloudWatch role), so that authorizer and integration failures are recorded.",
        W,
        per_scenario(api_execution_logging),
        paths=("MethodSettings",),
        settings=(
            Setting(
                REST, "logging_level", Cdk("aws_apigateway.MethodLoggingLevel.ERROR"), via="stage_overrides"
            ),
        ),
        stock_ids=("AwsSolutions-APIG6",),
        mutations=(set_("MethodSettings", _stage_settings(LoggingLevel="OFF"), target=REST_STAGE),),
    ),
    RuleSpec(
        "ApiStageMetrics",
        "monitoring",
        STAGES,
        "The stage does not publish per-method (REST) or per-route (HTTP) metrics.",
        "Set MetricsEnabled (REST, metrics_enabled in CDK) or DefaultRouteSettings.DetailedMetricsEnabled "
        "(HTTP, detailed_metrics_enabled) so that alarms can watch each route.",
        W,
        per_scenario(api_stage_metrics),
        paths=("MethodSettings", "DefaultRouteSettings.DetailedMetricsEnabled"),
        settings=(
            Setting(REST, "metrics_enabled", True, via="stage_overrides"),
            Setting(HTTP, "detailed_metrics_enabled", True, via="stage_overrides"),
        ),
        mutations=(
            set_("MethodSettings", _stage_settings(MetricsEnabled=False), target=REST_STAGE),
            set_("DefaultRouteSettings.DetailedMetricsEnabled", False, target=HTTP_STAGE),
        ),
    ),
    RuleSpec(
        "ApiStageTracing",
        "logging",
        (REST_STAGE, DEPLOYMENT),
        "The REST stage does not trace requests with AWS X-Ray (TracingEnabled is not true).",
        "Set TracingEnabled (tracing_enabled in CDK), so that a request can be followed through the "
        "authorizer, the integration and the function.",
        E,
        api_stage_tracing,
        paths=("TracingEnabled", "StageDescription.TracingEnabled"),
        settings=(Setting(REST, "tracing_enabled", True, via="stage_overrides"),),
        stock_ids=("Serverless-APIGWXrayEnabled",),
        mutations=(
            set_("TracingEnabled", False, target=REST_STAGE),
            remove("TracingEnabled", target=REST_STAGE),
            if_("TracingEnabled", False, target=REST_STAGE),
        ),
    ),
    RuleSpec(
        "ApiThrottling",
        "network",
        STAGES,
        "The stage does not throttle every method or route within the account's quota.",
        f"Set a rate and a burst limit for every method or route (throttling_rate_limit and "
        f"throttling_burst_limit, or throttle, in CDK) at most {MAX_THROTTLE_RATE} requests per second and "
        f"a burst of {MAX_THROTTLE_BURST}: the account's quota is shared by every API of the Region, and a "
        "limit above it throttles nothing.",
        E,
        per_scenario(api_throttling),
        paths=("MethodSettings", "DefaultRouteSettings", "RouteSettings"),
        finding_ids=("NoThrottling", "AboveQuota"),
        # A modest slice of the account-wide quota (10,000 rps per Region, shared by every API of it).
        settings=(
            Setting(REST, "throttling_rate_limit", 100, via="stage_overrides"),
            Setting(REST, "throttling_burst_limit", 200, via="stage_overrides"),
            Setting(
                HTTP,
                "throttle",
                Cdk("aws_apigatewayv2.ThrottleSettings", rate_limit=100, burst_limit=200),
                via="stage_overrides",
            ),
        ),
        stock_ids=("Serverless-APIGWDefaultThrottling",),
        mutations=(
            set_("MethodSettings", _stage_settings(ThrottlingRateLimit=1_000_000), target=REST_STAGE),
            set_(
                "MethodSettings",
                _stage_settings(ThrottlingRateLimit=None, ThrottlingBurstLimit=None),
                target=REST_STAGE,
            ),
            set_("DefaultRouteSettings.ThrottlingRateLimit", 1_000_000, target=HTTP_STAGE),
            remove("DefaultRouteSettings.ThrottlingBurstLimit", target=HTTP_STAGE),
        ),
    ),
    RuleSpec(
        "ApiCacheEncrypted",
        "encryption",
        (REST_STAGE, DEPLOYMENT),
        "The stage caches responses without encrypting them.",
        "Set CacheDataEncrypted wherever CachingEnabled is set (cache_data_encrypted in CDK).",
        E,
        per_scenario(api_cache_encrypted),
        paths=("MethodSettings", "CacheClusterEnabled", "CacheClusterSize"),
        settings=(Setting(REST, "cache_data_encrypted", via="stage_overrides"),),
        mutations=(
            set_(
                "MethodSettings",
                _stage_settings(CachingEnabled=True, CacheDataEncrypted=False),
                target=REST_STAGE,
            ),
        ),
    ),
    RuleSpec(
        "ApiExecuteEndpointDisabled",
        "network",
        ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"),
        "The API has a custom domain but keeps its default execute-api endpoint.",
        "Set DisableExecuteApiEndpoint to true so that the custom domain (its TLS policy, its mapping) is "
        "the only way in (secure_constructs does this for domain=...).",
        E,
        api_execute_endpoint_disabled,
        paths=("DisableExecuteApiEndpoint",),
        settings=(Setting(REST, "domain", via="parameter"), Setting(HTTP, "domain", via="parameter")),
        mutations=(set_("DisableExecuteApiEndpoint", False), if_("DisableExecuteApiEndpoint", False)),
    ),
    RuleSpec(
        "ApiTls12",
        "network",
        ("AWS::ApiGateway::DomainName", "AWS::ApiGatewayV2::DomainName"),
        "The custom domain allows TLS versions below 1.2.",
        "Set SecurityPolicy to TLS_1_2 (or a TLS 1.3 policy).",
        E,
        api_tls12,
        paths=("SecurityPolicy", "DomainNameConfigurations"),
        settings=(Setting(REST, "DomainOptions(security_policy=)", via="parameter"),),
        mutations=(set_("SecurityPolicy", "TLS_1_0", target="AWS::ApiGateway::DomainName"),),
    ),
    RuleSpec(
        "ApiCorsCredentials",
        "network",
        ("AWS::ApiGatewayV2::Api", REST_METHOD, "AWS::ApiGateway::GatewayResponse"),
        "CORS allows credentials from any origin.",
        "List the allowed origins explicitly when credentials are allowed.",
        E,
        api_cors_credentials_any_origin,
        paths=("CorsConfiguration", "ResponseParameters", "Integration.IntegrationResponses"),
        settings=(Setting(REST, "cors", via="parameter"), Setting(HTTP, "cors", via="parameter")),
        mutations=(
            set_(
                "ResponseParameters",
                {
                    "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
                    "gatewayresponse.header.Access-Control-Allow-Credentials": "'true'",
                },
                target="AWS::ApiGateway::GatewayResponse",
            ),
        ),
    ),
    RuleSpec(
        "ApiRequestValidation",
        "network",
        (REST_METHOD,),
        "A REST method that takes a body does not validate it.",
        "Attach a request validator with ValidateRequestBody and a request model (JSON schema) so that "
        "malformed input is refused before it reaches the integration.",
        W,
        api_request_validation,
        paths=(
            "RequestValidatorId",
            "RequestModels",
            "RequestParameters",
            ("AWS::ApiGateway::RequestValidator", "ValidateRequestBody"),
        ),
        finding_ids=("NoValidator", "BodyNotValidated", "NoModel"),
        stock_ids=("AwsSolutions-APIG2",),
        mutations=(remove("RequestValidatorId"),),
    ),
    RuleSpec(
        "ApiStageWaf",
        "network",
        (REST_STAGE,),
        "The REST API stage has no WAF web ACL.",
        "Associate an AWS WAFv2 web ACL (AWS::WAFv2::WebACLAssociation) with the stage, e.g. with AWS "
        "managed rule groups and a rate-based rule.",
        W,
        api_stage_waf,
        paths=(
            ("AWS::WAFv2::WebACLAssociation", "ResourceArn"),
            ("AWS::WAFv2::WebACLAssociation", "WebACLArn"),
        ),
        settings=(
            Setting(REST, "waf", via="parameter"),
            Setting("harden()", "a web ACL on each aws_apigateway.RestApi's deployment stage", via="wired"),
        ),
        stock_ids=("AwsSolutions-APIG3",),
        mutations=(
            set_(
                "ResourceArn",
                "arn:aws:apigateway:eu-west-1::/restapis/other/stages/prod",
                target="AWS::WAFv2::WebACLAssociation",
            ),
        ),
    ),
)
