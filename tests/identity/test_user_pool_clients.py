"""SecureUserPool.add_client: SRP only, code grant only, short tokens, and the URL rules."""

import pytest
from aws_cdk import Duration
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from secure_constructs import SecureConstructsError
from secure_constructs.identity import SecureUserPool

WEB = "https://app.example.com/callback"


def client_props(stack, name="Web", **kwargs):
    pool = SecureUserPool(stack, "Users")
    client = pool.add_client(name, **kwargs)
    resources = Template.from_stack(stack).find_resources("AWS::Cognito::UserPoolClient")
    return resources[stack.get_logical_id(client.node.default_child)]["Properties"]


def test_srp_and_refresh_only(stack):
    assert client_props(stack)["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def test_public_client_has_no_secret(stack):
    props = client_props(stack)
    assert props["GenerateSecret"] is False
    assert props["EnablePropagateAdditionalUserContextData"] is False


def test_confidential_client_has_a_secret_and_passes_user_context(stack):
    props = client_props(stack, confidential=True)
    assert props["GenerateSecret"] is True
    assert props["EnablePropagateAdditionalUserContextData"] is True


def test_tokens_are_short_lived_revocable_and_existence_errors_prevented(stack):
    props = client_props(stack)
    assert (props["AccessTokenValidity"], props["IdTokenValidity"], props["RefreshTokenValidity"]) == (
        60, 60, 7 * 24 * 60)
    assert props["TokenValidityUnits"] == {
        "AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "minutes"}
    assert props["EnableTokenRevocation"] is True
    assert props["PreventUserExistenceErrors"] == "ENABLED"


def test_no_oauth_without_callback_urls(stack):
    props = client_props(stack)
    assert props["AllowedOAuthFlowsUserPoolClient"] is False
    assert "CallbackURLs" not in props and "AllowedOAuthFlows" not in props


def test_callback_urls_enable_the_code_grant_only_with_sign_in_scopes(stack):
    props = client_props(stack, callback_urls=[WEB, "http://localhost:3000/cb", "http://127.0.0.1:8080/"],
                         logout_urls=["https://app.example.com/"])
    assert props["AllowedOAuthFlows"] == ["code"]
    assert props["AllowedOAuthScopes"] == ["openid", "email", "profile"]
    assert props["CallbackURLs"] == [WEB, "http://localhost:3000/cb", "http://127.0.0.1:8080/"]
    assert props["LogoutURLs"] == ["https://app.example.com/"]


def test_oauth_scopes_can_be_chosen(stack):
    props = client_props(stack, callback_urls=[WEB], oauth_scopes=[cognito.OAuthScope.OPENID])
    assert props["AllowedOAuthScopes"] == ["openid"]


def test_callback_urls_built_from_tokens_are_accepted(stack):
    bucket = s3.Bucket(stack, "Site")
    props = client_props(stack, callback_urls=[f"https://{bucket.bucket_regional_domain_name}/cb"])
    assert props["CallbackURLs"][0]["Fn::Join"][1][0] == "https://"


def test_o_auth_override_without_flows_gets_the_code_grant_not_the_implicit_one(stack):
    props = client_props(stack, overrides={"o_auth": cognito.OAuthSettings(callback_urls=[WEB])})
    assert props["AllowedOAuthFlows"] == ["code"]


def test_client_credentials_for_a_confidential_client(stack):
    props = client_props(stack, confidential=True, overrides={"o_auth": cognito.OAuthSettings(
        flows=cognito.OAuthFlows(client_credentials=True),
        scopes=[cognito.OAuthScope.custom("orders/read")])})
    assert props["AllowedOAuthFlows"] == ["client_credentials"]
    assert props["AllowedOAuthScopes"] == ["orders/read"]


def test_clients_and_client_ids_in_the_order_added(stack):
    pool = SecureUserPool(stack, "Users")
    web, mobile = pool.add_client("Web"), pool.add_client("Mobile")
    assert pool.clients == {"Web": web, "Mobile": mobile}
    assert [stack.resolve(i) for i in pool.client_ids] == [
        {"Ref": stack.get_logical_id(c.node.default_child)} for c in (web, mobile)]
    assert isinstance(web, cognito.UserPoolClient)
    assert web.node.path == "Test/Users/UserPool/ClientWeb"


@pytest.mark.parametrize("url", [
    "http://app.example.com/cb",  # plain http off loopback
    "myapp://callback",  # custom scheme
    "https://app.example.com/cb#frag",
    "https://*.example.com/cb",
    "https:///cb",
    "ftp://localhost/cb",
    "",
])
def test_bad_callback_urls_are_refused(stack, url):
    pool = SecureUserPool(stack, "Users")
    with pytest.raises(SecureConstructsError, match="SC-ID-001.*Test/Users/ClientWeb"):
        pool.add_client("Web", callback_urls=[WEB, url])


def test_bad_logout_url_is_refused(stack):
    pool = SecureUserPool(stack, "Users")
    with pytest.raises(SecureConstructsError, match="SC-ID-001.*http://example.com/bye"):
        pool.add_client("Web", callback_urls=[WEB], logout_urls=["http://example.com/bye"])


def test_bad_url_in_an_o_auth_override_is_refused(stack):
    pool = SecureUserPool(stack, "Users")
    with pytest.raises(SecureConstructsError, match="SC-ID-001"):
        pool.add_client("Web", overrides={"o_auth": cognito.OAuthSettings(callback_urls=["http://example.com"])})


def test_logout_urls_without_callback_urls_are_refused(stack):
    pool = SecureUserPool(stack, "Users")
    with pytest.raises(SecureConstructsError, match="SC-ID-001.*without callback URLs"):
        pool.add_client("Web", logout_urls=["https://app.example.com/"])


def test_code_grant_without_callback_urls_is_refused(stack):
    # CDK would quietly use https://example.com as the callback.
    pool = SecureUserPool(stack, "Users")
    with pytest.raises(SecureConstructsError, match="SC-ID-001.*needs callback URLs"):
        pool.add_client("Web", overrides={"o_auth": cognito.OAuthSettings(
            flows=cognito.OAuthFlows(authorization_code_grant=True))})


def test_implicit_grant_is_refused(stack):
    pool = SecureUserPool(stack, "Users")
    with pytest.raises(SecureConstructsError, match="SC-ID-002"):
        pool.add_client("Web", overrides={"o_auth": cognito.OAuthSettings(
            flows=cognito.OAuthFlows(implicit_code_grant=True), callback_urls=[WEB])})


def test_implicit_grant_is_refused_even_with_a_reason(stack):
    pool = SecureUserPool(stack, "Users")
    with pytest.raises(SecureConstructsError, match="SC-GEN-001.*accepted_risks"):
        pool.add_client("Web", overrides={"o_auth": {"flows": {"implicit_code_grant": True}}},
                        accepted_risks={"o_auth": "Legacy single-page app that cannot do PKCE yet."})


def test_client_credentials_on_a_public_client_is_refused(stack):
    pool = SecureUserPool(stack, "Users")
    with pytest.raises(SecureConstructsError, match="SC-ID-003.*confidential=True"):
        pool.add_client("Jobs", overrides={"o_auth": cognito.OAuthSettings(
            flows=cognito.OAuthFlows(client_credentials=True))})


@pytest.mark.parametrize("name", ["", "web-app", "1st", "has space", "X" * 65, None])
def test_invalid_client_name_is_refused(stack, name):
    pool = SecureUserPool(stack, "Users")
    with pytest.raises(SecureConstructsError, match="SC-ID-004"):
        pool.add_client(name)


def test_duplicate_client_name_is_refused(stack):
    pool = SecureUserPool(stack, "Users")
    pool.add_client("Web")
    with pytest.raises(SecureConstructsError, match="SC-ID-004.*'Web'"):
        pool.add_client("Web")


def test_o_auth_override_and_parameters_together_are_refused(stack):
    pool = SecureUserPool(stack, "Users")
    with pytest.raises(SecureConstructsError, match="SC-ID-005.*callback_urls"):
        pool.add_client("Web", callback_urls=[WEB],
                        overrides={"o_auth": cognito.OAuthSettings(callback_urls=[WEB])})


def test_disabled_oauth_with_callback_urls_is_refused(stack):
    pool = SecureUserPool(stack, "Users")
    with pytest.raises(SecureConstructsError, match="SC-ID-005.*disable_o_auth"):
        pool.add_client("Web", callback_urls=[WEB], overrides={"disable_o_auth": True})


WEAKENING = [
    ("auth_flows", cognito.AuthFlow(user_srp=True, user_password=True)),
    ("auth_flows", cognito.AuthFlow(admin_user_password=True)),
    ("auth_flows", {"user": True}),
    ("access_token_validity", Duration.hours(2)),
    ("id_token_validity", Duration.days(1)),
    ("refresh_token_validity", Duration.days(60)),
    ("enable_token_revocation", False),
    ("prevent_user_existence_errors", False),
]


@pytest.mark.parametrize(("key", "value"), WEAKENING, ids=[f"{k}-{i}" for i, (k, _) in enumerate(WEAKENING)])
def test_weakening_a_client_default_without_a_reason_is_refused(stack, key, value):
    pool = SecureUserPool(stack, "Users")
    with pytest.raises(SecureConstructsError, match=rf"SC-GEN-002.*Test/Users/ClientWeb.*'{key}'"):
        pool.add_client("Web", overrides={key: value})


def test_password_flow_with_a_reason_is_allowed(stack):
    props = client_props(stack, overrides={"auth_flows": cognito.AuthFlow(user_srp=True, user_password=True)},
                         accepted_risks={"auth_flows": "Migration Lambda needs the plain password once."})
    assert props["ExplicitAuthFlows"] == ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
                                          "ALLOW_REFRESH_TOKEN_AUTH"]


def test_shorter_tokens_need_no_reason(stack):
    props = client_props(stack, overrides={"access_token_validity": Duration.minutes(15),
                                           "refresh_token_validity": Duration.days(1)})
    assert (props["AccessTokenValidity"], props["RefreshTokenValidity"]) == (15, 24 * 60)


@pytest.mark.parametrize("key", ["generate_secret", "user_pool"])
def test_secret_and_pool_are_managed(stack, key):
    pool = SecureUserPool(stack, "Users")
    with pytest.raises(SecureConstructsError, match=f"SC-GEN-004.*'{key}'"):
        pool.add_client("Web", overrides={key: True})


def test_a_url_that_is_only_a_token_is_refused(stack):
    # Its scheme cannot be checked; build it as f"https://{domain}/..." instead.
    bucket = s3.Bucket(stack, "Site")
    pool = SecureUserPool(stack, "Users")
    with pytest.raises(SecureConstructsError, match="SC-ID-001"):
        pool.add_client("Web", callback_urls=[bucket.bucket_website_url])


def test_weakened_pool_and_client_with_reasons_are_acknowledged_for_our_own_pack(app, stack):
    from aws_cdk import Validations

    from secure_constructs.nag import SecureServerlessChecks
    from secure_constructs.testing import synth_and_validate

    Validations.of(app).add_plugins(SecureServerlessChecks(app))
    reason = "Load-test pool in a sandbox account; no real users, deleted after the test run."
    pool_keys = {"self_sign_up_enabled": True, "mfa": cognito.Mfa.OPTIONAL,
                 "password_policy": cognito.PasswordPolicy(min_length=8, require_symbols=False)}
    pool = SecureUserPool(stack, "Users", overrides=pool_keys,
                          accepted_risks=dict.fromkeys(pool_keys, reason))
    client_keys = {"auth_flows": cognito.AuthFlow(user_password=True, admin_user_password=True),
                   "access_token_validity": Duration.hours(2), "refresh_token_validity": Duration.days(60),
                   "enable_token_revocation": False, "prevent_user_existence_errors": False}
    pool.add_client("Load", overrides=client_keys, accepted_risks=dict.fromkeys(client_keys, reason))
    result = synth_and_validate(app)
    assert result.violations == [], result.format()
    assert {f.rule for f in result.suppressed} >= {
        "SecureServerless-CognitoSelfSignUp",
        "SecureServerless-CognitoMfa[Mfa::OPTIONAL]",
        "SecureServerless-CognitoPasswordPolicy[Weak]",
        "SecureServerless-CognitoPasswordAuthFlow[Flow::ALLOW_USER_PASSWORD_AUTH]",
        "SecureServerless-CognitoPasswordAuthFlow[Flow::ALLOW_ADMIN_USER_PASSWORD_AUTH]",
        "SecureServerless-CognitoTokenLifetime[AccessTokenValidity]",
        "SecureServerless-CognitoTokenLifetime[RefreshTokenValidity]",
        "SecureServerless-CognitoTokenRevocation",
        "SecureServerless-CognitoUserExistenceErrors",
    }
    assert all(reason in f["reason"] for f in result.suppressed)


def test_defaults_pass_our_own_pack(app, stack):
    from aws_cdk import Validations

    from secure_constructs.nag import SecureServerlessChecks
    from secure_constructs.testing import synth_and_validate

    Validations.of(app).add_plugins(SecureServerlessChecks(app))
    pool = SecureUserPool(stack, "Users")
    pool.add_client("Web", callback_urls=[WEB])
    pool.add_client("Server", confidential=True)
    result = synth_and_validate(app)
    assert result.violations == [] and result.suppressed == [], result.format()
