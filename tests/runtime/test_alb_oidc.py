"""The ALB identity verifier: only an ES256 header signed by this load balancer, with the key published for
its kid, and not expired, is accepted. Keys are generated here; headers are built the way ALB builds them
(base64url segments with their '=' padding, signer/kid/exp in the JWT header)."""

from __future__ import annotations

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

from secure_constructs.runtime import alb_oidc

ALB = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/shop/0123456789abcdef"
OTHER_ALB = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/other/0123456789abcdef"
KID = "2f1c1b8e-3a7d-4e4a-9c1e-5b0d8a6f7e21"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()  # with '=' padding, as ALB writes it


def signed(key: ec.EllipticCurvePrivateKey, claims: dict, **header: object) -> str:
    head = {
        "typ": "JWT",
        "alg": "ES256",
        "kid": KID,
        "signer": ALB,
        "iss": "https://idp",
        "client": "web",
        "exp": int(time.time()) + 60,
        **header,
    }
    signing_input = f"{_b64(json.dumps(head).encode())}.{_b64(json.dumps(claims).encode())}"
    r, s = utils.decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


@pytest.fixture
def key():
    return ec.generate_private_key(ec.SECP256R1())


def published(key):
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    fetched: list[tuple[str, str]] = []

    def fetch(region: str, kid: str) -> bytes:
        fetched.append((region, kid))
        return pem

    return fetch, fetched


def claims_now(**more):
    return {"sub": "user-1", "email": "a@example.com", "exp": int(time.time()) + 60, **more}


def test_a_header_signed_by_this_load_balancer_is_accepted_and_its_key_cached(key):
    fetch, fetched = published(key)
    verifier = alb_oidc.Verifier(ALB, fetcher=fetch)
    assert verifier.verify(signed(key, claims_now()))["sub"] == "user-1"
    verifier.verify(signed(key, claims_now()))
    assert fetched == [("eu-west-1", KID)]  # the region comes from the load balancer's ARN; fetched once


def test_another_load_balancer_s_header_is_refused_before_any_key_is_fetched(key):
    fetch, fetched = published(key)
    with pytest.raises(alb_oidc.Rejected, match="not signed by this load balancer"):
        alb_oidc.Verifier(ALB, fetcher=fetch).verify(signed(key, claims_now(), signer=OTHER_ALB))
    assert fetched == []


def test_a_key_other_than_the_published_one_is_refused(key):
    fetch, _ = published(ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(alb_oidc.Rejected, match="signature"):
        alb_oidc.Verifier(ALB, fetcher=fetch).verify(signed(key, claims_now()))


def test_a_changed_claim_breaks_the_signature(key):
    fetch, _ = published(key)
    token = signed(key, claims_now())
    head, payload, signature = token.split(".")
    forged = _b64(json.dumps(claims_now(sub="admin")).encode())
    with pytest.raises(alb_oidc.Rejected):
        alb_oidc.Verifier(ALB, fetcher=fetch).verify(f"{head}.{forged}.{signature}")


@pytest.mark.parametrize("alg", ["HS256", "none", "RS256"])
def test_only_es256_is_accepted(key, alg):
    fetch, fetched = published(key)
    with pytest.raises(alb_oidc.Rejected, match="ES256"):
        alb_oidc.Verifier(ALB, fetcher=fetch).verify(signed(key, claims_now(), alg=alg))
    assert fetched == []


def test_an_expired_header_is_refused(key):
    fetch, _ = published(key)
    old = int(time.time()) - 3600
    with pytest.raises(alb_oidc.Rejected):
        alb_oidc.Verifier(ALB, fetcher=fetch).verify(signed(key, claims_now(exp=old), exp=old))


@pytest.mark.parametrize("kid", ["../../etc/passwd", "a/b", "", "x" * 200])
def test_a_malformed_key_id_never_reaches_the_key_url(key, kid):
    fetch, fetched = published(key)
    with pytest.raises(alb_oidc.Rejected, match="key id"):
        alb_oidc.Verifier(ALB, fetcher=fetch).verify(signed(key, claims_now(), kid=kid))
    assert fetched == []


def test_a_key_that_cannot_be_fetched_is_a_refusal(key):
    def failing(region: str, kid: str) -> bytes:
        raise OSError("no route")

    with pytest.raises(alb_oidc.Rejected, match="could not be fetched"):
        alb_oidc.Verifier(ALB, fetcher=failing).verify(signed(key, claims_now()))


def test_the_client_can_be_pinned(key):
    fetch, _ = published(key)
    with pytest.raises(alb_oidc.Rejected, match="another client"):
        alb_oidc.Verifier(ALB, fetcher=fetch, client_id="mobile").verify(signed(key, claims_now()))


def test_the_key_url_is_aws_s_regional_endpoint(monkeypatch):
    requested = []

    class Response:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self, size):
            return b"-----BEGIN PUBLIC KEY-----"

    monkeypatch.setattr(
        alb_oidc.urllib.request,
        "urlopen",
        lambda req, timeout: requested.append((req.full_url, timeout)) or Response(),
    )
    alb_oidc.fetch_key("eu-west-1", KID)
    assert requested == [(f"https://public-keys.auth.elb.eu-west-1.amazonaws.com/{KID}", 3.0)]


def test_the_header_is_read_from_single_and_multi_value_events():
    assert alb_oidc.header_of({"headers": {"X-Amzn-Oidc-Data": "t"}}) == "t"
    assert alb_oidc.header_of({"multiValueHeaders": {"x-amzn-oidc-data": ["t"]}}) == "t"
    assert alb_oidc.header_of({"multiValueHeaders": {"x-amzn-oidc-data": ["t", "forged"]}}) is None
    assert alb_oidc.header_of({"headers": {}}) is None


def test_the_verifier_needs_an_application_load_balancer_arn():
    with pytest.raises(ValueError):
        alb_oidc.Verifier("arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/net/x/0123")
    with pytest.raises(ValueError):
        alb_oidc.Verifier.from_env({})
