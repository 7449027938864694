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
