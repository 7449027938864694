"""An orders REST API signed with SigV4 (IAM auth); a reporting role may call GET /orders and nothing else.

Run it with every check on: ``python examples/iam_api.py``
(or ``cdk synth --app "python examples/iam_api.py"``).
Call it from Python with ``secure_constructs.client`` (SigV4 via botocore).
"""

from __future__ import annotations

from aws_cdk import App, Environment, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

import secure_constructs
from secure_constructs import SecureFunction
from secure_constructs.api import ApiGatewayCloudWatchRole, Auth, DomainOptions, SecureRestApi

LIST_ORDERS = """
import json


def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps([])}
"""

GET_ORDER = """
import json


def handler(event, context):
    order_id = event["pathParameters"]["id"]
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"id": order_id})}
"""

CREATE_ORDER = """
import json


def handler(event, context):
    order = json.loads(event["body"])  # API Gateway already checked it against the model
    return {"statusCode": 201, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"sku": order["sku"], "quantity": order["quantity"]})}
"""

ORDER_SCHEMA = {
    "type": "object",
    "required": ["sku", "quantity"],
    "additionalProperties": False,
    "properties": {
        "sku": {"type": "string", "pattern": "^[A-Z0-9-]{3,32}$"},
        "quantity": {"type": "integer", "minimum": 1, "maximum": 100},
    },
}


def handler(stack: Stack, id: str, code: str) -> SecureFunction:
    return SecureFunction(
        stack,
        id,
        code=lambda_.Code.from_inline(code),
        handler="index.handler",
        log_retention=logs.RetentionDays.ONE_MONTH,  # example stack: short retention
    )


def build(app: App) -> Stack:
    stack = Stack(app, "IamApi", env=Environment(account="111122223333", region="eu-west-1"))

    # REST API logging needs the account's API Gateway CloudWatch role. Deploy this once per account and
    # region (here, for a self-contained example); other stacks then pass nothing.
    account_role = ApiGatewayCloudWatchRole(stack, "ApiGatewayCloudWatchRole")

    api = SecureRestApi(
        stack,
        "OrdersApi",
        description="Orders, signed with SigV4",
        default_auth=Auth.iam(),  # the default, spelled out
        cloud_watch_role=account_role,
        log_retention=logs.RetentionDays.ONE_MONTH,  # example stack: short retention
        # Callers use https://orders.example.com only: the default execute-api endpoint is disabled.
        domain=DomainOptions(
            name="orders.example.com",
            certificate=acm.Certificate.from_certificate_arn(
                stack,
                "Certificate",
                "arn:aws:acm:eu-west-1:111122223333:certificate/1b8f8f0e-6f0a-4c7e-9a1e-2f8e1a6b3c4d",
            ),
        ),
    )
    api.add_route("GET", "/orders", handler(stack, "ListOrders", LIST_ORDERS))
    api.add_route("GET", "/orders/{id}", handler(stack, "GetOrder", GET_ORDER))
    api.add_route("POST", "/orders", handler(stack, "CreateOrder", CREATE_ORDER), request_schema=ORDER_SCHEMA)
    # Partners are metered with API keys on top of SigV4 (a key is never the authentication itself).
    partner = handler(stack, "PartnerOrders", LIST_ORDERS)
    api.add_route("GET", "/partner/orders", partner, api_key_required=True)
    api.add_usage_plan("Partners", rate_limit=10, burst_limit=20, quota_limit=10_000)

    reporting = iam.Role(
        stack,
        "ReportingRole",
        assumed_by=iam.AccountPrincipal(stack.account),
        description="Reporting jobs: may list orders, nothing else",
    )
    api.grant_invoke(reporting, "GET", "/orders")
    return stack


if __name__ == "__main__":
    app = App()
    build(app)
    secure_constructs.add_checks(app)
    app.synth()
