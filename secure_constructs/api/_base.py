"""What SecureRestApi and SecureHttpApi share: the steps of building one, the bookkeeping of routes and
authorizers, and the verbs (exact execute-api ARNs, invoke grants and denies, stage metrics).

Each kind says in one method, ``_route_auth``, how every auth mode authorizes its routes (or that it
cannot, SC-API-001); adding an auth mode means one branch there per kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from .._overrides import Guard
from .._shared import encrypted_log_group
from .._sources import record_creation_site
from ..errors import SecureConstructsError
from ..monitoring.defaults import ApiAlarmOptions, configure_alarms
from ..monitoring.subjects import ApiMetrics
from . import _routes
from ._budget import count_route
from .auth import AuthMode, IamAuth
from .domain import DomainOptions


@dataclass(frozen=True)
class RouteAuth:
    """How one auth mode authorizes the routes of one API kind (what the kind's ``_route_auth`` returns)."""

    #: the mode, as the kind uses it (an HTTP API uses a Cognito pool through a JWT mode)
    mode: AuthMode
    #: makes the mode's authorizer, numbered ``n`` (one per API and ``mode.authorizer_key()``); None for a
    #: mode without an authorizer resource
    new_authorizer: Callable[[int], Any] | None = None
    #: what a route gets for a mode without an authorizer resource (REST: an authorization type)
    without_authorizer: Any = None
    #: ``(rule ids, reason)`` acknowledged on each route of the mode
    acknowledgments: tuple[tuple[tuple[str, ...], str], ...] = ()


@dataclass(frozen=True)
class NewRoute:
    """A route checked and ready to build: what ``_new_route`` gives each kind's ``add_route``."""

    method: str
    path: str
    key: str
    function: lambda_.IFunction
    auth: RouteAuth


class SecureApiBase(Construct):
    """The base of SecureRestApi and SecureHttpApi (see the module docstring); not made on its own."""

    #: the construct's name in the security declarations (what ``Guard`` judges overrides by)
    _GUARDED_AS: ClassVar[str]
    #: the L2 API and stage classes, their secure defaults and the arguments the construct manages
    _API_CLASS: ClassVar[type]
    _STAGE_CLASS: ClassVar[type]
    _API_MANAGED: ClassVar[tuple[str, ...]]
    _STAGE_MANAGED: ClassVar[tuple[str, ...]]

    # given by each kind
    stage: apigw.Stage | apigwv2.HttpStage
    access_log_group: logs.LogGroup
    web_acl: wafv2.CfnWebACL | None
    url: str

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        record_creation_site(self)
        self.authorizers: list[Any] = []
        self._authorizers: dict[tuple[Any, ...], Any] = {}

    @property
    def _api(self) -> apigw.RestApi | apigwv2.HttpApi:
        """The L2 API (``rest_api`` / ``http_api``)."""
        raise NotImplementedError

    def _route_auth(self, mode: AuthMode) -> RouteAuth:
        """How ``mode`` authorizes a route of this kind, or SC-API-001 when the kind cannot do it."""
        raise NotImplementedError

    # --- the shared steps of building an API ----------------------------------------------------------------

    def _check_arguments(
        self, default_auth: AuthMode | None, cors: _routes.CorsOptions | None, domain: DomainOptions | None
    ) -> None:
        self._default_auth = self._checked_auth(default_auth or IamAuth())
        if cors is not None:
            cors.check(self)
        if domain is not None:
            domain.check(self)

    def _merge(
        self,
        *,
        accepted_risks: Mapping[str, str] | None,
        log_retention: logs.RetentionDays,
        log_removal_policy: RemovalPolicy,
        api_defaults: Mapping[str, Any],
        overrides: Mapping[str, Any] | None,
        stage_defaults: Mapping[str, Any],
        stage_overrides: Mapping[str, Any] | None,
    ) -> tuple[Guard, dict[str, Any], dict[str, Any]]:
        """The guard of the user's overrides, and the API's and stage's arguments (defaults, then
        overrides)."""
        guard = Guard(
            self,
            self._GUARDED_AS,
            accepted_risks,
            parameters={"log_retention": log_retention, "log_removal_policy": log_removal_policy},
        )
        api_props = guard.merge(self._API_CLASS, api_defaults, overrides, managed=self._API_MANAGED)
        stage_props = guard.merge(
            self._STAGE_CLASS, stage_defaults, stage_overrides, managed=self._STAGE_MANAGED
        )
        return guard, api_props, stage_props

    def _new_access_log_group(
        self, retention: logs.RetentionDays, removal_policy: RemovalPolicy, key: kms.IKey | None
    ) -> logs.LogGroup:
        return encrypted_log_group(
            self, "AccessLogs", retention=retention, removal_policy=removal_policy, key=key
        )

    @staticmethod
    def _url(domain: DomainOptions | None, default_url: str) -> str:
        # With a custom domain the execute-api endpoint is disabled: the domain is the only URL.
        return default_url if domain is None else f"https://{domain.name}/{domain.base_path or ''}"

    def _configure_alarms(self, alarms: bool | ApiAlarmOptions, no_alarms_reason: str | None) -> None:
        configure_alarms(self, alarms, no_alarms_reason, options_type=ApiAlarmOptions)

    # --- routes ---------------------------------------------------------------------------------------------

    def _new_route(
        self, method: str, path: str, handler: Any, auth: AuthMode | None, routes: Mapping[str, Any]
    ) -> NewRoute:
        """Check a route before it is built: method and path (SC-API-006), not yet in ``routes``
        (SC-API-007), a Lambda handler (SC-API-010), an auth mode this kind can do (SC-API-001)."""
        method = _routes.check_method(self, method)
        path = _routes.check_path(self, path)
        key = _routes.route_key(method, path)
        if key in routes:
            raise SecureConstructsError(
                "SC-API-007",
                self,
                "this route is already defined",
                received=key,
                fix="Add each method and path once (use ANY for one handler of every method)",
            )
        function = _routes.function_of(self, handler)
        route_auth = self._default_auth if auth is None else self._checked_auth(auth)
        return NewRoute(method, path, key, function, route_auth)

    def _added(self, key: str, route: Any, routes: dict[str, Any]) -> None:
        """Record a route that was built, and count it in the stack's resource budget."""
        routes[key] = route
        count_route(self)

    def _checked_auth(self, mode: Any) -> RouteAuth:
        if not isinstance(mode, AuthMode):
            raise SecureConstructsError(
                "SC-GEN-005",
                self,
                "auth must be made with the Auth factory",
                received=type(mode).__name__,
                fix="Pass e.g. Auth.iam(), Auth.cognito(pool), Auth.jwt(issuer, audience) or "
                "Auth.public('<reason>')",
            )
        return self._route_auth(mode)

    def _authorizer(self, route_auth: RouteAuth) -> Any:
        """The authorizer of ``route_auth``'s mode on this API, made by the first route that needs it."""
        assert route_auth.new_authorizer is not None
        key = route_auth.mode.authorizer_key()
        assert key is not None
        found = self._authorizers.get(key)
        if found is None:
            found = route_auth.new_authorizer(len(self.authorizers) + 1)
            self._authorizers[key] = found
            self.authorizers.append(found)
        return found

    # --- callers --------------------------------------------------------------------------------------------

    def arn_for(self, method: str, path: str, *, stage: str | None = None) -> str:
        """The execute-api ARN of ``method path`` on ``stage`` (wildcards only where passed: ``*``, ``/x/*``).

        :param method: an HTTP method, ``ANY`` or ``*`` (every method). Default: none (required).
        :param path: a resource path; path parameters match any value, a last segment ``*`` everything
            below. Default: none (required).
        :param stage: the stage name, or ``*``. Default: this API's stage.
        """
        method = _routes.check_method(self, method, allow_wildcard=True)
        path = _routes.check_path(self, path, allow_wildcard=True)
        return str(
            self._api.arn_for_execute_api(
                _routes.arn_method(method), _routes.arn_path(path), stage or self.stage.stage_name
            )
        )

    def grant_invoke(
        self, grantee: iam.IGrantable, method: str, path: str, *, stage: str | None = None
    ) -> iam.Grant:
        """Allow ``grantee`` ``execute-api:Invoke`` on exactly ``method path`` of the stage (IAM-auth routes).

        :param grantee: the role, user or other grantable. Default: none (required).
        :param method: an HTTP method, ``ANY`` or ``*`` (every method). Default: none (required).
        :param path: a resource path; path parameters match any value, a last segment ``*`` everything
            below. Default: none (required).
        :param stage: the stage name, or ``*``. Default: this API's stage.
        """
        return _routes.grant_execute(grantee, self.arn_for(method, path, stage=stage))

    def deny_invoke(
        self, grantee: iam.IGrantable, method: str, path: str, *, stage: str | None = None
    ) -> iam.AddToPrincipalPolicyResult:
        """Add an explicit Deny of ``execute-api:Invoke`` on ``method path`` to ``grantee``'s policy.

        With ``grant_invoke(role, "*", "/*")`` this gives "everything except ...".

        :param grantee: the role, user or other grantable. Default: none (required).
        :param method: an HTTP method, ``ANY`` or ``*`` (every method). Default: none (required).
        :param path: a resource path; path parameters match any value, a last segment ``*`` everything
            below. Default: none (required).
        :param stage: the stage name, or ``*``. Default: this API's stage.
        """
        return _routes.deny_execute(grantee, self.arn_for(method, path, stage=stage))

    # --- metrics --------------------------------------------------------------------------------------------

    @property
    def api_metrics(self) -> ApiMetrics:
        """The API-wide metrics (every stage) that its alarms watch: those of the L2 API."""
        return self._api

    def metric_server_error(self, **props: Any) -> cloudwatch.Metric:
        """5XX responses of the stage (Sum). ``props``: ``cloudwatch.MetricOptions`` arguments."""
        return self.stage.metric_server_error(**props)

    def metric_client_error(self, **props: Any) -> cloudwatch.Metric:
        """4XX responses of the stage (Sum)."""
        return self.stage.metric_client_error(**props)

    def metric_latency(self, **props: Any) -> cloudwatch.Metric:
        """End-to-end latency of the stage (Average unless ``statistic`` is given)."""
        return self.stage.metric_latency(**props)

    def metric_integration_latency(self, **props: Any) -> cloudwatch.Metric:
        """Backend (integration) latency of the stage."""
        return self.stage.metric_integration_latency(**props)

    def metric_count(self, **props: Any) -> cloudwatch.Metric:
        """Requests to the stage (SampleCount)."""
        return self.stage.metric_count(**props)


def unsupported(where: Construct, why: str, received: str, fix: str) -> SecureConstructsError:
    """SC-API-001: an auth mode this kind of API cannot do."""
    return SecureConstructsError("SC-API-001", where, why, received=received, fix=fix)
