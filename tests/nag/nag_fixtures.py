"""A hand-hardened app written with plain aws-cdk-lib (none of our constructs) and helpers for nag tests."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_wafv2 as wafv2

from secure_constructs.nag import evaluate

HANDLER = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"


#: What the hardened stack's handler calls; its role allows exactly this (LambdaUnusedPermission and
#: LambdaMissingPermission stay silent).
HARDENED_HANDLER = """
import os
import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
SQS = boto3.client("sqs")


def handler(event, context):
    key = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["API_SECRET_ARN"])
    TABLE.put_item(Item={"pk": event["id"]})
    SQS.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=event["id"])
    return {"statusCode": 200, "body": "ok" if key else ""}
"""


def hardened_function(
    scope: Any, cid: str, key: kms.IKey, topic: sns.ITopic, code: str = HANDLER, **env: str
) -> lambda_.Function:
    """A function with its own role, encrypted environment, KMS log group with retention and alarms."""
    log_group = logs.LogGroup(scope, f"{cid}Logs", retention=logs.RetentionDays.ONE_MONTH, encryption_key=key)
    fn = lambda_.Function(
        scope,
        cid,
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline(code),
        environment=env or {"STAGE": "prod"},
        environment_encryption=key,
        log_group=log_group,
        tracing=lambda_.Tracing.ACTIVE,
    )
    for name, metric in (("Errors", fn.metric_errors()), ("Throttles", fn.metric_throttles())):
        alarm = cloudwatch.Alarm(scope, f"{cid}{name}Alarm", metric=metric, threshold=1, evaluation_periods=1)
        alarm.add_alarm_action(cw_actions.SnsAction(topic))
    return fn


def build_hardened(stack: Stack) -> None:
    """Every rule of the pack passes on this stack (each resource is configured by hand)."""
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    key.grant_encrypt_decrypt(iam.ServicePrincipal("logs.eu-west-1.amazonaws.com"))
    topic = sns.Topic(stack, "AlarmTopic", master_key=key)
    table = dynamodb.Table(
        stack,
        "Table",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryption_key=key,
    )
    secret = secretsmanager.Secret(stack, "ApiSecret", encryption_key=key)
    queue = sqs.Queue(
        stack, "Queue", encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, enforce_ssl=True
    )
    fn = hardened_function(
        stack,
        "Handler",
        key,
        topic,
        TABLE_NAME=table.table_name,
        API_SECRET_ARN=secret.secret_arn,
        QUEUE_URL=queue.queue_url,
        code=HARDENED_HANDLER,
    )
    table.grant(fn, "dynamodb:PutItem")
    fn.add_to_role_policy(iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[secret.secret_arn]))
    fn.add_to_role_policy(iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[queue.queue_arn]))
    key.grant(fn, "kms:Decrypt", "kms:GenerateDataKey")  # the secret's and the queue's key

    access_logs = logs.LogGroup(
        stack, "ApiAccessLogs", retention=logs.RetentionDays.ONE_YEAR, encryption_key=key
    )
    api = apigw.RestApi(
        stack,
        "Api",
        cloud_watch_role=False,
        deploy_options=apigw.StageOptions(
            access_log_destination=apigw.LogGroupLogDestination(access_logs),
            access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                caller=True,
                http_method=True,
                ip=True,
                protocol=True,
                request_time=True,
                resource_path=True,
                response_length=True,
                status=True,
                user=True,
            ),
            logging_level=apigw.MethodLoggingLevel.ERROR,
        ),
        default_method_options=apigw.MethodOptions(authorization_type=apigw.AuthorizationType.IAM),
        default_cors_preflight_options=apigw.CorsOptions(
            allow_origins=["https://app.example.com"], allow_credentials=True
        ),
    )
    model = api.add_model(
        "Item",
        content_type="application/json",
        schema=apigw.JsonSchema(
            type=apigw.JsonSchemaType.OBJECT,
            required=["name"],
            properties={"name": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING)},
        ),
    )
    validator = api.add_request_validator("BodyValidator", validate_request_body=True)
    items = api.root.add_resource("items")
    integration = apigw.LambdaIntegration(fn)
    items.add_method("GET", integration)
    items.add_method(
        "POST", integration, request_validator=validator, request_models={"application/json": model}
    )
    alarm = cloudwatch.Alarm(
        stack, "Api5xxAlarm", metric=api.metric_server_error(), threshold=1, evaluation_periods=1
    )
    alarm.add_alarm_action(cw_actions.SnsAction(topic))
    acl = wafv2.CfnWebACL(
        stack,
        "WebAcl",
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name="acl", sampled_requests_enabled=True
        ),
        rules=[],
    )
    wafv2.CfnWebACLAssociation(
        stack, "WebAclAssociation", resource_arn=api.deployment_stage.stage_arn, web_acl_arn=acl.attr_arn
    )

    http_logs = logs.LogGroup(
        stack, "HttpAccessLogs", retention=logs.RetentionDays.ONE_YEAR, encryption_key=key
    )
    http = apigwv2.HttpApi(
        stack,
        "HttpApi",
        create_default_stage=False,
        default_authorizer=authorizers.HttpJwtAuthorizer(
            "Jwt", "https://issuer.example.com", jwt_audience=["web-client"]
        ),
    )
    stage = http.add_stage("DefaultStage", stage_name="$default", auto_deploy=True)
    stage.node.default_child.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
        destination_arn=http_logs.log_group_arn, format='{"requestId":"$context.requestId"}'
    )
    http.add_routes(
        path="/orders",
        methods=[apigwv2.HttpMethod.GET],
        integration=integrations.HttpLambdaIntegration("Orders", fn),
    )
    http_alarm = cloudwatch.Alarm(
        stack, "Http5xxAlarm", metric=http.metric_server_error(), threshold=1, evaluation_periods=1
    )
    http_alarm.add_alarm_action(cw_actions.SnsAction(topic))

    pool = cognito.UserPool(
        stack,
        "Users",
        self_sign_up_enabled=False,
        mfa=cognito.Mfa.REQUIRED,
        mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
        password_policy=cognito.PasswordPolicy(min_length=14),
        feature_plan=cognito.FeaturePlan.PLUS,
        standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
    )
    pool.add_client(
        "WebClient",
        auth_flows=cognito.AuthFlow(user_srp=True),
        o_auth=cognito.OAuthSettings(
            flows=cognito.OAuthFlows(authorization_code_grant=True),
            callback_urls=["https://app.example.com/callback"],
        ),
        access_token_validity=Duration.minutes(30),
        id_token_validity=Duration.minutes(30),
        refresh_token_validity=Duration.days(7),
        prevent_user_existence_errors=True,
        enable_token_revocation=True,
    )

    trail = cloudtrail.Trail(
        stack,
        "Trail",
        encryption_key=key,
        is_multi_region_trail=True,
        enable_file_validation=True,
        include_global_service_events=True,
    )
    trail.log_all_lambda_data_events()


def rule_ids(template: dict[str, Any]) -> list[str]:
    """The rule ids the pack reports on a template, sorted."""
    return sorted(f.rule for f in evaluate(template))


def template_of(*resources: tuple[str, str, dict[str, Any]], **sections: Any) -> dict[str, Any]:
    """A template from ``(logical id, type, properties)`` triples (plus Outputs/Parameters sections)."""
    body: dict[str, Any] = {"Resources": {lid: {"Type": t, "Properties": p} for lid, t, p in resources}}
    body.update(sections)
    return body
