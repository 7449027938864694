"""Rules on apps written with plain aws-cdk-lib (no secure_constructs): what CDK's defaults leave open."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import CfnOutput, Duration, SecretValue, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template
from nag_fixtures import HANDLER

from secure_constructs.nag import evaluate


def _fn(stack: Stack, cid: str = "Fn", **kwargs: Any) -> lambda_.Function:
    return lambda_.Function(
        stack,
        cid,
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline(HANDLER),
        **kwargs,
    )


def http_route_without_auth(stack: Stack) -> None:
    api = apigwv2.HttpApi(stack, "Http")
    api.add_routes(
        path="/items",
        methods=[apigwv2.HttpMethod.GET],
        integration=integrations.HttpLambdaIntegration("Int", _fn(stack)),
    )


def default_user_pool(stack: Stack) -> None:
    pool = cognito.UserPool(stack, "Pool")
    pool.add_client(
        "Client",
        auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
        o_auth=cognito.OAuthSettings(
            flows=cognito.OAuthFlows(implicit_code_grant=True), callback_urls=["https://app.example.com"]
        ),
        access_token_validity=Duration.hours(24),
        enable_token_revocation=False,
    )


def public_function_url(stack: Stack) -> None:
    _fn(stack).add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)


def public_permission(stack: Stack) -> None:
    _fn(stack).add_permission("Anyone", principal=iam.AnyPrincipal())


def default_queue_key_and_log_group(stack: Stack) -> None:
    sqs.Queue(stack, "Queue")
    kms.Key(stack, "Key")
    logs.LogGroup(stack, "Logs", retention=logs.RetentionDays.INFINITE)


def default_trail(stack: Stack) -> None:
    cloudtrail.Trail(stack, "Trail")


def admin_role_and_shared_role(stack: Stack) -> None:
    role = iam.Role(
        stack,
        "Shared",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AdministratorAccess")],
    )
    _fn(stack, "A", role=role)
    _fn(stack, "B", role=role)


def secret_in_environment_and_output(stack: Stack) -> None:
    secret = secretsmanager.Secret(stack, "Secret")
    _fn(
        stack,
        environment={
            "DB_PASSWORD": secret.secret_value.unsafe_unwrap(),
            "API_KEY": SecretValue.unsafe_plain_text("Zx9!qT4#vLp2@Wm8Kd").unsafe_unwrap(),
        },
    )
    CfnOutput(stack, "Leak", value=secret.secret_value.unsafe_unwrap())


def wildcard_policy(stack: Stack) -> None:
    _fn(stack).add_to_role_policy(iam.PolicyStatement(actions=["dynamodb:*"], resources=["*"]))


def unauthenticated_identity_pool(stack: Stack) -> None:
    cognito.CfnIdentityPool(stack, "Ids", allow_unauthenticated_identities=True)


CASES: list[tuple[Callable[[Stack], None], list[str]]] = [
    (
        http_route_without_auth,
        [
            "ApiAccessLogs",
            "ApiAlarms[Missing::4XXError]",
            "ApiAlarms[Missing::CountAnomaly]",
            "ApiAlarms[Missing::Latency]",
            "ApiRouteAuth",
            "ApiServerErrorAlarm",
            "ApiStageMetrics",
            "ApiThrottling[NoThrottling]",
        ],
    ),
    (
        default_user_pool,
        [
            "CognitoAccountRecovery",
            "CognitoCaseInsensitive",
            "CognitoCompromisedCredentials",
            "CognitoCustomAuthThreatProtection",
            "CognitoDeletionProtection",
            "CognitoImplicitGrant",
            "CognitoKeepOriginal",
            "CognitoMfa[Mfa::OFF]",
            "CognitoPasswordAuthFlow[Flow::ALLOW_USER_PASSWORD_AUTH]",
            "CognitoThreatProtection[Mode::OFF]",
            "CognitoTokenLifetime[AccessTokenValidity]",
            "CognitoTokenRevocation",
            "CognitoUserExistenceErrors",
            "CognitoVerification",
        ],
    ),
    # CDK's two Principal "*" permissions of a public URL are left to LambdaUrlAuth (one finding to review)
    (public_function_url, ["LambdaUrlAuth"]),
    (public_permission, ["LambdaPermissionPublic[Principal::*]"]),
    (
        default_queue_key_and_log_group,
        ["KmsKeyRotation", "LogGroupKms", "LogGroupRetention", "SqsQueueKms", "SqsSslOnly"],
    ),
    (
        default_trail,
        [
            "S3AccessLogging",
            "S3Kms",
            "S3MinimumTls",
            "S3ObjectOwnership",
            *[
                f"S3PublicAccessBlock[Missing::{flag}]"
                for flag in (
                    "BlockPublicAcls",
                    "BlockPublicPolicy",
                    "IgnorePublicAcls",
                    "RestrictPublicBuckets",
                )
            ],
            "S3Versioning",
            "TrailCloudWatchLogs",
            "TrailKms",
            "TrailLambdaDataEvents[NoLambdaDataEvents]",
        ],
    ),
    (
        admin_role_and_shared_role,
        [
            "IamAdminManagedPolicy[Policy::AdministratorAccess]",
            "IamSharedRole[Role::SharedDACC02AA]",
            "IamSharedRole[Role::SharedDACC02AA]",
        ],
    ),
    (
        secret_in_environment_and_output,
        [
            "LambdaEnvPlaintextSecret[Env::API_KEY]",
            "SecretKms",
            "SecretValueExposed",
            "SecretValueExposed[Env::DB_PASSWORD]",
        ],
    ),
    (
        wildcard_policy,
        [
            "IamNoWildcardAction[Action::dynamodb:*]",
            "IamNoWildcardResource[Action::dynamodb:*]",
            "LambdaUnusedPermission[Action::dynamodb:*@*]",  # the handler calls nothing
        ],
    ),
    (unauthenticated_identity_pool, ["IdentityPoolUnauthenticated"]),
]
#: Findings of rules that these cases do not look at (what every plain function lacks).
IGNORED = (
    "LambdaAlarms",
    "LambdaEnvKms",
    "LambdaTracing",
    "LambdaDeadLetterQueue",
    "LambdaLogGroup",
    "LambdaJsonLogs",
)


@pytest.mark.parametrize(("build", "expected"), CASES, ids=[c[0].__name__ for c in CASES])
def test_plain_cdk_defaults_are_reported(stack, build, expected):
    build(stack)
    found = sorted(
        f.rule.removeprefix("SecureServerless-") for f in evaluate(Template.from_stack(stack).to_json())
    )
    assert [r for r in found if not r.startswith(IGNORED)] == sorted(expected)
