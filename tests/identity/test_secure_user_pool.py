"""SecureUserPool: every secure default, every refusal, and what the checks report."""

import pytest
from aws_cdk import Duration
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match, Template

from secure_constructs import SecureConstructsError, add_checks
from secure_constructs.identity import SecureUserPool
from secure_constructs.testing import synth_and_validate


def pool_props(stack, **kwargs):
    SecureUserPool(stack, "Users", **kwargs)
    pools = Template.from_stack(stack).find_resources("AWS::Cognito::UserPool")
    assert len(pools) == 1
    return next(iter(pools.values()))["Properties"]


def test_self_sign_up_is_off(stack):
    assert pool_props(stack)["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}


def test_mfa_is_required_with_totp_only(stack):
    props = pool_props(stack)
    assert props["MfaConfiguration"] == "ON"
    assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]


def test_password_policy_is_12_characters_all_classes_and_one_day_temporary_passwords(stack):
    assert pool_props(stack)["Policies"]["PasswordPolicy"] == {
        "MinimumLength": 12,
        "RequireLowercase": True,
        "RequireUppercase": True,
        "RequireNumbers": True,
        "RequireSymbols": True,
        "TemporaryPasswordValidityDays": 1,
    }


def test_threat_protection_is_enforced_on_the_plus_plan(stack):
    props = pool_props(stack)
    assert props["UserPoolTier"] == "PLUS"
    assert props["UserPoolAddOns"] == {
        "AdvancedSecurityMode": "ENFORCED",
        "AdvancedSecurityAdditionalFlows": {"CustomAuthMode": "ENFORCED"},
    }


def test_threat_protection_blocks_compromised_credentials_and_high_risk_sign_ins(stack):
    pool = SecureUserPool(stack, "Users")
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::Cognito::UserPoolRiskConfigurationAttachment", {
        "ClientId": "ALL",
        "UserPoolId": {"Ref": stack.get_logical_id(pool.user_pool.node.default_child)},
        "CompromisedCredentialsRiskConfiguration": {
            "Actions": {"EventAction": "BLOCK"},
            "EventFilter": ["SIGN_IN", "PASSWORD_CHANGE", "SIGN_UP"],
        },
        "AccountTakeoverRiskConfiguration": {"Actions": {
            "HighAction": {"EventAction": "BLOCK", "Notify": False},
            "MediumAction": {"EventAction": "MFA_REQUIRED", "Notify": False},
            "LowAction": {"EventAction": "NO_ACTION", "Notify": False},
        }},
    })
    assert pool.risk_configuration is not None


def test_email_is_verified_and_kept_until_a_new_one_is_verified(stack):
    props = pool_props(stack)
    assert props["AutoVerifiedAttributes"] == ["email"]
    assert props["UsernameAttributes"] == ["email"]
    assert props["UserAttributeUpdateSettings"] == {"AttributesRequireVerificationBeforeUpdate": ["email"]}


def test_recovery_is_by_verified_email_only(stack):
    assert pool_props(stack)["AccountRecoverySetting"] == {
        "RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]}


def test_sign_in_names_are_case_insensitive(stack):
    assert pool_props(stack)["UsernameConfiguration"] == {"CaseSensitive": False}


def test_deletion_protection_is_on_and_the_pool_is_retained(stack):
    SecureUserPool(stack, "Users")
    template = Template.from_stack(stack)
    template.has_resource("AWS::Cognito::UserPool", {
        "Properties": Match.object_like({"DeletionProtection": "ACTIVE"}),
        "DeletionPolicy": "Retain",
    })


def test_no_kms_key_without_custom_sender_triggers(stack):
    pool = SecureUserPool(stack, "Users")
    Template.from_stack(stack).resource_count_is("AWS::KMS::Key", 0)
    assert pool.custom_sender_key is None


def test_custom_sender_trigger_gets_the_stack_key_and_may_decrypt(stack):
    sender = lambda_.Function(stack, "Sender", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                              code=lambda_.Code.from_inline("def handler(e, c): pass"))
    pool = SecureUserPool(stack, "Users", overrides={
        "lambda_triggers": cognito.UserPoolTriggers(custom_email_sender=sender)})
    template = Template.from_stack(stack)
    key_id = stack.get_logical_id(pool.custom_sender_key.node.default_child)
    assert key_id.startswith("SecureConstructsKeyCognitoSender")
    props = next(iter(template.find_resources("AWS::Cognito::UserPool").values()))["Properties"]
    assert props["LambdaConfig"]["KMSKeyID"] == {"Fn::GetAtt": [key_id, "Arn"]}
    template.has_resource_properties("AWS::KMS::Key", {
        "EnableKeyRotation": True,
        "KeyPolicy": {"Statement": Match.array_with([Match.object_like({
            "Sid": "AllowCognitoSenderEncrypt",
            "Principal": {"Service": "cognito-idp.amazonaws.com"},
            "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
            "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
        })])},
    })
    template.has_resource_properties("AWS::IAM::Policy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Action": "kms:Decrypt", "Resource": {"Fn::GetAtt": [key_id, "Arn"]}})])}})


def test_issuer_url_is_the_https_provider_url(stack):
    pool = SecureUserPool(stack, "Users")
    logical_id = stack.get_logical_id(pool.user_pool.node.default_child)
    assert stack.resolve(pool.issuer_url) == {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": [logical_id, "ProviderURL"]}]]}


WEAKENING = [
    ("self_sign_up_enabled", True),
    ("mfa", cognito.Mfa.OPTIONAL),
    ("mfa_second_factor", cognito.MfaSecondFactor(otp=True, sms=True)),
    ("mfa_second_factor", cognito.MfaSecondFactor(otp=False, sms=True)),
    # Judged by the declared condition (RULES.md, CognitoPasswordPolicy): 12 characters, or 8 with every
    # class, and temporary passwords valid at most 7 days; weaker than our default is not enough to refuse.
    ("password_policy", cognito.PasswordPolicy(min_length=6, temp_password_validity=Duration.days(1))),
    ("password_policy", cognito.PasswordPolicy(min_length=10, require_symbols=False,
                                               temp_password_validity=Duration.days(1))),
    ("password_policy", cognito.PasswordPolicy(min_length=14, temp_password_validity=Duration.days(30))),
    ("standard_threat_protection_mode", cognito.StandardThreatProtectionMode.AUDIT_ONLY),
    ("custom_threat_protection_mode", cognito.CustomThreatProtectionMode.AUDIT_ONLY),
    ("auto_verify", cognito.AutoVerifiedAttrs(email=False, phone=False)),
    ("keep_original", cognito.KeepOriginalAttrs(email=False)),
    ("account_recovery", cognito.AccountRecovery.PHONE_AND_EMAIL),
    ("sign_in_case_sensitive", True),
    ("deletion_protection", False),
]


@pytest.mark.parametrize(("key", "value"), WEAKENING, ids=[f"{k}-{i}" for i, (k, _) in enumerate(WEAKENING)])
def test_weakening_a_default_without_a_reason_is_refused(stack, key, value):
    with pytest.raises(SecureConstructsError, match=rf"SC-GEN-002.*Test/Users.*'{key}'"):
        SecureUserPool(stack, "Users", overrides={key: value})


def test_stronger_or_equal_overrides_need_no_reason(stack):
    props = pool_props(stack, overrides={
        "password_policy": cognito.PasswordPolicy(min_length=16, temp_password_validity=Duration.days(1)),
        "account_recovery": cognito.AccountRecovery.NONE,
        "user_pool_name": "shop-users",
    })
    assert props["Policies"]["PasswordPolicy"]["MinimumLength"] == 16
    assert props["UserPoolName"] == "shop-users"
    assert props["AccountRecoverySetting"] == {"RecoveryMechanisms": [{"Name": "admin_only", "Priority": 1}]}


def test_deprecated_advanced_security_mode_is_managed(stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-004.*advanced_security_mode"):
        SecureUserPool(stack, "Users",
                       overrides={"advanced_security_mode": cognito.AdvancedSecurityMode.ENFORCED})


def test_misspelt_override_is_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-001.*'mfa_configuration'.*UserPool"):
        SecureUserPool(stack, "Users", overrides={"mfa_configuration": cognito.Mfa.OFF})


def test_defaults_pass_every_check(app, stack):
    add_checks(app)
    SecureUserPool(stack, "Users")
    result = synth_and_validate(app)
    assert result.violations == [], result.format()


def test_weakening_with_a_reason_is_an_audited_acknowledgment(app, stack):
    add_checks(app)
    reason = "Internal pilot for 20 staff; MFA rolls out with the SSO migration next quarter."
    SecureUserPool(stack, "Users", overrides={"mfa": cognito.Mfa.OFF}, accepted_risks={"mfa": reason})
    result = synth_and_validate(app)
    assert result.violations == [], result.format()
    [finding] = [f for f in result.suppressed if f.rule == "AwsSolutions-COG2"]
    assert finding.path == "Test/Users/UserPool/Resource"
    assert reason in finding["reason"] and finding["acknowledged_id"] == "AwsSolutions::AwsSolutions-COG2"


def test_without_the_acknowledgment_the_check_would_fail(app, stack):
    # Proves the acknowledgment above is what silences COG2: the plain L2 with the same setting fails.
    add_checks(app)
    cognito.UserPool(stack, "Plain", mfa=cognito.Mfa.OFF)
    assert "AwsSolutions-COG2" in synth_and_validate(app).rules()


COST_REASON = "Internal tool for 30 staff behind the corporate VPN; Plus-plan cost not justified here."


def test_threat_protection_without_the_plus_plan_is_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-ID-010.*Test/Users.*Plus"):
        SecureUserPool(stack, "Users", overrides={"feature_plan": cognito.FeaturePlan.ESSENTIALS},
                       accepted_risks={"feature_plan": COST_REASON})


def test_leaving_the_plus_plan_takes_a_reason_for_each_setting_and_drops_the_risk_configuration(app, stack):
    add_checks(app)
    keys = ("feature_plan", "standard_threat_protection_mode", "custom_threat_protection_mode")
    pool = SecureUserPool(stack, "Users", overrides={
        "feature_plan": cognito.FeaturePlan.ESSENTIALS,
        "standard_threat_protection_mode": None,
        "custom_threat_protection_mode": None,
    }, accepted_risks=dict.fromkeys(keys, COST_REASON))
    pools = Template.from_stack(stack).find_resources("AWS::Cognito::UserPool")
    props = next(iter(pools.values()))["Properties"]
    assert props["UserPoolTier"] == "ESSENTIALS" and "UserPoolAddOns" not in props
    assert pool.risk_configuration is None
    Template.from_stack(stack).resource_count_is("AWS::Cognito::UserPoolRiskConfigurationAttachment", 0)
    result = synth_and_validate(app)
    assert result.violations == [], result.format()
    assert "AwsSolutions-COG8" in result.rules(suppressed=True)
