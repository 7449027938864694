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
from ..acknowledgments import acknowledge
from ..errors import SecureConstructsError
from ..monitoring.defaults import ApiAlarmOptions
from . import _routes
from ._base import RouteAuth, SecureApiBase, unsupported
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


class SecureHttpApi(SecureApiBase):
    """An API Gateway HTTP API with secure defaults; add routes with :meth:`add_route`.

    Every route is authenticated (``default_auth``, IAM unless told otherwise) or explicitly public with a
    reason; each Lambda permission is scoped to its method and path. The ``$default`` stage (auto-deployed)
    writes JSON access logs to a KMS-encrypted log group and throttles every route. AWS WAF cannot be
    associated with HTTP APIs: put a CloudFront distribution with a web ACL in front (docs/api.md).

    Attributes: ``http_api`` (``apigatewayv2.HttpApi``), ``stage`` (``apigatewayv2.HttpStage``),
    ``access_log_group``, ``routes`` (``{"GET /orders": apigatewayv2.HttpRoute}``), ``authorizers``,
    ``domain`` (``apigatewayv2.DomainName`` or None), ``url``.
    """

    _GUARDED_AS = "SecureHttpApi"
    _API_CLASS = apigwv2.HttpApi
    _STAGE_CLASS = apigwv2.HttpStage
    _API_MANAGED = _API_MANAGED
    _STAGE_MANAGED = _STAGE_MANAGED

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
        self._check_arguments(default_auth, cors, domain)
        guard, api_props, stage_props = self._merge(
            accepted_risks=accepted_risks,
            log_retention=log_retention,
            log_removal_policy=log_removal_policy,
            api_defaults=defaults.http_api_props(),
            overrides=overrides,
            stage_defaults=defaults.http_stage_props(),
            stage_overrides=stage_overrides,
        )

        # build: access logs, the API, its domain and stage
        self.access_log_group = self._new_access_log_group(log_retention, log_removal_policy, log_key)
        self.http_api = apigwv2.HttpApi(
            self,
            "Api",
            **api_props,
            description=description,
            disable_execute_api_endpoint=domain is not None,
            cors_preflight=None if cors is None else _cors_preflight(cors),
        )
        self.domain: apigwv2.DomainName | None = self._new_domain(domain)
        self.stage = self._new_stage(stage_props, domain)
        #: AWS WAF cannot be associated with an HTTP API (put CloudFront with a web ACL in front)
        self.web_acl: None = None
        self.url: str = self._url(domain, self.stage.url)
        guard.check(self.http_api, self.stage, self.access_log_group)

        self._integrations: dict[int, _LambdaProxy] = {}
        self.routes: dict[str, apigwv2.HttpRoute] = {}
        self._configure_alarms(alarms, no_alarms_reason)

    # --- construction steps ---------------------------------------------------------------------------

    def _new_domain(self, domain: DomainOptions | None) -> apigwv2.DomainName | None:
        if domain is None:
            return None
        return apigwv2.DomainName(
            self,
            "Domain",
            domain_name=domain.name,
            certificate=domain.certificate,
            security_policy=apigwv2.SecurityPolicy.TLS_1_2,
            endpoint_type=apigwv2.EndpointType.REGIONAL,
        )

    def _new_stage(self, stage_props: dict[str, Any], domain: DomainOptions | None) -> apigwv2.HttpStage:
        """The stage, mapped to the custom domain when there is one, writing JSON access logs."""
        mapping = (
            None
            if self.domain is None or domain is None
            else apigwv2.DomainMappingOptions(domain_name=self.domain, mapping_key=domain.base_path)
        )
        stage = apigwv2.HttpStage(
            self, "Stage", http_api=self.http_api, domain_mapping=mapping, **stage_props
        )
        cfn_stage = stage.node.default_child
        assert isinstance(cfn_stage, apigwv2.CfnStage)
        cfn_stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=self.access_log_group.log_group_arn,
            format=defaults.access_log_format(defaults.HTTP_ACCESS_LOG_FIELDS).to_string(),
        )
        return stage

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
        route = self._new_route(method, path, handler, auth, self.routes)
        route_auth = route.auth
        if route_auth.new_authorizer is None:
            authorizer = route_auth.without_authorizer
        else:
            authorizer = self._authorizer(route_auth)
        (result,) = self.http_api.add_routes(
            path=route.path,
            methods=[apigwv2.HttpMethod[route.method]],
            integration=self._integration(route.function),
            authorizer=authorizer,
            authorization_scopes=list(route_auth.mode.scopes) or None,
        )
        route.function.add_permission(
            "InvokePermission",
            scope=result,
            principal=iam.ServicePrincipal("apigateway.amazonaws.com"),
            source_arn=Stack.of(self).format_arn(
                service="execute-api",
                resource=self.http_api.api_id,
                resource_name=(
                    f"{self.stage.stage_name}/{_routes.arn_method(route.method)}{_routes.arn_path(route.path)}"
                ),
            ),
        )
        for rules, reason in route_auth.acknowledgments:
            for rule in rules:
                acknowledge(result, rule, reason)
        self._added(route.key, result, self.routes)
        return result

    def _integration(self, function: lambda_.IFunction) -> _LambdaProxy:
        found = self._integrations.get(id(function))
        if found is None:
            found = _LambdaProxy(f"Integration{len(self._integrations) + 1}", function)
            self._integrations[id(function)] = found
        return found

    # --- auth: how each auth mode authorizes an HTTP route (the one place to add a mode) ---------------

    def _route_auth(self, mode: AuthMode) -> RouteAuth:
        if isinstance(mode, IamAuth):
            return RouteAuth(mode, without_authorizer=authorizers.HttpIamAuthorizer())
        if isinstance(mode, PublicAuth):
            return RouteAuth(
                mode,
                without_authorizer=apigwv2.HttpNoneAuthorizer(),
                acknowledgments=((PUBLIC_ROUTE_RULES, f"Public route on purpose: {mode.reason}"),),
            )
        if isinstance(mode, CognitoAuth):
            return self._route_auth(_cognito_as_jwt(self, mode))
        if isinstance(mode, JwtAuth):
            return RouteAuth(
                mode,
                new_authorizer=lambda n: authorizers.HttpJwtAuthorizer(
                    f"JwtAuthorizer{n}",
                    mode.issuer,
                    jwt_audience=list(mode.audience),
                    identity_source=[http_identity_source(mode.identity_source)],
                ),
            )
        if isinstance(mode, LambdaAuth) and mode.token:
            raise unsupported(
                self,
                "HTTP APIs have no TOKEN authorizers",
                "Auth.lambda_token",
                "Use Auth.lambda_request(fn, identity_sources=['Authorization']) (simple responses)",
            )
        if isinstance(mode, LambdaAuth):
            return RouteAuth(
                mode,
                new_authorizer=lambda n: authorizers.HttpLambdaAuthorizer(
                    f"LambdaAuthorizer{n}",
                    _routes.function_of(self, mode.function, "authorizer"),
                    response_types=[authorizers.HttpLambdaResponseType.SIMPLE],
                    results_cache_ttl=mode.result_cache_ttl,
                    identity_source=[http_identity_source(s) for s in mode.identity_sources],
                ),
            )
        if isinstance(mode, JwtLambdaAuth):
            raise unsupported(
                self,
                "HTTP APIs verify JWTs natively",
                "Auth.jwt_lambda",
                "Use Auth.jwt(issuer, audience, scopes=...)",
            )
        raise unsupported(self, "HTTP APIs cannot use this auth mode", type(mode).__name__, "Use Auth.iam()")

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
