"""Secure defaults for Cognito user pools and app clients (data), and the invariants overrides may not weaken.

A missing field of an overriding struct means the CDK default, which is what the invariants judge (e.g. a
``PasswordPolicy(min_length=14)`` keeps CDK's 7-day temporary passwords, longer than ours, so it weakens).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_cognito as cognito

from .._overrides import Invariant

_SS = "SecureServerless-"  # findings of our own pack that a weakened default triggers

#: Access and ID tokens live at most this long unless a reason is given.
TOKEN_VALIDITY = Duration.hours(1)
#: Refresh tokens live at most this long unless a reason is given (Cognito's own default is 30 days).
REFRESH_TOKEN_VALIDITY = Duration.days(7)
#: Temporary passwords of admin-created users expire after this (Cognito's default is 7 days).
TEMP_PASSWORD_VALIDITY = Duration.days(1)
MIN_PASSWORD_LENGTH = 12
#: Scopes of an OAuth client when none are given: sign-in identity only, no admin scope, no phone.
DEFAULT_OAUTH_SCOPES = (cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE)

# CDK's own defaults, used to judge the fields an override leaves out.
_CDK_MIN_PASSWORD_LENGTH = 8
_CDK_TEMP_PASSWORD_DAYS = 7


def field(struct: Any, name: str, default: Any = None) -> Any:
    """Read ``name`` from a jsii struct or from the equivalent ``dict`` (both are accepted by CDK)."""
    if struct is None:
        return default
    value = struct.get(name) if isinstance(struct, Mapping) else getattr(struct, name, None)
    return default if value is None else value


def seconds(duration: Duration) -> float:
    return float(duration.to_seconds(integral=False))


def user_pool_defaults() -> dict[str, Any]:
    """Keyword arguments of ``cognito.UserPool`` for a hardened pool (see docs/identity.md)."""
    return {
        "self_sign_up_enabled": False,
        "sign_in_aliases": cognito.SignInAliases(email=True),
        "sign_in_case_sensitive": False,
        "auto_verify": cognito.AutoVerifiedAttrs(email=True),
        # The old address stays the sign-in and recovery address until the new one is verified.
        "keep_original": cognito.KeepOriginalAttrs(email=True),
        "standard_attributes": cognito.StandardAttributes(
            email=cognito.StandardAttribute(required=True, mutable=True)
        ),
        "mfa": cognito.Mfa.REQUIRED,
        "mfa_second_factor": cognito.MfaSecondFactor(otp=True, sms=False, email=False),
        "password_policy": cognito.PasswordPolicy(
            min_length=MIN_PASSWORD_LENGTH,
            require_lowercase=True,
            require_uppercase=True,
            require_digits=True,
            require_symbols=True,
            temp_password_validity=TEMP_PASSWORD_VALIDITY,
        ),
        "account_recovery": cognito.AccountRecovery.EMAIL_ONLY,
        # Threat protection (compromised-credential checks, adaptive authentication) needs the Plus plan.
        "feature_plan": cognito.FeaturePlan.PLUS,
        "standard_threat_protection_mode": cognito.StandardThreatProtectionMode.FULL_FUNCTION,
        "custom_threat_protection_mode": cognito.CustomThreatProtectionMode.FULL_FUNCTION,
        "deletion_protection": True,
    }


def _weak_password_policy(policy: Any) -> bool:
    if field(policy, "min_length", _CDK_MIN_PASSWORD_LENGTH) < MIN_PASSWORD_LENGTH:
        return True
    classes = ("require_lowercase", "require_uppercase", "require_digits", "require_symbols")
    if not all(field(policy, name, True) for name in classes):
        return True
    validity = field(policy, "temp_password_validity", Duration.days(_CDK_TEMP_PASSWORD_DAYS))
    return seconds(validity) > seconds(TEMP_PASSWORD_VALIDITY)


def _weak_second_factor(factors: Any) -> bool:
    # TOTP (an authenticator app) only: SMS codes can be intercepted (SIM swap) and email codes share the
    # recovery channel, so either one makes the second factor weaker.
    return not field(factors, "otp", False) or bool(field(factors, "sms", False)) or bool(
        field(factors, "email", False)
    )


_THREAT_FINDINGS = (f"{_SS}CognitoThreatProtection[Mode::OFF]", f"{_SS}CognitoThreatProtection[Mode::AUDIT]")

USER_POOL_INVARIANTS: tuple[Invariant, ...] = (
    Invariant(
        "self_sign_up_enabled", "self sign-up off", lambda v: v is not False, (f"{_SS}CognitoSelfSignUp",)
    ),
    Invariant(
        "mfa",
        "MFA required",
        lambda v: v != cognito.Mfa.REQUIRED,
        ("AwsSolutions-COG2", f"{_SS}CognitoMfa[Mfa::OFF]", f"{_SS}CognitoMfa[Mfa::OPTIONAL]"),
    ),
    Invariant("mfa_second_factor", "TOTP as the only second factor", _weak_second_factor),
    Invariant(
        "password_policy",
        f"a password policy of at least {MIN_PASSWORD_LENGTH} characters with every character class and "
        "temporary passwords valid for one day",
        _weak_password_policy,
        (
            "AwsSolutions-COG1",
            f"{_SS}CognitoPasswordPolicy[Weak]",
            f"{_SS}CognitoPasswordPolicy[TemporaryPasswordValidity]",
        ),
    ),
    Invariant(
        "feature_plan",
        "the Plus feature plan (needed for threat protection)",
        lambda v: v != cognito.FeaturePlan.PLUS,
        ("AwsSolutions-COG8", *_THREAT_FINDINGS),
    ),
    Invariant(
        "standard_threat_protection_mode",
        "threat protection enforced",
        lambda v: v != cognito.StandardThreatProtectionMode.FULL_FUNCTION,
        _THREAT_FINDINGS,
    ),
    Invariant(
        "custom_threat_protection_mode",
        "threat protection enforced for custom authentication",
        lambda v: v != cognito.CustomThreatProtectionMode.FULL_FUNCTION,
    ),
    Invariant("auto_verify", "email verification", lambda v: not field(v, "email", False)),
    Invariant("keep_original", "keeping the verified email until a new one is verified",
              lambda v: not field(v, "email", False)),
    Invariant(
        "account_recovery",
        "account recovery by verified email only",
        lambda v: v not in (cognito.AccountRecovery.EMAIL_ONLY, cognito.AccountRecovery.NONE),
    ),
    Invariant("sign_in_case_sensitive", "case-insensitive sign-in names", lambda v: v is not False),
    Invariant("deletion_protection", "deletion protection", lambda v: v is not True),
)

#: Set by SecureUserPool itself: the deprecated switch for threat protection conflicts with the new one.
USER_POOL_MANAGED = frozenset({"advanced_security_mode"})


def client_defaults(*, confidential: bool) -> dict[str, Any]:
    """Keyword arguments of ``cognito.UserPoolClient`` for a hardened app client (OAuth set separately)."""
    return {
        # SRP only; CDK adds ALLOW_REFRESH_TOKEN_AUTH whenever a flow is set.
        "auth_flows": cognito.AuthFlow(user_srp=True),
        "generate_secret": confidential,
        "prevent_user_existence_errors": True,
        "enable_token_revocation": True,
        "access_token_validity": TOKEN_VALIDITY,
        "id_token_validity": TOKEN_VALIDITY,
        "refresh_token_validity": REFRESH_TOKEN_VALIDITY,
        # Lets threat protection see the end user's IP and device when a server-side app signs users in.
        "enable_propagate_additional_user_context_data": confidential,
    }


def _longer_than(limit: Duration) -> Any:
    return lambda v: v is None or seconds(v) > seconds(limit)


def _extra_auth_flows(flows: Any) -> bool:
    extra = ("user_password", "admin_user_password", "custom", "user")
    return any(field(flows, name, False) for name in extra)


CLIENT_INVARIANTS: tuple[Invariant, ...] = (
    Invariant(
        "auth_flows",
        "SRP and refresh-token sign-in only",
        _extra_auth_flows,
        (f"{_SS}CognitoPasswordAuthFlow[Flow::ALLOW_USER_PASSWORD_AUTH]",
         f"{_SS}CognitoPasswordAuthFlow[Flow::ALLOW_ADMIN_USER_PASSWORD_AUTH]"),
    ),
    Invariant(
        "prevent_user_existence_errors",
        "user-existence errors prevented",
        lambda v: v is not True,
        (f"{_SS}CognitoUserExistenceErrors",),
    ),
    Invariant(
        "enable_token_revocation",
        "token revocation",
        lambda v: v is not True,
        (f"{_SS}CognitoTokenRevocation",),
    ),
    Invariant(
        "access_token_validity",
        "access tokens valid for at most one hour",
        _longer_than(TOKEN_VALIDITY),
        (f"{_SS}CognitoTokenLifetime[AccessTokenValidity]",),
    ),
    Invariant(
        "id_token_validity",
        "ID tokens valid for at most one hour",
        _longer_than(TOKEN_VALIDITY),
        (f"{_SS}CognitoTokenLifetime[IdTokenValidity]",),
    ),
    Invariant(
        "refresh_token_validity",
        f"refresh tokens valid for at most {int(seconds(REFRESH_TOKEN_VALIDITY) // 86400)} days",
        _longer_than(REFRESH_TOKEN_VALIDITY),
        (f"{_SS}CognitoTokenLifetime[RefreshTokenValidity]",),
    ),
)

#: Set by add_client itself: the pool, and the secret (from ``confidential``).
CLIENT_MANAGED = frozenset({"user_pool", "generate_secret"})
