"""The SecureServerless pack as a table (one RuleSpec per rule) and its evaluation over one template."""

from __future__ import annotations

from typing import Any

from ._model import Compliance, Finding, Level, RuleSpec, Undecidable
from ._template import TemplateContext
from .rules import apigateway, cloudtrail, cloudwatch, cognito, encryption, iam, lambda_, logs, openapi, sam

E, W = Level.ERROR, Level.WARNING
#: Pseudo resource type for template Outputs (rules about values that leave the stack).
OUTPUT = "Output"

REST_METHOD, HTTP_ROUTE = "AWS::ApiGateway::Method", "AWS::ApiGatewayV2::Route"
AUTHORIZERS = ("AWS::ApiGateway::Authorizer", "AWS::ApiGatewayV2::Authorizer")
LAMBDA = "AWS::Lambda::Function"
TRAIL = ("AWS::CloudTrail::Trail",)
#: AWS SAM resource types: CloudFormation expands them at deploy time, after the rules have run.
SAM_TYPES = tuple(
    f"AWS::Serverless::{name}"
    for name in (
        "Function",
        "Api",
        "HttpApi",
        "SimpleTable",
        "LayerVersion",
        "StateMachine",
        "Application",
        "Connector",
        "GraphQLApi",
    )
)
POOL, CLIENT = ("AWS::Cognito::UserPool",), ("AWS::Cognito::UserPoolClient",)


def _kms(name: str, resource_type: str, what: str) -> RuleSpec:
    prop = encryption.KMS_KEY_PROPERTY[resource_type][0]
    return RuleSpec(
        name,
        "encryption",
        (resource_type,),
        f"The {what} is not encrypted with a KMS key.",
        f"Set {prop} to a customer managed KMS key with rotation on, so that access to the data "
        "also needs kms:Decrypt and is logged in CloudTrail.",
        E,
        encryption.kms_key_set,
    )


RULES: tuple[RuleSpec, ...] = (
    # --- auth -----------------------------------------------------------------------------------------
    RuleSpec(
        "ApiRouteAuth",
        "auth",
        (REST_METHOD, HTTP_ROUTE),
        "The API method or route has no authorization (AuthorizationType NONE).",
        "Use IAM, a Cognito user pool, a JWT or a Lambda authorizer. Only CORS preflight (OPTIONS) may "
        "be open; acknowledge a deliberately public route with the reason.",
        E,
        apigateway.api_method_auth,
    ),
    RuleSpec(
        "ApiKeyNotAuthorization",
        "auth",
        (REST_METHOD, HTTP_ROUTE),
        "The method relies on an API key instead of an authorizer.",
        "API keys identify callers for usage plans; they are not credentials. Add an authorizer (IAM, "
        "Cognito, JWT or Lambda) and keep the key for throttling only.",
        E,
        apigateway.api_key_as_auth,
    ),
    RuleSpec(
        "ApiAuthorizerCacheTtl",
        "auth",
        AUTHORIZERS,
        "The authorizer caches its result for more than 300 seconds.",
        "A cached allow outlives a revoked token. Set AuthorizerResultTtlInSeconds to 300 or less "
        "(0 turns caching off).",
        E,
        apigateway.api_authorizer_cache_ttl,
    ),
    RuleSpec(
        "ApiAuthorizerQueryToken",
        "auth",
        AUTHORIZERS,
        "The authorizer reads its identity source from the query string.",
        "Query strings land in access logs, proxies and browser histories. Read the token from a header "
        "(e.g. method.request.header.Authorization or $request.header.Authorization).",
        E,
        apigateway.api_authorizer_query_token,
    ),
    RuleSpec(
        "ApiJwtAudience",
        "auth",
        ("AWS::ApiGatewayV2::Authorizer",),
        "The JWT authorizer does not check the audience (or the issuer).",
        "Without an audience any token of the issuer, for any app, is accepted. Set "
        "JwtConfiguration.Audience to your app client ids and JwtConfiguration.Issuer.",
        E,
        apigateway.api_jwt_audience,
    ),
    RuleSpec(
        "LambdaPermissionPublic",
        "auth",
        ("AWS::Lambda::Permission",),
        "The Lambda permission allows any principal, or a service without a source ARN/account.",
        "Name the calling principal, and for a service principal set SourceArn (or SourceAccount) so "
        "that another account's resource cannot invoke the function (confused deputy).",
        E,
        lambda_.lambda_permission_public,
    ),
    RuleSpec(
        "LambdaUrlAuth",
        "auth",
        ("AWS::Lambda::Url",),
        "The function URL has AuthType NONE.",
        "Use AuthType AWS_IAM and sign requests (SigV4), or put the function behind an API with an "
        "authorizer.",
        E,
        lambda_.lambda_url_auth,
    ),
    # --- iam ------------------------------------------------------------------------------------------
    RuleSpec(
        "IamNoWildcardAction",
        "iam",
        iam.IDENTITY_POLICY_TYPES,
        "The IAM policy allows a wildcard action ('*', 'service:*') or uses NotAction in an Allow.",
        "Grant the specific actions the workload calls (least privilege).",
        E,
        iam.iam_no_wildcard_action,
    ),
    RuleSpec(
        "IamNoWildcardResource",
        "iam",
        iam.IDENTITY_POLICY_TYPES,
        "The IAM policy allows Resource '*' for an action that supports resource-level permissions.",
        "Scope the statement to the ARNs the workload uses. Resource '*' is accepted only for actions "
        "without resource-level permissions (e.g. xray:PutTraceSegments).",
        E,
        iam.iam_no_wildcard_resource,
    ),
    RuleSpec(
        "IamAdminManagedPolicy",
        "iam",
        ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"),
        "An AWS managed admin or full-access policy is attached.",
        "AdministratorAccess, PowerUserAccess, IAMFullAccess and *FullAccess policies grant far more "
        "than a workload needs. Attach a policy with the exact actions and resources.",
        E,
        iam.iam_managed_admin_policy,
    ),
    RuleSpec(
        "IamSharedRole",
        "iam",
        (LAMBDA,),
        "The execution role is shared with other functions.",
        "Each function gets its own role, so that each holds only its own permissions and a compromise "
        "of one does not reach the data of the others.",
        E,
        iam.iam_shared_role,
    ),
    RuleSpec(
        "IamTrustAnyPrincipal",
        "iam",
        ("AWS::IAM::Role",),
        "The role's trust policy lets any principal assume it.",
        "Name the service or account principals that may assume the role (or narrow '*' with "
        "aws:PrincipalOrgID / aws:PrincipalAccount / aws:PrincipalArn).",
        E,
        iam.iam_trust_any_principal,
    ),
    RuleSpec(
        "ResourcePolicyAnyPrincipal",
        "iam",
        tuple(iam.RESOURCE_POLICY_PROPERTY) + ("AWS::Lambda::LayerVersionPermission",),
        "The resource policy allows any principal without a restricting condition.",
        "Name the principals, or narrow Principal '*' with a condition on aws:SourceArn, "
        "aws:SourceAccount, aws:PrincipalOrgID, aws:SourceVpce or similar.",
        E,
        iam.resource_policy_any_principal,
    ),
    # --- encryption -----------------------------------------------------------------------------------
    RuleSpec(
        "LambdaEnvKms",
        "encryption",
        (LAMBDA,),
        "The function's environment variables are not encrypted with a customer managed KMS key.",
        "Set KmsKeyArn (environment_encryption in CDK) to a customer managed key with rotation on.",
        E,
        lambda_.lambda_env_kms,
    ),
    RuleSpec(
        "KmsKeyRotation",
        "encryption",
        ("AWS::KMS::Key",),
        "Automatic rotation of the KMS key is off.",
        "Set EnableKeyRotation to true (enable_key_rotation in CDK).",
        E,
        encryption.kms_key_rotation,
    ),
    _kms("LogGroupKms", "AWS::Logs::LogGroup", "log group"),
    _kms("SqsQueueKms", "AWS::SQS::Queue", "queue"),
    _kms("SnsTopicKms", "AWS::SNS::Topic", "topic"),
    _kms("SecretKms", "AWS::SecretsManager::Secret", "secret"),
    _kms("TrailKms", "AWS::CloudTrail::Trail", "trail"),
    RuleSpec(
        "DynamoDbKms",
        "encryption",
        ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"),
        "The table is not encrypted with a customer managed KMS key.",
        "Set SSESpecification {SSEEnabled: true, SSEType: KMS, KMSMasterKeyId: <key>} "
        "(encryption=CUSTOMER_MANAGED in CDK).",
        E,
        encryption.dynamodb_kms,
    ),
    # --- secrets --------------------------------------------------------------------------------------
    RuleSpec(
        "LambdaEnvPlaintextSecret",
        "secrets",
        (LAMBDA,),
        "An environment variable holds what looks like a plaintext secret.",
        "Store the value in Secrets Manager (or an SSM SecureString), pass its ARN/name in the "
        "environment and read it at run time; grant the function read access to that secret only.",
        E,
        lambda_.lambda_env_plaintext_secret,
    ),
    RuleSpec(
        "SecretValueExposed",
        "secrets",
        (LAMBDA, OUTPUT),
        "A secret value is resolved (dynamic reference) into an environment variable or a stack output.",
        "A resolved secret is stored in plain text in the function configuration or the stack outputs. "
        "Pass the secret's ARN or name instead and read it at run time (a finding on an output cannot be "
        "acknowledged: CDK maps outputs to no construct).",
        E,
        lambda_.secret_value_exposed,
    ),
    RuleSpec(
        "LambdaInlineCodeSecret",
        "secrets",
        (LAMBDA,),
        "The function's inline code contains a hard-coded secret.",
        "Move the secret to Secrets Manager and read it at run time; rotate the leaked value.",
        E,
        lambda_.lambda_inline_code_secret,
    ),
    # --- logging --------------------------------------------------------------------------------------
    RuleSpec(
        "ApiAccessLogs",
        "logging",
        ("AWS::ApiGateway::Stage", "AWS::ApiGateway::Deployment", "AWS::ApiGatewayV2::Stage"),
        "The API stage does not write access logs.",
        "Set the stage's access log destination to an encrypted log group with a retention.",
        E,
        apigateway.api_access_logs,
    ),
    RuleSpec(
        "ApiDataTrace",
        "logging",
        ("AWS::ApiGateway::Stage", "AWS::ApiGateway::Deployment", "AWS::ApiGatewayV2::Stage"),
        "Execution logging logs full request and response data (DataTraceEnabled).",
        "Full data traces write tokens and personal data to logs. Set DataTraceEnabled to false; use "
        "logging level ERROR or INFO.",
        E,
        apigateway.api_execution_data_trace,
    ),
    RuleSpec(
        "LogGroupRetention",
        "logging",
        ("AWS::Logs::LogGroup",),
        "The log group keeps logs forever (no RetentionInDays).",
        "Set RetentionInDays to what your audit and privacy obligations require.",
        E,
        logs.log_group_retention,
    ),
    RuleSpec(
        "TrailLogging",
        "logging",
        TRAIL,
        "The trail is not logging (IsLogging false).",
        "Set IsLogging to true.",
        E,
        cloudtrail.trail_logging,
    ),
    RuleSpec(
        "TrailManagementEvents",
        "logging",
        TRAIL,
        "The trail does not record all read and write management events.",
        "Include management events with ReadWriteType All and no excluded event sources.",
        E,
        cloudtrail.trail_management_events,
    ),
    RuleSpec(
        "TrailGlobalServiceEvents",
        "logging",
        TRAIL,
        "The trail excludes global service events (IAM, STS).",
        "Set IncludeGlobalServiceEvents to true.",
        E,
        cloudtrail.trail_global_service_events,
    ),
    RuleSpec(
        "TrailMultiRegion",
        "logging",
        TRAIL,
        "The trail records a single region.",
        "Set IsMultiRegionTrail to true so that activity in unused regions is recorded too.",
        E,
        cloudtrail.trail_multi_region,
    ),
    RuleSpec(
        "TrailLogFileValidation",
        "logging",
        TRAIL,
        "The trail does not validate its log files.",
        "Set EnableLogFileValidation to true (digest files reveal tampering).",
        E,
        cloudtrail.trail_log_file_validation,
    ),
    RuleSpec(
        "TrailLambdaDataEvents",
        "logging",
        TRAIL,
        "The trail drops Lambda data events (Invoke) for some or all functions.",
        "Add an event selector for AWS::Lambda::Function data events (ReadWriteType All) that covers "
        "every function: all functions (arn:<partition>:lambda) or each function's ARN.",
        E,
        cloudtrail.trail_lambda_data_events,
    ),
    # --- monitoring -----------------------------------------------------------------------------------
    RuleSpec(
        "LambdaAlarms",
        "monitoring",
        (LAMBDA,),
        "The function has no alarm on its Errors or Throttles metric.",
        "Add CloudWatch alarms on AWS/Lambda Errors and Throttles (dimension FunctionName) with an "
        "alarm action.",
        W,
        cloudwatch.lambda_alarms,
    ),
    RuleSpec(
        "ApiServerErrorAlarm",
        "monitoring",
        ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"),
        "The API has no alarm on its 5XX errors.",
        "Add a CloudWatch alarm on AWS/ApiGateway 5XXError (REST, dimension ApiName) or 5xx (HTTP, "
        "dimension ApiId) with an alarm action.",
        W,
        cloudwatch.api_server_error_alarm,
    ),
    RuleSpec(
        "AlarmActions",
        "monitoring",
        ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"),
        "The alarm notifies nobody (no alarm action, or actions disabled).",
        "Add an alarm action (e.g. an encrypted SNS topic) and keep ActionsEnabled true.",
        W,
        cloudwatch.alarm_actions,
    ),
    # --- network / API --------------------------------------------------------------------------------
    RuleSpec(
        "ApiTls12",
        "network",
        ("AWS::ApiGateway::DomainName", "AWS::ApiGatewayV2::DomainName"),
        "The custom domain allows TLS versions below 1.2.",
        "Set SecurityPolicy to TLS_1_2 (or a TLS 1.3 policy).",
        E,
        apigateway.api_tls12,
    ),
    RuleSpec(
        "ApiCorsCredentials",
        "network",
        ("AWS::ApiGatewayV2::Api", REST_METHOD, "AWS::ApiGateway::GatewayResponse"),
        "CORS allows credentials from any origin.",
        "List the allowed origins explicitly when credentials are allowed.",
        E,
        apigateway.api_cors_credentials_any_origin,
    ),
    RuleSpec(
        "ApiRequestValidation",
        "network",
        (REST_METHOD,),
        "A REST method that takes a body does not validate it.",
        "Attach a request validator with ValidateRequestBody and a request model (JSON schema) so that "
        "malformed input is refused before it reaches the integration.",
        W,
        apigateway.api_request_validation,
    ),
    RuleSpec(
        "ApiStageWaf",
        "network",
        ("AWS::ApiGateway::Stage",),
        "The REST API stage has no WAF web ACL.",
        "Associate an AWS WAFv2 web ACL (AWS::WAFv2::WebACLAssociation) with the stage, e.g. with AWS "
        "managed rule groups and a rate-based rule.",
        W,
        apigateway.api_stage_waf,
    ),
    # --- identity -------------------------------------------------------------------------------------
    RuleSpec(
        "CognitoSelfSignUp",
        "identity",
        POOL,
        "Self sign-up is on: anyone can create a user.",
        "Set AdminCreateUserConfig.AllowAdminCreateUserOnly to true (self_sign_up_enabled=False).",
        E,
        cognito.cognito_self_sign_up,
    ),
    RuleSpec(
        "CognitoMfa",
        "identity",
        POOL,
        "MFA is not required (MfaConfiguration is not ON).",
        "Set MfaConfiguration to ON with TOTP (software token) MFA.",
        E,
        cognito.cognito_mfa,
    ),
    RuleSpec(
        "CognitoPasswordPolicy",
        "identity",
        POOL,
        "The password policy is weak.",
        "Require at least 12 characters (or 8 with lower case, upper case, digits and symbols) and let "
        "temporary passwords expire within 7 days.",
        E,
        cognito.cognito_password_policy,
    ),
    RuleSpec(
        "CognitoThreatProtection",
        "identity",
        POOL,
        "Threat protection is not enforced.",
        "Set UserPoolAddOns.AdvancedSecurityMode to ENFORCED (feature plan Plus).",
        W,
        cognito.cognito_threat_protection,
    ),
    RuleSpec(
        "CognitoPasswordAuthFlow",
        "identity",
        CLIENT,
        "The app client allows a flow that sends the password itself (non-SRP).",
        "Allow ALLOW_USER_SRP_AUTH and ALLOW_REFRESH_TOKEN_AUTH only.",
        E,
        cognito.cognito_password_auth_flow,
    ),
    RuleSpec(
        "CognitoImplicitGrant",
        "identity",
        CLIENT,
        "The app client allows the OAuth implicit grant.",
        "Use the authorization code grant with PKCE.",
        E,
        cognito.cognito_implicit_grant,
    ),
    RuleSpec(
        "CognitoTokenLifetime",
        "identity",
        CLIENT,
        "The app client's tokens live too long.",
        "Keep access and ID tokens at 60 minutes or less and refresh tokens at 30 days or less.",
        W,
        cognito.cognito_token_lifetime,
    ),
    RuleSpec(
        "CognitoTokenRevocation",
        "identity",
        CLIENT,
        "Token revocation is off for the app client.",
        "Set EnableTokenRevocation to true so that signing out revokes refresh tokens.",
        E,
        cognito.cognito_token_revocation,
    ),
    RuleSpec(
        "CognitoUserExistenceErrors",
        "identity",
        CLIENT,
        "Sign-in errors reveal whether a user exists.",
        "Set PreventUserExistenceErrors to ENABLED.",
        E,
        cognito.cognito_user_existence_errors,
    ),
    RuleSpec(
        "IdentityPoolUnauthenticated",
        "identity",
        ("AWS::Cognito::IdentityPool",),
        "The identity pool gives AWS credentials to unauthenticated identities.",
        "Set AllowUnauthenticatedIdentities to false.",
        E,
        cognito.identity_pool_unauthenticated,
    ),
    # --- general --------------------------------------------------------------------------------------
    RuleSpec(
        "TransformedResource",
        "general",
        SAM_TYPES,
        "The resource is expanded by the SAM transform at deploy time: no rule can check what it becomes.",
        "Define the resources with aws-cdk-lib (or secure_constructs) instead, or check the processed "
        "template (`aws cloudformation get-template --template-stage Processed`) with "
        "`python -m secure_constructs.nag check`, then acknowledge with that as the reason.",
        E,
        sam.transformed_resource,
    ),
)
RULES += openapi.RULES  # routes and authorizers of APIs defined by an OpenAPI Body

#: The ``[<finding>]`` ids each multi-finding rule reports, for RULES.md. Every rule may also report
#: ``[Unresolved::<property>]`` when it cannot decide and ``[RuleError]`` when it fails (both fail closed).
FINDING_IDS: dict[str, tuple[str, ...]] = {
    "ApiAuthorizerQueryToken": ("QueryString::<parameter>",),
    "ApiJwtAudience": ("NoAudience", "NoIssuer"),
    "LambdaPermissionPublic": ("Principal::*", "NoSource::<service principal>"),
    "IamNoWildcardAction": ("Action::<action>", "NotAction"),
    "IamNoWildcardResource": ("Action::<action>",),
    "IamAdminManagedPolicy": ("Policy::<policy name>",),
    "IamSharedRole": ("Role::<role logical id or name>",),
    "LambdaEnvPlaintextSecret": ("Env::<variable>",),
    "SecretValueExposed": ("Env::<variable>",),
    "LambdaInlineCodeSecret": ("Code::<what was found, with its line>",),
    "TrailManagementEvents": ("NoManagementEvents", "ReadWriteType", "ExcludedSources"),
    "TrailLambdaDataEvents": (
        "NoLambdaDataEvents",
        "ReadWriteType",
        "ArnExclusion",
        "Function::<logical id>",
    ),
    "LambdaAlarms": ("Missing::Errors", "Missing::Throttles"),
    "AlarmActions": ("NoAlarmAction", "ActionsDisabled"),
    "ApiRequestValidation": ("NoValidator", "BodyNotValidated", "NoModel"),
    "CognitoMfa": ("Mfa::OFF", "Mfa::OPTIONAL"),
    "CognitoPasswordPolicy": ("Weak", "TemporaryPasswordValidity"),
    "CognitoThreatProtection": ("Mode::OFF", "Mode::AUDIT"),
    "CognitoPasswordAuthFlow": ("Flow::<flow>",),
    "CognitoTokenLifetime": ("AccessTokenValidity", "IdTokenValidity", "RefreshTokenValidity"),
}
FINDING_IDS.update(openapi.FINDING_IDS)


def _index(rules: tuple[RuleSpec, ...]) -> dict[str, list[RuleSpec]]:
    by_type: dict[str, list[RuleSpec]] = {}
    for spec in rules:
        for resource_type in spec.resource_types:
            by_type.setdefault(resource_type, []).append(spec)
    return by_type


_BY_TYPE = _index(RULES)


def finding_id(text: str) -> str:
    """``text`` as the ``[<finding>]`` part of a rule id: one line, no brackets, at most one ``::`` (so
    that ``<Plugin>::<rule id>`` acknowledgments stay unambiguous)."""
    head, sep, tail = " ".join(text.split()).replace("[", "(").replace("]", ")").partition("::")
    return head + sep + tail.replace("::", ":")


def run_rule(
    spec: RuleSpec,
    logical_id: str,
    resource: dict[str, Any],
    ctx: TemplateContext,
    location: str = "Properties",
) -> list[Finding]:
    """Apply one rule to one resource; a rule that cannot decide or fails reports a finding (fail closed)."""

    def finding(suffix: str | None, message: str) -> Finding:
        rule = spec.rule_id if suffix is None else f"{spec.rule_id}[{finding_id(suffix)}]"
        return Finding(rule, logical_id, message, spec.explanation, spec.level, location)

    try:
        result = spec.fn(logical_id, resource, ctx)
    except Undecidable as undecidable:
        return [finding(undecidable.finding, f"{spec.info} Cannot decide: {undecidable.why}.")]
    except Exception as error:  # noqa: BLE001 - a broken rule must fail closed, not pass silently
        return [
            finding(
                "RuleError",
                f"{spec.info} The rule could not evaluate this resource "
                f"({type(error).__name__}); failing closed.",
            )
        ]
    if isinstance(result, Compliance):
        return [finding(None, spec.info)] if result is Compliance.NON_COMPLIANT else []
    out = []
    for item in result:
        suffix, detail = item if isinstance(item, tuple) else (item, None)
        out.append(finding(suffix, f"{spec.info} ({detail})" if detail else spec.info))
    return out


def evaluate(template: dict[str, Any], rules: tuple[RuleSpec, ...] | None = None) -> list[Finding]:
    """Every finding of the pack (or of ``rules``) on one CloudFormation template dict."""
    by_type = _BY_TYPE if rules is None else _index(rules)
    ctx = TemplateContext(template)
    findings: list[Finding] = []
    for logical_id, resource in ctx.resources.items():
        for spec in by_type.get(str(resource.get("Type", "")), ()):
            findings += run_rule(spec, logical_id, resource, ctx)
    if OUTPUT in by_type:
        for output_id, output in ctx.outputs.items():
            pseudo = {"Type": OUTPUT, "Value": output.get("Value") if isinstance(output, dict) else None}
            for spec in by_type[OUTPUT]:
                findings += run_rule(spec, output_id, pseudo, ctx, location=f"Outputs/{output_id}")
    return findings


def rule_ids() -> list[str]:
    return [spec.rule_id for spec in RULES]
