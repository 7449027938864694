"""A small app of plain aws-cdk-lib resources for the security-report tests (not a test module)."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import App, Duration, Environment, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from secure_constructs import acknowledge

PUBLIC_REASON = "Health check for the load balancer; returns a constant and reads no data"


def build(app: App) -> Stack:
    """Lambda + role + IAM-auth REST method + acknowledged public method + alarm + KMS key + trail."""
    stack = Stack(app, "ReportDemo", env=Environment(account="111122223333", region="eu-west-1"))
    key = kms.Key(stack, "EnvKey", enable_key_rotation=True)
    dlq = sqs.Queue(stack, "Dlq", encryption=sqs.QueueEncryption.KMS, encryption_master_key=key)
    role = iam.Role(stack, "HandlerRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[dlq.queue_arn]))
    fn = lambda_.Function(
        stack,
        "Handler",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return {'statusCode': 200}\n"),
        role=role,
        environment={"STAGE": "test"},
        environment_encryption=key,
        dead_letter_queue=dlq,
        timeout=Duration.seconds(5),
    )
    api = apigw.RestApi(stack, "Api", rest_api_name="orders-api", deploy=False)
    orders = api.root.add_resource("orders")
    orders.add_resource("{id}").add_method(
        "GET", apigw.LambdaIntegration(fn), authorization_type=apigw.AuthorizationType.IAM
    )
    health = api.root.add_resource("health").add_method("GET", apigw.MockIntegration())
    for rule in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
        acknowledge(health, rule, PUBLIC_REASON)
    fn.metric_errors(period=Duration.minutes(1)).create_alarm(
        stack,
        "HandlerErrors",
        threshold=1,
        evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    )
    trail = cloudtrail.Trail(
        stack, "Trail", is_multi_region_trail=True, enable_file_validation=True, encryption_key=key
    )
    trail.add_lambda_event_selector([fn], include_management_events=True)
    return stack


_SYNTHESIZED: dict[str, Path] = {}


def synthesized(base: Path) -> Path:
    """Synthesize :func:`build` with every check on into ``base/cdk.out`` once per test session.

    Validation fails on the plain resources (their open findings are part of what the report shows), so
    the synth goes through ``synth_and_validate``, which returns instead of raising.
    """
    if "outdir" not in _SYNTHESIZED:
        from secure_constructs import add_checks
        from secure_constructs.testing import synth_and_validate

        app = App(outdir=str(base / "cdk.out"))
        build(app)
        add_checks(app)
        synth_and_validate(app)
        _SYNTHESIZED["outdir"] = base / "cdk.out"
    return _SYNTHESIZED["outdir"]
