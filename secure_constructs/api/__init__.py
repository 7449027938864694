"""API Gateway constructs: every route authenticated (or public with a reason), logged and throttled."""

from ._routes import CorsOptions
from .account import ApiGatewayCloudWatchRole
from .auth import Auth, AuthMode
from .domain import DomainOptions
from .http import SecureHttpApi
from .rest import SecureRestApi
from .waf import WafOptions

__all__ = [
    "ApiGatewayCloudWatchRole",
    "Auth",
    "AuthMode",
    "CorsOptions",
    "DomainOptions",
    "SecureHttpApi",
    "SecureRestApi",
    "WafOptions",
]
