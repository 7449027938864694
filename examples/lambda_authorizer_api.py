"""A partner REST API behind a Lambda TOKEN authorizer (one shared authorizer, short result cache).

Partners send ``Authorization: Bearer <token>``; the authorizer function checks it and returns a policy for
the API's routes. One route is public on purpose (a status page), and its reason goes to the validation
report. Run it with every check on: ``python examples/lambda_authorizer_api.py``.
"""

from __future__ import annotations

from aws_cdk import App, Duration, Environment, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager

import secure_constructs
from secure_constructs import SecureFunction, acknowledge
from secure_constructs.api import Auth, SecureRestApi

AUTHORIZER = """
import hmac, os
import boto3

_secrets = boto3.client("secretsmanager")
_expected = None


def handler(event, context):
    global _expected
    if _expected is None:  # read once per execution environment, never logged
        _expected = _secrets.get_secret_value(SecretId=os.environ["PARTNER_TOKEN_SECRET_ARN"])["SecretString"]
    token = event.get("authorizationToken", "").removeprefix("Bearer ")
    allowed = hmac.compare_digest(token.encode(), _expected.encode())
    # The policy is cached per token for every route, so it names all routes the partner may call.
    api_arn = event["methodArn"].split("/", 2)
    resource = f"{api_arn[0]}/{api_arn[1]}/*/partner/*"
    return {
        "principalId": "partner",
        "policyDocument": {"Version": "2012-10-17", "Statement": [{
            "Action": "execute-api:Invoke", "Effect": "Allow" if allowed else "Deny", "Resource": resource}]},
    }
"""

STOCK = """
import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"sku": event["pathParameters"]["sku"], "available": 3})}
"""

STATUS = """
import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"status": "ok"})}
"""


def function(stack: Stack, id: str, code: str, **kwargs) -> SecureFunction:
    return SecureFunction(
        stack,
        id,
        code=lambda_.Code.from_inline(code),
        handler="index.handler",
        log_retention=logs.RetentionDays.ONE_MONTH,  # example stack: short retention
        log_removal_policy=RemovalPolicy.DESTROY,
        **kwargs,
    )


def build(app: App) -> Stack:
    stack = Stack(app, "LambdaAuthorizerApi", env=Environment(account="111122223333", region="eu-west-1"))

    secrets_key = kms.Key(
        stack,
        "SecretsKey",
        enable_key_rotation=True,
        removal_policy=RemovalPolicy.DESTROY,
        description="Encrypts the partner token",
    )  # example stack: nothing to keep
    partner_token = secretsmanager.Secret(
        stack, "PartnerToken", description="Bearer token issued to the partner", encryption_key=secrets_key
    )
    acknowledge(
        partner_token,
        "AwsSolutions-SMG4",
        "The token is agreed with the partner out of band and replaced by hand with them every 90 days; a "
        "rotation function cannot tell the partner the new value",
    )
    authorizer = function(stack, "PartnerAuthorizer", AUTHORIZER, secrets={"PARTNER_TOKEN": partner_token})
    secret_id = stack.resolve(stack.get_logical_id(partner_token.node.default_child))
    acknowledge(
        authorizer,
        f"SecureServerless-LambdaUnusedPermission[Action::secretsmanager:DescribeSecret@{secret_id}]",
        "SecureFunction's secrets= grant includes secretsmanager:DescribeSecret, which this authorizer never "
        "calls; kept until that grant is narrowed to GetSecretValue (found by LambdaUnusedPermission)",
    )

    api = SecureRestApi(
        stack,
        "PartnerApi",
        description="Stock levels for partners",
        default_auth=Auth.lambda_token(
            authorizer, result_cache_ttl=Duration.minutes(1), validation_regex="^Bearer [A-Za-z0-9._~+/=-]+$"
        ),
        log_retention=logs.RetentionDays.ONE_MONTH,  # example stack: short retention
        log_removal_policy=RemovalPolicy.DESTROY,
    )
    api.add_route("GET", "/partner/stock/{sku}", function(stack, "Stock", STOCK))
    api.add_route(
        "GET",
        "/status",
        function(stack, "Status", STATUS),
        auth=Auth.public("Status page for partners' monitoring; returns only 'ok', no data"),
    )
    return stack


if __name__ == "__main__":
    app = App()
    build(app)
    secure_constructs.add_checks(app)
    app.synth()
