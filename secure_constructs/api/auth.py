"""How a route is authenticated: one small value per mode, checked when it is made and when it is used.

``Auth.iam()`` is the default everywhere. A route without authentication exists only through
``Auth.public(reason)``, and the reason becomes an audited acknowledgment in the validation report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import Duration, Token

from .._defaults.apigateway import DEFAULT_AUTHORIZER_CACHE, MAX_AUTHORIZER_CACHE
from ..acknowledgments import check_reason
from ..errors import SecureConstructsError

#: Where an API reads a header, per API type.
_REST_HEADER = "method.request.header."
_HTTP_HEADER = "$request.header."


@dataclass(frozen=True)
class AuthMode:
    """Base of every auth mode; build them with the :class:`Auth` factory methods."""

    #: ``iam``, ``cognito``, ``lambda_token``, ``lambda_request``, ``jwt``, ``jwt_lambda`` or ``public``.
    kind: str = field(init=False, default="")

    @property
    def scopes(self) -> tuple[str, ...]:
        return ()

    def authorizer_key(self) -> tuple[Any, ...] | None:
        """What makes two modes share one authorizer on an API (``None``: no authorizer resource)."""
        return None


@dataclass(frozen=True)
class IamAuth(AuthMode):
    """SigV4-signed requests; callers need ``execute-api:Invoke`` (see ``grant_invoke``)."""

    kind: str = field(init=False, default="iam")


@dataclass(frozen=True)
class PublicAuth(AuthMode):
    """No authentication, on purpose, for the recorded reason."""

    reason: str = ""
    kind: str = field(init=False, default="public")


@dataclass(frozen=True, eq=False)
class CognitoAuth(AuthMode):
    """A Cognito user-pool authorizer (REST) with optional OAuth scopes per route."""

    user_pool: Any = None
    route_scopes: tuple[str, ...] = ()
    kind: str = field(init=False, default="cognito")

    @property
    def scopes(self) -> tuple[str, ...]:
        return self.route_scopes

    def authorizer_key(self) -> tuple[Any, ...]:
        return ("cognito", id(getattr(self.user_pool, "user_pool", self.user_pool)))


@dataclass(frozen=True, eq=False)
class LambdaAuth(AuthMode):
    """A Lambda authorizer: TOKEN (one header) or REQUEST (several identity sources)."""

    function: Any = None
    token: bool = False
    identity_sources: tuple[str, ...] = ()
    result_cache_ttl: Duration = DEFAULT_AUTHORIZER_CACHE
    validation_regex: str | None = None
    kind: str = field(init=False, default="lambda")

    def authorizer_key(self) -> tuple[Any, ...]:
        return (
            "token" if self.token else "request",
            id(self.function),
            self.identity_sources,
            self.result_cache_ttl.to_seconds(),
            self.validation_regex,
        )


@dataclass(frozen=True, eq=False)
class JwtAuth(AuthMode):
    """A JWT authorizer (HTTP APIs): issuer and audience are checked by API Gateway, scopes per route."""

    issuer: str = ""
    audience: tuple[str, ...] = ()
    route_scopes: tuple[str, ...] = ()
    identity_source: str = "Authorization"
    kind: str = field(init=False, default="jwt")

    @property
    def scopes(self) -> tuple[str, ...]:
        return self.route_scopes

    def authorizer_key(self) -> tuple[Any, ...]:
        return ("jwt", self.issuer, self.audience, self.identity_source)


@dataclass(frozen=True, eq=False)
class JwtLambdaAuth(AuthMode):
    """A JWT-verifying Lambda authorizer for REST APIs (``secure_constructs.api.jwt_lambda``)."""

    issuer: str = ""
    audience: tuple[str, ...] = ()
    jwks_url: str | None = None
    scopes_to_routes: Mapping[str, Sequence[str]] | None = None
    token_use: str | None = "access"
    runtime: Any = None
    architecture: Any = None
    kind: str = field(init=False, default="jwt_lambda")

    def authorizer_key(self) -> tuple[Any, ...]:
        routes = tuple(sorted((k, tuple(v)) for k, v in (self.scopes_to_routes or {}).items()))
        function = (getattr(self.runtime, "name", None), getattr(self.architecture, "name", None))
        return ("jwt_lambda", self.issuer, self.audience, self.jwks_url, routes, self.token_use, function)


class Auth:
    """Factory of auth modes for ``SecureRestApi`` / ``SecureHttpApi`` routes.

    ========================  ==========  ==========
    mode                      REST        HTTP
    ========================  ==========  ==========
    ``iam()``                 yes         yes
    ``cognito(pool)``         yes         via JWT (pool must expose ``issuer_url``/``client_ids``)
    ``lambda_token(fn)``      yes         no (use ``lambda_request``)
    ``lambda_request(fn)``    yes         yes (simple responses)
    ``jwt(issuer, audience)`` no          yes
    ``jwt_lambda(...)``       yes         no (use ``jwt``)
    ``public(reason)``        yes         yes
    ========================  ==========  ==========
    """

    @staticmethod
    def iam() -> IamAuth:
        """SigV4 (IAM) authentication: callers need ``execute-api:Invoke`` on the route."""
        return IamAuth()

    @staticmethod
    def public(reason: str) -> PublicAuth:
        """No authentication. ``reason`` (a specific sentence) is written to the validation report.

        :param reason: why anyone on the internet may call this route. Default: none (required).
        """
        if not isinstance(reason, str) or not reason.strip():
            raise SecureConstructsError(
                "SC-API-005",
                "Auth.public",
                "a public (unauthenticated) route needs a reason",
                received=reason,
                fix="E.g. Auth.public('Health check for the load balancer; returns no data')",
            )
        return PublicAuth(reason=check_reason("Auth.public", reason, "A public route"))

    @staticmethod
    def cognito(user_pool: Any, *, scopes: Sequence[str] = ()) -> CognitoAuth:
        """A Cognito user-pool authorizer (one per pool and API).

        :param user_pool: a ``cognito.IUserPool`` or an object with a ``.user_pool`` attribute
            (``SecureUserPool``). Default: none (required).
        :param scopes: OAuth scopes the access token must carry for this route (then API Gateway expects
            an access token; without scopes it expects an ID token). Default: no scope check.
        """
        _check_scopes("Auth.cognito", scopes)
        if user_pool is None:
            raise SecureConstructsError(
                "SC-GEN-005",
                "Auth.cognito",
                "a user pool is required",
                received=None,
                fix="Pass a cognito.IUserPool or a SecureUserPool",
            )
        return CognitoAuth(user_pool=user_pool, route_scopes=tuple(scopes))

    @staticmethod
    def lambda_token(
        function: Any,
        *,
        header: str = "Authorization",
        result_cache_ttl: Duration = DEFAULT_AUTHORIZER_CACHE,
        validation_regex: str | None = None,
    ) -> LambdaAuth:
        """A TOKEN Lambda authorizer (REST only) reading one header.

        :param function: a ``SecureFunction`` or ``lambda_.IFunction``. Default: none (required).
        :param header: the header carrying the token (a name or ``method.request.header.<Name>``).
            Default: ``Authorization``.
        :param result_cache_ttl: how long API Gateway caches the policy per token, at most 5 minutes
            (the cached policy is reused for every method called with the same token, and outlives a
            revoked token). ``Duration.seconds(0)`` disables caching. Default: 5 minutes.
        :param validation_regex: a regex the token must match before the function is invoked.
            Default: no pre-check.
        """
        source = _identity_source("Auth.lambda_token", header, rest=True)
        _check_cache("Auth.lambda_token", result_cache_ttl)
        return LambdaAuth(
            function=function,
            token=True,
            identity_sources=(source,),
            result_cache_ttl=result_cache_ttl,
            validation_regex=validation_regex,
        )

    @staticmethod
    def lambda_request(
        function: Any,
        *,
        identity_sources: Sequence[str] = ("Authorization",),
        result_cache_ttl: Duration = DEFAULT_AUTHORIZER_CACHE,
    ) -> LambdaAuth:
        """A REQUEST Lambda authorizer (REST), or a Lambda authorizer with simple responses (HTTP).

        :param function: a ``SecureFunction`` or ``lambda_.IFunction``. Default: none (required).
        :param identity_sources: header names (or full ``method.request.header.X`` /
            ``$request.header.X`` / context / stage-variable sources) that form the cache key; never query
            strings (they end up in logs and browser history). Default: ``["Authorization"]``.
        :param result_cache_ttl: how long API Gateway caches a decision per identity, at most 5 minutes.
            Default: 5 minutes.
        """
        if isinstance(identity_sources, str) or not identity_sources:
            raise SecureConstructsError(
                "SC-GEN-005",
                "Auth.lambda_request",
                "identity_sources must be a non-empty list",
                received=identity_sources,
                fix="Pass e.g. identity_sources=['Authorization']",
            )
        for source in identity_sources:
            _identity_source("Auth.lambda_request", source, rest=None)
        _check_cache("Auth.lambda_request", result_cache_ttl)
        return LambdaAuth(
            function=function,
            token=False,
            identity_sources=tuple(identity_sources),
            result_cache_ttl=result_cache_ttl,
        )

    @staticmethod
    def jwt(
        issuer: Any,
        audience: Sequence[str] | None = None,
        *,
        scopes: Sequence[str] = (),
        header: str = "Authorization",
    ) -> JwtAuth:
        """A JWT authorizer (HTTP APIs): API Gateway checks signature, issuer, audience, expiry and scopes.

        :param issuer: the issuer URL (``https://...``), a ``cognito.IUserPool``, or an object with
            ``.issuer_url`` and ``.client_ids`` (``SecureUserPool``). Default: none (required).
        :param audience: accepted ``aud`` / ``client_id`` values. Default: the pool's ``client_ids`` when
            ``issuer`` exposes them; otherwise required.
        :param scopes: scopes the token must carry for this route. Default: no scope check.
        :param header: the header carrying the bearer token. Default: ``Authorization``.
        """
        _check_scopes("Auth.jwt", scopes)
        issuer_url, pool_audience = _issuer_of(issuer)
        if audience is None:
            audience = pool_audience
        if isinstance(audience, str):
            audience = [audience]
        if not issuer_url or (not Token.is_unresolved(issuer_url) and not issuer_url.startswith("https://")):
            raise SecureConstructsError(
                "SC-API-002",
                "Auth.jwt",
                "a JWT authorizer needs an https issuer URL",
                received=issuer,
                fix="Pass the issuer URL (https://...), a cognito.IUserPool or a SecureUserPool",
            )
        if not audience or any(not isinstance(a, str) or not a for a in audience):
            raise SecureConstructsError(
                "SC-API-002",
                "Auth.jwt",
                "a JWT authorizer needs an audience (tokens for other clients would otherwise be accepted)",
                received=audience,
                fix="Pass audience=['<app client id>', ...] (or a SecureUserPool, whose client ids are used)",
            )
        _identity_source("Auth.jwt", header, rest=False)
        return JwtAuth(
            issuer=issuer_url, audience=tuple(audience), route_scopes=tuple(scopes), identity_source=header
        )

    @staticmethod
    def jwt_lambda(
        issuer: str,
        audience: Sequence[str],
        jwks_url: str | None = None,
        scopes_to_routes: Mapping[str, Sequence[str]] | None = None,
        *,
        token_use: str | None = "access",
        runtime: Any = None,
        architecture: Any = None,
    ) -> JwtLambdaAuth:
        """A JWT-verifying Lambda authorizer for REST APIs (one per API and configuration).

        :param issuer: the token issuer (``https://...``). Default: none (required).
        :param audience: accepted ``aud`` values. Default: none (required).
        :param jwks_url: where the signing keys are published. Default: ``<issuer>/.well-known/jwks.json``.
        :param scopes_to_routes: the routes each scope may call, ``{"orders/read": ["GET /orders"]}`` (or the
            inverse ``{"GET /orders": ["orders/read"]}``); see ``JwtLambdaAuthorizer``. Default: none
            (required; an empty map is SC-JWT-003 when the authorizer is built).
        :param token_use: the ``token_use`` claim tokens must carry (``"access"``, ``"id"``, or ``None`` for
            issuers without it). Default: ``"access"`` (an ID token is refused).
        :param runtime: the authorizer function's runtime. Default: ``SecureFunction``'s (the newest Python).
        :param architecture: the authorizer function's architecture. Default: ``SecureFunction``'s (arm64).
        """
        if isinstance(audience, str):
            audience = [audience]
        if not isinstance(issuer, str) or not issuer.startswith("https://") or not audience:
            raise SecureConstructsError(
                "SC-API-002",
                "Auth.jwt_lambda",
                "a JWT authorizer needs an https issuer and an audience",
                received={"issuer": issuer, "audience": audience},
                fix="Pass issuer='https://...' and audience=['<client id>']",
            )
        return JwtLambdaAuth(
            issuer=issuer,
            audience=tuple(audience),
            jwks_url=jwks_url,
            scopes_to_routes=dict(scopes_to_routes or {}),
            token_use=token_use,
            runtime=runtime,
            architecture=architecture,
        )


def _issuer_of(issuer: Any) -> tuple[str, list[str]]:
    """(issuer URL, default audience) of a URL, a SecureUserPool-like object or a cognito.IUserPool."""
    if isinstance(issuer, str):
        return issuer, []
    issuer_url = getattr(issuer, "issuer_url", None)
    if isinstance(issuer_url, str):
        return issuer_url, list(getattr(issuer, "client_ids", None) or [])
    pool = getattr(issuer, "user_pool", issuer)
    provider_url = getattr(pool, "user_pool_provider_url", None)
    if isinstance(provider_url, str):
        return f"https://{provider_url}", []
    return "", []


def _check_scopes(where: str, scopes: Sequence[str]) -> None:
    if isinstance(scopes, str) or any(not isinstance(s, str) or not s.strip() or " " in s for s in scopes):
        raise SecureConstructsError(
            "SC-GEN-005",
            where,
            "scopes must be a list of non-empty scope names without spaces",
            received=scopes,
            fix="Pass e.g. scopes=['orders/read']",
        )


def _check_cache(where: str, ttl: Duration) -> None:
    if not isinstance(ttl, Duration):
        raise SecureConstructsError(
            "SC-GEN-005",
            where,
            "result_cache_ttl must be a Duration",
            received=ttl,
            fix="Pass e.g. Duration.minutes(1)",
        )
    if ttl.to_seconds() > MAX_AUTHORIZER_CACHE.to_seconds():
        raise SecureConstructsError(
            "SC-API-003",
            where,
            f"the authorizer result cache is longer than the safe bound of "
            f"{int(MAX_AUTHORIZER_CACHE.to_seconds())} seconds (a cached Allow outlives a revoked token and "
            "is reused for every route the same identity calls)",
            received=f"{ttl.to_seconds()} seconds",
            fix="Use result_cache_ttl=Duration.minutes(5) or less (Duration.seconds(0) disables the cache)",
        )


def _identity_source(where: str, source: str, *, rest: bool | None) -> str:
    """Validate an identity source and return it in REST form for header names when ``rest`` is True."""
    if not isinstance(source, str) or not source.strip():
        raise SecureConstructsError(
            "SC-GEN-005",
            where,
            "an identity source must be a non-empty string",
            received=source,
            fix="Pass a header name such as 'Authorization'",
        )
    if "querystring" in source.lower():
        raise SecureConstructsError(
            "SC-API-004",
            where,
            "an identity source in the query string puts credentials into access logs, proxies and browser "
            "history",
            received=source,
            fix="Send the credential in a header (e.g. 'Authorization') and name that header instead",
        )
    if rest is True and "." in source and not source.startswith(_REST_HEADER):
        raise SecureConstructsError(
            "SC-GEN-005",
            where,
            "a TOKEN authorizer reads exactly one header",
            received=source,
            fix="Pass a header name such as 'Authorization' (or use Auth.lambda_request)",
        )
    if rest is True and "." not in source:
        return _REST_HEADER + source
    return source


def rest_identity_source(source: str) -> str:
    """A REQUEST authorizer identity source in REST form (plain names are headers)."""
    if source.startswith(("method.request.", "context.", "stageVariables.")):
        return source
    if source.startswith("$"):
        raise SecureConstructsError(
            "SC-GEN-005",
            "Auth.lambda_request",
            "this identity source is written for HTTP APIs",
            received=source,
            fix="Use a header name or method.request.header.<Name> on REST APIs",
        )
    return _REST_HEADER + source


def http_identity_source(source: str) -> str:
    """A Lambda/JWT authorizer identity source in HTTP API form (plain names are headers)."""
    if source.startswith("$"):
        return source
    if source.startswith(("method.request.", "context.", "stageVariables.")):
        raise SecureConstructsError(
            "SC-GEN-005",
            "Auth.lambda_request",
            "this identity source is written for REST APIs",
            received=source,
            fix="Use a header name or $request.header.<Name> on HTTP APIs",
        )
    return _HTTP_HEADER + source
