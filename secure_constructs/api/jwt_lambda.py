"""JwtLambdaAuthorizer: a JWT-verifying Lambda authorizer for REST APIs, which have no native JWT authorizer.

The handler (``secure_constructs/runtime/jwt_authorizer``) verifies tokens against the issuer's JWKS and
returns a policy allowing exactly the methods that the token's scopes map to; this construct bundles it
with PyJWT (locally, no Docker), runs it as a ``SecureFunction`` and wraps it in an API Gateway
authorizer whose result cache is bounded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from constructs import Construct, IValidation

from ..compute import SecureFunction
from ..compute.bundling import python_code
from ..errors import SecureConstructsError
from ..runtime.jwt_authorizer.limits import ALLOWED_ALGORITHMS, MAX_LEEWAY_SECONDS, METHODS, TOKEN_USES

#: The handler's asset folder (handler.py, limits.py and the pinned requirements.txt).
ASSET_DIR = Path(__file__).resolve().parent.parent / "runtime" / "jwt_authorizer"
#: API Gateway caches authorizer results for at most one hour.
MAX_CACHE_TTL = Duration.hours(1)
DEFAULT_CACHE_TTL = Duration.minutes(5)
DEFAULT_LEEWAY = Duration.seconds(60)
DEFAULT_JWKS_MIN_REFRESH = Duration.minutes(1)
#: While the issuer is unreachable, keys due for a refresh are used for at most this long, then dropped.
DEFAULT_JWKS_MAX_STALE = Duration.hours(1)
MAX_JWKS_MAX_STALE = Duration.days(1)
#: API Gateway rejects a non-matching token with 401 before invoking (and paying for) the function.
TOKEN_PATTERN = r"^(Bearer )?[-0-9A-Za-z_]+\.[-0-9A-Za-z_]+\.[-0-9A-Za-z_]+$"
_ROUTE_KEY = re.compile(r"^(?P<method>[A-Za-z]+) (?P<path>/\S*)$")
_HEADER = re.compile(r"^[A-Za-z0-9-]+$")
_PATH = re.compile(
    r"^/(?:[A-Za-z0-9._~@:-]+|\{[A-Za-z][A-Za-z0-9_]*\+?\})?(?:/(?:[A-Za-z0-9._~@:-]+|\{[A-Za-z][A-Za-z0-9_]*\+?\}))*$"
)


def _https(where: Construct, what: str, url: Any) -> str:
    if not isinstance(url, str) or not re.match(r"^https://[^/\s]+", url):
        raise SecureConstructsError(
            "SC-JWT-001",
            where,
            f"the {what} must be an https URL (tokens and keys are trusted only over TLS)",
            received=url,
            fix=f"Pass the {what} as https://...",
        )
    return url


def _route(where: Construct, scope: str, route: Any) -> tuple[str, str]:
    if isinstance(route, str):
        match = _ROUTE_KEY.match(route.strip())
        route = (match["method"], match["path"]) if match else (None, route)
    if isinstance(route, Sequence) and not isinstance(route, str) and len(route) == 2:
        method, path = route
        if (
            isinstance(method, str)
            and method.upper() in METHODS
            and isinstance(path, str)
            and _PATH.match(path)
        ):
            return method.upper(), path
    raise SecureConstructsError(
        "SC-JWT-003",
        where,
        f"scope {scope!r} maps to a route that is not (METHOD, /path) without wildcards",
        received=route,
        fix="Write routes as ('GET', '/orders/{id}') or 'GET /orders/{id}'; path parameters instead of '*'",
    )


def normalize_scopes_to_routes(
    where: Construct, scopes_to_routes: Mapping[str, Sequence[Any]] | None
) -> dict[str, list[tuple[str, str]]]:
    """``{scope: [(METHOD, /path), ...]}``, sorted.

    Also accepts the inverse form ``{"METHOD /path": [scopes]}`` (a route any of those scopes may call).
    """
    if not isinstance(scopes_to_routes, Mapping) or not scopes_to_routes:
        raise SecureConstructsError(
            "SC-JWT-003",
            where,
            "the scope-to-routes map is empty, so no token could be granted anything",
            received=scopes_to_routes,
            fix="Pass scopes_to_routes={'orders/read': [('GET', '/orders'), ('GET', '/orders/{id}')]}",
        )
    result: dict[str, set[tuple[str, str]]] = {}
    for key, values in scopes_to_routes.items():
        if isinstance(values, str) or not isinstance(values, Sequence) or not values:
            raise SecureConstructsError(
                "SC-JWT-003",
                where,
                f"the entry {key!r} must list one or more routes (or scopes)",
                received=values,
                fix="Give a list, e.g. [('GET', '/orders')]",
            )
        if isinstance(key, str) and _ROUTE_KEY.match(key.strip()):  # {"GET /orders": ["orders/read"]}
            route = _route(where, key, key)
            for scope in values:
                if not isinstance(scope, str) or not scope.strip():
                    raise SecureConstructsError(
                        "SC-JWT-003",
                        where,
                        f"route {key!r} lists a scope that is not a non-empty string",
                        received=scope,
                        fix="List scope names, e.g. ['orders/read']",
                    )
                result.setdefault(scope, set()).add(route)
        elif isinstance(key, str) and key.strip() and " " not in key.strip():
            result.setdefault(key, set()).update(_route(where, key, route) for route in values)
        else:
            raise SecureConstructsError(
                "SC-JWT-003",
                where,
                "a key is neither a scope name nor a 'METHOD /path' route",
                received=key,
                fix="Use scope names (no spaces) as keys, or 'GET /path' route keys",
            )
    return {scope: sorted(routes) for scope, routes in sorted(result.items())}


@jsii.implements(IValidation)
class _EveryRouteMapped:
    """Synth-time check: each method using the authorizer is in the map (SC-JWT-006).

    An unmapped route is unreachable for every token, or reachable only because a broader path-parameter
    pattern of another route happens to match it; both are configuration mistakes.
    """

    def __init__(self, owner: JwtLambdaAuthorizer) -> None:
        self._owner = owner

    def validate(self) -> list[str]:
        owner = self._owner
        stack = Stack.of(owner)
        ours = stack.resolve(owner.authorizer.authorizer_id)
        mapped = {route for routes in owner.scopes_to_routes.values() for route in routes}
        errors = []
        for construct in stack.node.find_all():
            if not isinstance(construct, apigw.Method):
                continue
            cfn = construct.node.default_child
            if cfn is None or stack.resolve(cfn.authorizer_id) != ours:  # type: ignore[attr-defined]
                continue
            route = (construct.http_method, construct.resource.path)
            if route not in mapped:
                errors.append(
                    str(
                        SecureConstructsError(
                            "SC-JWT-006",
                            owner,
                            f"route {route[0]} {route[1]} uses this JWT authorizer, but no scope in "
                            "scopes_to_routes grants it",
                            received=sorted(f"{m} {p}" for m, p in mapped),
                            fix=f"Add ('{route[0]}', '{route[1]}') to the routes of the scopes that may "
                            "call it",
                        )
                    )
                )
        return sorted(errors)


class JwtLambdaAuthorizer(Construct):
    """A Lambda authorizer that verifies JWTs (JWKS, asymmetric algorithms only) for a REST API.

    The function returns a policy listing only the method ARNs that the token's scopes map to (never
    ``*/*``), so the cached policy of one token cannot reach routes its scopes do not grant. Attach
    ``authorizer`` to methods (``SecureRestApi`` does this for ``Auth.jwt_lambda(...)``).

    Attributes: ``function`` (the ``SecureFunction``), ``authorizer`` (``apigateway.TokenAuthorizer`` or
    ``RequestAuthorizer``), ``scopes_to_routes`` (normalized), ``jwks_url``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        issuer: str,
        audience: Sequence[str] | str,
        scopes_to_routes: Mapping[str, Sequence[Any]],
        jwks_url: str | None = None,
        identity_source: str = "Authorization",
        request_authorizer: bool = False,
        result_cache_ttl: Duration = DEFAULT_CACHE_TTL,
        algorithms: Sequence[str] = ("RS256", "ES256"),
        scope_claims: Sequence[str] = ("scope", "scp"),
        leeway: Duration = DEFAULT_LEEWAY,
        jwks_min_refresh: Duration = DEFAULT_JWKS_MIN_REFRESH,
        jwks_max_stale: Duration = DEFAULT_JWKS_MAX_STALE,
        token_use: str | None = "access",
        runtime: lambda_.Runtime | None = None,
        architecture: lambda_.Architecture | None = None,
        code: lambda_.Code | None = None,
        overrides: Mapping[str, Any] | None = None,
        accepted_risks: Mapping[str, str] | None = None,
    ) -> None:
        """
        :param issuer: the exact ``iss`` of accepted tokens, an https URL (SC-JWT-001).
            Default: none (required).
        :param audience: accepted ``aud`` values; a token must carry one of them (SC-JWT-002 when empty).
            Default: none (required).
        :param scopes_to_routes: ``{scope: [("GET", "/orders/{id}"), "POST /orders", ...]}``: the routes a
            token holding that scope (or group, see ``scope_claims``) may call; the inverse form
            ``{"GET /orders": ["orders/read"]}`` is accepted too. Path parameters, no wildcards
            (SC-JWT-003). Default: none (required).
        :param jwks_url: where the issuer publishes its signing keys, https (SC-JWT-001). Default:
            ``<issuer>/.well-known/jwks.json`` (Cognito's and most OIDC issuers' location).
        :param identity_source: the request header carrying ``Bearer <token>``. Default: ``Authorization``.
        :param request_authorizer: use a REQUEST authorizer (the header as identity source) instead of a
            TOKEN authorizer. Default: False (TOKEN, with a validation pattern so that API Gateway refuses
            non-JWT values without invoking the function).
        :param result_cache_ttl: how long API Gateway caches a token's policy, 0 to 1 hour (SC-JWT-005); a
            cached Allow can outlive the token's ``exp`` by at most this. Default: 5 minutes.
        :param algorithms: accepted JWS algorithms, a subset of the asymmetric ones (RS*, PS*, ES*, EdDSA;
            SC-JWT-004 for ``none``, HS* or unknown). Default: ``("RS256", "ES256")``.
        :param scope_claims: claims holding the scopes or groups (space-separated string or list).
            Default: ``("scope", "scp")``; add ``"cognito:groups"`` to map Cognito groups.
        :param leeway: clock-skew tolerance for ``exp``/``nbf``, 0 to 5 minutes (SC-JWT-005).
            Default: 60 seconds.
        :param jwks_min_refresh: a token with an unknown ``kid`` refetches the JWKS at most this often
            (then it is denied); a failing JWKS endpoint is retried at most this often. Default: 1 minute.
        :param jwks_max_stale: while the JWKS endpoint fails, keys that were due for their hourly refresh are
            still used for at most this long, then every token is denied until a fetch succeeds (keys the
            issuer revoked during the outage must not stay trusted). 0 to 1 day (SC-GEN-005). Default: 1 hour.
        :param token_use: the ``token_use`` claim a token must carry: ``"access"`` (Cognito access tokens;
            an ID token of the same pool is refused), ``"id"``, or ``None`` for issuers whose tokens have no
            such claim (then ID tokens of such an issuer are not told apart). Other values: SC-GEN-005.
            Default: ``"access"``.
        :param runtime: the function's runtime. Default: ``SecureFunction``'s (the newest Python).
        :param architecture: the function's architecture. Default: ``SecureFunction``'s (arm64).
        :param code: the handler's code. Default: the shipped handler bundled with its pinned PyJWT and
            cryptography wheels by :func:`secure_constructs.python_code` (no Docker).
        :param overrides: ``SecureFunction`` overrides (``aws_lambda.Function`` keyword arguments).
            Default: none.
        :param accepted_risks: reasons for weakening overrides, as for ``SecureFunction``. Default: none.
        """
        super().__init__(scope, id)
        # validate
        self.issuer = _https(self, "issuer", issuer)
        self.jwks_url = _https(self, "JWKS URL", jwks_url or issuer.rstrip("/") + "/.well-known/jwks.json")
        audiences = _checked_audiences(self, audience)
        self.scopes_to_routes = normalize_scopes_to_routes(self, scopes_to_routes)
        _check_algorithms(self, algorithms)
        _check_options(
            self,
            result_cache_ttl=result_cache_ttl,
            leeway=leeway,
            identity_source=identity_source,
            token_use=token_use,
            jwks_max_stale=jwks_max_stale,
        )

        claims = [scope_claims] if isinstance(scope_claims, str) else list(scope_claims)

        # build: the function (its settings in its environment), then the authorizer that runs it
        self.function = SecureFunction(
            self,
            "Function",
            code=code or python_code(ASSET_DIR, runtime=runtime, architecture=architecture),
            handler="handler.handler",
            runtime=runtime,
            architecture=architecture,
            memory_size=256,
            timeout=Duration.seconds(10),
            environment={
                "JWT_ISSUER": self.issuer,
                "JWT_AUDIENCE": json.dumps(audiences),
                "JWKS_URL": self.jwks_url,
                "JWT_SCOPES_TO_ROUTES": json.dumps(self.scopes_to_routes, separators=(",", ":")),
                "JWT_ALGORITHMS": json.dumps(sorted(set(algorithms))),
                "JWT_SCOPE_CLAIMS": json.dumps(claims),
                "JWT_LEEWAY_SECONDS": str(int(leeway.to_seconds())),
                "JWKS_MIN_REFRESH_SECONDS": str(int(jwks_min_refresh.to_seconds())),
                "JWKS_MAX_STALE_SECONDS": str(int(jwks_max_stale.to_seconds())),
                "JWT_TOKEN_USE": token_use or "",
            },
            overrides=overrides,
            accepted_risks=accepted_risks,
        )
        header = apigw.IdentitySource.header(identity_source)
        if request_authorizer:
            self.authorizer: apigw.Authorizer = apigw.RequestAuthorizer(
                self,
                "Authorizer",
                handler=self.function.function,
                identity_sources=[header],
                results_cache_ttl=result_cache_ttl,
            )
        else:
            self.authorizer = apigw.TokenAuthorizer(
                self,
                "Authorizer",
                handler=self.function.function,
                identity_source=header,
                results_cache_ttl=result_cache_ttl,
                validation_regex=TOKEN_PATTERN,
            )
        self.node.add_validation(_EveryRouteMapped(self))


def _checked_audiences(where: Construct, audience: Sequence[str] | str) -> list[str]:
    audiences = [audience] if isinstance(audience, str) else list(audience or [])
    if not audiences or not all(isinstance(a, str) and a.strip() for a in audiences):
        raise SecureConstructsError(
            "SC-JWT-002",
            where,
            "at least one non-empty audience is required (a token for another "
            "client of the same issuer must not be accepted)",
            received=audience,
            fix="Pass audience=['<app client id or API identifier>']",
        )
    return audiences


def _check_algorithms(where: Construct, algorithms: Sequence[str]) -> None:
    if isinstance(algorithms, str):
        bad = [algorithms]
    else:
        bad = [a for a in algorithms if a not in ALLOWED_ALGORITHMS]
    if bad or not algorithms:
        raise SecureConstructsError(
            "SC-JWT-004",
            where,
            "only asymmetric JWS algorithms may be accepted (no 'none', no HS*)",
            received=bad or algorithms,
            fix=f"Choose from {', '.join(sorted(ALLOWED_ALGORITHMS))}",
        )


def _check_options(
    where: Construct,
    *,
    result_cache_ttl: Duration,
    leeway: Duration,
    identity_source: str,
    token_use: str | None,
    jwks_max_stale: Duration,
) -> None:
    """The bounds of the cache, the leeway and the stale keys (SC-JWT-005, SC-GEN-005), the header and
    ``token_use`` (SC-GEN-005)."""
    ttl = result_cache_ttl.to_seconds()
    if not 0 <= ttl <= MAX_CACHE_TTL.to_seconds():
        raise SecureConstructsError(
            "SC-JWT-005",
            where,
            "the result cache TTL must be between 0 and 1 hour",
            received=f"{ttl} s",
            fix="Pass result_cache_ttl=Duration.minutes(5) (or Duration.seconds(0) to disable caching)",
        )
    leeway_s = leeway.to_seconds()
    if not 0 <= leeway_s <= MAX_LEEWAY_SECONDS:
        raise SecureConstructsError(
            "SC-JWT-005",
            where,
            f"the leeway must be between 0 and {MAX_LEEWAY_SECONDS} seconds",
            received=f"{leeway_s} s",
            fix="Pass leeway=Duration.seconds(60)",
        )
    if not isinstance(identity_source, str) or not _HEADER.match(identity_source):
        raise SecureConstructsError(
            "SC-GEN-005",
            where,
            "identity_source must be a header name",
            received=identity_source,
            fix="Pass e.g. identity_source='Authorization'",
        )
    if token_use is not None and token_use not in TOKEN_USES:
        raise SecureConstructsError(
            "SC-GEN-005",
            where,
            "token_use must be 'access', 'id' or None",
            received=token_use,
            fix="Pass token_use='access' (the default) for access tokens, or token_use=None for an "
            "issuer whose tokens carry no token_use claim",
        )
    max_stale_s = jwks_max_stale.to_seconds()
    if not 0 <= max_stale_s <= MAX_JWKS_MAX_STALE.to_seconds():
        raise SecureConstructsError(
            "SC-GEN-005",
            where,
            "jwks_max_stale must be between 0 and 1 day",
            received=f"{max_stale_s} s",
            fix="Pass jwks_max_stale=Duration.hours(1)",
        )
