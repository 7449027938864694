"""An HTTP API for a mobile app: Cognito JWTs checked by API Gateway, scopes per route, and one IAM route.

``Auth.jwt(pool)`` takes the issuer and audience from the user pool and its clients, so no URL is wired by
hand. A back-office role calls ``POST /refunds`` with SigV4. AWS WAF cannot be attached to HTTP APIs; see
docs/api.md for the CloudFront-in-front option. Run it with every check on:
``python examples/http_jwt_api.py``.
"""

from __future__ import annotations

from aws_cdk import App, Environment, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

import secure_constructs
from secure_constructs import SecureFunction
from secure_constructs.api import Auth, SecureHttpApi
from secure_constructs.identity import SecureUserPool

LIST_ORDERS = """
import json


def handler(event, context):
    user = event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]  # verified by API Gateway
    return {"statusCode": 200, "body": json.dumps({"user": user, "orders": []})}
"""

REFUND = """
import json


def handler(event, context):
    caller = event["requestContext"]["authorizer"]["iam"]["userArn"]  # SigV4-verified caller
    return {"statusCode": 202, "body": json.dumps({"accepted": True, "by": caller})}
"""


def function(stack: Stack, id: str, code: str) -> SecureFunction:
    return SecureFunction(
        stack,
        id,
        code=lambda_.Code.from_inline(code),
        handler="index.handler",
        log_retention=logs.RetentionDays.ONE_MONTH,  # example stack: short retention
    )


def build(app: App) -> Stack:
    stack = Stack(app, "HttpJwtApi", env=Environment(account="111122223333", region="eu-west-1"))

    users = SecureUserPool(stack, "AppUsers")
    read = cognito.ResourceServerScope(scope_name="read", scope_description="Read your orders")
    orders_server = users.user_pool.add_resource_server("Orders", identifier="orders", scopes=[read])
    users.add_client(
        "Mobile",
        callback_urls=["https://app.example.com/callback"],
        oauth_scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.resource_server(orders_server, read)],
    )

    api = SecureHttpApi(
        stack,
        "MobileApi",
        description="Orders for the mobile app",
        default_auth=Auth.jwt(users),  # issuer and audience (the app clients) from the pool
        log_retention=logs.RetentionDays.ONE_MONTH,  # example stack: short retention
    )
    api.add_route(
        "GET",
        "/orders",
        function(stack, "ListOrders", LIST_ORDERS),
        auth=Auth.jwt(users, scopes=["orders/read"]),
    )
    api.add_route("POST", "/refunds", function(stack, "Refund", REFUND), auth=Auth.iam())

    back_office = iam.Role(
        stack,
        "BackOfficeRole",
        assumed_by=iam.AccountPrincipal(stack.account),
        description="Back-office tools: may request refunds",
    )
    api.grant_invoke(back_office, "POST", "/refunds")
    return stack


if __name__ == "__main__":
    app = App()
    build(app)
    secure_constructs.add_checks(app)
    app.synth()
