"""The Auth factory: what each mode accepts and what it refuses at construction time."""

import pytest
from aws_cdk import Duration

from secure_constructs import SecureConstructsError
from secure_constructs.api import Auth


class Pool:
    def __init__(self, issuer_url, client_ids):
        self.issuer_url = issuer_url
        self.client_ids = client_ids


HANDLER = object()  # authorizer functions are only checked when the API builds the authorizer


def test_public_needs_a_specific_reason():
    with pytest.raises(SecureConstructsError, match="SC-API-005"):
        Auth.public("")
    with pytest.raises(SecureConstructsError, match="SC-API-005"):
        Auth.public(None)
    with pytest.raises(SecureConstructsError, match="SC-GEN-003"):
        Auth.public("todo")
    assert Auth.public("  Health check; returns no data  ").reason == "Health check; returns no data"


def test_jwt_needs_an_https_issuer_and_an_audience():
    with pytest.raises(SecureConstructsError, match="SC-API-002"):
        Auth.jwt("https://id.example.com")
    with pytest.raises(SecureConstructsError, match="SC-API-002"):
        Auth.jwt("https://id.example.com", audience=[])
    with pytest.raises(SecureConstructsError, match="SC-API-002"):
        Auth.jwt("http://id.example.com", audience=["shop"])
    with pytest.raises(SecureConstructsError, match="SC-API-002"):
        Auth.jwt(Pool("https://id.example.com", []))
    with pytest.raises(SecureConstructsError, match="SC-API-002"):
        Auth.jwt_lambda("https://id.example.com", [])


def test_jwt_takes_issuer_and_audience_from_a_user_pool():
    mode = Auth.jwt(Pool("https://id.example.com/pool", ["a", "b"]), scopes=["orders/read"])
    assert (mode.issuer, mode.audience, mode.scopes) == (
        "https://id.example.com/pool",
        ("a", "b"),
        ("orders/read",),
    )
    narrowed = Auth.jwt(Pool("https://id.example.com/pool", ["a", "b"]), audience=["a"])
    assert narrowed.audience == ("a",)
    assert narrowed.authorizer_key() != mode.authorizer_key()


def test_authorizer_cache_is_bounded():
    for make in (
        lambda ttl: Auth.lambda_token(HANDLER, result_cache_ttl=ttl),
        lambda ttl: Auth.lambda_request(HANDLER, result_cache_ttl=ttl),
    ):
        with pytest.raises(SecureConstructsError, match="SC-API-003"):
            make(Duration.minutes(10))
        assert make(Duration.minutes(5)).result_cache_ttl.to_seconds() == 300
        assert make(Duration.seconds(0)).result_cache_ttl.to_seconds() == 0


def test_identity_sources_never_come_from_the_query_string():
    with pytest.raises(SecureConstructsError, match="SC-API-004"):
        Auth.lambda_token(HANDLER, header="method.request.querystring.token")
    with pytest.raises(SecureConstructsError, match="SC-API-004"):
        Auth.lambda_request(HANDLER, identity_sources=["Authorization", "$request.querystring.token"])
    with pytest.raises(SecureConstructsError, match="SC-API-004"):
        Auth.jwt("https://id.example.com", ["shop"], header="$request.querystring.jwt")


def test_token_authorizer_reads_one_header():
    assert Auth.lambda_token(HANDLER).identity_sources == ("method.request.header.Authorization",)
    with pytest.raises(SecureConstructsError, match="SC-GEN-005"):
        Auth.lambda_token(HANDLER, header="context.identity.sourceIp")


def test_scopes_and_sources_are_validated():
    with pytest.raises(SecureConstructsError, match="SC-GEN-005"):
        Auth.cognito(object(), scopes="orders/read")
    with pytest.raises(SecureConstructsError, match="SC-GEN-005"):
        Auth.cognito(None)
    with pytest.raises(SecureConstructsError, match="SC-GEN-005"):
        Auth.lambda_request(HANDLER, identity_sources=[])
    with pytest.raises(SecureConstructsError, match="SC-GEN-005"):
        Auth.lambda_request(HANDLER, result_cache_ttl=60)
