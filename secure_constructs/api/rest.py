"""SecureRestApi: a REST API whose every route is authenticated, validated, logged and throttled."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from aws_cdk import Names, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from .._defaults import apigateway as defaults
from ..acknowledgments import acknowledge, acknowledge_all
from ..errors import SecureConstructsError
from ..monitoring.defaults import ApiAlarmOptions
from . import _routes
from ._base import RouteAuth, SecureApiBase, unsupported
from .account import ApiGatewayCloudWatchRole
from .auth import (
    AuthMode,
    CognitoAuth,
    IamAuth,
    JwtAuth,
    JwtLambdaAuth,
    LambdaAuth,
    PublicAuth,
    rest_identity_source,
)
from .domain import DomainOptions
from .waf import WafOptions, regional_web_acl, web_acl_logging

#: The finding ids an unauthenticated route triggers; Auth.public acknowledges them with its reason.
PUBLIC_ROUTE_RULES = (
    "AwsSolutions-APIG4",
    "AwsSolutions-COG4",
    "SecureServerless-ApiRouteAuth",
)
_IAM_COG4 = (
    "IAM (SigV4) authorization: callers sign every request with IAM credentials and need execute-api:Invoke "
    "on this exact method, so a Cognito user-pool authorizer does not apply"
)
_LAMBDA_COG4 = (
    "A Lambda authorizer authenticates this method (it validates the caller's token before the integration "
    "runs), so a Cognito user-pool authorizer does not apply"
)

_STAGE_MANAGED = ("access_log_destination", "access_log_format")
_API_MANAGED = (
    "cloud_watch_role",
    "cloud_watch_role_removal_policy",
    "deploy",
    "deploy_options",
    "default_cors_preflight_options",
    "default_integration",
    "default_method_options",
    "domain_name",
    "disable_execute_api_endpoint",
    "policy",
)
_PARAM = re.compile(
    r"^method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.[^.\s]+$"
)


class SecureRestApi(SecureApiBase):
    """An API Gateway REST API with secure defaults; add routes with :meth:`add_route`.

    Every route is authenticated (``default_auth``, IAM unless told otherwise) or explicitly public with a
    reason; each Lambda permission is scoped to its stage, method and path. The stage writes JSON access
    logs to a KMS-encrypted log group, logs errors, traces with X-Ray, publishes metrics and throttles;
    requests are validated; a WAFv2 web ACL (AWS managed rules + a per-IP rate limit) guards the stage.

    Attributes: ``rest_api`` (``apigateway.RestApi``; its ``node.default_child`` is the L1 escape hatch),
    ``stage``, ``access_log_group``, ``web_acl`` (``wafv2.CfnWebACL`` or None), ``web_acl_arn``, ``methods``
    (``{"GET /orders": apigateway.Method}``), ``authorizers``, ``domain`` (``apigateway.DomainName`` or
    None), ``url``.
    """

    _GUARDED_AS = "SecureRestApi"
    _API_CLASS = apigw.RestApi
    _STAGE_CLASS = apigw.StageOptions
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
        waf: WafOptions | None = WafOptions(),  # noqa: B008 - frozen dataclass, safe as a default
        cloud_watch_role: ApiGatewayCloudWatchRole | None = None,
        resource_policy: iam.PolicyDocument | None = None,
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
        :param cors: cross-origin access for browsers (preflight OPTIONS methods on each route's resource).
            Default: no CORS.
        :param domain: a custom domain (TLS 1.2+); the default execute-api endpoint is then disabled.
            Default: no custom domain, the execute-api endpoint.
        :param waf: the web ACL of the stage; ``WafOptions.disabled(reason)`` turns it off with a reason.
            Default: a new web ACL with AWS managed rule groups and a 1000-requests-per-5-minutes-per-IP rule.
        :param cloud_watch_role: the account's ``ApiGatewayCloudWatchRole``; the stage is deployed after it.
            Default: none: the account must already have an API Gateway CloudWatch Logs role (REST access and
            execution logging both need it; see docs/api.md).
        :param resource_policy: the API's resource policy (e.g. allow only some source IPs or VPC endpoints).
            Default: none (IAM and authorizers decide).
        :param log_retention: retention of the access-log group. Default: one year.
        :param log_removal_policy: what happens to the access logs when the API leaves the stack.
            Default: ``RemovalPolicy.RETAIN``.
        :param log_key: the KMS key of the access-log group. Default: the stack's shared operations key.
        :param overrides: any other ``apigateway.RestApi`` argument (e.g. ``endpoint_types``,
            ``binary_media_types``). Default: regional endpoint, no CDK-made CloudWatch role.
        :param stage_overrides: any ``apigateway.StageOptions`` argument (e.g. ``stage_name``,
            ``throttling_rate_limit``). Default: stage ``prod``, ERROR execution logs without data trace,
            metrics, X-Ray, throttling 100 rps / burst 200.
        :param accepted_risks: ``{override key: reason}`` for overrides that weaken a security default
            (e.g. ``logging_level``); the reason is recorded as an audited acknowledgment. Default: none.
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
        waf = _checked_waf(self, waf)
        guard, api_props, stage_props = self._merge(
            accepted_risks=accepted_risks,
            log_retention=log_retention,
            log_removal_policy=log_removal_policy,
            # A name of its own: REST API metrics (and so the alarms) are keyed by the API's name, and two
            # APIs both named after their construct id ("Api") would share them.
            api_defaults={
                "rest_api_name": Names.unique_resource_name(self, max_length=128, separator="-"),
                **defaults.rest_api_props(),
            },
            overrides=overrides,
            stage_defaults=defaults.rest_stage_options(),
            stage_overrides=stage_overrides,
        )

        # build: access logs, the API with its stage (and domain), the web ACL
        self.access_log_group = self._new_access_log_group(log_retention, log_removal_policy, log_key)
        self.rest_api = self._new_rest_api(api_props, stage_props, description, resource_policy, domain)
        self.stage: apigw.Stage = self.rest_api.deployment_stage
        self.domain: apigw.DomainName | None = self.rest_api.domain_name
        self.url: str = self._url(domain, self.rest_api.url)
        if cloud_watch_role is not None:
            self.stage.node.add_dependency(cloud_watch_role.account)
        self._attach_web_acl(waf, log_retention, log_removal_policy, log_key)
        built = (self.rest_api, self.stage, self.access_log_group, self.waf_log_group)
        guard.check(*(c for c in built if c is not None))

        # what every route shares: one validator for bodies and parameters, CORS; then the default alarms
        self._prepare_routes(cors)
        self._configure_alarms(alarms, no_alarms_reason)

    # --- construction steps ---------------------------------------------------------------------------

    def _new_rest_api(
        self,
        api_props: dict[str, Any],
        stage_props: dict[str, Any],
        description: str | None,
        resource_policy: iam.PolicyDocument | None,
        domain: DomainOptions | None,
    ) -> apigw.RestApi:
        stage_options = apigw.StageOptions(
            **stage_props,
            access_log_destination=apigw.LogGroupLogDestination(self.access_log_group),
            access_log_format=defaults.access_log_format(defaults.REST_ACCESS_LOG_FIELDS),
        )
        return apigw.RestApi(
            self,
            "Api",
            **api_props,
            description=description,
            deploy_options=stage_options,
            policy=resource_policy,
            disable_execute_api_endpoint=domain is not None,
            domain_name=None
            if domain is None
            else apigw.DomainNameOptions(
                domain_name=domain.name,
                certificate=domain.certificate,
                security_policy=domain.security_policy,
                endpoint_type=apigw.EndpointType.REGIONAL,
                base_path=domain.base_path,
            ),
        )

    def _attach_web_acl(
        self,
        waf: WafOptions,
        log_retention: logs.RetentionDays,
        log_removal_policy: RemovalPolicy,
        log_key: kms.IKey | None,
    ) -> None:
        """The stage's web ACL (a new one with its logging, or the one ``waf`` names), or the reason it
        has none."""
        self.web_acl: wafv2.CfnWebACL | None = None
        self.web_acl_arn: str | None = None
        self.waf_log_group: logs.LogGroup | None = None
        if waf.disabled_reason is not None:
            for rule in ("AwsSolutions-APIG3", "SecureServerless-ApiStageWaf"):
                acknowledge(self.stage, rule, f"WAF turned off on purpose: {waf.disabled_reason}")
            return
        if waf.web_acl_arn is None:
            unique = Names.unique_id(self)[-200:]
            self.web_acl = regional_web_acl(self, "WebAcl", waf, metric_prefix=unique)
            self.web_acl_arn = self.web_acl.attr_arn
            self.waf_log_group, _ = web_acl_logging(
                self,
                self.web_acl,
                name=unique,
                retention=log_retention,
                removal_policy=log_removal_policy,
                key=log_key,
            )
        else:
            self.web_acl_arn = waf.web_acl_arn
        association = wafv2.CfnWebACLAssociation(
            self, "WebAclAssociation", resource_arn=self.stage.stage_arn, web_acl_arn=self.web_acl_arn
        )
        association.node.add_dependency(self.stage)

    def _prepare_routes(self, cors: _routes.CorsOptions | None) -> None:
        # One validator for bodies and parameters (the one AwsSolutions-APIG2 looks for). A route without a
        # request schema needs no second, parameters-only validator: API Gateway validates a body only
        # against the method's model for the request's content type ("Request validation for REST APIs in
        # API Gateway"), so on such a route it checks the parameters only.
        self._validator = self.rest_api.add_request_validator(
            "BodyAndParamsValidator", validate_request_body=True, validate_request_parameters=True
        )
        self._cors = cors
        if cors is not None:
            self._cors_error_responses(cors)
        self._preflight: set[str] = set()
        self._root: apigw.IResource | None = None
        self._models: dict[str, tuple[apigw.IModel, Construct]] = {}
        self.methods: dict[str, apigw.Method] = {}

    # --- routes ---------------------------------------------------------------------------------------

    def add_route(
        self,
        method: str,
        path: str,
        handler: Any,
        *,
        auth: AuthMode | None = None,
        request_schema: Mapping[str, Any] | apigw.JsonSchema | None = None,
        request_parameters: Mapping[str, bool] | None = None,
        api_key_required: bool = False,
    ) -> apigw.Method:
        """Route ``method path`` to ``handler`` (Lambda proxy integration) ; return the ``apigateway.Method``.

        :param method: ``GET``, ``POST``, ``PUT``, ``PATCH``, ``DELETE``, ``HEAD``, ``OPTIONS`` or ``ANY``.
            Default: none (required).
        :param path: the resource path, e.g. ``/orders/{id}`` (``{proxy+}`` as the last segment).
            Default: none (required).
        :param handler: a ``SecureFunction`` or ``aws_lambda.IFunction``; it gets one invoke permission
            scoped to this stage, method and path. Default: none (required).
        :param auth: how this route is authenticated. Default: the API's ``default_auth``.
        :param request_schema: a JSON schema (dict, draft 4) or ``apigateway.JsonSchema`` that
            ``application/json`` bodies must match. Default: no body schema (parameters are still validated).
        :param request_parameters: extra parameters, ``{"method.request.querystring.limit": True}``
            (True = required); path parameters are always required. Default: path parameters only.
        :param api_key_required: also require an API key (in addition to ``auth``, never instead of it).
            Default: False.
        """
        route = self._new_route(method, path, handler, auth, self.methods)
        if api_key_required and isinstance(route.auth.mode, PublicAuth):
            raise SecureConstructsError(
                "SC-API-012",
                self,
                "an API key identifies a client for usage plans; it does not authenticate anyone",
                received=f"{route.key} with Auth.public and api_key_required=True",
                fix="Keep an auth mode (Auth.iam(), Auth.cognito(...), a Lambda authorizer) on the route and "
                "add api_key_required=True on top of it",
            )
        if self._root is None:
            self._root = self.rest_api.root
        resource = self._root if route.path == "/" else self._root.resource_for_path(route.path[1:])
        parameters = self._parameters(route.path, request_parameters)
        options: dict[str, Any] = {
            "request_parameters": parameters or None,
            "request_validator": self._validator,
            "api_key_required": api_key_required or None,
            **self._authorization_options(route.auth),
        }
        model_resource = None
        if request_schema is not None:
            model, model_resource = self._model(route.method, route.path, request_schema)
            options["request_models"] = {"application/json": model}
        integration = apigw.LambdaIntegration(
            route.function, allow_test_invoke=False, scope_permission_to_method=True
        )
        result = resource.add_method(route.method, integration, **options)
        if model_resource is not None:
            result.node.add_dependency(model_resource)
        for rules, reason in route.auth.acknowledgments:
            acknowledge_all(result, rules, reason)
        self._add_preflight(resource)
        self._added(route.key, result, self.methods)
        return result

    def _add_preflight(self, resource: apigw.IResource) -> None:
        if self._cors is None or resource.path in self._preflight:
            return
        self._preflight.add(resource.path)
        # The OPTIONS method is a MOCK with NONE auth; AwsSolutions-APIG4/COG4 and our pack exempt it.
        cors = self._cors
        resource.add_cors_preflight(
            allow_origins=list(cors.allow_origins),
            allow_methods=list(cors.allow_methods) if cors.allow_methods else apigw.Cors.ALL_METHODS,
            allow_headers=list(cors.allow_headers),
            allow_credentials=cors.allow_credentials or None,
            max_age=cors.max_age,
        )

    def _cors_error_responses(self, cors: _routes.CorsOptions) -> None:
        """Let the allowed origin read API Gateway's own 4XX/5XX answers (e.g. 401 from an authorizer)."""
        origins = list(cors.allow_origins)
        if len(origins) != 1:
            return  # a gateway response has static headers; several origins cannot be echoed back
        headers = {"Access-Control-Allow-Origin": f"'{origins[0]}'"}
        if origins[0] != "*":
            headers["Vary"] = "'Origin'"
        if cors.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "'true'"
        for name, kind in (
            ("Default4xx", apigw.ResponseType.DEFAULT_4_XX),
            ("Default5xx", apigw.ResponseType.DEFAULT_5_XX),
        ):
            self.rest_api.add_gateway_response(name, type=kind, response_headers=headers)

    def _parameters(self, path: str, extra: Mapping[str, bool] | None) -> dict[str, bool]:
        params = {f"method.request.path.{s.strip('{}+')}": True for s in path.split("/") if s.startswith("{")}
        for name, required in (extra or {}).items():
            if not isinstance(name, str) or not _PARAM.match(name) or not isinstance(required, bool):
                raise SecureConstructsError(
                    "SC-GEN-005",
                    self,
                    "a request parameter must be method.request.<where>.<name>: bool",
                    received={name: required},
                    fix="Pass e.g. {'method.request.querystring.limit': True}",
                )
            params[name] = required
        return params

    def _model(self, method: str, path: str, schema: Any) -> tuple[apigw.IModel, Construct]:
        name = "Model" + re.sub(r"[^A-Za-z0-9]", "", method.title() + path.title()) + str(len(self.methods))
        if isinstance(schema, apigw.JsonSchema):
            model = self.rest_api.add_model(name, schema=schema, content_type="application/json")
            return model, model
        if not isinstance(schema, Mapping) or not schema:
            raise SecureConstructsError(
                "SC-GEN-005",
                self,
                "request_schema must be a JSON schema (a non-empty dict)",
                received=type(schema).__name__,
                fix="Pass e.g. {'type': 'object', 'required': ['sku']}",
            )
        document = {"$schema": "http://json-schema.org/draft-04/schema#", **dict(schema)}
        # Routes with the same schema share one model (one CloudFormation resource per distinct schema).
        try:
            key = json.dumps(document, sort_keys=True)
        except TypeError as error:
            raise SecureConstructsError(
                "SC-GEN-005",
                self,
                "request_schema must be plain JSON (dicts, lists, strings, numbers, booleans)",
                received=str(error),
                fix="Pass a JSON-serializable dict",
            ) from error
        found = self._models.get(key)
        if found is None:
            cfn = apigw.CfnModel(
                self,
                name,
                rest_api_id=self.rest_api.rest_api_id,
                content_type="application/json",
                schema=document,
            )
            found = (apigw.Model.from_model_name(self, f"{name}Ref", cfn.ref), cfn)
            self._models[key] = found
        return found

    # --- auth: how each auth mode authorizes a REST method (the one place to add a mode) ------------------

    def _route_auth(self, mode: AuthMode) -> RouteAuth:
        if isinstance(mode, IamAuth):
            return RouteAuth(
                mode,
                without_authorizer=apigw.AuthorizationType.IAM,
                acknowledgments=((("AwsSolutions-COG4",), _IAM_COG4),),
            )
        if isinstance(mode, PublicAuth):
            return RouteAuth(
                mode,
                without_authorizer=apigw.AuthorizationType.NONE,
                acknowledgments=((PUBLIC_ROUTE_RULES, f"Public route on purpose: {mode.reason}"),),
            )
        if isinstance(mode, CognitoAuth):
            pool = getattr(mode.user_pool, "user_pool", mode.user_pool)
            return RouteAuth(
                mode,
                new_authorizer=lambda n: apigw.CognitoUserPoolsAuthorizer(
                    self, f"CognitoAuthorizer{n}", cognito_user_pools=[pool]
                ),
            )
        lambda_authorizer = ((("AwsSolutions-COG4",), _LAMBDA_COG4),)
        if isinstance(mode, LambdaAuth) and mode.token:
            return RouteAuth(
                mode,
                new_authorizer=lambda n: apigw.TokenAuthorizer(
                    self,
                    f"TokenAuthorizer{n}",
                    handler=_routes.function_of(self, mode.function, "authorizer"),
                    identity_source=mode.identity_sources[0],
                    results_cache_ttl=mode.result_cache_ttl,
                    validation_regex=mode.validation_regex,
                ),
                acknowledgments=lambda_authorizer,
            )
        if isinstance(mode, LambdaAuth):
            return RouteAuth(
                mode,
                new_authorizer=lambda n: apigw.RequestAuthorizer(
                    self,
                    f"RequestAuthorizer{n}",
                    handler=_routes.function_of(self, mode.function, "authorizer"),
                    identity_sources=[rest_identity_source(s) for s in mode.identity_sources],
                    results_cache_ttl=mode.result_cache_ttl,
                ),
                acknowledgments=lambda_authorizer,
            )
        if isinstance(mode, JwtLambdaAuth):
            return RouteAuth(
                mode,
                new_authorizer=lambda n: self._jwt_lambda_authorizer(mode, n),
                acknowledgments=lambda_authorizer,
            )
        if isinstance(mode, JwtAuth):
            raise unsupported(
                self,
                "REST APIs have no JWT authorizer",
                "Auth.jwt",
                "Use Auth.cognito(pool, scopes=...) for Cognito, Auth.jwt_lambda(...) for other issuers, "
                "or a SecureHttpApi",
            )
        raise unsupported(self, "REST APIs cannot use this auth mode", type(mode).__name__, "Use Auth.iam()")

    def _jwt_lambda_authorizer(self, mode: JwtLambdaAuth, n: int) -> apigw.IAuthorizer:
        from .jwt_lambda import JwtLambdaAuthorizer

        return JwtLambdaAuthorizer(
            self,
            f"JwtAuthorizer{n}",
            issuer=mode.issuer,
            audience=list(mode.audience),
            jwks_url=mode.jwks_url,
            scopes_to_routes=dict(mode.scopes_to_routes or {}),
            token_use=mode.token_use,
            runtime=mode.runtime,
            architecture=mode.architecture,
        ).authorizer

    def _authorization_options(self, route_auth: RouteAuth) -> dict[str, Any]:
        """The ``add_method`` arguments that authorize a method."""
        if route_auth.new_authorizer is None:
            return {"authorization_type": route_auth.without_authorizer}
        authorizer = self._authorizer(route_auth)
        options: dict[str, Any] = {
            "authorizer": authorizer,
            "authorization_type": authorizer.authorization_type,
        }
        if route_auth.mode.scopes:
            options["authorization_scopes"] = list(route_auth.mode.scopes)
        return options

    # --- usage plans ----------------------------------------------------------------------------------

    def add_usage_plan(
        self,
        id: str,
        *,
        rate_limit: float,
        burst_limit: int,
        quota_limit: int | None = None,
        quota_period: apigw.Period = apigw.Period.DAY,
        description: str | None = None,
    ) -> apigw.UsagePlan:
        """A usage plan (throttle and quota per API key) on this API's stage; add keys to the plan you get.

        API keys only meter and throttle clients of routes added with ``api_key_required=True``; the routes
        keep their auth mode (an API key on a public route is refused, SC-API-012).

        :param id: the construct id of the plan. Default: none (required).
        :param rate_limit: steady requests per second per key. Default: none (required).
        :param burst_limit: burst requests per key. Default: none (required).
        :param quota_limit: requests per ``quota_period`` per key. Default: no quota.
        :param quota_period: the quota window. Default: a day.
        :param description: the plan's description. Default: none.
        """
        if not rate_limit or rate_limit <= 0 or not isinstance(burst_limit, int) or burst_limit <= 0:
            raise SecureConstructsError(
                "SC-GEN-005",
                self,
                "a usage plan needs a positive rate and burst limit",
                received={"rate_limit": rate_limit, "burst_limit": burst_limit},
                fix="Pass e.g. rate_limit=10, burst_limit=20",
            )
        if quota_limit is not None and (not isinstance(quota_limit, int) or quota_limit <= 0):
            raise SecureConstructsError(
                "SC-GEN-005",
                self,
                "quota_limit must be a positive integer",
                received=quota_limit,
                fix="Pass e.g. quota_limit=10000 (requests per quota_period), or no quota",
            )
        return self.rest_api.add_usage_plan(
            id,
            description=description,
            throttle=apigw.ThrottleSettings(rate_limit=rate_limit, burst_limit=burst_limit),
            quota=None
            if quota_limit is None
            else apigw.QuotaSettings(limit=quota_limit, period=quota_period),
            api_stages=[apigw.UsagePlanPerApiStage(api=self.rest_api, stage=self.stage)],
        )


    @property
    def _api(self) -> apigw.RestApi:
        return self.rest_api


def _checked_waf(where: Construct, waf: WafOptions | None) -> WafOptions:
    if waf is None:
        raise SecureConstructsError(
            "SC-API-009",
            where,
            "the WAF web ACL can only be turned off with a reason",
            received=None,
            fix="Pass waf=WafOptions.disabled('<why this API needs no WAF>') (or keep the default)",
        )
    waf.check(where)
    return waf
