"""Preparing and signing one execute-api request with botocore's SigV4 signer.

What goes on the wire is made canonical before signing (dot segments removed, path and query encoded the
way SigV4 expects), so that what API Gateway receives and recomputes is exactly what was signed.
"""

from __future__ import annotations

import json as _json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.utils import remove_dot_segments

from ..errors import SecureConstructsError

SERVICE = "execute-api"

#: ``{api-id}.execute-api.{region}.amazonaws.com`` (also ``.amazonaws.com.cn``) and the private-API
#: form ``{api-id}-{vpce-id}.execute-api.{region}.vpce.amazonaws.com``.
_EXECUTE_API_HOST = re.compile(
    r"^(?P<api_id>[a-z0-9]+)(?:-vpce-[a-z0-9]+)?\.execute-api\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)"
    r"(?:\.vpce)?\.amazonaws\.com(?:\.cn)?$"
)
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

#: Headers the signer owns; a caller-supplied value would be replaced or would break the signature.
_SIGNER_HEADERS = frozenset({"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"})

Body = bytes | str | Mapping[str, Any] | Sequence[Any] | None
Params = Mapping[str, str] | Iterable[tuple[str, str]] | None


def infer_region(url: str) -> str | None:
    """The region of an ``execute-api`` URL, or None for any other host (e.g. a custom domain)."""
    host = (urlsplit(url).hostname or "").lower()
    match = _EXECUTE_API_HOST.match(host)
    return match.group("region") if match else None


def resolve_region(url: str, region: str | None) -> str:
    """The region to sign for: the URL's own, or the explicit one for custom domains.

    Raises SC-CLI-001 when neither is known and SC-CLI-002 when both are known and differ (a request
    signed for the wrong region is always refused with a 403).
    """
    inferred = infer_region(url)
    if inferred and region and region != inferred:
        raise SecureConstructsError(
            "SC-CLI-002",
            "SigV4Client",
            f"the URL's host is an execute-api endpoint in {inferred}, but region {region!r} was given",
            received=region,
            fix=f"Omit region (it is read from the URL) or pass region={inferred!r}",
        )
    resolved = region or inferred
    if not resolved:
        raise SecureConstructsError(
            "SC-CLI-001",
            "SigV4Client",
            "the region cannot be read from this URL (it is not an *.execute-api.<region>.amazonaws.com "
            "host, e.g. a custom domain)",
            received=urlsplit(url).hostname,
            fix="Pass region='<the API's region>' (CLI: --region), the region where the API is deployed",
        )
    return resolved


def _encode(text: str) -> str:
    """RFC 3986 encoding as SigV4 wants it: only unreserved characters stay literal."""
    return quote(text, safe="-_.~")


def canonical_query(query: str, params: Params = None) -> str:
    """The query to send: every key and value decoded once and re-encoded the SigV4 way, sorted.

    ``+`` in ``query`` is a literal plus (RFC 3986), not a space; write a space as ``%20`` or pass it
    through ``params``, which are taken as plain (unencoded) text.
    """
    pairs: list[tuple[str, str]] = []
    for part in query.split("&") if query else ():
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((_encode(unquote(key)), _encode(unquote(value))))
    if params is not None:
        items = params.items() if isinstance(params, Mapping) else params
        pairs += [(_encode(str(k)), _encode(str(v))) for k, v in items]
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


#: A percent-encoded "." (RFC 3986 6.2.2.2: an encoded unreserved character is the character itself).
_ENCODED_DOT = re.compile("%2e", re.IGNORECASE)


def canonical_path(path: str) -> str:
    """The path to send: dot segments and empty segments removed, each segment encoded once.

    ``%2E`` is decoded before dot segments are removed, so ``/prod/%2e%2e/admin`` is sent as ``/admin``
    rather than as ``/prod/../admin``, which a server that decodes and then resolves the path would read
    as a way out of ``/prod``. Segments are then decoded so that an already-encoded path is not encoded
    twice on the wire; the signer encodes the wire path once more, as SigV4 requires for every service
    but S3.
    """
    normalized = remove_dot_segments(_ENCODED_DOT.sub(".", path or "/")) or "/"
    segments = normalized.split("/")
    return "/".join(_encode(unquote(segment)) for segment in segments)


def redact_url(url: str) -> str:
    """``url`` fit for an error message: the user name and password, and every query value, redacted."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = "<redacted>@" + netloc.rsplit("@", 1)[1]
        query = "&".join(
            f"{part.partition('=')[0]}=<redacted>" if "=" in part else part for part in parts.query.split("&")
        )
        return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    except ValueError:
        return "<unparsable URL, redacted>"


def prepare_url(url: str, params: Params = None) -> str:
    """``url`` with its path and query in canonical wire form (see :func:`canonical_path`)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. a malformed IPv6 host or port
        parts, host = urlsplit(""), None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not host:
        raise SecureConstructsError(
            "SC-CLI-004",
            "SigV4Client",
            "the URL must be an absolute https URL",
            received=redact_url(url),
            fix="Use the API's invoke URL, e.g. https://<api-id>.execute-api.<region>.amazonaws.com/prod/path",
        )
    if parts.username is not None or parts.password is not None:
        raise SecureConstructsError(
            "SC-CLI-004",
            "SigV4Client",
            "the URL carries a user name or password; SigV4 requests are authenticated by their signature, "
            "and credentials in a URL end up in logs and histories",
            received=redact_url(url),
            fix="Remove 'user:password@' from the URL; the signature comes from your AWS credentials",
        )
    if scheme == "http" and host not in _LOOPBACK_HOSTS:
        raise SecureConstructsError(
            "SC-CLI-004",
            "SigV4Client",
            "plain http would send the signed request (and any session token) unencrypted",
            received=redact_url(url),
            fix="Use https (http is accepted only for localhost, 127.0.0.1 and ::1, for local testing)",
        )
    return urlunsplit(
        (scheme, parts.netloc, canonical_path(parts.path), canonical_query(parts.query, params), "")
    )


def encode_body(body: Body, headers: dict[str, str]) -> bytes:
    """The body as bytes; mappings and sequences become JSON (and set Content-Type if missing)."""
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, Mapping | list | tuple):
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        return _json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8")
    raise SecureConstructsError(
        "SC-CLI-005",
        "SigV4Client",
        "the body must be bytes, str, or a JSON-serializable mapping or list",
        received=type(body).__name__,
        fix="Pass body=b'...', body='...', or body={...} (sent as JSON)",
    )


def check_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers``; raises SC-CLI-006 for headers the signer sets itself."""
    for name in headers:
        if name.lower() in _SIGNER_HEADERS:
            raise SecureConstructsError(
                "SC-CLI-006",
                "SigV4Client",
                f"header {name!r} is set by the signer",
                received=name,
                fix="Remove it; the signer adds Authorization, X-Amz-Date and X-Amz-Security-Token",
            )
    return dict(headers)


@dataclass(frozen=True)
class SignedParts:
    """The intermediate values of one signature, for debugging and for the published test vectors."""

    canonical_request: str
    string_to_sign: str
    signature: str
    authorization: str


def sign(request: AWSRequest, credentials: Any, region: str, service: str = SERVICE) -> SignedParts:
    """Sign ``request`` in place with botocore's SigV4 signer and return the intermediate values.

    ``credentials`` is anything with ``access_key``, ``secret_key`` and ``token`` (botocore's
    ``ReadOnlyCredentials``). The payload is always hashed, never ``UNSIGNED-PAYLOAD``.
    """
    signer = SigV4Auth(credentials, service, region)
    signer.add_auth(request)
    # Recompute the intermediate values exactly as add_auth did: without the header it has just added.
    authorization = request.headers["Authorization"]
    del request.headers["Authorization"]
    canonical = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical)
    signature = signer.signature(string_to_sign, request)
    request.headers["Authorization"] = authorization
    if not authorization.endswith(f"Signature={signature}"):  # pragma: no cover - botocore invariant
        raise RuntimeError("botocore's signature and its intermediate values disagree")
    return SignedParts(canonical, string_to_sign, signature, authorization)
