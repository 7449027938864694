"""An orders API with an audit trail and alarms on every function and on the API.

- ``DataEventsTrail`` records every management event and every Lambda ``Invoke`` of the stack's functions,
  with security alarms (unauthorized calls, IAM and KMS changes, trail changes, a function role's
  credentials used outside Lambda) on its CloudWatch Logs copy.
- Each function gets two alarms (a combined health alarm and an invocation-spike alarm); the functions'
  shared dead-letter queue gets one; the API gets a health alarm and a request-spike alarm.
- Every alarm notifies the stack's KMS-encrypted, TLS-only alarm topic (``alarm_topic(stack)``).

Run it with every check on: ``python examples/audit_and_alarms.py``.
"""

from __future__ import annotations

from aws_cdk import App, Environment, RemovalPolicy, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

import secure_constructs
from secure_constructs import (
    DataEventsTrail,
    FunctionHealthThresholds,
    SecureFunction,
    attach_api_alarms,
    attach_function_alarms,
)
from secure_constructs.api import ApiGatewayCloudWatchRole, SecureRestApi

LIST_ORDERS = """
import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"orders": []})}
"""

CREATE_ORDER = """
import json


def handler(event, context):
    return {"statusCode": 201, "body": json.dumps({"created": True})}
"""


def handler(stack: Stack, id: str, code: str) -> SecureFunction:
    return SecureFunction(
        stack,
        id,
        code=lambda_.Code.from_inline(code),
        handler="index.handler",
        log_retention=logs.RetentionDays.ONE_MONTH,  # example stack: short retention
    )


ORDER_SCHEMA = {
    "type": "object",
    "required": ["sku", "quantity"],
    "additionalProperties": False,
    "properties": {
        "sku": {"type": "string", "pattern": "^[A-Z0-9-]{3,32}$"},
        "quantity": {"type": "integer", "minimum": 1, "maximum": 100},
    },
}


def build(app: App) -> Stack:
    stack = Stack(app, "AuditAndAlarms", env=Environment(account="111122223333", region="eu-west-1"))

    account_role = ApiGatewayCloudWatchRole(stack, "ApiGatewayCloudWatchRole")
    api = SecureRestApi(
        stack,
        "OrdersApi",
        description="Orders, signed with SigV4",
        cloud_watch_role=account_role,
        log_retention=logs.RetentionDays.ONE_MONTH,  # example stack: short retention
    )
    list_orders = handler(stack, "ListOrders", LIST_ORDERS)
    create_order = handler(stack, "CreateOrder", CREATE_ORDER)
    api.add_route("GET", "/orders", list_orders)
    api.add_route("POST", "/orders", create_order, request_schema=ORDER_SCHEMA)

    # Defaults: one "Critical" health alarm and one invocation-spike alarm per function.
    attach_function_alarms(list_orders)
    # A stricter early warning for the function that takes money, besides the default critical alarm.
    attach_function_alarms(create_order, thresholds={
        "Warning": FunctionHealthThresholds(
            error_rate_percent=1, min_errors=1, duration_percent_of_timeout=60
        ),
        "Critical": FunctionHealthThresholds(),
    })
    attach_api_alarms(api)

    # Records every Invoke of the stack's functions (found at synth time) and all management events.
    DataEventsTrail(
        stack,
        "Audit",
        log_group_retention=logs.RetentionDays.ONE_YEAR,
        removal_policy=RemovalPolicy.RETAIN,  # audit logs outlive the stack, even in an example
    )

    # Every alarm above notifies this one topic; subscribe on-call to it, e.g.
    # secure_constructs.alarm_topic(stack).add_subscription(
    #     subscriptions.EmailSubscription(address, dead_letter_queue=queue))
    # (a dead-letter queue for the subscription is what Serverless-SNSRedrivePolicy asks for).
    return stack


if __name__ == "__main__":
    app = App()
    build(app)
    secure_constructs.add_checks(app)
    app.synth()
