"""A REST API for a web shop's signed-in users: a Cognito user-pool authorizer with OAuth scopes per route.

Reading orders needs an access token with ``orders/read``, placing one needs ``orders/write``; the browser
app at https://shop.example.com calls the API cross-origin (CORS). Run it with every check on:
``python examples/cognito_api.py``.
"""

from __future__ import annotations

from aws_cdk import App, Environment, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

import secure_constructs
from secure_constructs import SecureFunction
from secure_constructs.api import Auth, CorsOptions, SecureRestApi
from secure_constructs.identity import SecureUserPool

ORIGIN = "https://shop.example.com"

MY_ORDERS = f"""
import json


def handler(event, context):
    user = event["requestContext"]["authorizer"]["claims"]["sub"]  # verified by API Gateway
    return {{"statusCode": 200, "headers": {{"Access-Control-Allow-Origin": "{ORIGIN}"}},
            "body": json.dumps({{"user": user, "orders": []}})}}
"""

PLACE_ORDER = f"""
import json


def handler(event, context):
    order = json.loads(event["body"])  # API Gateway already checked it against the model
    return {{"statusCode": 201, "headers": {{"Access-Control-Allow-Origin": "{ORIGIN}"}},
            "body": json.dumps({{"sku": order["sku"]}})}}
"""

ORDER_SCHEMA = {
    "type": "object",
    "required": ["sku"],
    "additionalProperties": False,
    "properties": {"sku": {"type": "string", "pattern": "^[A-Z0-9-]{3,32}$"}},
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
    stack = Stack(app, "CognitoApi", env=Environment(account="111122223333", region="eu-west-1"))

    users = SecureUserPool(stack, "Customers")
    read = cognito.ResourceServerScope(scope_name="read", scope_description="Read your orders")
    write = cognito.ResourceServerScope(scope_name="write", scope_description="Place orders")
    orders_server = users.user_pool.add_resource_server("Orders", identifier="orders", scopes=[read, write])
    users.add_client(
        "Web",
        callback_urls=[f"{ORIGIN}/callback"],
        logout_urls=[f"{ORIGIN}/"],
        oauth_scopes=[
            cognito.OAuthScope.OPENID,
            cognito.OAuthScope.resource_server(orders_server, read),
            cognito.OAuthScope.resource_server(orders_server, write),
        ],
    )

    api = SecureRestApi(
        stack,
        "ShopApi",
        description="Orders of signed-in customers",
        cors=CorsOptions(allow_origins=[ORIGIN], allow_headers=["Content-Type", "Authorization"]),
        log_retention=logs.RetentionDays.ONE_MONTH,  # example stack: short retention
    )
    api.add_route(
        "GET",
        "/orders",
        handler(stack, "MyOrders", MY_ORDERS),
        auth=Auth.cognito(users, scopes=["orders/read"]),
    )
    api.add_route(
        "POST",
        "/orders",
        handler(stack, "PlaceOrder", PLACE_ORDER),
        auth=Auth.cognito(users, scopes=["orders/write"]),
        request_schema=ORDER_SCHEMA,
    )
    return stack


if __name__ == "__main__":
    app = App()
    build(app)
    secure_constructs.add_checks(app)
    app.synth()
