"""Cognito rules: user pools (sign-up, MFA, passwords, threat protection), app clients, identity pools."""

from __future__ import annotations

from typing import Any

from ...policy import restricting_keys
from .._model import Cdk, Compliance, RuleResult, RuleSpec, Setting, if_, remove, set_
from .._template import MISSING, TemplateContext, as_list, get_path, props, show, when
from ._common import E, F, W, expect
from ._policy import allows, readable_condition, statements

POOL, CLIENT = ("AWS::Cognito::UserPool",), ("AWS::Cognito::UserPoolClient",)
RISK = "AWS::Cognito::UserPoolRiskConfigurationAttachment"
IDENTITY_POOL = ("AWS::Cognito::IdentityPool",)
TOTP = "SOFTWARE_TOKEN_MFA"

PASSWORD_FLOWS = (
    "ALLOW_USER_PASSWORD_AUTH",
    "USER_PASSWORD_AUTH",
    "ADMIN_NO_SRP_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    # choice-based sign-in: its PASSWORD first factor sends the password itself
    "ALLOW_USER_AUTH",
)
MAX_ACCESS_TOKEN_MINUTES = 60
MAX_REFRESH_TOKEN_DAYS = 30
_MINUTES = {"seconds": 1 / 60, "minutes": 1, "hours": 60, "days": 24 * 60}


def _true(value: Any) -> bool:
    return value in (True, "true")


#: Only administrators create users (self sign-up lets anyone on the internet get a token).
cognito_self_sign_up = expect("AdminCreateUserConfig.AllowAdminCreateUserOnly", _true)


def cognito_mfa(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """MFA is required for every user (MfaConfiguration ON), with an authenticator app (TOTP) as the only
    second factor: SMS codes can be intercepted (SIM swap) and email codes share the recovery channel."""
    p = props(resource)
    findings: list[str | tuple[str | None, str]] = []
    for value, conds in ctx.at(p, "MfaConfiguration"):
        mode = "OFF" if value is MISSING else ctx.literal(value, "MfaConfiguration") or "OFF"
        if mode != "ON":
            findings.append((f"Mfa::{mode}", f"MfaConfiguration is {mode}{when(conds)}"))
    for value, conds in ctx.at(p, "EnabledMfas"):
        factors = [] if value is MISSING else [ctx.literal(f, "EnabledMfas") for f in as_list(value)]
        findings += [(f"Factor::{f}", f"{f} is enabled{when(conds)}") for f in factors if f != TOTP]
        if factors and TOTP not in factors:
            findings.append((f"Factor::No{TOTP}", f"TOTP is not enabled{when(conds)}"))
    return list(dict.fromkeys(findings))


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
    for value, conds in ctx.at(props(resource), "UserPoolAddOns.AdvancedSecurityMode"):
        mode = None if value is MISSING else ctx.literal(value, "AdvancedSecurityMode")
        if mode != "ENFORCED":
            return [(f"Mode::{mode or 'OFF'}", f"AdvancedSecurityMode is {mode or 'absent'}{when(conds)}")]
    return []


#: Threat protection also covers custom authentication flows (CUSTOM_AUTH challenges).
cognito_custom_auth_threat_protection = expect(
    "UserPoolAddOns.AdvancedSecurityAdditionalFlows.CustomAuthMode", lambda v: v == "ENFORCED"
)
#: The pool cannot be deleted by accident (a deleted pool takes every user and their MFA with it).
cognito_deletion_protection = expect("DeletionProtection", lambda v: v == "ACTIVE")
#: Email (or phone) is verified before it is used to sign in or to recover the account.
cognito_verification = expect(
    "AutoVerifiedAttributes",
    lambda v: v is not MISSING and bool({"email", "phone_number"} & set(as_list(v))),
)
#: A changed email stays unverified, and the old one in use, until the user verifies the new one.
cognito_keep_original = expect(
    "UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate",
    lambda v: v is not MISSING and bool(as_list(v)),
)
#: Sign-in names are case-insensitive: ``Alice`` and ``alice`` cannot be two accounts (look-alike users).
cognito_case_insensitive = expect("UsernameConfiguration.CaseSensitive", lambda v: v in (False, "false"))


def cognito_account_recovery(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Accounts are recovered through a verified email only (or by an administrator): SMS recovery lets a
    SIM swap take over the account, and without a setting Cognito may fall back to SMS."""
    for value, conds in ctx.at(props(resource), "AccountRecoverySetting.RecoveryMechanisms"):
        mechanisms = [] if value is MISSING else as_list(ctx.literal(value, "RecoveryMechanisms"))
        names = [str(get_path(m, "Name")) for m in mechanisms if isinstance(m, dict)]
        if not names:
            return [(None, f"no recovery mechanism is set, so Cognito may recover by SMS{when(conds)}")]
        weak = [n for n in names if n not in ("verified_email", "admin_only")]
        if weak:
            return [(None, f"recovery by {', '.join(weak)}{when(conds)}")]
    return []


def cognito_compromised_credentials(
    logical_id: str, resource: dict[str, Any], ctx: TemplateContext
) -> RuleResult:
    """Sign-ins with credentials found in public breaches are blocked: a risk configuration for every
    client (``ClientId: ALL``) whose compromised-credentials action is BLOCK."""
    for _, attachment in ctx.of_type(RISK):
        p = props(attachment)
        if logical_id not in ctx.references(p.get("UserPoolId")) or p.get("ClientId") != "ALL":
            continue
        action = get_path(p, "CompromisedCredentialsRiskConfiguration", "Actions", "EventAction")
        why = ctx.insecure_when(action, lambda v: v != "BLOCK")
        if why is not None:
            return [(None, f"compromised credentials are not blocked{why}")]
        # absent: every event; a list without SIGN_IN leaves sign-ins unchecked
        events = get_path(p, "CompromisedCredentialsRiskConfiguration", "EventFilter")
        why = ctx.insecure_when(events, lambda v: v is not MISSING and "SIGN_IN" not in as_list(v))
        return [] if why is None else [(None, f"sign-ins are not in the EventFilter{why}")]
    return [(None, "no risk configuration for all clients of the pool")]


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


#: Refresh tokens can be revoked (EnableTokenRevocation is not false).
cognito_token_revocation = expect("EnableTokenRevocation", lambda v: v not in (False, "false"))
#: Sign-in errors do not reveal whether a user exists (PreventUserExistenceErrors ENABLED).
cognito_user_existence_errors = expect("PreventUserExistenceErrors", lambda v: v == "ENABLED")
#: Identity pools do not hand out AWS credentials to unauthenticated identities.
identity_pool_unauthenticated = expect("AllowUnauthenticatedIdentities", lambda v: not _true(v))
#: Identity pools use the enhanced flow only (in the classic flow a client picks any role that trusts it).
identity_pool_classic_flow = expect("AllowClassicFlow", lambda v: not _true(v))


def identity_pool_server_side_token_check(
    logical_id: str, resource: dict[str, Any], ctx: TemplateContext
) -> RuleResult:
    """Every user-pool provider of an identity pool checks the token with the user pool on each request,
    so that a signed-out or deleted user gets no new credentials."""
    for value, conds in ctx.at(props(resource), "CognitoIdentityProviders"):
        for provider in as_list(None if value is MISSING else ctx.literal(value, "CognitoIdentityProviders")):
            if not isinstance(provider, dict):
                continue
            why = ctx.insecure_when(provider.get("ServerSideTokenCheck"), lambda v: not _true(v))
            if why is not None:
                client = show(provider.get("ClientId", MISSING))
                return [(None, f"provider {client} does not check tokens{when(conds)}{why}")]
    return []


_COGNITO_IDENTITY = "cognito-identity.amazonaws.com"
ROLE_ATTACHMENT = "AWS::Cognito::IdentityPoolRoleAttachment"


def identity_pool_ambiguous_role(
    logical_id: str, resource: dict[str, Any], ctx: TemplateContext
) -> RuleResult:
    """A role mapping from the token denies credentials when no role matches (AmbiguousRoleResolution Deny)
    rather than handing out the pool's default authenticated role."""
    findings: list[str | tuple[str | None, str]] = []
    for value, conds in ctx.at(props(resource), "RoleMappings"):
        mappings = {} if value is MISSING else ctx.literal(value, "RoleMappings")
        for name, mapping in mappings.items() if isinstance(mappings, dict) else ():
            if isinstance(mapping, dict) and mapping.get("AmbiguousRoleResolution", "Deny") != "Deny":
                findings.append((f"Mapping::{name}", f"ambiguous tokens get the default role{when(conds)}"))
    return findings


def identity_pool_role_trust(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """A role that trusts Cognito identities names the identity pool (``aud``) and only authenticated
    identities (``amr``): otherwise any identity pool, of any account, and guests may assume it."""
    findings: list[str | tuple[str | None, str]] = []
    trusted = False
    for statement in statements(
        props(resource).get("AssumeRolePolicyDocument"), ctx, "AssumeRolePolicyDocument"
    ):
        federated = as_list(get_path(statement, "Principal", "Federated"))
        if _COGNITO_IDENTITY not in federated or not allows(statement):
            continue
        trusted = True
        condition = statement.get("Condition")
        if not restricting_keys(readable_condition(condition), _AUD):
            findings.append(("NoAudience", "the trust policy does not name the identity pool (aud)"))
        amr = [
            v
            for op, block in (condition.items() if isinstance(condition, dict) else ())
            if isinstance(block, dict) and "Not" not in str(op)
            for k, values in block.items()
            if str(k).lower() == f"{_COGNITO_IDENTITY}:amr"
            for v in as_list(values)
        ]
        if "authenticated" not in amr or "unauthenticated" in amr:
            if amr == ["unauthenticated"] and _guests_refused(condition, ctx):
                continue  # the pool it names gives guests no credentials: the role can never be assumed
            findings.append(
                ("NotAuthenticated", "the trust policy does not require authenticated identities")
            )
    if not trusted:
        return Compliance.NOT_APPLICABLE
    return list(dict.fromkeys(findings))


_AUD = frozenset({f"{_COGNITO_IDENTITY}:aud"})


def _guests_refused(condition: Any, ctx: TemplateContext) -> bool:
    """Whether every identity pool named by the trust's ``aud`` is in the template and refuses
    unauthenticated identities."""
    pools = [
        ref
        for block in (condition.values() if isinstance(condition, dict) else ())
        if isinstance(block, dict)
        for key, value in block.items()
        if str(key).lower() == f"{_COGNITO_IDENTITY}:aud"
        for ref in ctx.references(value)
    ]
    return bool(pools) and all(
        ctx.type_of(pool) == "AWS::Cognito::IdentityPool"
        and ctx.insecure_when(props(ctx.resources[pool]).get("AllowUnauthenticatedIdentities"), _true) is None
        for pool in pools
    )


UP, ADD_CLIENT, ID_POOL = "SecureUserPool", "SecureUserPool.add_client", "SecureIdentityPool"
#: What the Cognito constructs set that is not a security property, and why.
NOT_SECURITY_RELEVANT = {
    ("AWS::Cognito::UserPool", "Schema"): "the email attribute is required and mutable: sign-in identity, "
    "whose verification is declared (CognitoVerification)",
    ("AWS::Cognito::UserPool", "UsernameAttributes"): "users sign in with their email address",
    (
        "AWS::Cognito::UserPoolClient",
        "GenerateSecret",
    ): "a secret only for a confidential (server-side) client; a browser or mobile app could not keep one",
    (
        "AWS::Cognito::UserPoolClient",
        "EnablePropagateAdditionalUserContextData",
    ): "on for confidential clients only: passes the end user's IP and device to threat protection",
}
_NO_AUD_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Federated": _COGNITO_IDENTITY},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"ForAnyValue:StringLike": {f"{_COGNITO_IDENTITY}:amr": "authenticated"}},
        }
    ],
}

RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "CognitoSelfSignUp",
        "identity",
        POOL,
        "Self sign-up is on: anyone can create a user.",
        "Set AdminCreateUserConfig.AllowAdminCreateUserOnly to true (self_sign_up_enabled=False).",
        E,
        cognito_self_sign_up,
        paths=("AdminCreateUserConfig",),
        settings=(Setting(UP, "self_sign_up_enabled", False),),
        mutations=(
            set_("AdminCreateUserConfig.AllowAdminCreateUserOnly", False),
            if_("AdminCreateUserConfig.AllowAdminCreateUserOnly", False),
        ),
    ),
    RuleSpec(
        "CognitoMfa",
        "identity",
        POOL,
        "MFA is not required with an authenticator app (MfaConfiguration is not ON, or SMS or email codes "
        "are a second factor).",
        "Set MfaConfiguration to ON with TOTP (software token) MFA as the only factor in EnabledMfas: SMS "
        "codes can be intercepted (SIM swap) and email codes share the recovery channel.",
        E,
        cognito_mfa,
        paths=("MfaConfiguration", "EnabledMfas"),
        finding_ids=(
            "Mfa::OFF",
            "Mfa::OPTIONAL",
            "Factor::SMS_MFA",
            "Factor::EMAIL_OTP",
            "Factor::NoSOFTWARE_TOKEN_MFA",
        ),
        settings=(
            Setting(UP, "mfa", Cdk("aws_cognito.Mfa.REQUIRED")),
            Setting(
                UP, "mfa_second_factor", Cdk("aws_cognito.MfaSecondFactor", otp=True, sms=False, email=False)
            ),
        ),
        stock_ids=("AwsSolutions-COG2",),
        mutations=(
            set_("MfaConfiguration", "OPTIONAL"),
            set_("EnabledMfas", ["SOFTWARE_TOKEN_MFA", "SMS_MFA"]),
            if_("MfaConfiguration", "OFF"),
        ),
    ),
    RuleSpec(
        "CognitoPasswordPolicy",
        "identity",
        POOL,
        "The password policy is weak.",
        "Require at least 12 characters (or 8 with lower case, upper case, digits and symbols) and let "
        "temporary passwords expire within 7 days.",
        E,
        cognito_password_policy,
        paths=("Policies.PasswordPolicy",),
        finding_ids=("Weak", "TemporaryPasswordValidity"),
        settings=(
            Setting(
                UP,
                "password_policy",
                Cdk(
                    "aws_cognito.PasswordPolicy",
                    min_length=12,
                    require_lowercase=True,
                    require_uppercase=True,
                    require_digits=True,
                    require_symbols=True,
                    temp_password_validity=Cdk("Duration.days", 1),
                ),
            ),
        ),
        stock_ids=("AwsSolutions-COG1",),
        mutations=(
            set_("Policies.PasswordPolicy.MinimumLength", 6),
            set_("Policies.PasswordPolicy.TemporaryPasswordValidityDays", 30),
        ),
    ),
    RuleSpec(
        "CognitoThreatProtection",
        "identity",
        POOL,
        "Threat protection is not enforced.",
        "Set UserPoolAddOns.AdvancedSecurityMode to ENFORCED (feature plan Plus).",
        W,
        cognito_threat_protection,
        paths=("UserPoolAddOns.AdvancedSecurityMode", "UserPoolTier"),
        finding_ids=("Mode::OFF", "Mode::AUDIT"),
        settings=(
            Setting(UP, "feature_plan", Cdk("aws_cognito.FeaturePlan.PLUS")),
            Setting(
                UP,
                "standard_threat_protection_mode",
                Cdk("aws_cognito.StandardThreatProtectionMode.FULL_FUNCTION"),
            ),
        ),
        stock_ids=("AwsSolutions-COG3", "AwsSolutions-COG8"),
        mutations=(set_("UserPoolAddOns.AdvancedSecurityMode", "AUDIT"), remove("UserPoolAddOns")),
    ),
    RuleSpec(
        "CognitoCustomAuthThreatProtection",
        "identity",
        POOL,
        "Threat protection does not cover custom authentication flows.",
        "Set UserPoolAddOns.AdvancedSecurityAdditionalFlows.CustomAuthMode to ENFORCED "
        "(custom_threat_protection_mode=FULL_FUNCTION in CDK).",
        W,
        cognito_custom_auth_threat_protection,
        paths=("UserPoolAddOns.AdvancedSecurityAdditionalFlows",),
        settings=(
            Setting(
                UP,
                "custom_threat_protection_mode",
                Cdk("aws_cognito.CustomThreatProtectionMode.FULL_FUNCTION"),
            ),
        ),
        mutations=(set_("UserPoolAddOns.AdvancedSecurityAdditionalFlows.CustomAuthMode", "AUDIT"),),
    ),
    RuleSpec(
        "CognitoCompromisedCredentials",
        "identity",
        POOL,
        "Sign-ins with breached credentials are not blocked (no risk configuration for all clients with "
        "a BLOCK action on compromised credentials).",
        "Add an AWS::Cognito::UserPoolRiskConfigurationAttachment with ClientId ALL and "
        "CompromisedCredentialsRiskConfiguration.Actions.EventAction BLOCK (SecureUserPool adds one).",
        E,
        cognito_compromised_credentials,
        paths=(
            (RISK, "CompromisedCredentialsRiskConfiguration"),
            (RISK, "AccountTakeoverRiskConfiguration"),
            (RISK, "ClientId"),
            (RISK, "UserPoolId"),
        ),
        settings=(
            Setting(
                UP,
                "standard_threat_protection_mode",
                Cdk("aws_cognito.StandardThreatProtectionMode.FULL_FUNCTION"),
            ),
            Setting("harden()", "a risk configuration for each aws_cognito.UserPool on Plus", via="wired"),
        ),
        mutations=(
            remove("CompromisedCredentialsRiskConfiguration", target=RISK),
            set_("CompromisedCredentialsRiskConfiguration.Actions.EventAction", "NO_ACTION", target=RISK),
        ),
    ),
    RuleSpec(
        "CognitoDeletionProtection",
        "identity",
        POOL,
        "The user pool can be deleted (DeletionProtection is not ACTIVE).",
        "Set DeletionProtection to ACTIVE (deletion_protection=True in CDK): deleting a pool deletes every "
        "user and their MFA enrolment, with no way back.",
        E,
        cognito_deletion_protection,
        paths=("DeletionProtection",),
        settings=(Setting(UP, "deletion_protection", True),),
        mutations=(
            set_("DeletionProtection", "INACTIVE"),
            remove("DeletionProtection"),
            if_("DeletionProtection", "INACTIVE"),
        ),
    ),
    RuleSpec(
        "CognitoAccountRecovery",
        "identity",
        POOL,
        "Accounts can be recovered by SMS (or no recovery mechanism is set).",
        "Set AccountRecoverySetting to verified_email only (account_recovery=AccountRecovery.EMAIL_ONLY in "
        "CDK): recovery by SMS lets a SIM swap take the account over.",
        E,
        cognito_account_recovery,
        paths=("AccountRecoverySetting",),
        settings=(Setting(UP, "account_recovery", Cdk("aws_cognito.AccountRecovery.EMAIL_ONLY")),),
        mutations=(
            set_(
                "AccountRecoverySetting.RecoveryMechanisms",
                [{"Name": "verified_phone_number", "Priority": 1}],
            ),
            remove("AccountRecoverySetting"),
        ),
    ),
    RuleSpec(
        "CognitoVerification",
        "identity",
        POOL,
        "Email addresses (or phone numbers) are not verified.",
        "Set AutoVerifiedAttributes to [email] (auto_verify in CDK), so that an address is proven before it "
        "is used to sign in or to recover the account.",
        W,
        cognito_verification,
        paths=(
            "AutoVerifiedAttributes",
            "VerificationMessageTemplate",
            "EmailVerificationMessage",
            "EmailVerificationSubject",
            "SmsVerificationMessage",
        ),
        settings=(Setting(UP, "auto_verify", Cdk("aws_cognito.AutoVerifiedAttrs", email=True)),),
        mutations=(remove("AutoVerifiedAttributes"),),
    ),
    RuleSpec(
        "CognitoKeepOriginal",
        "identity",
        POOL,
        "A changed email takes effect before it is verified.",
        "Set UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate to [email] (keep_original "
        "in CDK): otherwise a typo, or an attacker with a session, moves sign-in and recovery to an "
        "unverified address.",
        W,
        cognito_keep_original,
        paths=("UserAttributeUpdateSettings",),
        settings=(Setting(UP, "keep_original", Cdk("aws_cognito.KeepOriginalAttrs", email=True)),),
        mutations=(remove("UserAttributeUpdateSettings"),),
    ),
    RuleSpec(
        "CognitoCaseInsensitive",
        "identity",
        POOL,
        "Sign-in names are case-sensitive.",
        "Set UsernameConfiguration.CaseSensitive to false (sign_in_case_sensitive=False in CDK), so that "
        "Alice and alice cannot be two look-alike accounts.",
        W,
        cognito_case_insensitive,
        paths=("UsernameConfiguration",),
        settings=(Setting(UP, "sign_in_case_sensitive", False),),
        mutations=(set_("UsernameConfiguration.CaseSensitive", True),),
    ),
    RuleSpec(
        "CognitoPasswordAuthFlow",
        "identity",
        CLIENT,
        "The app client allows a flow that sends the password itself (non-SRP).",
        "Allow ALLOW_USER_SRP_AUTH and ALLOW_REFRESH_TOKEN_AUTH only.",
        E,
        cognito_password_auth_flow,
        paths=("ExplicitAuthFlows",),
        finding_ids=("Flow::<flow>",),
        settings=(Setting(ADD_CLIENT, "auth_flows", Cdk("aws_cognito.AuthFlow", user_srp=True)),),
        mutations=(set_("ExplicitAuthFlows", ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]),),
    ),
    RuleSpec(
        "CognitoImplicitGrant",
        "identity",
        CLIENT,
        "The app client allows the OAuth implicit grant.",
        "Use the authorization code grant with PKCE.",
        E,
        cognito_implicit_grant,
        paths=(
            "AllowedOAuthFlows",
            "AllowedOAuthFlowsUserPoolClient",
            "AllowedOAuthScopes",
            "CallbackURLs",
            "LogoutURLs",
            "SupportedIdentityProviders",
        ),
        settings=(
            Setting(ADD_CLIENT, "callback_urls", via="parameter"),
            Setting("aws_cognito.UserPoolClient", "disable_o_auth", True, via="harden"),
        ),
        mutations=(set_("AllowedOAuthFlows", ["implicit"]),),
    ),
    RuleSpec(
        "CognitoTokenLifetime",
        "identity",
        CLIENT,
        "The app client's tokens live too long.",
        "Keep access and ID tokens at 60 minutes or less and refresh tokens at 30 days or less.",
        W,
        cognito_token_lifetime,
        paths=("AccessTokenValidity", "IdTokenValidity", "RefreshTokenValidity", "TokenValidityUnits"),
        finding_ids=("AccessTokenValidity", "IdTokenValidity", "RefreshTokenValidity"),
        settings=(
            Setting(ADD_CLIENT, "access_token_validity", Cdk("Duration.hours", 1)),
            Setting(ADD_CLIENT, "id_token_validity", Cdk("Duration.hours", 1)),
            Setting(ADD_CLIENT, "refresh_token_validity", Cdk("Duration.days", 7)),
        ),
        # long in any unit of TokenValidityUnits (minutes, hours or days)
        mutations=(set_("RefreshTokenValidity", 100_000), set_("AccessTokenValidity", 100_000)),
    ),
    RuleSpec(
        "CognitoTokenRevocation",
        "identity",
        CLIENT,
        "Token revocation is off for the app client.",
        "Set EnableTokenRevocation to true so that signing out revokes refresh tokens.",
        E,
        cognito_token_revocation,
        paths=("EnableTokenRevocation",),
        settings=(Setting(ADD_CLIENT, "enable_token_revocation", True),),
        mutations=(set_("EnableTokenRevocation", False), if_("EnableTokenRevocation", False)),
    ),
    RuleSpec(
        "CognitoUserExistenceErrors",
        "identity",
        CLIENT,
        "Sign-in errors reveal whether a user exists.",
        "Set PreventUserExistenceErrors to ENABLED.",
        E,
        cognito_user_existence_errors,
        paths=("PreventUserExistenceErrors",),
        settings=(Setting(ADD_CLIENT, "prevent_user_existence_errors", True),),
        mutations=(set_("PreventUserExistenceErrors", "LEGACY"), remove("PreventUserExistenceErrors")),
    ),
    RuleSpec(
        "IdentityPoolUnauthenticated",
        "identity",
        IDENTITY_POOL,
        "The identity pool gives AWS credentials to unauthenticated identities.",
        "Set AllowUnauthenticatedIdentities to false.",
        F,
        identity_pool_unauthenticated,
        paths=("AllowUnauthenticatedIdentities",),
        settings=(Setting(ID_POOL, "allow_unauthenticated_identities", False),),
        stock_ids=("AwsSolutions-COG7",),
        mutations=(set_("AllowUnauthenticatedIdentities", True), if_("AllowUnauthenticatedIdentities", True)),
    ),
    RuleSpec(
        "IdentityPoolClassicFlow",
        "identity",
        IDENTITY_POOL,
        "The identity pool allows the classic (basic) authentication flow.",
        "Set AllowClassicFlow to false: in the classic flow a client chooses any role that trusts the pool, "
        "bypassing the pool's role mapping.",
        E,
        identity_pool_classic_flow,
        paths=("AllowClassicFlow",),
        settings=(Setting(ID_POOL, "allow_classic_flow", False),),
        mutations=(set_("AllowClassicFlow", True),),
    ),
    RuleSpec(
        "IdentityPoolServerSideTokenCheck",
        "identity",
        IDENTITY_POOL,
        "A user-pool provider of the identity pool does not check tokens with the user pool.",
        "Set ServerSideTokenCheck on every CognitoIdentityProviders entry, so that a signed-out or deleted "
        "user gets no new AWS credentials.",
        E,
        identity_pool_server_side_token_check,
        paths=("CognitoIdentityProviders",),
        settings=(Setting(ID_POOL, "clients", via="parameter"),),
        mutations=(
            set_(
                "CognitoIdentityProviders",
                [{"ClientId": "client", "ProviderName": "provider", "ServerSideTokenCheck": False}],
            ),
        ),
    ),
    RuleSpec(
        "IdentityPoolAmbiguousRole",
        "identity",
        (ROLE_ATTACHMENT,),
        "A role mapping gives the default authenticated role to users whose token matches no role.",
        "Set AmbiguousRoleResolution to Deny on every role mapping, so that a user outside every group (or "
        "in a group with no role) gets no credentials rather than the default role.",
        W,
        identity_pool_ambiguous_role,
        paths=("RoleMappings", "Roles"),
        finding_ids=("Mapping::<identity provider key>",),
        settings=(Setting(ID_POOL, "role mappings from the ID token", via="wired"),),
        mutations=(
            set_(
                "RoleMappings",
                {
                    "Web": {
                        "Type": "Token",
                        "AmbiguousRoleResolution": "AuthenticatedRole",
                        "IdentityProvider": "cognito-idp.eu-west-1.amazonaws.com/pool:client",
                    }
                },
            ),
        ),
    ),
    RuleSpec(
        "IdentityPoolRoleTrust",
        "identity",
        ("AWS::IAM::Role",),
        "A role that trusts Cognito identities does not name the identity pool, or trusts unauthenticated "
        "identities.",
        "Trust cognito-identity.amazonaws.com with StringEquals cognito-identity.amazonaws.com:aud = <pool "
        "id> and ForAnyValue:StringLike cognito-identity.amazonaws.com:amr = authenticated.",
        E,
        identity_pool_role_trust,
        paths=("AssumeRolePolicyDocument",),
        finding_ids=("NoAudience", "NotAuthenticated"),
        settings=(
            Setting(ID_POOL, "groups", via="parameter"),
            # guests allowed: the pool's role for unauthenticated identities becomes assumable
            Setting(ID_POOL, "allow_unauthenticated_identities", False),
        ),
        exemption="A role for unauthenticated identities of an identity pool (in the template) that refuses "
        "them can never be assumed, and is not reported.",
        mutations=(set_("AssumeRolePolicyDocument", _NO_AUD_TRUST),),
    ),
)
