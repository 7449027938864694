"""secure_constructs: AWS CDK v2 constructs for serverless apps that are secure by default.

The public API is what ``__all__`` lists; everything else is private. Names are imported on first use, so
that ``secure_constructs.client`` (which needs no CDK) does not start the jsii runtime.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: public name -> module that defines it (relative to this package)
_EXPORTS: dict[str, str] = {
    # foundation
    "SecureConstructsError": ".errors",
    "acknowledge": ".acknowledgments",
    "add_checks": ".checks",
    # compute
    "SecureFunction": ".compute",
    "python_code": ".compute.bundling",
    # api
    "ApiGatewayCloudWatchRole": ".api",
    "Auth": ".api",
    "CorsOptions": ".api",
    "DomainOptions": ".api",
    "SecureHttpApi": ".api",
    "SecureRestApi": ".api",
    "WafOptions": ".api",
    # identity
    "SecureIdentityPool": ".identity",
    "SecureUserPool": ".identity",
    # audit / monitoring
    "DataEventsTrail": ".audit",
    "SecurityAlarms": ".audit",
    "AlarmFactory": ".monitoring",
    "AnomalyThresholds": ".monitoring",
    "ApiAlarmOptions": ".monitoring",
    "ApiAlarms": ".monitoring",
    "ApiHealthThresholds": ".monitoring",
    "FunctionAlarmOptions": ".monitoring",
    "FunctionAlarms": ".monitoring",
    "FunctionHealthThresholds": ".monitoring",
    "QueueThresholds": ".monitoring",
    "SecurityEventThresholds": ".monitoring",
    "alarm_topic": ".monitoring",
    "attach_api_alarms": ".monitoring",
    "attach_function_alarms": ".monitoring",
    "opt_out_of_alarms": ".monitoring",
    "queue_alarms": ".monitoring",
    # nag
    "SecureServerlessChecks": ".nag",
    # harden
    "harden": ".hardening",
    # client
    "SigV4Client": ".client",
    "signed_request": ".client",
    # report
    "write_security_report": ".report",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # what type checkers and IDEs see
    from .acknowledgments import acknowledge
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
    from .report import write_security_report
