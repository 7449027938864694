"""Cognito rules: user pools (sign-up, MFA, passwords, threat protection), app clients, identity pools."""

from __future__ import annotations

from typing import Any

from .._model import Compliance, RuleResult
from .._template import TemplateContext, as_list, get_path, props

PASSWORD_FLOWS = (
    "ALLOW_USER_PASSWORD_AUTH",
    "USER_PASSWORD_AUTH",
    "ADMIN_NO_SRP_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
)
MAX_ACCESS_TOKEN_MINUTES = 60
MAX_REFRESH_TOKEN_DAYS = 30
_MINUTES = {"seconds": 1 / 60, "minutes": 1, "hours": 60, "days": 24 * 60}


def _true(value: Any) -> bool:
    return value in (True, "true")


def cognito_self_sign_up(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Only administrators create users (self sign-up lets anyone on the internet get a token)."""
    admin_only = ctx.decide(
        get_path(props(resource), "AdminCreateUserConfig", "AllowAdminCreateUserOnly"),
        _true,
        "AllowAdminCreateUserOnly",
    )
    return Compliance.COMPLIANT if admin_only else Compliance.NON_COMPLIANT


def cognito_mfa(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """MFA is required for every user (MfaConfiguration ON)."""
    mode = ctx.literal(props(resource).get("MfaConfiguration"), "MfaConfiguration") or "OFF"
    return [] if mode == "ON" else [f"Mfa::{mode}"]


def cognito_password_policy(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Passwords have at least 12 characters, or at least 8 with all four character classes; temporary
    passwords expire within 7 days."""
    policy = get_path(props(resource), "Policies", "PasswordPolicy")
    if policy is None:
        return Compliance.COMPLIANT  # Cognito's default: 8 characters, all four classes, 7 days
    length = int(ctx.literal(policy.get("MinimumLength", 8), "MinimumLength"))
    classes = all(
        _true(policy.get(key))  # omitted in a given PasswordPolicy = false in CloudFormation
        for key in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols")
    )
    findings = []
    if not (length >= 12 or (length >= 8 and classes)):
        findings.append("Weak")
    if int(ctx.literal(policy.get("TemporaryPasswordValidityDays", 7), "TemporaryPasswordValidityDays")) > 7:
        findings.append("TemporaryPasswordValidity")
    return findings


def cognito_threat_protection(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Threat protection (advanced security) is ENFORCED: leaked credentials, risky sign-ins are blocked."""
    mode = ctx.literal(
        get_path(props(resource), "UserPoolAddOns", "AdvancedSecurityMode"), "AdvancedSecurityMode"
    )
    return [] if mode == "ENFORCED" else [f"Mode::{mode or 'OFF'}"]


def cognito_password_auth_flow(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """App clients use SRP, not flows that send the password itself."""
    flows = [ctx.literal(f, "ExplicitAuthFlows") for f in as_list(props(resource).get("ExplicitAuthFlows"))]
    return [f"Flow::{flow}" for flow in flows if flow in PASSWORD_FLOWS]


def cognito_implicit_grant(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """App clients do not use the OAuth implicit grant (tokens in the URL fragment); use code + PKCE."""
    flows = [ctx.literal(f, "AllowedOAuthFlows") for f in as_list(props(resource).get("AllowedOAuthFlows"))]
    return Compliance.NON_COMPLIANT if "implicit" in flows else Compliance.COMPLIANT


def _minutes(
    p: dict[str, Any], prop: str, unit_key: str, default_unit: str, ctx: TemplateContext
) -> float | None:
    value = ctx.literal(p.get(prop), prop)
    if value is None:
        return None
    unit = ctx.literal(get_path(p, "TokenValidityUnits", unit_key), "TokenValidityUnits") or default_unit
    return float(value) * _MINUTES.get(str(unit), 60)


def cognito_token_lifetime(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Access and ID tokens live at most 60 minutes, refresh tokens at most 30 days."""
    p = props(resource)
    findings = []
    for prop, unit_key in (("AccessTokenValidity", "AccessToken"), ("IdTokenValidity", "IdToken")):
        minutes = _minutes(p, prop, unit_key, "hours", ctx)
        if minutes is not None and minutes > MAX_ACCESS_TOKEN_MINUTES:
            findings.append(prop)
    minutes = _minutes(p, "RefreshTokenValidity", "RefreshToken", "days", ctx)
    if minutes is not None and minutes > MAX_REFRESH_TOKEN_DAYS * 24 * 60:
        findings.append("RefreshTokenValidity")
    return findings


def cognito_token_revocation(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Refresh tokens can be revoked (EnableTokenRevocation is not false)."""
    off = ctx.decide(
        props(resource).get("EnableTokenRevocation"), lambda v: v in (False, "false"), "EnableTokenRevocation"
    )
    return Compliance.NON_COMPLIANT if off else Compliance.COMPLIANT


def cognito_user_existence_errors(
    logical_id: str, resource: dict[str, Any], ctx: TemplateContext
) -> RuleResult:
    """Sign-in errors do not reveal whether a user exists (PreventUserExistenceErrors ENABLED)."""
    mode = ctx.literal(props(resource).get("PreventUserExistenceErrors"), "PreventUserExistenceErrors")
    return Compliance.COMPLIANT if mode == "ENABLED" else Compliance.NON_COMPLIANT


def identity_pool_unauthenticated(
    logical_id: str, resource: dict[str, Any], ctx: TemplateContext
) -> RuleResult:
    """Identity pools do not hand out AWS credentials to unauthenticated identities."""
    on = ctx.decide(
        props(resource).get("AllowUnauthenticatedIdentities"), _true, "AllowUnauthenticatedIdentities"
    )
    return Compliance.NON_COMPLIANT if on else Compliance.COMPLIANT
