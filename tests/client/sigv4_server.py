"""A loopback stand-in for API Gateway's IAM auth: verifies SigV4 signatures independently of botocore.

The canonical request is rebuilt from the request exactly as received (wire path encoded once more, query
decoded and re-encoded, signed headers trimmed) following the SigV4 specification, and the answers mimic
API Gateway's 403 messages so that the client's explanations can be tested.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote

REGION = "eu-west-1"
ACCOUNT = "111122223333"
AUTH_RE = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[A-Z0-9]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)"
    r"/(?P<service>[a-z-]+)"
    r"/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<sig>[0-9a-f]{64})"
)


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def _enc(text: str) -> str:
    return quote(text, safe="-_.~")


class Verifier:
    """Keys it knows (access key -> (secret, session token or None)) and the keys allowed to invoke."""

    def __init__(self) -> None:
        self.secrets: dict[str, tuple[str, str | None]] = {}
        self.allowed: set[str] = set()

    def verify(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, str, str]:
        """(status, error type, message); status 200 means the signature is valid and the key is allowed."""
        auth = headers.get("authorization")
        if not auth:
            return 403, "MissingAuthenticationTokenException", "Missing Authentication Token"
        match = AUTH_RE.fullmatch(auth)
        if not match:
            return (
                403,
                "IncompleteSignatureException",
                "Authorization header requires 'Credential' parameter.",
            )
        if match["region"] != REGION:
            return 403, "InvalidSignatureException", "Credential should be scoped to a valid region. "
        if match["service"] != "execute-api":
            return (
                403,
                "InvalidSignatureException",
                "Credential should be scoped to correct service: 'execute-api'. ",
            )
        amz_date = headers.get("x-amz-date", "")
        try:
            signed_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
        except ValueError:
            return 403, "IncompleteSignatureException", "Date must be in ISO-8601 'basic format'."
        now = datetime.datetime.now(datetime.UTC)
        if now - signed_at > datetime.timedelta(minutes=5):
            earliest = (now - datetime.timedelta(minutes=5)).strftime("%Y%m%dT%H%M%SZ")
            return (
                403,
                "InvalidSignatureException",
                (
                    f"Signature expired: {amz_date} is now earlier than {earliest} "
                    f"({now.strftime('%Y%m%dT%H%M%SZ')} - 5 min.)"
                ),
            )
        if signed_at - now > datetime.timedelta(minutes=5):
            return 403, "InvalidSignatureException", f"Signature not yet current: {amz_date} is still later"
        if match["key"] not in self.secrets:
            return (
                403,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        secret, token = self.secrets[match["key"]]
        signed = match["signed"].split(";")
        if "host" not in signed or "x-amz-date" not in signed or signed != sorted(signed):
            return 403, "IncompleteSignatureException", "Signed headers must include host and x-amz-date."
        if token is not None and (headers.get("x-amz-security-token") != token):
            return (
                403,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        if any(name not in headers for name in signed):
            return 403, "InvalidSignatureException", "A signed header is missing from the request."

        path, _, query = target.partition("?")
        pairs = sorted(
            (_enc(unquote(k)), _enc(unquote(v)))
            for k, _, v in (p.partition("=") for p in query.split("&") if p)
        )
        canonical = "\n".join(
            [
                method,
                quote(path, safe="/-_.~"),  # the wire path, encoded once more (every service but S3)
                "&".join(f"{k}={v}" for k, v in pairs),
                "".join(f"{name}:{' '.join(headers[name].split())}\n" for name in signed),
                ";".join(signed),
                hashlib.sha256(body).hexdigest(),
            ]
        )
        scope = f"{match['date']}/{REGION}/execute-api/aws4_request"
        to_sign = "\n".join(
            ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
        )
        key = _hmac(
            _hmac(_hmac(_hmac(f"AWS4{secret}".encode(), match["date"]), REGION), "execute-api"),
            "aws4_request",
        )
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, match["sig"]):
            return (
                403,
                "InvalidSignatureException",
                (
                    "The request signature we calculated does not match the signature you provided. "
                    "Check your AWS Secret Access Key and signing method. "
                    "Consult the service documentation for details."
                ),
            )
        if match["key"] not in self.allowed:
            resource = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123/prod/{method}{path}"
            return (
                403,
                "AccessDeniedException",
                (
                    f"User: arn:aws:iam::{ACCOUNT}:user/{match['key']} is not authorized to perform: "
                    f"execute-api:Invoke on resource: {resource}"
                ),
            )
        return 200, "", ""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 5  # a stuck client cannot hold a handler thread for long

    def log_message(self, format, *args):  # noqa: A002 - keep the test output quiet
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.2:1/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, error_type, message = self.server.verifier.verify(self.command, self.path, headers, body)
        path, _, query = self.path.partition("?")
        if status == 200:
            payload = {
                "method": self.command,
                "path": unquote(path),
                "query": [
                    [unquote(k), unquote(v)] for k, _, v in (p.partition("=") for p in query.split("&") if p)
                ],
                "body": body.decode("utf-8", errors="replace"),
            }
        else:
            payload = {"message": message}
        data = json.dumps(payload).encode()
        self.send_response(status)
        if error_type:
            self.send_header(
                "x-amzn-ErrorType", f"{error_type}:http://internal.amazon.com/coral/com.amazon.coral.service/"
            )
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, verifier: Verifier) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.verifier = verifier


class LoopbackApi:
    """Start with ``with LoopbackApi() as api:``; ``api.url`` is ``http://127.0.0.1:<port>``."""

    def __init__(self) -> None:
        self.verifier = Verifier()
        self._server = _Server(self.verifier)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})

    def __enter__(self) -> LoopbackApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
