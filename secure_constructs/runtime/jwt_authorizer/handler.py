"""JWT authorizer for API Gateway (REST TOKEN/REQUEST authorizers and HTTP API simple responses).

Shipped as a Lambda asset; depends on PyJWT (with ``cryptography``) only, never on aws_cdk. Verifies the
bearer token against the issuer's JWKS (asymmetric algorithms from an allow-list only, issuer and audience
required, ``exp``/``nbf`` with bounded leeway, ``token_use`` as configured) and returns a policy that allows
exactly the methods the token's scopes map to, so a cached policy cannot grant more than the token does.
Anything else is ``Unauthorized``: the handler never raises another error (API Gateway would answer 500)
and never logs a token.

HTTP API simple responses answer for one route only (``routeKey``): an HTTP API authorizer using this
handler must include ``$context.routeKey`` in its identity sources (or disable caching), otherwise a cached
``isAuthorized: true`` would be reused for the token's other routes. REST policies have no such problem:
they list every method ARN the token may call.

Configuration (environment, set by ``secure_constructs.api.JwtLambdaAuthorizer``):
``JWT_ISSUER``, ``JWT_AUDIENCE`` (JSON list), ``JWKS_URL``, ``JWT_ALGORITHMS`` (JSON list),
``JWT_SCOPES_TO_ROUTES`` (JSON ``{scope: [[METHOD, "/path/{param}"], ...]}``), ``JWT_SCOPE_CLAIMS``
(JSON list of claims holding scopes or groups), ``JWT_TOKEN_USE`` (``access``, the default; ``id``; or empty
for issuers whose tokens carry no ``token_use``), ``JWT_LEEWAY_SECONDS``, ``JWKS_MIN_REFRESH_SECONDS``,
``JWKS_CACHE_SECONDS``, ``JWKS_MAX_STALE_SECONDS``.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import os
import re
import socket
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from jwt.exceptions import PyJWKError, PyJWTError

try:  # imported as secure_constructs.runtime.jwt_authorizer.handler (tests, tooling)
    from .limits import ALLOWED_ALGORITHMS, MAX_LEEWAY_SECONDS, METHODS, TOKEN_USES
except ImportError:  # imported by Lambda as the top-level module "handler"
    from limits import ALLOWED_ALGORITHMS, MAX_LEEWAY_SECONDS, METHODS, TOKEN_USES  # type: ignore[no-redef]

LOG = logging.getLogger("jwt_authorizer")
LOG.setLevel(logging.INFO)

#: The JWK key type each algorithm family needs, so a key is never used with the wrong algorithm.
_KEY_TYPE = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}
_EC_CURVE = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
MAX_TOKEN_CHARS = 8192
MAX_JWKS_BYTES = 256 * 1024
#: One deadline for the whole JWKS fetch (connect, TLS, headers, body): a server that answers one byte at a
#: time cannot hold the function longer than this (the construct gives the function 10 s).
JWKS_DEADLINE_SECONDS = 3.0
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_BEARER = re.compile(r"^\s*bearer\s+", re.IGNORECASE)


class Denied(Exception):
    """A refusal; ``reason`` is a short category that is safe to log (never token content)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Config:
    """What the authorizer checks; read once from the environment (see the module docstring)."""

    issuer: str
    audience: tuple[str, ...]
    jwks_url: str
    scopes_to_routes: Mapping[str, tuple[tuple[str, str], ...]]
    algorithms: frozenset[str] = frozenset({"RS256", "ES256"})
    scope_claims: tuple[str, ...] = ("scope", "scp")
    leeway_seconds: int = 60
    jwks_min_refresh_seconds: float = 60.0
    jwks_cache_seconds: float = 3600.0
    #: how long keys may still be used after they are due for a refresh that keeps failing
    jwks_max_stale_seconds: float = 3600.0
    #: the ``token_use`` a token must carry; None: not checked
    token_use: str | None = "access"

    def __post_init__(self) -> None:
        if not self.issuer or not self.audience or not _trusted_url(self.jwks_url):
            raise ValueError("issuer, audience and an https JWKS URL are required")
        if not self.algorithms or not self.algorithms <= ALLOWED_ALGORITHMS:
            raise ValueError(f"algorithms must be a subset of {sorted(ALLOWED_ALGORITHMS)}")
        if not 0 <= self.leeway_seconds <= MAX_LEEWAY_SECONDS:
            raise ValueError(f"leeway must be between 0 and {MAX_LEEWAY_SECONDS} seconds")
        if self.token_use is not None and self.token_use not in TOKEN_USES:
            raise ValueError(f"token_use must be one of {sorted(TOKEN_USES)} or None")
        if not self.jwks_max_stale_seconds >= 0:
            raise ValueError("the stale-keys limit must not be negative")
        for scope, routes in self.scopes_to_routes.items():
            for method, path in routes:
                if method not in METHODS or not path.startswith("/") or "*" in path:
                    raise ValueError(f"route {method} {path} of scope {scope} is not (METHOD, /path)")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        """Parse the environment the construct sets; raises ValueError when it is incomplete."""
        routes = json.loads(env["JWT_SCOPES_TO_ROUTES"])
        return cls(
            issuer=env["JWT_ISSUER"],
            audience=tuple(json.loads(env["JWT_AUDIENCE"])),
            jwks_url=env["JWKS_URL"],
            scopes_to_routes={
                str(scope): tuple((str(m).upper(), str(p)) for m, p in pairs)
                for scope, pairs in routes.items()
            },
            algorithms=frozenset(json.loads(env.get("JWT_ALGORITHMS", '["RS256", "ES256"]'))),
            scope_claims=tuple(json.loads(env.get("JWT_SCOPE_CLAIMS", '["scope", "scp"]'))),
            leeway_seconds=int(env.get("JWT_LEEWAY_SECONDS", "60")),
            jwks_min_refresh_seconds=float(env.get("JWKS_MIN_REFRESH_SECONDS", "60")),
            jwks_cache_seconds=float(env.get("JWKS_CACHE_SECONDS", "3600")),
            jwks_max_stale_seconds=float(env.get("JWKS_MAX_STALE_SECONDS", "3600")),
            token_use=env.get("JWT_TOKEN_USE", "access") or None,
        )


def _trusted_url(url: str) -> bool:
    """https, or plain http to the loopback interface (local tests only; nothing listens there in Lambda)."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme == "https" and parsed.hostname:
        return True
    return parsed.scheme == "http" and parsed.hostname in ("127.0.0.1", "localhost", "::1")


class _TrustedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to a URL that would itself be accepted as the JWKS URL (no https -> http)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if not _trusted_url(newurl):
            raise ValueError("JWKS redirect to an untrusted URL")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _Connections:
    """Remembers the sockets of one fetch, so that the fetch can be cut off from another thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.closed = False

    def add(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            closed = self.closed
        if closed:
            _shutdown(sock)

    def shutdown(self) -> None:
        """Wake every blocked read of the fetch (``shutdown``, unlike ``close``, does that)."""
        with self._lock:
            self.closed = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def _recording(base: type, connections: _Connections) -> type:
    """``base`` (http.client's HTTP(S)Connection) that hands its socket to ``connections`` once connected."""

    class Recording(base):  # type: ignore[valid-type, misc]
        def connect(self) -> None:
            super().connect()
            connections.add(self.sock)

    return Recording


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, connections: _Connections) -> None:
        super().__init__()
        self._connection = _recording(http.client.HTTPSConnection, connections)

    def https_open(self, req):  # type: ignore[no-untyped-def]
        return self.do_open(self._connection, req, context=self._context)


class _HTTPHandler(urllib.request.HTTPHandler):
    """Plain http is reachable only for loopback JWKS URLs (local tests; see ``_trusted_url``)."""

    def __init__(self, connections: _Connections) -> None:
        super().__init__()
        self._connection = _recording(http.client.HTTPConnection, connections)

    def http_open(self, req):  # type: ignore[no-untyped-def]
        return self.do_open(self._connection, req)


def _fetch_bytes(url: str, connections: _Connections, timeout: float) -> bytes:
    opener = urllib.request.build_opener(
        _TrustedRedirects(), _HTTPSHandler(connections), _HTTPHandler(connections)
    )
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with opener.open(request, timeout=timeout) as response:
        return response.read(MAX_JWKS_BYTES + 1)


def fetch_json(url: str) -> Any:
    """GET ``url`` within ``JWKS_DEADLINE_SECONDS`` in all, with a size cap (a JWKS is a few kilobytes).

    A socket timeout bounds each read, not the fetch: a server that sends a byte now and then would hold
    the function until Lambda kills it. So the fetch runs in a helper thread; at the deadline its sockets
    are shut down, which ends it, and this raises ``TimeoutError``.
    """
    deadline = JWKS_DEADLINE_SECONDS
    connections = _Connections()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["data"] = _fetch_bytes(url, connections, deadline)
        except BaseException as error:  # noqa: BLE001 - handed to the caller below
            outcome["error"] = error

    worker = threading.Thread(target=work, name="jwks-fetch", daemon=True)
    worker.start()
    worker.join(deadline)
    if worker.is_alive():
        connections.shutdown()
        worker.join(1.0)
        raise TimeoutError(f"the JWKS fetch did not finish within {deadline:g} s")
    if "error" in outcome:
        raise outcome["error"]
    data = outcome["data"]
    if len(data) > MAX_JWKS_BYTES:
        raise ValueError("JWKS document too large")
    return json.loads(data)


@dataclass(frozen=True)
class SigningKey:
    """One published key: the key object and the JWK fields that say which algorithm it may verify."""

    key: Any
    kty: str
    alg: str | None
    crv: str | None

    def fits(self, alg: str) -> bool:
        """True when this key may verify a signature made with ``alg``."""
        if self.alg is not None and self.alg != alg:
            return False
        if self.kty != _KEY_TYPE[alg[:2]]:
            return False
        return alg not in _EC_CURVE or self.crv == _EC_CURVE[alg]


@dataclass
class JwksCache:
    """The issuer's signing keys by ``kid``.

    Keys are refetched ``cache_seconds`` after the last successful fetch, and for an unknown ``kid``; a
    fetch is tried at most once per ``min_refresh_seconds``, so neither forged ``kid`` values nor a failing
    issuer make the authorizer hammer the issuer. While refreshes fail, the last keys are used for at most
    ``max_stale_seconds`` more; after that every token is denied until a fetch succeeds.
    """

    url: str
    min_refresh_seconds: float
    cache_seconds: float
    max_stale_seconds: float = 3600.0
    fetch: Callable[[str], Any] = fetch_json
    clock: Callable[[], float] = time.monotonic
    _keys: dict[str, SigningKey] = field(default_factory=dict)
    _tried_at: float | None = None
    _loaded_at: float | None = None
    _dropped: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)
    fetch_count: int = 0

    def get(self, kid: str) -> SigningKey:
        """The key for ``kid``; raises Denied("unknown kid") when the issuer does not publish it, and
        Denied("stale keys") when no fetch has succeeded for longer than the cache and stale limits."""
        with self._lock:
            now = self.clock()
            due = (
                self._loaded_at is None
                or now - self._loaded_at >= self.cache_seconds
                or kid not in self._keys
            )
            tried_recently = self._tried_at is not None and now - self._tried_at < self.min_refresh_seconds
            if due and not tried_recently:
                self._refresh(now)
            limit = self.cache_seconds + self.max_stale_seconds
            if self._loaded_at is not None and now - self._loaded_at > limit:
                # An outage this long: the issuer may have revoked these keys meanwhile.
                self._keys, self._loaded_at, self._dropped = {}, None, True
                LOG.warning(json.dumps({"event": "jwks_stale_keys_dropped"}))
            key = self._keys.get(kid)
            dropped = self._dropped
        if key is None:
            raise Denied("stale keys dropped, issuer unreachable" if dropped else "unknown kid")
        return key

    def _refresh(self, now: float) -> None:
        self._tried_at = now  # also on failure: a failing issuer is not retried on every request
        self.fetch_count += 1
        try:
            document = self.fetch(self.url)
            keys = document["keys"] if isinstance(document, dict) else None
            if not isinstance(keys, list):
                raise ValueError("no keys")
        except Exception as error:  # noqa: BLE001 - any fetch failure keeps the previous keys
            LOG.warning(json.dumps({"event": "jwks_fetch_failed", "error": type(error).__name__}))
            return
        fresh: dict[str, SigningKey] = {}
        for entry in keys:
            if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
                continue
            if entry.get("use", "sig") != "sig" or entry.get("kty") not in ("RSA", "EC", "OKP"):
                continue
            try:
                jwk = jwt.PyJWK(entry)
            except (PyJWKError, PyJWTError, ValueError, TypeError, KeyError):
                continue
            alg, crv = entry.get("alg"), entry.get("crv")
            fresh[entry["kid"]] = SigningKey(
                jwk.key,
                entry["kty"],
                alg if isinstance(alg, str) else None,
                crv if isinstance(crv, str) else None,
            )
        self._keys, self._loaded_at, self._dropped = fresh, now, False


@dataclass(frozen=True)
class Grant:
    """A verified token: its subject, the scopes that map to routes, and those routes."""

    subject: str
    scopes: tuple[str, ...]
    routes: tuple[tuple[str, str], ...]


class Authorizer:
    """Verifies tokens and computes grants for one configuration."""

    def __init__(self, config: Config, jwks: JwksCache | None = None) -> None:
        self.config = config
        self.jwks = jwks or JwksCache(
            config.jwks_url,
            config.jwks_min_refresh_seconds,
            config.jwks_cache_seconds,
            max_stale_seconds=config.jwks_max_stale_seconds,
        )

    def verify(self, token: Any) -> dict[str, Any]:
        """The token's claims, or Denied with a loggable reason."""
        if not isinstance(token, str):
            raise Denied("no token")
        token = _BEARER.sub("", token, count=1).strip()
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise Denied("missing or oversized token")
        if not _COMPACT_JWS.match(token):
            raise Denied("not a compact JWS")
        try:
            header = jwt.get_unverified_header(token)
        except PyJWTError as error:
            raise Denied("malformed header") from error
        alg, kid = header.get("alg"), header.get("kid")
        if not isinstance(alg, str) or alg not in self.config.algorithms:
            raise Denied("algorithm not allowed")
        if "crit" in header or "jku" in header or "x5u" in header or "jwk" in header:
            raise Denied("unsupported header parameter")  # keys come from the configured JWKS URL only
        if not isinstance(kid, str) or not kid or len(kid) > 256:
            raise Denied("missing kid")
        signing_key = self.jwks.get(kid)
        if not signing_key.fits(alg):
            raise Denied("key does not fit algorithm")
        try:
            claims = jwt.decode(
                token,
                key=signing_key.key,
                algorithms=[alg],
                issuer=self.config.issuer,
                leeway=self.config.leeway_seconds,
                # The audience is checked below: aud, or client_id when aud is absent (access tokens)
                options={"require": ["exp", "iss", "sub"], "verify_signature": True, "verify_aud": False},
            )
        except PyJWTError as error:
            raise Denied(f"invalid token ({type(error).__name__})") from error
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise Denied("invalid subject")
        if not self._audience_ok(claims):
            raise Denied("invalid audience")
        if self.config.token_use is not None and claims.get("token_use") != self.config.token_use:
            # Cognito's ID and access tokens share issuer and keys: only this claim tells them apart.
            raise Denied("wrong token_use")
        return claims

    def _audience_ok(self, claims: Mapping[str, Any]) -> bool:
        """``aud`` (a string or a list) names an accepted audience; only without ``aud``, ``client_id`` does.

        This is what API Gateway's own JWT authorizer does: OAuth access tokens (e.g. Cognito's) carry
        ``client_id`` and no ``aud``.
        """
        accepted = set(self.config.audience)
        if "aud" in claims:
            aud = claims["aud"]
            values = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
            return any(isinstance(v, str) and v in accepted for v in values)
        client_id = claims.get("client_id")
        return isinstance(client_id, str) and client_id in accepted

    def grant(self, claims: Mapping[str, Any]) -> Grant:
        """The routes the token's scopes (or groups) allow; scopes outside the map grant nothing."""
        held: set[str] = set()
        for claim in self.config.scope_claims:
            held |= _scopes_in(claims.get(claim))
        scopes = tuple(sorted(held & set(self.config.scopes_to_routes)))
        routes = sorted({route for scope in scopes for route in self.config.scopes_to_routes[scope]})
        return Grant(str(claims["sub"]), scopes, tuple(routes))


def _scopes_in(value: Any) -> set[str]:
    """Scopes of a claim: a list, or a string of scopes separated by U+0020 only (RFC 6749, section 3.3).

    ``str.split()`` would also split on tabs, line breaks and Unicode spaces such as U+00A0, so that
    ``"orders/read\u00a0admin"``, one scope the issuer never granted, would grant ``admin``.
    """
    if isinstance(value, str):
        return {part for part in value.split(" ") if part}
    if isinstance(value, list):
        return {part for part in value if isinstance(part, str) and part}
    return set()


def _arn_path(path: str) -> str:
    """``/orders/{id}`` -> ``/orders/*``: a path parameter matches one or more segments in the ARN."""
    return re.sub(r"\{[^}/]+\}", "*", path)


def method_arns(method_arn: str, routes: Iterable[tuple[str, str]]) -> list[str]:
    """The execute-api ARNs of ``routes`` in the same API and stage as ``method_arn``."""
    prefix, sep, resource = method_arn.partition(":execute-api:")
    parts = resource.split(":")
    if not sep or not prefix.startswith("arn:") or len(parts) != 3:
        raise Denied("malformed methodArn")
    region, account, api_path = parts
    api_id, stage, *_ = api_path.split("/") + ["", ""]
    if not (api_id and stage and re.fullmatch(r"[A-Za-z0-9_-]+", api_id + stage.replace(".", ""))):
        raise Denied("malformed methodArn")
    base = f"{prefix}:execute-api:{region}:{account}:{api_id}/{stage}"
    return [f"{base}/{'*' if m == 'ANY' else m}{_arn_path(p)}" for m, p in routes]


def _arn_regex(method: str, path: str) -> re.Pattern[str]:
    """How IAM matches the ARN pattern of a route: ``*`` matches any characters, ``/`` included."""
    pattern = f"{'*' if method == 'ANY' else method}{_arn_path(path)}"
    return re.compile("".join(".*" if c == "*" else re.escape(c) for c in pattern) + r"\Z")


def _sample_requests(method: str, path: str) -> list[str]:
    """Concrete ``METHOD/path`` strings that API Gateway routes to this route."""
    concrete = re.sub(r"\{[^}/]+\}", "p", path)
    methods = sorted(METHODS - {"ANY"}) if method == "ANY" else [method]
    return [f"{m}{concrete}" for m in methods]


def shadowed_routes(
    granted: Iterable[tuple[str, str]], others: Iterable[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Routes not granted whose requests the granted ARN patterns would still match.

    A path parameter is ``*`` in a method ARN and IAM's ``*`` crosses ``/``: ``GET /orders/{id}`` as
    ``GET/orders/*`` also matches ``GET /orders/7/invoices``. Such routes get an explicit Deny.
    """
    patterns = [_arn_regex(m, p) for m, p in granted]
    return sorted(
        route
        for route in set(others)
        if any(rx.match(sample) for sample in _sample_requests(*route) for rx in patterns)
    )


def policy(
    principal: str,
    effect: str,
    resources: list[str],
    context: Mapping[str, str],
    deny: list[str] | None = None,
) -> dict[str, Any]:
    """A REST authorizer response (plus an explicit Deny statement when ``deny`` is given)."""
    statements = [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resources}]
    if deny:
        statements.append({"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": deny})
    return {
        "principalId": principal,
        "policyDocument": {"Version": "2012-10-17", "Statement": statements},
        "context": dict(context),
    }


def _header(headers: Any, name: str) -> Any:
    if not isinstance(headers, dict):
        return None
    return next((v for k, v in headers.items() if isinstance(k, str) and k.lower() == name), None)


def _route_matches(route_key: str, routes: Iterable[tuple[str, str]]) -> bool:
    method, _, path = route_key.partition(" ")
    return any(path == p and (m == "ANY" or m == method) for m, p in routes)


def authorize(event: Any, authorizer: Authorizer) -> dict[str, Any]:
    """The authorizer response for ``event``; raises Denied for anything that is not a clear Allow."""
    if not isinstance(event, dict):
        raise Denied("malformed event")
    if event.get("version") == "2.0":  # HTTP API, simple responses
        token = _header(event.get("headers"), "authorization")
        grant = authorizer.grant(authorizer.verify(token))
        route_key = event.get("routeKey")
        if not isinstance(route_key, str) or not _route_matches(route_key, grant.routes):
            raise Denied("scope does not allow route")
        return {"isAuthorized": True, "context": {"sub": grant.subject, "scope": " ".join(grant.scopes)}}
    kind = event.get("type")
    if kind == "TOKEN":
        token = event.get("authorizationToken")
    elif kind == "REQUEST":
        token = _header(event.get("headers"), "authorization")
    else:
        raise Denied("unknown event type")
    method_arn = event.get("methodArn")
    if not isinstance(method_arn, str):
        raise Denied("malformed methodArn")
    grant = authorizer.grant(authorizer.verify(token))
    context = {"sub": grant.subject, "scope": " ".join(grant.scopes)}
    if not grant.routes:
        return policy(grant.subject, "Deny", [method_arn], context)
    mapped = {route for routes in authorizer.config.scopes_to_routes.values() for route in routes}
    shadowed = shadowed_routes(grant.routes, mapped - set(grant.routes))
    deny = method_arns(method_arn, shadowed) if shadowed else None
    return policy(grant.subject, "Allow", method_arns(method_arn, grant.routes), context, deny)


_STATE: dict[str, Authorizer] = {}


def _authorizer() -> Authorizer:
    if "default" not in _STATE:
        _STATE["default"] = Authorizer(Config.from_env(os.environ))
    return _STATE["default"]


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point. REST: raises ``Exception("Unauthorized")`` (401); HTTP API: isAuthorized False."""
    simple = isinstance(event, dict) and event.get("version") == "2.0"
    try:
        response = authorize(event, _authorizer())
    except Denied as denied:
        reason = denied.reason
    except Exception as error:  # noqa: BLE001 - never a 500, never an Allow
        reason = f"error ({type(error).__name__})"
    else:
        effect = response.get("isAuthorized", None)
        if effect is None:
            effect = response["policyDocument"]["Statement"][0]["Effect"] == "Allow"
        LOG.info(json.dumps({"decision": "allow" if effect else "deny", "sub": response["context"]["sub"]}))
        return response
    LOG.info(json.dumps({"decision": "unauthorized", "reason": reason}))
    if simple:
        return {"isAuthorized": False}
    raise Exception("Unauthorized")  # noqa: TRY002 - the exact message API Gateway maps to 401
