"""Helpers for the e2e checks: waiting for eventually-consistent grants, and TOTP codes for Cognito MFA."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import time
from collections.abc import Callable
from typing import Any

ON_EMULATOR = bool(os.environ.get("SC_E2E_ENDPOINT"))

# --- the JWT issuer of the e2e app: the tests hold its signing key and serve its JWKS on loopback --------
#: Where the JWKS server of the tests listens (https://127.0.0.1:<port>); the harness picks the port. Without
#: it the e2e app has no JWT routes and their tests are skipped (e.g. against a real account).
JWKS_BASE = os.environ.get("SC_E2E_JWKS_BASE")
JWT_ISSUER = "https://issuer.e2e.secure-constructs.example"
JWT_AUDIENCE = "e2e-api"
#: The JWKS path of the authorizer on GET /jwt and /jwt/other, and of the one on GET /jwt/outage, whose
#: endpoint only ever answers slowly (one byte at a time).
JWKS_PATH, OUTAGE_JWKS_PATH = "/keys/jwks.json", "/outage/jwks.json"
JWT_READ, JWT_WRITE = "e2e/jwt.read", "e2e/jwt.write"
#: The resource server of the Cognito pool and the scope GET /cognito/scoped requires.
COGNITO_SCOPE_SERVER = "e2e"
COGNITO_READ, COGNITO_WRITE = "e2e/orders.read", "e2e/orders.write"


def eventually(call: Callable[[], Any], accept: Callable[[Any], bool], *, seconds: float | None = None):
    """``call()`` until ``accept(result)``; a real account needs a few seconds for new IAM grants to apply.

    Only positive expectations use it (a refusal is checked once: waiting could hide a late allow).
    """
    limit = seconds if seconds is not None else (2 if ON_EMULATOR else 30)
    end = time.monotonic() + limit
    while True:
        result = call()
        if accept(result) or time.monotonic() > end:
            return result
        time.sleep(1)


def totp(secret: str, *, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """An RFC 6238 time-based one-time password (what an authenticator app shows) for a base32 secret."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return str(code).zfill(digits)
