"""Calling IAM-authorized API Gateway APIs from Python: SigV4-signed requests, and 403s explained.

``signed_request("GET", "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/orders")`` signs with
botocore's SigV4 signer for ``execute-api`` using the standard credential chain (environment, profile,
SSO, role, container and instance credentials), infers the region from the URL and returns a
:class:`Response`; a 403 carries :attr:`Response.explanation`. The CLI is ``python -m
secure_constructs.client``.
"""

from __future__ import annotations

import json as _json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import botocore.session
from botocore.awsrequest import AWSRequest
from botocore.exceptions import BotoCoreError

from ..errors import SecureConstructsError
from ._explain import explain_forbidden
from ._sigv4 import (
    SERVICE,
    Body,
    Params,
    SignedParts,
    check_headers,
    encode_body,
    infer_region,
    prepare_url,
    resolve_region,
    sign,
)

__all__ = [
    "Response",
    "SigV4Client",
    "SignedParts",
    "explain_forbidden",
    "infer_region",
    "signed_request",
]

#: Responses larger than this are cut (and flagged) rather than read into memory unbounded.
DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Response:
    """What the API answered. ``explanation`` is set for a 403 (the likely cause and the fix)."""

    status: int
    headers: dict[str, str]
    body: bytes
    url: str
    explanation: str | None = None
    truncated: bool = False
    signed: SignedParts | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """True for a 2xx status."""
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (invalid bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return _json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A signed request must not be replayed to wherever a redirect points."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


class SigV4Client:
    """Signs and sends requests to IAM-authorized (``AWS_IAM``) API Gateway APIs.

    :param region: the API's region. Default: read from the ``*.execute-api.<region>.amazonaws.com``
        host; required for custom domains (SC-CLI-001), and must match the URL's region when both are
        known (SC-CLI-002).
    :param profile: a named profile from the AWS config files. Default: None (the standard credential
        chain: environment variables, the default profile, SSO, web identity, container, instance).
    :param credentials: explicit botocore credentials (anything with ``access_key``, ``secret_key``,
        ``token``; refreshable credentials are refreshed before each request). Default: None (resolved
        from ``profile`` / the credential chain at the first request).
    :param timeout: seconds to wait for the connection and each read. Default: 30.
    :param max_response_bytes: largest body read; longer bodies are cut and flagged ``truncated``.
        Default: 10 MiB.
    :param service: the signing name. Default: ``execute-api`` (the only service API Gateway accepts).
    """

    def __init__(
        self,
        *,
        region: str | None = None,
        profile: str | None = None,
        credentials: Any = None,
        timeout: float = 30.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        service: str = SERVICE,
    ) -> None:
        self.region = region
        self.profile = profile
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.service = service
        self._credentials = credentials
        self._opener = urllib.request.build_opener(_NoRedirect())

    def credentials(self) -> Any:
        """Frozen credentials for one signature (SC-CLI-003 when the chain finds none)."""
        creds = self._credentials
        if creds is None:
            try:
                session = botocore.session.Session(profile=self.profile)
                creds = session.get_credentials()
            except BotoCoreError as error:  # e.g. ProfileNotFound
                raise SecureConstructsError(
                    "SC-CLI-003",
                    "SigV4Client",
                    f"the credential chain failed: {error}",
                    received=self.profile,
                    fix="Check the profile name (aws configure list-profiles) or configure credentials",
                ) from error
            if creds is None:
                raise SecureConstructsError(
                    "SC-CLI-003",
                    "SigV4Client",
                    "no AWS credentials were found by the standard credential chain",
                    received=self.profile or "<default chain>",
                    fix="Set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, run aws sso login, or "
                    "pass profile= (CLI: --profile)",
                )
            self._credentials = creds
        frozen = getattr(creds, "get_frozen_credentials", None)
        return frozen() if frozen else creds

    def prepare(
        self,
        method: str,
        url: str,
        *,
        body: Body = None,
        headers: Mapping[str, str] | None = None,
        params: Params = None,
    ) -> tuple[AWSRequest, SignedParts]:
        """The signed request, not sent: for inspection, or for sending with another HTTP client."""
        wire_url = prepare_url(url, params)
        region = resolve_region(wire_url, self.region)
        all_headers = check_headers(headers or {})
        data = encode_body(body, all_headers)
        request = AWSRequest(method=method.upper(), url=wire_url, headers=all_headers, data=data)
        parts = sign(request, self.credentials(), region, self.service)
        return request, parts

    def request(
        self,
        method: str,
        url: str,
        *,
        body: Body = None,
        headers: Mapping[str, str] | None = None,
        params: Params = None,
    ) -> Response:
        """Sign and send one request; HTTP errors are returned as a :class:`Response`, not raised.

        Raises ``urllib.error.URLError`` (an ``OSError``) when the API cannot be reached at all.

        :param method: the HTTP method. Default: none (required).
        :param url: the invoke URL (path and query are sent in canonical form). Default: none (required).
        :param body: bytes, str, or a mapping/list sent as JSON. Default: None (no body).
        :param headers: extra headers (signed too). Default: None.
        :param params: extra query parameters as plain text. Default: None.
        """
        prepared, parts = self.prepare(method, url, body=body, headers=headers, params=params)
        region = resolve_region(prepared.url, self.region)
        return send(
            prepared,
            timeout=self.timeout,
            limit=self.max_response_bytes,
            opener=self._opener,
            signed=parts,
            region=region,
        )

    def get(self, url: str, **kwargs: Any) -> Response:
        """``request("GET", url, ...)``."""
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        """``request("POST", url, ...)``."""
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Response:
        """``request("PUT", url, ...)``."""
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        """``request("DELETE", url, ...)``."""
        return self.request("DELETE", url, **kwargs)


def send(
    request: AWSRequest,
    *,
    timeout: float = 30.0,
    limit: int = DEFAULT_MAX_RESPONSE_BYTES,
    opener: urllib.request.OpenerDirector | None = None,
    signed: SignedParts | None = None,
    region: str | None = None,
) -> Response:
    """Send an (already signed or deliberately unsigned) request with urllib; never follows redirects."""
    opener = opener or urllib.request.build_opener(_NoRedirect())
    body = request.body or None
    raw = urllib.request.Request(request.url, data=body, method=request.method)
    for name, value in request.headers.items():
        raw.add_header(name, value)
    raw.add_header("User-Agent", "secure-constructs-sigv4-client")
    try:
        handle = opener.open(raw, timeout=timeout)
    except urllib.error.HTTPError as error:
        handle = error
    with handle:
        status = handle.status if hasattr(handle, "status") and handle.status else handle.getcode()
        headers = {k: v for k, v in handle.headers.items()}
        data = handle.read(limit + 1)
    truncated = len(data) > limit
    data = data[:limit]
    explanation = None
    if status == 403:
        explanation = explain_forbidden(headers, data, signed=signed is not None, region=region)
    return Response(status, headers, data, request.url, explanation, truncated, signed)


def signed_request(
    method: str,
    url: str,
    *,
    body: Body = None,
    headers: Mapping[str, str] | None = None,
    params: Params = None,
    region: str | None = None,
    credentials: Any = None,
    profile: str | None = None,
    timeout: float = 30.0,
) -> Response:
    """Sign one request for ``execute-api`` and send it; see :class:`SigV4Client` for the parameters."""
    client = SigV4Client(region=region, profile=profile, credentials=credentials, timeout=timeout)
    return client.request(method, url, body=body, headers=headers, params=params)
