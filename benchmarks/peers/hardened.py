"""The orders API in plain aws-cdk-lib, hardened by hand to the protection secure_constructs gives it.

This is what a user would write without our library for the same protection as ``variants.build_secure``:
L2 constructs where aws-cdk-lib has them (L1 only for WAF, which has no L2), each security property set by
hand, and cdk-nag's AwsSolutions and Serverless packs passing with reasoned acknowledgments only.

Per stack: an operations key (rotated) for the function environments, log groups, the dead-letter queue and
the alarm topic; an encrypted, SSL-only alarm topic that only this account's CloudWatch alarms may publish
to; one encrypted, SSL-only dead-letter queue with a backlog alarm; a REST API with IAM auth on every
method, request validation (body and parameters, a JSON model for bodies), KMS-encrypted access logs kept a
year, execution logging of errors, X-Ray, per-method metrics and throttling; a web ACL with the same managed
rule groups and per-IP rate rule, logged (Authorization and Cookie redacted) to an encrypted log group; and
the same API health, request-spike and WAF-blocked-spike alarms.

Per route: a function with its own role (only its log group, its dead-letter queue, X-Ray and what its code
calls), a CMK-encrypted environment, JSON logs to its own KMS-encrypted log group kept a year, X-Ray, the
dead-letter queue, the same health alarm (errors with error rate, throttles, concurrency, duration) and
invocation-spike (anomaly band) alarm; the method with the validator.

Where aws-cdk-lib's default is not a security property it is left as a user gets it (e.g. the REST method's
second Lambda permission for the console's test invocations). Log groups and keys are retained on delete,
as secure_constructs does (logs are evidence).
"""

from __future__ import annotations

from typing import Any

from scenario import (
    ACCOUNT,
    ORDER_SCHEMA,
    REGION,
    SECRET_ENV,
    TABLE_ACTION,
    TABLE_ENV,
    handler_code,
    route,
    shared_data,
)

#: Reasons for the stock packs' findings that hold for this design (the same facts as secure_constructs').
XRAY_REASON = (
    "Tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support only Resource '*' (no X-Ray "
    "resource types exist for them), granted by aws_lambda.Function when tracing is on"
)
IAM_AUTH_REASON = (
    "IAM (SigV4) authorization: callers sign every request with IAM credentials and need execute-api:Invoke "
    "on this exact method, so a Cognito user-pool authorizer would add nothing"
)
DLQ_REASON = (
    "This queue is the terminal dead-letter queue of the stack's Lambda functions; a redrive policy on a "
    "dead-letter queue would only move failed events to another queue, with the same backlog alarm"
)
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
)
RATE_LIMIT_PER_IP = 1000  # requests per 5 minutes, as secure_constructs' default
FIVE_MINUTES = 300
FUNCTION_HEALTH = (
    "IF(IF(FILL(errors, 0) >= 3, 100 * FILL(errors, 0) / FILL(invocations, 1), 0) >= 5, 1, 0)"
    " + IF(FILL(throttles, 0) >= 1, 1, 0) + IF(FILL(concurrency, 0) >= 800, 1, 0)"
    " + IF(FILL(duration, 0) >= 8000, 1, 0)"
)
API_HEALTH = (
    "IF(IF(FILL(requests, 0) >= 20, 100 * FILL(server_errors, 0) / FILL(requests, 1), 0) >= 1, 1, 0)"
    " + IF(IF(FILL(requests, 0) >= 20, 100 * FILL(client_errors, 0) / FILL(requests, 1), 0) >= 25, 1, 0)"
    " + IF(FILL(latency_p99, 0) >= 5000, 1, 0)"
)


def _acknowledge(construct: Any, rule_id: str, reason: str) -> None:
    from aws_cdk import Acknowledgment, Validations

    plugin = rule_id.split("-", 1)[0]
    Validations.of(construct).acknowledge(Acknowledgment(id=f"{plugin}::{rule_id}", reason=reason))


class _Alarms:
    """The alarms of one stack, each notifying the encrypted topic when it fires and when it clears."""

    def __init__(self, stack: Any, topic: Any) -> None:
        from aws_cdk import aws_cloudwatch_actions as cw_actions

        self.stack = stack
        self.action = cw_actions.SnsAction(topic)

    def _notify(self, alarm: Any) -> None:
        alarm.add_alarm_action(self.action)
        alarm.add_ok_action(self.action)

    def health(self, cid: str, expression: str, metrics: dict[str, Any]) -> None:
        """Alarm when at least one of the conditions ``expression`` counts holds in a 5-minute period."""
        from aws_cdk import Duration
        from aws_cdk import aws_cloudwatch as cloudwatch

        metric = cloudwatch.MathExpression(
            expression=expression, using_metrics=metrics, period=Duration.seconds(FIVE_MINUTES)
        )
        self._notify(
            cloudwatch.Alarm(
                self.stack,
                cid,
                metric=metric,
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        )

    def spike(self, cid: str, metric: Any) -> None:
        """Alarm when ``metric`` rises above its anomaly band (3 standard deviations) in 2 of 2 periods."""
        from aws_cdk import aws_cloudwatch as cloudwatch

        self._notify(
            cloudwatch.AnomalyDetectionAlarm(
                self.stack,
                cid,
                metric=metric,
                std_devs=3,
                evaluation_periods=2,
                datapoints_to_alarm=2,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        )

    def backlog(self, cid: str, queue: Any) -> None:
        """Alarm when the queue holds at least one message."""
        from aws_cdk import Duration
        from aws_cdk import aws_cloudwatch as cloudwatch

        self._notify(
            cloudwatch.Alarm(
                self.stack,
                cid,
                metric=queue.metric_approximate_number_of_messages_visible(
                    period=Duration.seconds(FIVE_MINUTES), statistic="Maximum"
                ),
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        )


def _operations(stack: Any) -> tuple[Any, Any, Any, _Alarms]:
    """The stack's operations key, alarm topic and dead-letter queue (with its backlog alarm)."""
    from aws_cdk import Duration
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_sns as sns
    from aws_cdk import aws_sqs as sqs

    key = kms.Key(
        stack,
        "OperationsKey",
        enable_key_rotation=True,
        description="Function environments, log groups, the dead-letter queue and the alarm topic",
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="LogGroupsOfThisAccount",
            principals=[iam.ServicePrincipal(f"logs.{REGION}.amazonaws.com")],
            actions=[
                "kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"
            ],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*"
                }
            },
        )
    )
    this_account = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    key.grant(
        iam.ServicePrincipal("cloudwatch.amazonaws.com", conditions=this_account),
        "kms:Decrypt",
        "kms:GenerateDataKey*",
    )
    topic = sns.Topic(stack, "AlarmTopic", master_key=key, enforce_ssl=True)
    topic.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["sns:Publish"],
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            resources=[topic.topic_arn],
            conditions={
                **this_account,
                "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:*"},
            },
        )
    )
    alarms = _Alarms(stack, topic)
    dlq = sqs.Queue(
        stack,
        "DeadLetterQueue",
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        enforce_ssl=True,
        retention_period=Duration.days(14),
    )
    _acknowledge(dlq, "Serverless-SQSRedrivePolicy", DLQ_REASON)
    alarms.backlog("DeadLetterQueueBacklog", dlq)
    return key, topic, dlq, alarms


def _log_group(stack: Any, cid: str, key: Any, name: str | None = None) -> Any:
    from aws_cdk import RemovalPolicy
    from aws_cdk import aws_logs as logs

    return logs.LogGroup(
        stack,
        cid,
        log_group_name=name,
        retention=logs.RetentionDays.ONE_YEAR,
        encryption_key=key,
        removal_policy=RemovalPolicy.RETAIN,
    )


def _api(stack: Any, key: Any, alarms: _Alarms) -> tuple[Any, Any]:
    """The REST API with its stage settings, validator, alarms and web ACL."""
    from aws_cdk import Duration
    from aws_cdk import aws_apigateway as apigw

    access_logs = _log_group(stack, "ApiAccessLogs", key)
    api = apigw.RestApi(
        stack,
        "Api",
        rest_api_name=f"{stack.node.id}-orders",  # the alarms' ApiName dimension: unique per stack
        cloud_watch_role=False,
        endpoint_types=[apigw.EndpointType.REGIONAL],
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
            data_trace_enabled=False,
            metrics_enabled=True,
            tracing_enabled=True,
            throttling_rate_limit=100,
            throttling_burst_limit=200,
        ),
        default_method_options=apigw.MethodOptions(authorization_type=apigw.AuthorizationType.IAM),
    )
    _acknowledge(api, "AwsSolutions-COG4", IAM_AUTH_REASON)
    validator = api.add_request_validator(
        "BodyAndParamsValidator", validate_request_body=True, validate_request_parameters=True
    )
    five_minutes = Duration.seconds(FIVE_MINUTES)
    alarms.health(
        "ApiHealth",
        API_HEALTH,
        {
            "requests": api.metric_count(period=five_minutes, statistic="Sum"),
            "server_errors": api.metric_server_error(period=five_minutes, statistic="Sum"),
            "client_errors": api.metric_client_error(period=five_minutes, statistic="Sum"),
            "latency_p99": api.metric_latency(period=five_minutes, statistic="p99"),
        },
    )
    alarms.spike("ApiRequestSpike", api.metric_count(period=five_minutes, statistic="Sum"))
    _web_acl(stack, api, key, alarms)
    return api, validator


def _web_acl(stack: Any, api: Any, key: Any, alarms: _Alarms) -> None:
    """A regional web ACL on the API's stage: AWS managed rule groups and a per-IP rate rule, logged to an
    encrypted log group with credentials redacted, and an alarm on spikes of blocked requests."""
    from aws_cdk import Duration, Fn
    from aws_cdk import aws_cloudwatch as cloudwatch
    from aws_cdk import aws_wafv2 as wafv2

    def visibility(name: str) -> Any:
        return wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
        )

    rules = [
        wafv2.CfnWebACL.RuleProperty(
            name=group,
            priority=priority,
            statement=wafv2.CfnWebACL.StatementProperty(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS", name=group
                )
            ),
            override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            visibility_config=visibility(group),
        )
        for priority, group in enumerate(MANAGED_RULE_GROUPS)
    ]
    rules.append(
        wafv2.CfnWebACL.RuleProperty(
            name="RateLimitPerIp",
            priority=len(MANAGED_RULE_GROUPS),
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    aggregate_key_type="IP", limit=RATE_LIMIT_PER_IP
                )
            ),
            action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            visibility_config=visibility("RateLimitPerIp"),
        )
    )
    acl = wafv2.CfnWebACL(
        stack,
        "WebAcl",
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=visibility("WebAcl"),
        rules=rules,
    )
    wafv2.CfnWebACLAssociation(
        stack, "WebAclAssociation", resource_arn=api.deployment_stage.stage_arn, web_acl_arn=acl.attr_arn
    )
    waf_logs_name = f"aws-waf-logs-{stack.node.id}-api"
    _log_group(stack, "WafLogs", key, name=waf_logs_name)
    wafv2.CfnLoggingConfiguration(
        stack,
        "WafLogging",
        resource_arn=acl.attr_arn,
        log_destination_configs=[f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{waf_logs_name}"],
        redacted_fields=[
            wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": name})
            for name in ("authorization", "cookie")
        ],
    )
    alarms.spike(
        "WafBlockedSpike",
        cloudwatch.Metric(
            namespace="AWS/WAFV2",
            metric_name="BlockedRequests",
            dimensions_map={"WebACL": Fn.select(0, Fn.split("|", acl.ref)), "Rule": "ALL", "Region": REGION},
            period=Duration.seconds(FIVE_MINUTES),
            statistic="Sum",
        ),
    )


def _function(
    stack: Any, i: int, method: str, data: tuple[Any, Any, Any], ops: tuple[Any, Any, _Alarms]
) -> Any:
    """Route ``i``'s function with its own role, log group and alarms."""
    from aws_cdk import Duration
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_lambda as lambda_

    table, secret, data_key = data
    key, dlq, alarms = ops
    log_group = _log_group(stack, f"Fn{i}Logs", key)
    role = iam.Role(stack, f"Fn{i}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    environment = {TABLE_ENV: table.table_name}
    if method == "POST":
        environment[SECRET_ENV] = secret.secret_arn
    fn = lambda_.Function(
        stack,
        f"Fn{i}",
        runtime=lambda_.Runtime.PYTHON_3_14,
        architecture=lambda_.Architecture.ARM_64,
        memory_size=512,
        timeout=Duration.seconds(10),
        handler="index.handler",
        code=lambda_.Code.from_inline(handler_code(method)),
        role=role,
        environment=environment,
        environment_encryption=key,
        log_group=log_group,
        logging_format=lambda_.LoggingFormat.JSON,
        tracing=lambda_.Tracing.ACTIVE,
        dead_letter_queue=dlq,
    )
    _acknowledge(role, "AwsSolutions-IAM5[Resource::*]", XRAY_REASON)
    log_group.grant_write(role)
    # delivery to the encrypted dead-letter queue needs its key, through SQS only
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["kms:GenerateDataKey", "kms:Decrypt"],
            resources=[key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"sqs.{REGION}.amazonaws.com"}},
        )
    )
    table.grant(role, TABLE_ACTION[method])
    if method == "POST":
        role.add_to_policy(
            iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[secret.secret_arn])
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt"],
                resources=[data_key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}},
            )
        )
    five_minutes = Duration.seconds(FIVE_MINUTES)
    alarms.health(
        f"Fn{i}Health",
        FUNCTION_HEALTH,
        {
            "errors": fn.metric_errors(period=five_minutes, statistic="Sum"),
            "invocations": fn.metric_invocations(period=five_minutes, statistic="Sum"),
            "throttles": fn.metric_throttles(period=five_minutes, statistic="Sum"),
            "concurrency": fn.metric("ConcurrentExecutions", period=five_minutes, statistic="Maximum"),
            "duration": fn.metric_duration(period=five_minutes, statistic="Maximum"),
        },
    )
    alarms.spike(f"Fn{i}InvocationSpike", fn.metric_invocations(period=five_minutes, statistic="Sum"))
    return fn


def build_hardened(app: Any, stack_id: str, routes: range) -> Any:
    """One stack of the orders API with ``routes``, hardened by hand; returns the stack."""
    from aws_cdk import Environment, Stack
    from aws_cdk import aws_apigateway as apigw

    stack = Stack(app, stack_id, env=Environment(account=ACCOUNT, region=REGION))
    data = shared_data(stack)
    key, _topic, dlq, alarms = _operations(stack)
    api, validator = _api(stack, key, alarms)
    model = None
    for i in routes:
        method, path = route(i)
        fn = _function(stack, i, method, data, (key, dlq, alarms))
        options: dict[str, Any] = {"request_validator": validator}
        if method == "POST":
            if model is None:
                model = api.add_model(
                    "PostOrders", content_type="application/json", schema=_json_schema(ORDER_SCHEMA)
                )
            options["request_models"] = {"application/json": model}
        api.root.resource_for_path(path).add_method(method, apigw.LambdaIntegration(fn), **options)
    return stack


def _json_schema(schema: dict[str, Any]) -> Any:
    """``scenario.ORDER_SCHEMA`` (an object of string properties) as API Gateway's JsonSchema."""
    from aws_cdk import aws_apigateway as apigw

    assert schema["type"] == "object" and all(p["type"] == "string" for p in schema["properties"].values())
    return apigw.JsonSchema(
        schema=apigw.JsonSchemaVersion.DRAFT4,
        type=apigw.JsonSchemaType.OBJECT,
        required=list(schema["required"]),
        properties={
            name: apigw.JsonSchema(type=apigw.JsonSchemaType.STRING) for name in schema["properties"]
        },
    )
