"""The JWT authorizer handler with real RSA/EC/Ed25519 tokens and a JWKS served on 127.0.0.1."""

import base64
import fnmatch
import hashlib
import hmac
import json
import os
import pathlib
import subprocess
import sys
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwks_server import JwksServer

from secure_constructs.runtime.jwt_authorizer import handler as h

ISSUER = "https://issuer.example.com/pool"
AUDIENCE = "api://orders"
METHOD_ARN = "arn:aws:execute-api:eu-west-1:111122223333:abc123/prod/GET/orders/42"
PREFIX = "arn:aws:execute-api:eu-west-1:111122223333:abc123/prod"
ROUTES = {
    "orders:read": [["GET", "/orders"], ["GET", "/orders/{id}"]],
    "orders:write": [["POST", "/orders"]],
    "admins": [["ANY", "/admin/{proxy+}"]],
    "orders:audit": [["GET", "/orders/{id}/invoices"]],
}

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
ED_KEY = ed25519.Ed25519PrivateKey.generate()
HMAC_SECRET = b"a-symmetric-secret-of-32-bytes!!"


def jwk(private_key, kid, **extra):
    data = json.loads(_public_jwk(private_key))
    data.update(kid=kid, use="sig", **extra)
    return data


def _public_jwk(private_key):
    public = private_key.public_key()
    if isinstance(private_key, rsa.RSAPrivateKey):
        return jwt.algorithms.RSAAlgorithm.to_jwk(public)
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return jwt.algorithms.ECAlgorithm.to_jwk(public)
    return jwt.algorithms.OKPAlgorithm.to_jwk(public)


def claims(**overrides):
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "iat": now,
        "exp": now + 600,
        "scope": "orders:read",
        "token_use": "access",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def token(key=RSA_KEY, alg="RS256", kid="rsa-1", headers=None, **claim_overrides):
    return jwt.encode(claims(**claim_overrides), key, algorithm=alg, headers={"kid": kid, **(headers or {})})


@pytest.fixture(scope="module")
def jwks():
    with JwksServer() as server:
        server.keys = [jwk(RSA_KEY, "rsa-1"), jwk(EC_KEY, "ec-1"), jwk(ED_KEY, "ed-1")]
        yield server


def make_authorizer(jwks, clock=None, **config):
    settings_ = dict(
        issuer=ISSUER,
        audience=(AUDIENCE,),
        jwks_url=jwks.url,
        scopes_to_routes={s: tuple(map(tuple, r)) for s, r in ROUTES.items()},
        algorithms=frozenset({"RS256", "ES256", "EdDSA"}),
    )
    settings_.update(config)
    cfg = h.Config(**settings_)
    cache = h.JwksCache(
        cfg.jwks_url,
        cfg.jwks_min_refresh_seconds,
        cfg.jwks_cache_seconds,
        max_stale_seconds=cfg.jwks_max_stale_seconds,
        clock=clock or time.monotonic,
    )
    return h.Authorizer(cfg, cache)


@pytest.fixture(scope="module")
def authz(jwks):
    return make_authorizer(jwks)


def token_event(tok, method_arn=METHOD_ARN):
    return {"type": "TOKEN", "authorizationToken": tok, "methodArn": method_arn}


def allowed_resources(response):
    statement = response["policyDocument"]["Statement"][0]
    return statement["Effect"], statement["Resource"]


# --- allow: exactly the routes of the token's scopes ---------------------------------------------------


def test_rs256_token_allows_only_the_routes_of_its_scope(authz):
    response = h.authorize(token_event(token()), authz)
    effect, resources = allowed_resources(response)
    assert effect == "Allow"
    assert resources == [f"{PREFIX}/GET/orders", f"{PREFIX}/GET/orders/*"]
    assert response["principalId"] == "user-1"
    assert response["context"] == {"sub": "user-1", "scope": "orders:read"}


def test_es256_request_event_with_bearer_header_and_scp_list(authz):
    tok = token(EC_KEY, "ES256", "ec-1", scope=None, scp=["orders:write", "unknown:scope"])
    event = {"type": "REQUEST", "methodArn": METHOD_ARN, "headers": {"authorization": f"Bearer {tok}"}}
    effect, resources = allowed_resources(h.authorize(event, authz))
    assert (effect, resources) == ("Allow", [f"{PREFIX}/POST/orders"])


def test_eddsa_token_and_any_method_route(authz):
    tok = token(ED_KEY, "EdDSA", "ed-1", scope="admins")
    effect, resources = allowed_resources(h.authorize(token_event(tok), authz))
    assert (effect, resources) == ("Allow", [f"{PREFIX}/*/admin/*"])


def test_groups_claim_can_carry_the_scopes(jwks):
    authz = make_authorizer(jwks, scope_claims=("cognito:groups",))
    tok = token(scope="orders:write", **{"cognito:groups": ["orders:read"]})
    assert allowed_resources(h.authorize(token_event(tok), authz))[1] == [
        f"{PREFIX}/GET/orders",
        f"{PREFIX}/GET/orders/*",
    ]


def test_no_policy_ever_allows_the_whole_api(authz):
    tok = token(scope="orders:read orders:write admins")
    _, resources = allowed_resources(h.authorize(token_event(tok), authz))
    assert all("*/*" not in r.split("prod", 1)[1] or r.endswith("/*/admin/*") for r in resources)
    assert f"{PREFIX}/*/*" not in resources and f"{PREFIX}/*" not in resources


def test_valid_token_without_a_mapped_scope_gets_a_deny_for_this_method_only(authz):
    response = h.authorize(token_event(token(scope="profile email")), authz)
    assert allowed_resources(response) == ("Deny", [METHOD_ARN])


def test_http_api_simple_response_checks_the_route(authz):
    tok = token()
    event = {
        "version": "2.0",
        "type": "REQUEST",
        "routeKey": "GET /orders/{id}",
        "headers": {"Authorization": f"Bearer {tok}"},
    }
    assert h.authorize(event, authz)["isAuthorized"] is True
    with pytest.raises(h.Denied):
        h.authorize({**event, "routeKey": "POST /orders"}, authz)


def test_access_token_with_client_id_and_no_aud_is_accepted(authz):
    tok = token(aud=None, client_id=AUDIENCE, token_use="access")
    assert allowed_resources(h.authorize(token_event(tok), authz))[0] == "Allow"


def test_aud_list_with_one_accepted_value_is_accepted(authz):
    tok = token(aud=["api://other", AUDIENCE])
    assert allowed_resources(h.authorize(token_event(tok), authz))[0] == "Allow"


def test_leeway_accepts_a_just_expired_token(jwks):
    authz = make_authorizer(jwks, leeway_seconds=60)
    tok = token(exp=int(time.time()) - 30)
    assert allowed_resources(h.authorize(token_event(tok), authz))[0] == "Allow"


# --- deny: every way a token can be wrong --------------------------------------------------------------


def _hs256_with_public_key():
    pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    segments = [
        base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=")
        for part in ({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, claims())
    ]
    signature = hmac.new(pem, b".".join(segments), hashlib.sha256).digest()
    return b".".join([*segments, base64.urlsafe_b64encode(signature).rstrip(b"=")]).decode()


def _unsigned(alg="none"):
    header = base64.urlsafe_b64encode(json.dumps({"alg": alg, "kid": "rsa-1"}).encode()).rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(claims()).encode()).rstrip(b"=").decode()
    return f"{header}.{body}."


BAD_TOKENS = {
    "expired": lambda: token(exp=int(time.time()) - 3600),
    "not yet valid": lambda: token(nbf=int(time.time()) + 3600),
    "wrong issuer": lambda: token(iss="https://evil.example.com/"),
    "wrong audience": lambda: token(aud="api://other"),
    "no audience": lambda: token(aud=None),
    "client_id of another client": lambda: token(aud=None, client_id="another-client"),
    "wrong aud even with a right client_id": lambda: token(aud="api://other", client_id=AUDIENCE),
    "aud of the wrong type": lambda: token(aud={"x": AUDIENCE}),
    "aud list without an accepted value": lambda: token(aud=["a", "b"]),
    "no expiry": lambda: token(exp=None),
    "no subject": lambda: token(sub=None),
    "alg none": lambda: _unsigned(),
    "alg none with signature-less dot": lambda: _unsigned("None"),
    "HS256 with the public key as secret": _hs256_with_public_key,
    "signed by another key under a known kid": lambda: token(OTHER_RSA_KEY),
    "RSA key used with ES256 header": lambda: token(EC_KEY, "ES256", "rsa-1"),
    "algorithm outside the allow-list": lambda: token(alg="PS256"),
    "RS512 not configured": lambda: token(alg="RS512"),
    "jku header": lambda: token(headers={"jku": "https://evil.example.com/jwks.json"}),
    "no kid": lambda: jwt.encode(claims(), RSA_KEY, algorithm="RS256"),
    "empty": lambda: "",
    "bearer only": lambda: "Bearer ",
    "garbage": lambda: "not-a-token",
    "oversized": lambda: "a" * 5000 + "." + "b" * 5000 + ".c",
    "five segments (JWE)": lambda: "a.b.c.d.e",
    "not a string": lambda: 12345,
}


@pytest.mark.parametrize("name", list(BAD_TOKENS))
def test_bad_tokens_are_denied(name, authz):
    with pytest.raises(h.Denied):
        h.authorize(token_event(BAD_TOKENS[name]()), authz)


@pytest.mark.parametrize(
    "event",
    [
        None,
        [],
        {},
        {"type": "TOKEN"},
        {"type": "TOKEN", "authorizationToken": "x"},
        {"type": "OTHER", "methodArn": METHOD_ARN},
        {"version": "2.0"},
    ],
)
def test_malformed_events_are_denied(event, authz):
    with pytest.raises(h.Denied):
        h.authorize(event, authz)


@pytest.mark.parametrize(
    "arn", ["", "arn:aws:s3:::bucket", "arn:aws:execute-api:eu-west-1:1:abc", "nonsense"]
)
def test_malformed_method_arns_are_denied(arn, authz):
    with pytest.raises(h.Denied):
        h.authorize(token_event(token(), method_arn=arn), authz)


# --- JWKS: unknown kid refresh is rate-limited; failures deny ------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_unknown_kid_refreshes_at_most_once_per_interval(jwks):
    clock = FakeClock()
    authz = make_authorizer(jwks, clock=clock, jwks_min_refresh_seconds=60.0)
    h.authorize(token_event(token()), authz)
    first = authz.jwks.fetch_count
    for i in range(20):
        with pytest.raises(h.Denied, match="unknown kid"):
            authz.verify(token(kid=f"forged-{i}"))
    assert authz.jwks.fetch_count == first  # still inside the interval: no fetch per forged kid

    rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks.keys.append(jwk(rotated, "rsa-2"))
    try:
        with pytest.raises(h.Denied):
            authz.verify(token(rotated, kid="rsa-2"))  # new key, but too soon to refetch
        clock.now += 61
        assert authz.verify(token(rotated, kid="rsa-2"))["sub"] == "user-1"  # one refresh picks it up
        assert authz.jwks.fetch_count == first + 1
    finally:
        jwks.keys.pop()


def test_jwks_outage_denies_and_is_not_retried_per_request(jwks):
    clock = FakeClock()
    authz = make_authorizer(jwks, clock=clock)
    jwks.fail = True
    try:
        for _ in range(5):
            with pytest.raises(h.Denied):
                authz.verify(token())
        assert authz.jwks.fetch_count == 1
    finally:
        jwks.fail = False


def test_keys_with_other_uses_or_symmetric_keys_are_ignored(jwks):
    saved = list(jwks.keys)
    jwks.keys[:] = [
        {**jwk(RSA_KEY, "rsa-1"), "use": "enc"},
        {"kty": "oct", "kid": "hmac-1", "k": base64.urlsafe_b64encode(HMAC_SECRET).decode().rstrip("=")},
    ]
    try:
        authz = make_authorizer(jwks)
        with pytest.raises(h.Denied, match="unknown kid"):
            authz.verify(token())
        hs = jwt.encode(claims(), HMAC_SECRET, algorithm="HS256", headers={"kid": "hmac-1"})
        with pytest.raises(h.Denied):
            authz.verify(hs)
    finally:
        jwks.keys[:] = saved


# --- token_use: an ID token is not an access token ---------------------------------------------------


def test_an_id_token_is_refused_where_access_tokens_are_expected(authz):
    with pytest.raises(h.Denied, match="token_use"):
        authz.verify(token(token_use="id"))


def test_a_token_without_token_use_is_refused_by_default(authz):
    with pytest.raises(h.Denied, match="token_use"):
        authz.verify(token(token_use=None))


def test_token_use_id_accepts_id_tokens_only(jwks):
    authz = make_authorizer(jwks, token_use="id")
    assert authz.verify(token(token_use="id"))["sub"] == "user-1"
    with pytest.raises(h.Denied, match="token_use"):
        authz.verify(token(token_use="access"))


def test_token_use_check_can_be_turned_off_for_issuers_without_the_claim(jwks):
    authz = make_authorizer(jwks, token_use=None)
    assert authz.verify(token(token_use=None))["sub"] == "user-1"


def test_token_use_from_the_environment(jwks):
    env = {
        "JWT_ISSUER": ISSUER,
        "JWT_AUDIENCE": json.dumps([AUDIENCE]),
        "JWKS_URL": jwks.url,
        "JWT_SCOPES_TO_ROUTES": json.dumps(ROUTES),
    }
    assert h.Config.from_env(env).token_use == "access"  # the default when the variable is missing
    assert h.Config.from_env({**env, "JWT_TOKEN_USE": "id"}).token_use == "id"
    assert h.Config.from_env({**env, "JWT_TOKEN_USE": ""}).token_use is None


# --- scopes are separated by U+0020 only (RFC 6749, section 3.3) ---------------------------------------


@pytest.mark.parametrize("separator", ["\u00a0", "\t", "\n", "\u2003", "\u3000", "\x1f", "\u2028"])
def test_scopes_are_not_split_on_other_whitespace(authz, separator):
    response = h.authorize(token_event(token(scope=f"orders:read{separator}admins")), authz)
    # one unknown scope "orders:read<separator>admins": it grants nothing, least of all admins
    assert allowed_resources(response) == ("Deny", [METHOD_ARN])


def test_scopes_are_split_on_spaces_and_repeated_spaces_are_ignored(authz):
    response = h.authorize(token_event(token(scope=" orders:read  admins ")), authz)
    expected = [f"{PREFIX}/*/admin/*", f"{PREFIX}/GET/orders", f"{PREFIX}/GET/orders/*"]
    assert allowed_resources(response)[1] == expected


def test_scope_lists_keep_their_items_whole(authz):
    response = h.authorize(token_event(token(scope=None, scp=["orders:read admins"])), authz)
    assert allowed_resources(response) == ("Deny", [METHOD_ARN])


# --- the JWKS fetch has one overall deadline; stale keys are used for a bounded time --------------------


def test_a_trickling_jwks_endpoint_is_given_up_at_the_deadline(jwks, monkeypatch):
    # one byte every 0.2 s: every socket read succeeds quickly, so only an overall deadline ends the fetch
    monkeypatch.setattr(h, "JWKS_DEADLINE_SECONDS", 1.0, raising=False)
    jwks.trickle_seconds = 6.0
    try:
        started = time.monotonic()
        with pytest.raises(Exception):  # noqa: B017 - a timeout of some kind; the time is what matters
            h.fetch_json(jwks.url)
        elapsed = time.monotonic() - started
    finally:
        jwks.trickle_seconds = 0.0
    assert elapsed < 2.0, f"the fetch took {elapsed:.1f} s"


def test_a_trickling_jwks_endpoint_denies_within_the_deadline(jwks, monkeypatch):
    monkeypatch.setattr(h, "JWKS_DEADLINE_SECONDS", 1.0, raising=False)
    authz = make_authorizer(jwks)
    jwks.trickle_seconds = 6.0
    try:
        started = time.monotonic()
        with pytest.raises(h.Denied):
            h.authorize(token_event(token()), authz)
        elapsed = time.monotonic() - started
    finally:
        jwks.trickle_seconds = 0.0
    assert elapsed < 2.0, f"the authorizer waited {elapsed:.1f} s for the JWKS"


def test_the_default_jwks_deadline_leaves_room_in_the_function_timeout():
    # the construct gives the function 10 s; a fetch must end well before that
    assert 0 < h.JWKS_DEADLINE_SECONDS <= 5


def test_stale_keys_are_used_for_a_bounded_time_while_the_issuer_is_down(jwks):
    clock = FakeClock()
    authz = make_authorizer(jwks, clock=clock, jwks_cache_seconds=3600.0, jwks_max_stale_seconds=1800.0)
    assert authz.verify(token())["sub"] == "user-1"  # keys fetched at t0
    jwks.fail = True
    try:
        clock.now += 3600 + 1  # due for a refresh, which fails: the keys are stale but still within the grace
        assert authz.verify(token())["sub"] == "user-1"
        attempts = authz.jwks.fetch_count
        clock.now += 1800 - 2  # still within the grace; retried at most once per min_refresh, not per request
        for _ in range(5):
            assert authz.verify(token())["sub"] == "user-1"
        assert authz.jwks.fetch_count == attempts + 1
        clock.now += 3  # past cache + max_stale since the last successful fetch: the old keys are dropped
        with pytest.raises(h.Denied, match="stale"):
            authz.verify(token())
        clock.now += 3600 * 24  # however long the outage lasts
        with pytest.raises(h.Denied, match="stale"):
            authz.verify(token())
    finally:
        jwks.fail = False
    clock.now += 61  # the issuer is back: the next refresh restores service
    assert authz.verify(token())["sub"] == "user-1"


def test_stale_keys_limit_from_the_environment(jwks):
    env = {
        "JWT_ISSUER": ISSUER,
        "JWT_AUDIENCE": json.dumps([AUDIENCE]),
        "JWKS_URL": jwks.url,
        "JWT_SCOPES_TO_ROUTES": json.dumps(ROUTES),
        "JWKS_MAX_STALE_SECONDS": "600",
    }
    config = h.Config.from_env(env)
    assert config.jwks_max_stale_seconds == 600.0
    assert h.Authorizer(config).jwks.max_stale_seconds == 600.0


# --- the Lambda entry point ------------------------------------------------------------------------------


@pytest.fixture
def env(jwks, monkeypatch):
    monkeypatch.setenv("JWT_ISSUER", ISSUER)
    monkeypatch.setenv("JWT_AUDIENCE", json.dumps([AUDIENCE]))
    monkeypatch.setenv("JWKS_URL", jwks.url)
    monkeypatch.setenv("JWT_SCOPES_TO_ROUTES", json.dumps(ROUTES))
    monkeypatch.setenv("JWT_ALGORITHMS", json.dumps(["RS256", "ES256"]))
    monkeypatch.setattr(h, "_STATE", {})


def test_handler_allows_and_logs_no_token(env, caplog):
    tok = token()
    with caplog.at_level("INFO", logger="jwt_authorizer"):
        response = h.handler(token_event(tok), None)
        with pytest.raises(Exception, match="^Unauthorized$"):
            h.handler(token_event(tok[:-4] + "AAAA"), None)
    assert allowed_resources(response)[0] == "Allow"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "allow" in logged and "unauthorized" in logged
    assert tok not in logged and tok.split(".")[1] not in logged and tok.split(".")[2][:20] not in logged


def test_handler_http_api_returns_is_authorized_false(env):
    event = {"version": "2.0", "routeKey": "GET /orders", "headers": {"authorization": "garbage"}}
    assert h.handler(event, None) == {"isAuthorized": False}


def test_handler_with_broken_configuration_is_unauthorized_not_500(env, monkeypatch):
    monkeypatch.setenv("JWKS_URL", "http://jwks.example.com/keys")  # not https: refused
    with pytest.raises(Exception, match="^Unauthorized$"):
        h.handler(token_event(token()), None)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("algorithms", frozenset({"HS256"})),
        ("algorithms", frozenset({"none"})),
        ("leeway_seconds", 3600),
        ("audience", ()),
        ("scopes_to_routes", {"s": (("GET", "/*"),)}),
        ("scopes_to_routes", {"s": (("FOO", "/x"),)}),
        ("token_use", "refresh"),
        ("token_use", "ACCESS"),
        ("jwks_max_stale_seconds", -1.0),
    ],
)
def test_config_refuses_weak_settings(jwks, key, value):
    with pytest.raises(ValueError):
        make_authorizer(jwks, **{key: value})


def test_the_asset_does_not_import_aws_cdk():
    folder = pathlib.Path(h.__file__).parent
    code = (
        "import sys; import handler; "
        "assert not [m for m in sys.modules if m.startswith(('aws_cdk', 'secure_constructs'))]; print('ok')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr


# --- properties: no malformed or tampered token is ever allowed --------------------------------------------


def _segments(tok):
    return [base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)) for s in tok.split(".")]


def _is_allow(event, authz):
    try:
        response = h.authorize(event, authz)
    except h.Denied:
        return False
    return response.get("isAuthorized") is True or allowed_resources(response)[0] == "Allow"


PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
VALID = token(scope="orders:read")


@PROPS
@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
def test_random_text_is_never_allowed(authz, text):
    assert not _is_allow(token_event(text), authz)


@PROPS
@given(
    st.integers(min_value=0, max_value=len(VALID) - 1),
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
)
def test_a_changed_character_is_never_allowed_unless_the_bytes_are_unchanged(authz, position, char):
    tampered = VALID[:position] + char + VALID[position + 1 :]
    if tampered == VALID:
        return
    allowed = _is_allow(token_event(tampered), authz)
    if allowed:  # base64url's last character can carry unused bits: then nothing was really changed
        assert _segments(tampered) == _segments(VALID)


@PROPS
@given(
    st.dictionaries(
        st.sampled_from(["sub", "scope", "aud", "iss", "exp", "nbf", "scp", "cognito:groups"]),
        st.text(max_size=20) | st.integers() | st.lists(st.text(max_size=10), max_size=3),
    )
)
def test_a_payload_swapped_without_resigning_is_never_allowed(authz, changes):
    header, payload, signature = VALID.split(".")
    forged = json.loads(_segments(VALID)[1])
    forged.update(changes)
    forged["scope"] = "orders:read orders:write admins"
    body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert not _is_allow(token_event(f"{header}.{body}.{signature}"), authz)


@PROPS
@given(
    st.sampled_from(["RS256", "ES256", "EdDSA"]),
    st.fixed_dictionaries(
        {},
        optional={
            "exp": st.integers(min_value=-(10**6), max_value=-120),
            "iss": st.text(max_size=30),
            "aud": st.text(max_size=30),
        },
    ),
)
def test_properly_signed_but_invalid_claims_are_never_allowed(authz, alg, bad):
    key, kid = {"RS256": (RSA_KEY, "rsa-1"), "ES256": (EC_KEY, "ec-1"), "EdDSA": (ED_KEY, "ed-1")}[alg]
    if not bad:
        bad = {"exp": -3600}
    overrides = {k: (int(time.time()) + v if k == "exp" else v) for k, v in bad.items()}
    if overrides.get("iss") == ISSUER or overrides.get("aud") == AUDIENCE:
        return
    tok = token(key, alg, kid, **overrides)
    assert not _is_allow(token_event(tok), authz)


# --- path parameters: IAM's * crosses "/", so routes a pattern shadows get an explicit Deny ----------------


def test_shadowed_deeper_route_gets_an_explicit_deny(authz):
    statements = h.authorize(token_event(token(scope="orders:read")), authz)["policyDocument"]["Statement"]
    assert statements[1] == {
        "Action": "execute-api:Invoke",
        "Effect": "Deny",
        "Resource": [f"{PREFIX}/GET/orders/*/invoices"],
    }


@pytest.mark.parametrize("scope", ["orders:read orders:audit", "orders:audit", "orders:write"])
def test_no_deny_when_nothing_is_shadowed(authz, scope):
    statements = h.authorize(token_event(token(scope=scope)), authz)["policyDocument"]["Statement"]
    assert [s["Effect"] for s in statements] == ["Allow"]


def _iam_allows(policy_document, request):
    """IAM's evaluation for one request: an explicit Deny wins, else any Allow, else an implicit deny."""

    def matches(statement):
        return any(fnmatch.fnmatchcase(f"{PREFIX}/{request}", resource) for resource in statement["Resource"])

    statements = policy_document["Statement"]
    if any(s["Effect"] == "Deny" and matches(s) for s in statements):
        return False
    return any(s["Effect"] == "Allow" and matches(s) for s in statements)


ALL_ROUTES = sorted({tuple(r) for routes in ROUTES.values() for r in routes})


def _owner(method, path):
    """The route API Gateway picks for a concrete request: the matching template with most literals."""
    candidates = []
    for route_method, template in ALL_ROUTES:
        if route_method not in ("ANY", method):
            continue
        regex = "".join(
            "/.+" if seg.endswith("+}") else "/[^/]+" if seg.startswith("{") else "/" + fnmatch.re.escape(seg)
            for seg in template.strip("/").split("/")
        )
        if fnmatch.re.fullmatch(regex, path):
            literals = sum(not seg.startswith("{") for seg in template.split("/"))
            candidates.append((literals, route_method != "ANY", (route_method, template)))
    return max(candidates)[2] if candidates else None


SEGMENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=6)


@PROPS
@given(
    st.sets(st.sampled_from(sorted(ROUTES)), min_size=1),
    st.sampled_from(ALL_ROUTES),
    st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
    st.lists(SEGMENT, min_size=3, max_size=3),
)
def test_cached_policy_allows_exactly_the_granted_routes(authz, scopes, route, any_method, segments):
    method, template = route
    method = any_method if method == "ANY" else method
    values = iter(segments)
    path = "/".join(
        "/".join(segments) if seg.endswith("+}") else next(values) if seg.startswith("{") else seg
        for seg in template.split("/")
    )
    owner = _owner(method, path)
    granted = {tuple(r) for scope in scopes for r in ROUTES[scope]}
    # the policy was computed (and cached) for another method of the API: it must hold for every request
    response = h.authorize(token_event(token(scope=" ".join(sorted(scopes)))), authz)
    assert _iam_allows(response["policyDocument"], f"{method}{path}") == (owner in granted)


def test_jwks_redirect_to_plain_http_is_not_followed(jwks):
    with pytest.raises(ValueError, match="untrusted"):
        h.fetch_json(jwks.url.replace("/.well-known/jwks.json", "/redirect"))


def test_oversized_jwks_document_is_refused(jwks, monkeypatch):
    monkeypatch.setattr(h, "MAX_JWKS_BYTES", 100)
    with pytest.raises(ValueError, match="too large"):
        h.fetch_json(jwks.url)
