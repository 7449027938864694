"""The shipped JWT Lambda authorizer (``Auth.jwt_lambda``), deployed on REST routes, with real tokens.

The tests are the issuer: they hold its RSA key and serve its JWKS over https on loopback (``issuer``
fixture). ``GET /jwt`` needs scope ``e2e/jwt.read``, ``GET /jwt/other`` scope ``e2e/jwt.write`` (same
authorizer); ``GET /jwt/outage`` has an authorizer of its own whose JWKS endpoint only ever trickles.
Every token is new (its own ``jti``), so API Gateway's cache of authorizer verdicts never answers for it.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
import uuid

import pytest
from e2e_support import JWT_READ, JWT_WRITE, OUTAGE_JWKS_PATH

pytestmark = [pytest.mark.e2e, pytest.mark.jwks]

#: The authorizer function's timeout (JwtLambdaAuthorizer): a refusal must come before it.
FUNCTION_TIMEOUT_SECONDS = 10


def call(url: str, token: str | None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    request = urllib.request.Request(url, headers=headers, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def nonce() -> str:
    return uuid.uuid4().hex


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_an_access_token_with_the_routes_scope_runs_the_function(api_url, issuer):
    mine, subject = nonce(), f"reader-{nonce()[:8]}"
    status, body = call(api_url(f"/jwt?nonce={mine}"), issuer.token(scope=JWT_READ, sub=subject))
    assert status == 200, body
    answer = json.loads(body)
    assert (answer["function"], answer["nonce"], answer["principal"]) == ("JwtRoute", mine, subject)


def test_each_scope_opens_its_own_route(api_url, issuer):
    mine = nonce()
    status, body = call(api_url(f"/jwt/other?nonce={mine}"), issuer.token(scope=JWT_WRITE))
    assert status == 200, body
    answer = json.loads(body)
    assert (answer["function"], answer["nonce"]) == ("JwtRoute", mine)


@pytest.mark.parametrize(
    "scope",
    [
        pytest.param("", id="no scope"),
        pytest.param("profile email", id="unmapped scopes"),
        pytest.param(JWT_WRITE, id="another route's scope"),
        pytest.param(f"{JWT_WRITE}\u00a0{JWT_READ}", id="scopes joined by a no-break space"),
    ],
)
def test_a_token_without_the_routes_scope_is_forbidden(api_url, issuer, scope):
    status, body = call(api_url(f"/jwt?nonce={nonce()}"), issuer.token(scope=scope))
    assert status == 403, body


def test_an_id_token_is_refused(api_url, issuer):
    status, body = call(api_url(f"/jwt?nonce={nonce()}"), issuer.token(scope=JWT_READ, token_use="id"))
    assert status == 401, body


def test_an_expired_token_is_refused(api_url, issuer):
    past = int(time.time()) - 3600
    token = issuer.token(scope=JWT_READ, iat=past - 600, exp=past)
    status, body = call(api_url(f"/jwt?nonce={nonce()}"), token)
    assert status == 401, body


def test_a_tampered_token_is_refused(api_url, issuer):
    header, _payload, signature = issuer.token(scope=JWT_READ).split(".")
    forged = _b64(issuer.claims(scope=f"{JWT_READ} {JWT_WRITE}", sub="admin"))
    status, body = call(api_url(f"/jwt?nonce={nonce()}"), f"{header}.{forged}.{signature}")
    assert status == 401, body


def test_a_token_for_another_audience_is_refused(api_url, issuer):
    token = issuer.token(scope=JWT_READ, aud="another-api")
    status, body = call(api_url(f"/jwt?nonce={nonce()}"), token)
    assert status == 401, body


@pytest.mark.parametrize("signature", ["", "c2lnbmF0dXJl"], ids=["empty signature", "made-up signature"])
def test_an_unsigned_alg_none_token_is_refused(api_url, issuer, signature):
    # Without a signature API Gateway refuses the token by the authorizer's pattern; with a made-up one it
    # reaches the function, which refuses alg none.
    header = _b64({"alg": "none", "typ": "JWT", "kid": "e2e-rsa-1"})
    token = f"{header}.{_b64(issuer.claims(scope=JWT_READ))}."
    status, body = call(api_url(f"/jwt?nonce={nonce()}"), token + signature)
    assert status == 401, body


def test_a_jwks_endpoint_that_is_down_refuses_within_the_function_timeout(api_url, issuer):
    # /jwt/outage has its own authorizer (its own key cache) whose JWKS endpoint sends one byte every 0.5 s:
    # no socket read ever times out, so only the authorizer's overall deadline ends the fetch.
    token = issuer.token(scope=JWT_READ)
    before = issuer.fetches.get(OUTAGE_JWKS_PATH, 0)
    started = time.monotonic()
    status, body = call(api_url(f"/jwt/outage?nonce={nonce()}"), token)
    elapsed = time.monotonic() - started
    assert status == 401, body
    assert elapsed < FUNCTION_TIMEOUT_SECONDS, f"refused only after {elapsed:.1f} s"
    assert issuer.fetches.get(OUTAGE_JWKS_PATH, 0) > before  # the authorizer did try to fetch the keys
    # The same kind of token is good on the route whose issuer answers: the outage alone refused it.
    status, body = call(api_url(f"/jwt?nonce={nonce()}"), issuer.token(scope=JWT_READ))
    assert status == 200, body
