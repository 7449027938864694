"""Turning API Gateway's 403 answers into the likely cause and the fix.

API Gateway tells the causes apart only by its error message (and the ``x-amzn-ErrorType`` header), so
the explanation is chosen from those; the local clock is compared with the response's ``Date`` header to
spot skew even when the message is ambiguous.
"""

from __future__ import annotations

import email.utils
import json
from collections.abc import Mapping
from datetime import UTC, datetime

#: SigV4 requests are refused when the signing time is more than this far from AWS's clock.
MAX_SKEW_SECONDS = 5 * 60


def error_message(body: bytes) -> str:
    """The ``message`` API Gateway put in a JSON error body, or the body's text."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text[:500]
    if isinstance(data, dict):
        for key in ("message", "Message", "errorMessage"):
            if isinstance(data.get(key), str):
                return data[key]
    return text[:500]


def clock_skew_seconds(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Local clock minus the server's (from the ``Date`` header), or None if it has none."""
    value = next((v for k, v in headers.items() if k.lower() == "date"), None)
    if not value:
        return None
    try:
        server = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if server.tzinfo is None:
        server = server.replace(tzinfo=UTC)
    return ((now or datetime.now(UTC)) - server).total_seconds()


def explain_forbidden(
    headers: Mapping[str, str],
    body: bytes,
    *,
    signed: bool = True,
    region: str | None = None,
    now: datetime | None = None,
) -> str:
    """One paragraph: why API Gateway most likely answered 403, and what to do about it."""
    message = error_message(body)
    lowered = message.lower()
    error_type = next((v for k, v in headers.items() if k.lower() == "x-amzn-errortype"), "")
    skew = clock_skew_seconds(headers, now)
    quoted = f'API Gateway said: "{message}".' if message else "API Gateway gave no message."

    if (
        "signature expired" in lowered
        or "signature not yet current" in lowered
        or (skew is not None and abs(skew) > MAX_SKEW_SECONDS)
    ):
        detail = f" This machine's clock is {skew:+.0f} s off the server's." if skew is not None else ""
        return (
            f"{quoted} Clock skew: SigV4 signatures are valid for 5 minutes around AWS's time.{detail} "
            "Synchronize the clock (NTP) and retry."
        )
    if "missing authentication token" in lowered or error_type.startswith("MissingAuthenticationToken"):
        if not signed:
            return f"{quoted} The request was not signed. Sign it with SigV4 for the execute-api service."
        return (
            f"{quoted} The request was signed, so API Gateway found no resource and method for this path: "
            "check the stage name, the path (case-sensitive) and the HTTP method. (API Gateway answers "
            "unknown routes with this message instead of 404.)"
        )
    if "credential should be scoped to a valid region" in lowered or "scoped to correct region" in lowered:
        hint = f" It was signed for {region}." if region else ""
        return (
            f"{quoted} Wrong region: the signature's region must be the API's region.{hint} For a custom "
            "domain pass region= (CLI: --region) explicitly."
        )
    if "scoped to correct service" in lowered:
        return f"{quoted} Wrong service: requests to API Gateway must be signed for 'execute-api'."
    if "signature we calculated does not match" in lowered or error_type.startswith("InvalidSignature"):
        return (
            f"{quoted} Signature mismatch: the secret key is wrong, or something between this client and "
            "API Gateway changed the path, query, body or a signed header (a proxy rewriting the request), "
            "or the request was signed for another host."
        )
    if "security token included in the request is expired" in lowered:
        return f"{quoted} The session credentials have expired. Refresh them (e.g. aws sso login) and retry."
    if "security token included in the request is invalid" in lowered or error_type.startswith(
        "UnrecognizedClient"
    ):
        return (
            f"{quoted} The access key or session token is not valid (deleted key, truncated token, or "
            "credentials from another partition)."
        )
    if "not authorized to perform: execute-api:invoke" in lowered or error_type.startswith("AccessDenied"):
        if "explicit deny" in lowered:
            return (
                f"{quoted} An explicit Deny applies (IAM policy, permissions boundary, SCP or the API's "
                "resource policy). Remove or narrow the Deny; an Allow cannot override it."
            )
        if "user: anonymous" in lowered:
            return (
                f"{quoted} The API's resource policy does not allow this caller (or the request reached a "
                "private API from outside its VPC endpoint)."
            )
        return (
            f"{quoted} Missing grant: the caller's identity has no execute-api:Invoke permission on this "
            "method. Grant it, e.g. api.grant_invoke(role) / an IAM policy on "
            "arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>."
        )
    if "authorization header requires" in lowered or error_type.startswith("IncompleteSignature"):
        return f"{quoted} The Authorization header is malformed; sign with SigV4 (this client does)."
    if not signed:
        return f"{quoted} The request was not signed; IAM-authorized APIs need a SigV4 signature."
    return (
        f"{quoted} Forbidden for a reason other than the signature: a resource policy, a WAF rule, a "
        "missing API key (x-api-key) or a private API reached from outside its VPC endpoint."
    )
