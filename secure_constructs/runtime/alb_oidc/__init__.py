"""Verify the ``x-amzn-oidc-data`` header an Application Load Balancer adds after authenticating a user.

The listener's authentication alone is not trusted: anyone who can reach the function another way (a test
invoke, another load balancer, a misrouted request) can send the header. The header is a JWT signed by the
load balancer with ES256; its header names the key (``kid``) and the load balancer (``signer``). This module
accepts it only when the signer is exactly this load balancer's ARN, the algorithm is ES256, the signature
verifies with the key published for that ``kid`` at ``https://public-keys.auth.elb.<region>.amazonaws.com``,
and it has not expired. Depends on PyJWT with ``cryptography``; never imports aws_cdk; never logs a token.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

import jwt
from jwt.exceptions import PyJWTError

HEADER = "x-amzn-oidc-data"
ALB_ARN_ENV = "ALB_ARN"
KEY_URL = "https://public-keys.auth.elb.{region}.amazonaws.com/{kid}"
#: A kid is a UUID; anything else never reaches the key URL (no path tricks).
_KID = re.compile(r"^[A-Za-z0-9-]{1,128}$")
_ALB_ARN = re.compile(
    r"^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):\d{12}:loadbalancer/app/[^/]+/[0-9a-f]+$"
)
MAX_HEADER_CHARS = 16 * 1024
MAX_KEY_BYTES = 4096
FETCH_TIMEOUT_SECONDS = 3.0
#: Keys are immutable per kid; a bounded cache keeps a warm function from fetching them again.
_CACHE_LIMIT = 16


class Rejected(Exception):
    """The header is not this load balancer's proof of authentication; ``reason`` is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


KeyFetcher = Callable[[str, str], bytes]


def fetch_key(region: str, kid: str) -> bytes:
    """The PEM public key AWS publishes for ``kid`` in ``region`` (https, bounded size and time)."""
    url = KEY_URL.format(region=region, kid=kid)
    request = urllib.request.Request(url, headers={"Accept": "application/x-pem-file"})
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310 - https only
        body: bytes = response.read(MAX_KEY_BYTES + 1)
    if len(body) > MAX_KEY_BYTES:
        raise Rejected("the published key is too large")
    return body


class Verifier:
    """Verifies headers for one load balancer (its ARN gives the region of the key endpoint)."""

    def __init__(
        self,
        alb_arn: str,
        *,
        fetcher: KeyFetcher = fetch_key,
        leeway_seconds: int = 60,
        client_id: str | None = None,
    ) -> None:
        match = _ALB_ARN.match(alb_arn or "")
        if match is None:
            raise ValueError("alb_arn must be an application load balancer's ARN")
        self.alb_arn = alb_arn
        self.region = match.group(1)
        self._fetcher = fetcher
        self._leeway = leeway_seconds
        self._client_id = client_id
        self._keys: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, **kwargs: Any) -> Verifier:
        """A verifier for the load balancer named by ``ALB_ARN`` (SecureAlbRoutes sets it)."""
        return cls(env.get(ALB_ARN_ENV, ""), **kwargs)

    def _key(self, kid: str) -> bytes:
        with self._lock:
            known = self._keys.get(kid)
        if known is not None:
            return known
        try:
            key = self._fetcher(self.region, kid)
        except Rejected:
            raise
        except Exception as error:  # noqa: BLE001 - any failure to get the key is a refusal
            raise Rejected(f"the signing key could not be fetched ({type(error).__name__})") from error
        with self._lock:
            if len(self._keys) >= _CACHE_LIMIT:
                self._keys.pop(next(iter(self._keys)))
            self._keys[kid] = key
        return key

    def verify(self, token: str | None, *, now: float | None = None) -> dict[str, Any]:
        """The user's claims from a valid header; raises :class:`Rejected` otherwise."""
        if not isinstance(token, str) or not token or len(token) > MAX_HEADER_CHARS:
            raise Rejected("missing or oversized header")
        header = _header(token)
        if header.get("alg") != "ES256":
            raise Rejected("the algorithm is not ES256")
        if header.get("signer") != self.alb_arn:
            raise Rejected("the header was not signed by this load balancer")
        if self._client_id is not None and header.get("client") != self._client_id:
            raise Rejected("the header was issued for another client")
        kid = header.get("kid")
        if not isinstance(kid, str) or not _KID.match(kid):
            raise Rejected("the key id is malformed")
        key = self._key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["ES256"],
                leeway=self._leeway,
                options={"verify_aud": False, "verify_iss": False, "verify_exp": True},
            )
        except PyJWTError as error:
            raise Rejected(f"the signature or a claim is invalid ({type(error).__name__})") from error
        expires = claims.get("exp", header.get("exp"))
        current = time.time() if now is None else now
        if not isinstance(expires, int | float) or current > float(expires) + self._leeway:
            raise Rejected("the header has expired")
        return claims


def _header(token: str) -> dict[str, Any]:
    """The JWT header, decoded without trusting it (ALB pads its base64url segments with '=')."""
    segment = token.split(".", 1)[0]
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise Rejected("the header is not a JWT") from error
    if not isinstance(value, dict):
        raise Rejected("the header is not a JWT")
    return value


def header_of(event: Mapping[str, Any]) -> str | None:
    """``x-amzn-oidc-data`` from an ALB Lambda event (single- or multi-value headers)."""
    headers = event.get("headers") or {}
    for name, value in headers.items():
        if str(name).lower() == HEADER:
            return str(value)
    for name, values in (event.get("multiValueHeaders") or {}).items():
        if str(name).lower() == HEADER and values:
            if len(values) != 1:
                return None  # two headers: one was added by the client
            return str(values[0])
    return None


__all__ = ["ALB_ARN_ENV", "HEADER", "KEY_URL", "Rejected", "Verifier", "fetch_key", "header_of"]
