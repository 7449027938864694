#!/usr/bin/env python3
"""The e2e app that `make e2e` deploys to the local emulator (placeholder: plain aws-cdk-lib resources)."""

import os

from aws_cdk import App, CfnOutput, Environment, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_

app = App()
env = Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION"))
stack = Stack(app, "SecureConstructsE2E", env=env)
fn = lambda_.Function(
    stack,
    "Echo",
    runtime=lambda_.Runtime.PYTHON_3_12,
    handler="index.handler",
    code=lambda_.Code.from_inline("def handler(event, context):\n    return {'statusCode': 200}\n"),
)
api = apigw.RestApi(stack, "Api")
iam_route = api.root.add_resource("iam")
iam_route.add_method("GET", apigw.LambdaIntegration(fn), authorization_type=apigw.AuthorizationType.IAM)
CfnOutput(stack, "ApiUrl", value=api.url)
app.synth()
