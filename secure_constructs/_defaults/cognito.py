"""Secure defaults for Cognito user pools and app clients (data).

The security settings are the declared defaults of their properties (``secure_constructs.nag.rules.
cognito``); an override is judged by those properties' rules on the pool or client it builds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import aws_cognito as cognito

from ..nag.declarations import defaults_of

#: Scopes of an OAuth client when none are given: sign-in identity only, no admin scope, no phone.
DEFAULT_OAUTH_SCOPES = (cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE)

def field(struct: Any, name: str, default: Any = None) -> Any:
    """Read ``name`` from a jsii struct or from the equivalent ``dict`` (both are accepted by CDK)."""
    if struct is None:
        return default
    value = struct.get(name) if isinstance(struct, Mapping) else getattr(struct, name, None)
    return default if value is None else value


def user_pool_defaults() -> dict[str, Any]:
    """Keyword arguments of ``cognito.UserPool`` for a hardened pool (see docs/identity.md): the declared
    secure defaults (``secure_constructs.nag.rules.cognito``) and sign-in by a verified email."""
    return {
        "sign_in_aliases": cognito.SignInAliases(email=True),
        "standard_attributes": cognito.StandardAttributes(
            email=cognito.StandardAttribute(required=True, mutable=True)
        ),
        **defaults_of("SecureUserPool"),
    }


#: Set by SecureUserPool itself: the deprecated switch for threat protection conflicts with the new one.
USER_POOL_MANAGED = frozenset({"advanced_security_mode"})


def client_defaults(*, confidential: bool) -> dict[str, Any]:
    """Keyword arguments of ``cognito.UserPoolClient`` for a hardened app client (OAuth set separately):
    the declared secure defaults (SRP only, short tokens, revocation, no user-existence errors)."""
    return {
        **defaults_of("SecureUserPool.add_client"),
        "generate_secret": confidential,
        # Lets threat protection see the end user's IP and device when a server-side app signs users in.
        "enable_propagate_additional_user_context_data": confidential,
    }


#: Set by add_client itself: the pool, and the secret (from ``confidential``).
CLIENT_MANAGED = frozenset({"user_pool", "generate_secret"})
