"""The SDK's own models, read from the installed botocore and boto3: operation names per client method,
waiters, and the resource API (``Table.put_item``, ``Bucket.objects``, ``Object.get``)."""

from __future__ import annotations

import functools
import importlib.util
import os
from typing import Any

import botocore
from botocore import xform_name
from botocore.loaders import Loader, create_loader


@functools.cache
def _loader() -> Loader:
    return create_loader()


@functools.cache
def _boto3_loader() -> Loader | None:
    """A loader over boto3's resource models (None when boto3 is not installed); boto3 is not imported."""
    spec = importlib.util.find_spec("boto3")
    if spec is None or not spec.submodule_search_locations:
        return None
    data = os.path.join(next(iter(spec.submodule_search_locations)), "data")
    return Loader(extra_search_paths=[data], include_default_search_paths=False)


@functools.cache
def services() -> frozenset[str]:
    """Every client name botocore knows (``boto3.client(NAME)``)."""
    return frozenset(_loader().list_available_services("service-2"))


@functools.cache
def service_model(service: str) -> dict[str, Any]:
    return _loader().load_service_model(service, "service-2")  # type: ignore[no-any-return]


@functools.cache
def operations(service: str) -> dict[str, str]:
    """``{client method: operation}`` for a botocore service, e.g. ``{"put_item": "PutItem"}``."""
    return {xform_name(name): name for name in service_model(service).get("operations", {})}


def metadata(service: str) -> dict[str, Any]:
    return service_model(service).get("metadata", {})  # type: ignore[no-any-return]


@functools.cache
def input_members(service: str, operation: str) -> frozenset[str]:
    """Names of the top-level request parameters of ``operation``."""
    model = service_model(service)
    shape_name = model["operations"][operation].get("input", {}).get("shape")
    shape = model.get("shapes", {}).get(shape_name, {}) if shape_name else {}
    return frozenset(shape.get("members", {}))


@functools.cache
def waiters(service: str) -> dict[str, str]:
    """``{waiter name as passed to get_waiter: operation}``, e.g. ``{"object_exists": "HeadObject"}``."""
    try:
        model = _loader().load_service_model(service, "waiters-2")
    except Exception:  # noqa: BLE001 - botocore raises DataNotFoundError (and others) for no waiters
        return {}
    return {xform_name(name): spec["operation"] for name, spec in model.get("waiters", {}).items()}


@functools.cache
def paginated(service: str) -> frozenset[str]:
    """Operations that have a paginator."""
    try:
        model = _loader().load_service_model(service, "paginators-1")
    except Exception:  # noqa: BLE001 - no paginators
        return frozenset()
    return frozenset(model.get("pagination", {}))


@functools.cache
def resource_model(service: str) -> dict[str, Any] | None:
    """boto3's resource model of ``service`` (``{"service": ..., "resources": ...}``), or None."""
    loader = _boto3_loader()
    if loader is None:
        return None
    try:
        return loader.load_service_model(service, "resources-1")  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - the service has no resource API
        return None


def versions() -> str:
    """What the models come from (part of the analysis cache key)."""
    spec = importlib.util.find_spec("boto3")
    boto3_version = "none"
    if spec is not None and spec.origin:
        try:
            from importlib.metadata import version

            boto3_version = version("boto3")
        except Exception:  # noqa: BLE001 - installed without metadata
            boto3_version = "unknown"
    return f"botocore {botocore.__version__}, boto3 {boto3_version}"


__all__ = [
    "input_members",
    "metadata",
    "operations",
    "paginated",
    "resource_model",
    "service_model",
    "services",
    "versions",
    "waiters",
    "xform_name",
]
