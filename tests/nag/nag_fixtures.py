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
from aws_cdk import aws_s3 as s3
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


def _alarm(scope: Any, cid: str, metric: cloudwatch.IMetric, topic: sns.ITopic) -> None:
    alarm = cloudwatch.Alarm(scope, cid, metric=metric, threshold=1, evaluation_periods=1)
    alarm.add_alarm_action(cw_actions.SnsAction(topic))


def _anomaly_alarm(scope: Any, cid: str, metric: cloudwatch.Metric, topic: sns.ITopic) -> None:
    alarm = cloudwatch.CfnAlarm(
        scope,
        cid,
        comparison_operator="GreaterThanUpperThreshold",
        evaluation_periods=2,
        threshold_metric_id="band",
        alarm_actions=[topic.topic_arn],
        metrics=[
            cloudwatch.CfnAlarm.MetricDataQueryProperty(
                id="band", expression="ANOMALY_DETECTION_BAND(m0, 3)"
            ),
            cloudwatch.CfnAlarm.MetricDataQueryProperty(
                id="m0",
                metric_stat=cloudwatch.CfnAlarm.MetricStatProperty(
                    metric=cloudwatch.CfnAlarm.MetricProperty(
                        namespace=metric.namespace,
                        metric_name=metric.metric_name,
                        dimensions=[
                            cloudwatch.CfnAlarm.DimensionProperty(name=k, value=v)
                            for k, v in (metric.dimensions or {}).items()
                        ],
                    ),
                    period=300,
                    stat="Sum",
                ),
            ),
        ],
    )
    assert alarm


def hardened_queue(scope: Any, cid: str, key: kms.IKey, topic: sns.ITopic) -> sqs.Queue:
    """An encrypted, SSL-only queue with a backlog alarm (for use as a dead-letter queue)."""
    queue = sqs.Queue(
        scope, cid, encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, enforce_ssl=True
    )
    _alarm(scope, f"{cid}Backlog", queue.metric_approximate_number_of_messages_visible(), topic)
    return queue


def hardened_function(
    scope: Any,
    cid: str,
    key: kms.IKey,
    topic: sns.ITopic,
    dlq: sqs.IQueue | None = None,
    code: str = HANDLER,
    **env: str,
) -> lambda_.Function:
    """A function with its own role, encrypted environment, JSON logs to a KMS log group with retention,
    tracing, a dead-letter queue, and every default alarm."""
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
        logging_format=lambda_.LoggingFormat.JSON,
        tracing=lambda_.Tracing.ACTIVE,
        dead_letter_queue=dlq if dlq is not None else hardened_queue(scope, f"{cid}Dlq", key, topic),
    )
    for name, metric in (
        ("Errors", fn.metric_errors()),
        ("Throttles", fn.metric_throttles()),
        ("Duration", fn.metric_duration()),
        ("Concurrency", fn.metric("ConcurrentExecutions")),
    ):
        _alarm(scope, f"{cid}{name}Alarm", metric, topic)
    _anomaly_alarm(scope, f"{cid}InvocationSpike", fn.metric_invocations(), topic)
    return fn


def _hardened_bucket(stack: Stack, cid: str, **props: Any) -> s3.Bucket:
    return s3.Bucket(
        stack,
        cid,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        minimum_tls_version=1.2,
        versioned=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        **props,
    )


def build_hardened(stack: Stack) -> None:
    """Every rule of the pack passes on this stack (each resource is configured by hand)."""
    # As in a project's cdk.json: access-log delivery by bucket policy (ACLs stay disabled).
    stack.node.set_context("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", True)
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    key.grant_encrypt_decrypt(iam.ServicePrincipal("logs.eu-west-1.amazonaws.com"))
    topic = sns.Topic(stack, "AlarmTopic", master_key=key, enforce_ssl=True)
    table = dynamodb.Table(
        stack,
        "Table",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryption_key=key,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
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
    fn.add_to_role_policy(
        iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[secret.secret_arn])
    )
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
            metrics_enabled=True,
            tracing_enabled=True,
            throttling_rate_limit=100,
            throttling_burst_limit=200,
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
    for name, metric in (
        ("Api5xxAlarm", api.metric_server_error()),
        ("Api4xxAlarm", api.metric_client_error()),
        ("ApiLatencyAlarm", api.metric_latency()),
    ):
        _alarm(stack, name, metric, topic)
    _anomaly_alarm(stack, "ApiRequestSpike", api.metric_count(), topic)
    acl = wafv2.CfnWebACL(
        stack,
        "WebAcl",
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name="acl", sampled_requests_enabled=True
        ),
        rules=[
            wafv2.CfnWebACL.RuleProperty(
                name="Common",
                priority=0,
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name="AWSManagedRulesCommonRuleSet"
                    )
                ),
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                    cloud_watch_metrics_enabled=True, metric_name="common", sampled_requests_enabled=True
                ),
            ),
            wafv2.CfnWebACL.RuleProperty(
                name="RatePerIp",
                priority=1,
                statement=wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                        aggregate_key_type="IP", limit=1000
                    )
                ),
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                    cloud_watch_metrics_enabled=True, metric_name="rate", sampled_requests_enabled=True
                ),
            ),
        ],
    )
    wafv2.CfnWebACLAssociation(
        stack, "WebAclAssociation", resource_arn=api.deployment_stage.stage_arn, web_acl_arn=acl.attr_arn
    )
    waf_logs = logs.LogGroup(
        stack,
        "WafLogs",
        log_group_name="aws-waf-logs-hardened",
        retention=logs.RetentionDays.ONE_YEAR,
        encryption_key=key,
    )
    wafv2.CfnLoggingConfiguration(
        stack,
        "WafLogging",
        resource_arn=acl.attr_arn,
        log_destination_configs=[f"arn:aws:logs:eu-west-1:111122223333:log-group:{waf_logs.log_group_name}"],
        redacted_fields=[
            wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": "authorization"})
        ],
    )
    _anomaly_alarm(
        stack,
        "WafBlockedSpike",
        cloudwatch.Metric(
            namespace="AWS/WAFV2",
            metric_name="BlockedRequests",
            dimensions_map={"WebACL": acl.ref, "Rule": "ALL", "Region": "eu-west-1"},
        ),
        topic,
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
    stage = http.add_stage(
        "DefaultStage",
        stage_name="$default",
        auto_deploy=True,
        detailed_metrics_enabled=True,
        throttle=apigwv2.ThrottleSettings(rate_limit=100, burst_limit=200),
    )
    stage.node.default_child.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
        destination_arn=http_logs.log_group_arn, format='{"requestId":"$context.requestId"}'
    )
    http.add_routes(
        path="/orders",
        methods=[apigwv2.HttpMethod.GET],
        integration=integrations.HttpLambdaIntegration("Orders", fn),
    )
    for name, metric in (
        ("Http5xxAlarm", http.metric_server_error()),
        ("Http4xxAlarm", http.metric_client_error()),
        ("HttpLatencyAlarm", http.metric_latency()),
    ):
        _alarm(stack, name, metric, topic)
    _anomaly_alarm(stack, "HttpRequestSpike", http.metric_count(), topic)

    pool = cognito.UserPool(
        stack,
        "Users",
        self_sign_up_enabled=False,
        sign_in_aliases=cognito.SignInAliases(email=True),
        sign_in_case_sensitive=False,
        auto_verify=cognito.AutoVerifiedAttrs(email=True),
        keep_original=cognito.KeepOriginalAttrs(email=True),
        mfa=cognito.Mfa.REQUIRED,
        mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
        password_policy=cognito.PasswordPolicy(min_length=14),
        account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
        deletion_protection=True,
        feature_plan=cognito.FeaturePlan.PLUS,
        standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
        custom_threat_protection_mode=cognito.CustomThreatProtectionMode.FULL_FUNCTION,
    )
    cognito.CfnUserPoolRiskConfigurationAttachment(
        stack,
        "UsersRisk",
        user_pool_id=pool.user_pool_id,
        client_id="ALL",
        compromised_credentials_risk_configuration=cognito.CfnUserPoolRiskConfigurationAttachment.CompromisedCredentialsRiskConfigurationTypeProperty(
            actions=cognito.CfnUserPoolRiskConfigurationAttachment.CompromisedCredentialsActionsTypeProperty(
                event_action="BLOCK"
            )
        ),
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

    trail_logs = _hardened_bucket(stack, "TrailAccessLogs", encryption=s3.BucketEncryption.S3_MANAGED)
    trail_bucket = _hardened_bucket(
        stack,
        "TrailBucket",
        encryption=s3.BucketEncryption.KMS,
        encryption_key=key,
        server_access_logs_bucket=trail_logs,
    )
    trail_group = logs.LogGroup(stack, "TrailLogs", retention=logs.RetentionDays.ONE_YEAR, encryption_key=key)
    trail = cloudtrail.Trail(
        stack,
        "Trail",
        bucket=trail_bucket,
        encryption_key=key,
        is_multi_region_trail=True,
        enable_file_validation=True,
        include_global_service_events=True,
        send_to_cloud_watch_logs=True,
        cloud_watch_log_group=trail_group,
    )
    trail.log_all_lambda_data_events()
    for family, pattern in (
        ("Unauthorized", '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'),
        ("IamChanges", "{ ($.eventName = PutRolePolicy) || ($.eventName = AttachRolePolicy) }"),
        ("KmsChanges", "{ ($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion) }"),
        ("TrailChanges", "{ ($.eventName = StopLogging) || ($.eventName = DeleteTrail) }"),
        (
            "StolenCredentials",
            '{ ($.userIdentity.type = "AssumedRole") && ($.userAgent != "*exec-env/AWS_Lambda*") }',
        ),
    ):
        metric_filter = logs.MetricFilter(
            stack,
            f"{family}Filter",
            log_group=trail_group,
            filter_pattern=logs.FilterPattern.literal(pattern),
            metric_namespace="Security",
            metric_name=family,
        )
        _alarm(stack, f"{family}Alarm", metric_filter.metric(), topic)


def rule_ids(template: dict[str, Any]) -> list[str]:
    """The rule ids the pack reports on a template, sorted."""
    return sorted(f.rule for f in evaluate(template))


def template_of(*resources: tuple[str, str, dict[str, Any]], **sections: Any) -> dict[str, Any]:
    """A template from ``(logical id, type, properties)`` triples (plus Outputs/Parameters sections)."""
    body: dict[str, Any] = {"Resources": {lid: {"Type": t, "Properties": p} for lid, t, p in resources}}
    body.update(sections)
    return body
