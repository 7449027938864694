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
from .._overrides import Guard
from .._shared import encrypted_log_group
from .._sources import record_creation_site
from ..acknowledgments import acknowledge, acknowledge_all
from ..errors import SecureConstructsError
from ..monitoring.defaults import ApiAlarmOptions, configure_alarms
from ..monitoring.subjects import ApiMetrics
from . import _routes
from ._budget import count_route
from ._verbs import ApiVerbs
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


class SecureRestApi(ApiVerbs, Construct):
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
        record_creation_site(self)
        self._default_auth = _check_rest_auth(self, default_auth or IamAuth())
        if cors is not None:
            cors.check(self)
        if domain is not None:
            domain.check(self)
        if waf is None:
            raise SecureConstructsError(
                "SC-API-009",
                self,
                "the WAF web ACL can only be turned off with a reason",
                received=None,
                fix="Pass waf=WafOptions.disabled('<why this API needs no WAF>') (or keep the default)",
            )
        waf.check(self)
        guard = Guard(
            self,
            "SecureRestApi",
            accepted_risks,
            parameters={"log_retention": log_retention, "log_removal_policy": log_removal_policy},
        )
        # A name of its own: REST API metrics (and so the alarms) are keyed by the API's name, and two APIs
        # both named after their construct id ("Api") would share them.
        unique_name = Names.unique_resource_name(self, max_length=128, separator="-")
        api_defaults = {"rest_api_name": unique_name, **defaults.rest_api_props()}
        api_props = guard.merge(apigw.RestApi, api_defaults, overrides, managed=_API_MANAGED)
        stage_props = guard.merge(
            apigw.StageOptions, defaults.rest_stage_options(), stage_overrides, managed=_STAGE_MANAGED
        )

        self.access_log_group = encrypted_log_group(
            self, "AccessLogs", retention=log_retention, removal_policy=log_removal_policy, key=log_key
        )
        stage_options = apigw.StageOptions(
            **stage_props,
            access_log_destination=apigw.LogGroupLogDestination(self.access_log_group),
            access_log_format=defaults.access_log_format(defaults.REST_ACCESS_LOG_FIELDS),
        )
        self.rest_api = apigw.RestApi(
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
        self.stage: apigw.Stage = self.rest_api.deployment_stage
        self.domain: apigw.DomainName | None = self.rest_api.domain_name
        # With a custom domain the execute-api endpoint is disabled: the domain is the only URL.
        self.url: str = (
            self.rest_api.url if domain is None else f"https://{domain.name}/{domain.base_path or ''}"
        )
        if cloud_watch_role is not None:
            self.stage.node.add_dependency(cloud_watch_role.account)

        self.web_acl: wafv2.CfnWebACL | None = None
        self.web_acl_arn: str | None = None
        self.waf_log_group: logs.LogGroup | None = None
        if waf.disabled_reason is not None:
            for rule in ("AwsSolutions-APIG3", "SecureServerless-ApiStageWaf"):
                acknowledge(self.stage, rule, f"WAF turned off on purpose: {waf.disabled_reason}")
        else:
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
        built = (self.rest_api, self.stage, self.access_log_group, self.waf_log_group)
        guard.check(*(c for c in built if c is not None))

        # Shared by every route: one validator for bodies and parameters (the one AwsSolutions-APIG2 looks
        # for). A route without a request schema needs no second, parameters-only validator: API Gateway
        # validates a body only against the method's model for the request's content type ("Request
        # validation for REST APIs in API Gateway"), so on such a route it checks the parameters only.
        self._validator = self.rest_api.add_request_validator(
            "BodyAndParamsValidator", validate_request_body=True, validate_request_parameters=True
        )
        self._cors = cors
        if cors is not None:
            self._cors_error_responses(cors)
        self._preflight: set[str] = set()
        self._root: apigw.IResource | None = None
        self._models: dict[str, tuple[apigw.IModel, Construct]] = {}
        self._authorizers: dict[tuple[Any, ...], apigw.IAuthorizer] = {}
        self._jwt_lambdas: dict[tuple[Any, ...], Any] = {}
        self.methods: dict[str, apigw.Method] = {}
        self.authorizers: list[apigw.IAuthorizer] = []
        configure_alarms(self, alarms, no_alarms_reason, options_type=ApiAlarmOptions)

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
        method = _routes.check_method(self, method)
        path = _routes.check_path(self, path)
        key = _routes.route_key(method, path)
        if key in self.methods:
            raise SecureConstructsError(
                "SC-API-007",
                self,
                "this route is already defined",
                received=key,
                fix="Add each method and path once (use ANY for one handler of every method)",
            )
        function = _routes.function_of(self, handler)
        mode = _check_rest_auth(self, auth or self._default_auth)
        if api_key_required and isinstance(mode, PublicAuth):
            raise SecureConstructsError(
                "SC-API-012",
                self,
                "an API key identifies a client for usage plans; it does not authenticate anyone",
                received=f"{key} with Auth.public and api_key_required=True",
                fix="Keep an auth mode (Auth.iam(), Auth.cognito(...), a Lambda authorizer) on the route and "
                "add api_key_required=True on top of it",
            )
        if self._root is None:
            self._root = self.rest_api.root
        resource = self._root if path == "/" else self._root.resource_for_path(path[1:])
        parameters = self._parameters(path, request_parameters)
        options: dict[str, Any] = {
            "request_parameters": parameters or None,
            "request_validator": self._validator,
            "api_key_required": api_key_required or None,
            **self._auth_options(mode),
        }
        model_resource = None
        if request_schema is not None:
            model, model_resource = self._model(method, path, request_schema)
            options["request_models"] = {"application/json": model}
        integration = apigw.LambdaIntegration(
            function, allow_test_invoke=False, scope_permission_to_method=True
        )
        result = resource.add_method(method, integration, **options)
        if model_resource is not None:
            result.node.add_dependency(model_resource)
        self._acknowledge_auth(result, mode)
        if self._cors is not None and resource.path not in self._preflight:
            self._preflight.add(resource.path)
            # The OPTIONS method is a MOCK with NONE auth; AwsSolutions-APIG4/COG4 and our pack exempt it.
            resource.add_cors_preflight(
                allow_origins=list(self._cors.allow_origins),
                allow_methods=list(self._cors.allow_methods)
                if self._cors.allow_methods
                else apigw.Cors.ALL_METHODS,
                allow_headers=list(self._cors.allow_headers),
                allow_credentials=self._cors.allow_credentials or None,
                max_age=self._cors.max_age,
            )
        self.methods[key] = result
        count_route(self)
        return result

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

    # --- auth -----------------------------------------------------------------------------------------

    def _auth_options(self, mode: AuthMode) -> dict[str, Any]:
        if isinstance(mode, IamAuth):
            return {"authorization_type": apigw.AuthorizationType.IAM}
        if isinstance(mode, PublicAuth):
            return {"authorization_type": apigw.AuthorizationType.NONE}
        authorizer = self._authorizer(mode)
        options: dict[str, Any] = {
            "authorizer": authorizer,
            "authorization_type": authorizer.authorization_type,
        }
        if mode.scopes:
            options["authorization_scopes"] = list(mode.scopes)
        return options

    def _authorizer(self, mode: AuthMode) -> apigw.IAuthorizer:
        key = mode.authorizer_key()
        assert key is not None
        found = self._authorizers.get(key)
        if found is not None:
            return found
        n = len(self.authorizers) + 1
        authorizer: apigw.IAuthorizer
        if isinstance(mode, CognitoAuth):
            pool = getattr(mode.user_pool, "user_pool", mode.user_pool)
            authorizer = apigw.CognitoUserPoolsAuthorizer(
                self, f"CognitoAuthorizer{n}", cognito_user_pools=[pool]
            )
        elif isinstance(mode, LambdaAuth):
            function = _routes.function_of(self, mode.function, "authorizer")
            if mode.token:
                authorizer = apigw.TokenAuthorizer(
                    self,
                    f"TokenAuthorizer{n}",
                    handler=function,
                    identity_source=mode.identity_sources[0],
                    results_cache_ttl=mode.result_cache_ttl,
                    validation_regex=mode.validation_regex,
                )
            else:
                authorizer = apigw.RequestAuthorizer(
                    self,
                    f"RequestAuthorizer{n}",
                    handler=function,
                    identity_sources=[rest_identity_source(s) for s in mode.identity_sources],
                    results_cache_ttl=mode.result_cache_ttl,
                )
        elif isinstance(mode, JwtLambdaAuth):
            from .jwt_lambda import JwtLambdaAuthorizer

            built = JwtLambdaAuthorizer(
                self,
                f"JwtAuthorizer{n}",
                issuer=mode.issuer,
                audience=list(mode.audience),
                jwks_url=mode.jwks_url,
                scopes_to_routes=dict(mode.scopes_to_routes or {}),
                token_use=mode.token_use,
                runtime=mode.runtime,
                architecture=mode.architecture,
            )
            self._jwt_lambdas[key] = built
            authorizer = built.authorizer
        else:  # pragma: no cover - _check_rest_auth refuses every other mode
            raise AssertionError(mode)
        self._authorizers[key] = authorizer
        self.authorizers.append(authorizer)
        return authorizer

    def _acknowledge_auth(self, method: apigw.Method, mode: AuthMode) -> None:
        if isinstance(mode, PublicAuth):
            acknowledge_all(method, PUBLIC_ROUTE_RULES, f"Public route on purpose: {mode.reason}")
        elif isinstance(mode, IamAuth):
            acknowledge(method, "AwsSolutions-COG4", _IAM_COG4)
        elif isinstance(mode, (LambdaAuth, JwtLambdaAuth)):
            acknowledge(method, "AwsSolutions-COG4", _LAMBDA_COG4)

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
    def api_metrics(self) -> ApiMetrics:
        """The API-wide metrics (every stage) that its alarms watch: those of ``rest_api``."""
        return self.rest_api

    @property
    def _api(self) -> apigw.RestApi:
        return self.rest_api


def _check_rest_auth(where: Construct, mode: Any) -> AuthMode:
    if not isinstance(mode, AuthMode):
        raise SecureConstructsError(
            "SC-GEN-005",
            where,
            "auth must be made with the Auth factory",
            received=type(mode).__name__,
            fix="Pass e.g. Auth.iam(), Auth.cognito(pool) or Auth.public('<reason>')",
        )
    if isinstance(mode, JwtAuth):
        raise SecureConstructsError(
            "SC-API-001",
            where,
            "REST APIs have no JWT authorizer",
            received="Auth.jwt",
            fix="Use Auth.cognito(pool, scopes=...) for Cognito, Auth.jwt_lambda(...) for other issuers, "
            "or a SecureHttpApi",
        )
    return mode
