"""Names the report gives resources and routes, shared by the collector and the surface sections."""

from __future__ import annotations

from typing import Any

from .model import Finding

_AUTH_RULE_MARKERS = ("APIG4", "COG4", "Auth", "Public")


def construct_path(resource: dict[str, Any]) -> str:
    """The construct path CDK recorded for a resource (``aws:cdk:path`` metadata), or ``""``."""
    metadata = resource.get("Metadata") or {}
    path = metadata.get("aws:cdk:path", "") if isinstance(metadata, dict) else ""
    return path if isinstance(path, str) else ""


def display_name(logical_id: str, resource: dict[str, Any]) -> str:
    """``Stack/Orders/Handler`` (construct path without its ``/Resource`` leaf), else the logical id."""
    path = construct_path(resource)
    if not path:
        return logical_id
    return path[: -len("/Resource")] if path.endswith("/Resource") else path


def public_reason(path: str, acknowledgments: list[Finding]) -> str:
    """The reasons with which the route at ``path`` was accepted without authorization."""
    here = [a for a in acknowledgments if path and a.path == path]
    about_auth = [a for a in here if any(marker in a.rule for marker in _AUTH_RULE_MARKERS)]
    chosen = about_auth or here
    reasons: list[str] = []
    for ack in chosen:
        if ack.reason and ack.reason not in reasons:
            reasons.append(ack.reason)
    return " / ".join(reasons)
