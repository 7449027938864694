"""secure_constructs: AWS CDK v2 constructs for serverless apps that are secure by default.

The public API is what ``__all__`` lists; everything else is private.
"""

from .acknowledgments import acknowledge
from .checks import add_checks
from .errors import SecureConstructsError

__all__ = [
    "SecureConstructsError",
    "acknowledge",
    "add_checks",
]

# Each area below re-exports its public names. Keep one block per area (edit only your own block).
# --- compute ---
from .compute import SecureFunction  # noqa: E402

__all__ += ["SecureFunction"]
from .compute.bundling import python_code  # noqa: E402

__all__ += ["python_code"]
# --- api ---
from .api import (  # noqa: E402
    ApiGatewayCloudWatchRole,
    Auth,
    CorsOptions,
    DomainOptions,
    SecureHttpApi,
    SecureRestApi,
    WafOptions,
)

__all__ += [
    "ApiGatewayCloudWatchRole",
    "Auth",
    "CorsOptions",
    "DomainOptions",
    "SecureHttpApi",
    "SecureRestApi",
    "WafOptions",
]
# --- identity ---
from .identity import SecureIdentityPool, SecureUserPool  # noqa: E402

__all__ += ["SecureIdentityPool", "SecureUserPool"]
# --- audit / monitoring ---
from .audit import DataEventsTrail, SecurityAlarms  # noqa: E402
from .monitoring import (  # noqa: E402
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

__all__ += [
    "AlarmFactory",
    "AnomalyThresholds",
    "ApiAlarmOptions",
    "ApiAlarms",
    "ApiHealthThresholds",
    "DataEventsTrail",
    "FunctionAlarmOptions",
    "FunctionAlarms",
    "FunctionHealthThresholds",
    "QueueThresholds",
    "SecurityAlarms",
    "SecurityEventThresholds",
    "alarm_topic",
    "attach_api_alarms",
    "attach_function_alarms",
    "opt_out_of_alarms",
    "queue_alarms",
]
# --- nag ---
from .nag import SecureServerlessChecks  # noqa: E402

__all__ += ["SecureServerlessChecks"]
