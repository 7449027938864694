"""SecureHttpApi: an API Gateway HTTP API whose every route is authenticated, logged and throttled."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from .._defaults import apigateway as defaults
from .._overrides import Guard
from .._shared import encrypted_log_group
from .._sources import record_creation_site
from ..acknowledgments import acknowledge
from ..errors import SecureConstructsError
from ..monitoring.defaults import ApiAlarmOptions, configure_alarms
from ..monitoring.subjects import ApiMetrics
from . import _routes
from ._budget import count_route
from ._verbs import ApiVerbs
from .auth import (
    Auth,
    AuthMode,
    CognitoAuth,
    IamAuth,
    JwtAuth,
    JwtLambdaAuth,
    LambdaAuth,
    PublicAuth,
    http_identity_source,
)
from .domain import DomainOptions

#: The finding ids an unauthenticated route triggers; Auth.public acknowledges them with its reason.
PUBLIC_ROUTE_RULES = ("AwsSolutions-APIG4", "SecureServerless-ApiRouteAuth")

_STAGE_MANAGED = ("http_api", "access_log_settings", "domain_mapping")
_API_MANAGED = (
    "create_default_stage",
    "cors_preflight",
    "default_authorizer",
    "default_authorization_scopes",
    "default_integration",
    "default_domain_mapping",
    "disable_execute_api_endpoint",
)


class _LambdaProxy(apigwv2.HttpRouteIntegration):
    """A Lambda proxy integration that adds no permission itself (the API adds one per route)."""

    def __init__(self, id: str, function: lambda_.IFunction) -> None:
        super().__init__(id)
        self._function = function

    def bind(self, *, route: apigwv2.IHttpRoute, scope: Construct) -> apigwv2.HttpRouteIntegrationConfig:
        return apigwv2.HttpRouteIntegrationConfig(
            type=apigwv2.HttpIntegrationType.AWS_PROXY,
            uri=self._function.function_arn,
            payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
        )


class SecureHttpApi(ApiVerbs, Construct):
    """An API Gateway HTTP API with secure defaults; add routes with :meth:`add_route`.

    Every route is authenticated (``default_auth``, IAM unless told otherwise) or explicitly public with a
    reason; each Lambda permission is scoped to its method and path. The ``$default`` stage (auto-deployed)
    writes JSON access logs to a KMS-encrypted log group and throttles every route. AWS WAF cannot be
    associated with HTTP APIs: put a CloudFront distribution with a web ACL in front (docs/api.md).

    Attributes: ``http_api`` (``apigatewayv2.HttpApi``), ``stage`` (``apigatewayv2.HttpStage``),
    ``access_log_group``, ``routes`` (``{"GET /orders": apigatewayv2.HttpRoute}``), ``authorizers``,
    ``domain`` (``apigatewayv2.DomainName`` or None), ``url``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        default_auth: AuthMode | None = None,
        description: str | None = None,
        cors: _routes.CorsOptions | None = None,
        domain: DomainOptions | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        log_removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        log_key: kms.IKey | None = None,
        overrides: Mapping[str, Any] | None = None,
        stage_overrides: Mapping[str, Any] | None = None,
        accepted_risks: Mapping[str, str] | None = None,
        alarms: bool | ApiAlarmOptions = True,
        no_alarms_reason: str | None = None,
    ) -> None:
        """
        :param default_auth: how routes without their own ``auth`` are authenticated. Default: ``Auth.iam()``.
        :param description: the API's description. Default: none.
        :param cors: cross-origin access for browsers; API Gateway answers preflight requests itself, without
            running authorizers, and the routes keep their auth. Default: no CORS.
        :param domain: a custom domain (TLS 1.2); the default execute-api endpoint is then disabled.
            Default: no custom domain, the execute-api endpoint.
        :param log_retention: retention of the access-log group. Default: one year.
        :param log_removal_policy: what happens to the access logs when the API leaves the stack.
            Default: ``RemovalPolicy.RETAIN``.
        :param log_key: the KMS key of the access-log group. Default: the stack's shared operations key.
        :param overrides: any other ``apigatewayv2.HttpApi`` argument (e.g. ``api_name``). Default: none.
        :param stage_overrides: any ``apigatewayv2.HttpStage`` argument (e.g. ``throttle``). Default: stage
            ``$default``, auto-deploy, detailed metrics, throttling 100 rps / burst 200 per route.
        :param accepted_risks: ``{override key: reason}`` for overrides that weaken a security default;
            the reason is recorded as an audited acknowledgment. Default: none.
        :param alarms: ``True`` attaches the API's default alarms when the app is synthesized (a health alarm
            on the 5XX rate, 4XX rate and p99 latency; a request-count anomaly alarm; a WAF blocked-request
            spike alarm when a web ACL is attached) to the stack's encrypted alarm topic; an
            ``ApiAlarmOptions`` tunes them; ``attach_api_alarms(api, ...)`` called before synth replaces
            them. ``False`` turns them off and needs ``no_alarms_reason``. Default: ``True``.
        :param no_alarms_reason: why this API needs no alarms (with ``alarms=False``; SC-GEN-003 when
            missing or vague), recorded in the cloud assembly. Default: none.
        """
        super().__init__(scope, id)
        record_creation_site(self)
        self._default_auth = _check_http_auth(self, default_auth or IamAuth())
        if cors is not None:
            cors.check(self)
        if domain is not None:
            domain.check(self)
        guard = Guard(
            self,
            "SecureHttpApi",
            accepted_risks,
            parameters={"log_retention": log_retention, "log_removal_policy": log_removal_policy},
        )
        api_props = guard.merge(apigwv2.HttpApi, defaults.http_api_props(), overrides, managed=_API_MANAGED)
        stage_props = guard.merge(
            apigwv2.HttpStage, defaults.http_stage_props(), stage_overrides, managed=_STAGE_MANAGED
        )

        self.access_log_group = encrypted_log_group(
            self, "AccessLogs", retention=log_retention, removal_policy=log_removal_policy, key=log_key
        )
        self.http_api = apigwv2.HttpApi(
            self,
            "Api",
            **api_props,
            description=description,
            disable_execute_api_endpoint=domain is not None,
            cors_preflight=None if cors is None else _cors_preflight(cors),
        )
        self.domain: apigwv2.DomainName | None = None
        mapping = None
        if domain is not None:
            self.domain = apigwv2.DomainName(
                self,
                "Domain",
                domain_name=domain.name,
                certificate=domain.certificate,
                security_policy=apigwv2.SecurityPolicy.TLS_1_2,
                endpoint_type=apigwv2.EndpointType.REGIONAL,
            )
            mapping = apigwv2.DomainMappingOptions(domain_name=self.domain, mapping_key=domain.base_path)
        self.stage = apigwv2.HttpStage(
            self, "Stage", http_api=self.http_api, domain_mapping=mapping, **stage_props
        )
        cfn_stage = self.stage.node.default_child
        assert isinstance(cfn_stage, apigwv2.CfnStage)
        cfn_stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=self.access_log_group.log_group_arn,
            format=defaults.access_log_format(defaults.HTTP_ACCESS_LOG_FIELDS).to_string(),
        )
        #: AWS WAF cannot be associated with an HTTP API (put CloudFront with a web ACL in front)
        self.web_acl: None = None
        self.url: str = (
            self.stage.url if domain is None else f"https://{domain.name}/{domain.base_path or ''}"
        )
        guard.check(self.http_api, self.stage, self.access_log_group)

        self._integrations: dict[int, _LambdaProxy] = {}
        self._authorizers: dict[tuple[Any, ...], apigwv2.IHttpRouteAuthorizer] = {}
        self.authorizers: list[apigwv2.IHttpRouteAuthorizer] = []
        self.routes: dict[str, apigwv2.HttpRoute] = {}
        configure_alarms(self, alarms, no_alarms_reason, options_type=ApiAlarmOptions)

    # --- routes ---------------------------------------------------------------------------------------

    def add_route(
        self, method: str, path: str, handler: Any, *, auth: AuthMode | None = None
    ) -> apigwv2.HttpRoute:
        """Route ``method path`` to ``handler`` (Lambda proxy, payload 2.0), return the the ``HttpRoute``.

        :param method: ``GET``, ``POST``, ``PUT``, ``PATCH``, ``DELETE``, ``HEAD``, ``OPTIONS`` or ``ANY``.
            Default: none (required).
        :param path: the route path, e.g. ``/orders/{id}`` (``{proxy+}`` as the last segment).
            Default: none (required).
        :param handler: a ``SecureFunction`` or ``aws_lambda.IFunction``; it gets one invoke permission scoped
            to this method and path. Default: none (required).
        :param auth: how this route is authenticated. Default: the API's ``default_auth``.
        """
        method = _routes.check_method(self, method)
        path = _routes.check_path(self, path)
        key = _routes.route_key(method, path)
        if key in self.routes:
            raise SecureConstructsError(
                "SC-API-007",
                self,
                "this route is already defined",
                received=key,
                fix="Add each method and path once (use ANY for one handler of every method)",
            )
        function = _routes.function_of(self, handler)
        mode = _check_http_auth(self, auth or self._default_auth)
        if isinstance(mode, CognitoAuth):
            mode = _cognito_as_jwt(self, mode)
        integration = self._integration(function)
        (route,) = self.http_api.add_routes(
            path=path,
            methods=[apigwv2.HttpMethod[method]],
            integration=integration,
            authorizer=self._authorizer(mode),
            authorization_scopes=list(mode.scopes) or None,
        )
        function.add_permission(
            "InvokePermission",
            scope=route,
            principal=iam.ServicePrincipal("apigateway.amazonaws.com"),
            source_arn=Stack.of(self).format_arn(
                service="execute-api",
                resource=self.http_api.api_id,
                resource_name=f"{self.stage.stage_name}/{_routes.arn_method(method)}{_routes.arn_path(path)}",
            ),
        )
        if isinstance(mode, PublicAuth):
            for rule in PUBLIC_ROUTE_RULES:
                acknowledge(route, rule, f"Public route on purpose: {mode.reason}")
        self.routes[key] = route
        count_route(self)
        return route

    def _integration(self, function: lambda_.IFunction) -> _LambdaProxy:
        found = self._integrations.get(id(function))
        if found is None:
            found = _LambdaProxy(f"Integration{len(self._integrations) + 1}", function)
            self._integrations[id(function)] = found
        return found

    def _authorizer(self, mode: AuthMode) -> apigwv2.IHttpRouteAuthorizer:
        if isinstance(mode, IamAuth):
            return authorizers.HttpIamAuthorizer()
        if isinstance(mode, PublicAuth):
            return apigwv2.HttpNoneAuthorizer()
        key = mode.authorizer_key()
        assert key is not None
        found = self._authorizers.get(key)
        if found is not None:
            return found
        n = len(self.authorizers) + 1
        authorizer: apigwv2.IHttpRouteAuthorizer
        if isinstance(mode, JwtAuth):
            authorizer = authorizers.HttpJwtAuthorizer(
                f"JwtAuthorizer{n}",
                mode.issuer,
                jwt_audience=list(mode.audience),
                identity_source=[http_identity_source(mode.identity_source)],
            )
        elif isinstance(mode, LambdaAuth):
            function = _routes.function_of(self, mode.function, "authorizer")
            authorizer = authorizers.HttpLambdaAuthorizer(
                f"LambdaAuthorizer{n}",
                function,
                response_types=[authorizers.HttpLambdaResponseType.SIMPLE],
                results_cache_ttl=mode.result_cache_ttl,
                identity_source=[http_identity_source(s) for s in mode.identity_sources],
            )
        else:  # pragma: no cover - _check_http_auth refuses every other mode
            raise AssertionError(mode)
        self._authorizers[key] = authorizer
        self.authorizers.append(authorizer)
        return authorizer


    @property
    def api_metrics(self) -> ApiMetrics:
        """The API-wide metrics (every stage) that its alarms watch: those of ``http_api``."""
        return self.http_api

    @property
    def _api(self) -> apigwv2.HttpApi:
        return self.http_api


def _cors_preflight(cors: _routes.CorsOptions) -> apigwv2.CorsPreflightOptions:
    methods = (
        [apigwv2.CorsHttpMethod[m.upper()] for m in cors.allow_methods]
        if cors.allow_methods
        else [apigwv2.CorsHttpMethod.ANY]
    )
    return apigwv2.CorsPreflightOptions(
        allow_origins=list(cors.allow_origins),
        allow_methods=methods,
        allow_headers=list(cors.allow_headers),
        allow_credentials=cors.allow_credentials,
        max_age=cors.max_age,
    )


def _check_http_auth(where: Construct, mode: Any) -> AuthMode:
    if not isinstance(mode, AuthMode):
        raise SecureConstructsError(
            "SC-GEN-005",
            where,
            "auth must be made with the Auth factory",
            received=type(mode).__name__,
            fix="Pass e.g. Auth.iam(), Auth.jwt(issuer, audience) or Auth.public('<reason>')",
        )
    if isinstance(mode, LambdaAuth) and mode.token:
        raise SecureConstructsError(
            "SC-API-001",
            where,
            "HTTP APIs have no TOKEN authorizers",
            received="Auth.lambda_token",
            fix="Use Auth.lambda_request(fn, identity_sources=['Authorization']) (simple responses)",
        )
    if isinstance(mode, JwtLambdaAuth):
        raise SecureConstructsError(
            "SC-API-001",
            where,
            "HTTP APIs verify JWTs natively",
            received="Auth.jwt_lambda",
            fix="Use Auth.jwt(issuer, audience, scopes=...)",
        )
    if isinstance(mode, CognitoAuth):
        _cognito_as_jwt(where, mode)
    return mode


def _cognito_as_jwt(where: Construct, mode: CognitoAuth) -> JwtAuth:
    """HTTP APIs authenticate Cognito users with a JWT authorizer: issuer and audience from the pool."""
    pool = mode.user_pool
    if not isinstance(getattr(pool, "issuer_url", None), str) or not getattr(pool, "client_ids", None):
        raise SecureConstructsError(
            "SC-API-001",
            where,
            "HTTP APIs have no Cognito user-pool authorizer; they need a JWT authorizer with an audience",
            received=type(pool).__name__,
            fix="Use Auth.jwt(pool, audience=['<app client id>'], scopes=...) or pass a SecureUserPool "
            "(it exposes issuer_url and client_ids)",
        )
    return Auth.jwt(pool, scopes=mode.scopes)
