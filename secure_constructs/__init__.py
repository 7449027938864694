"""secure_constructs: AWS CDK v2 constructs for serverless apps that are secure by default.

The public API is what the imports below name; everything else is private. They are written once, under
``TYPE_CHECKING`` (for type checkers and IDEs): ``__all__`` and the lazy imports are read from those same
statements, so that a name is imported on first use and ``secure_constructs.client`` (which needs no CDK)
does not start the jsii runtime.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._node_output import install as _readable_node_output

if TYPE_CHECKING:
    from ._runtime_code import handler_code
    from .acknowledgments import acknowledge
    from .alb import AlbAuth, SecureAlbRoutes
    from .api import (
        ApiGatewayCloudWatchRole,
        Auth,
        CorsOptions,
        DomainOptions,
        SecureHttpApi,
        SecureRestApi,
        WafOptions,
    )
    from .audit import DataEventsTrail, SecurityAlarms
    from .checks import add_checks
    from .client import SigV4Client, signed_request
    from .compute import SecureFunction
    from .compute.bundling import python_code
    from .database import SecureDatabaseInstance, SecureDatabaseProxy
    from .errors import SecureConstructsError
    from .hardening import harden
    from .identity import SecureIdentityPool, SecureUserPool
    from .monitoring import (
        AlarmFactory,
        AnomalyThresholds,
        ApiAlarmOptions,
        ApiAlarms,
        ApiHealthThresholds,
        FunctionAlarmOptions,
        FunctionAlarms,
        FunctionHealthThresholds,
        QueueThresholds,
        SecurityEventThresholds,
        alarm_topic,
        attach_api_alarms,
        attach_function_alarms,
        opt_out_of_alarms,
        queue_alarms,
    )
    from .nag import SecureServerlessChecks
    from .network import NetworkEgress, SecureNetwork
    from .report import write_security_report


def _public_names() -> dict[str, str]:
    """public name -> the module (relative to this package) that defines it: the imports above."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    (block,) = (
        node
        for node in tree.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
    )
    return {
        alias.asname or alias.name: "." * node.level + (node.module or "")
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


_EXPORTS = _public_names()
__all__ = sorted(_EXPORTS)


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("secure-constructs")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


#: The installed distribution's version (``secure-constructs`` package metadata).
__version__ = _package_version()

_readable_node_output()  # Node's banner as text, without importing jsii


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
