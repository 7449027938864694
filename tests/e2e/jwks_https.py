"""The e2e app's JWT issuer: an RSA signing key held by the tests, its JWKS served over https on loopback.

``JWKS_PATH`` answers with the public key. ``OUTAGE_JWKS_PATH`` stands for an issuer in trouble: it answers
one byte every ``trickle_interval`` seconds (status line included) and hangs up after ``trickle_seconds``,
so that only an overall deadline, not a socket timeout, can end a client's fetch.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from e2e_support import JWKS_PATH, JWT_AUDIENCE, JWT_ISSUER, OUTAGE_JWKS_PATH

KID = "e2e-rsa-1"


class _Handler(BaseHTTPRequestHandler):
    timeout = 30

    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_GET(self):  # noqa: N802
        issuer: Issuer = self.server.issuer  # type: ignore[attr-defined]
        issuer.fetches[self.path] = issuer.fetches.get(self.path, 0) + 1
        if self.path == OUTAGE_JWKS_PATH:
            self._trickle(issuer)
            return
        if self.path != JWKS_PATH:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = json.dumps({"keys": [issuer.public_jwk]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _trickle(self, issuer: Issuer) -> None:
        data = json.dumps({"keys": [issuer.public_jwk]}).encode()
        raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        raw += f"Content-Length: {len(data)}\r\n\r\n".encode() + data
        end = time.monotonic() + issuer.trickle_seconds
        try:
            for byte in raw:
                if time.monotonic() > end:
                    break
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(issuer.trickle_interval)
        except OSError:
            issuer.aborted_trickles += 1  # the client gave up and closed the connection
        self.close_connection = True


class Issuer:
    """``with Issuer(port, cert, key) as issuer:`` serves the JWKS; ``issuer.token(...)`` mints tokens."""

    def __init__(self, port: int, cert: str, key: str) -> None:
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        self.public_jwk = {**public, "kid": KID, "use": "sig", "alg": "RS256"}
        self.fetches: dict[str, int] = {}
        self.aborted_trickles = 0
        self.trickle_interval, self.trickle_seconds = 0.5, 30.0
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        self._server.issuer = self  # type: ignore[attr-defined]
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1})

    def __enter__(self) -> Issuer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        base = {
            "iss": JWT_ISSUER,
            "aud": JWT_AUDIENCE,
            "sub": f"e2e-user-{uuid.uuid4().hex[:8]}",
            "iat": now,
            "exp": now + 600,
            "token_use": "access",
            "scope": "",
            "jti": uuid.uuid4().hex,  # every token differs: API Gateway caches verdicts per token
        }
        base.update(overrides)
        return {k: v for k, v in base.items() if v is not None}

    def token(self, *, headers: dict[str, Any] | None = None, **claims: Any) -> str:
        header = {"kid": KID, **(headers or {})}
        return jwt.encode(self.claims(**claims), self.private_key, algorithm="RS256", headers=header)
