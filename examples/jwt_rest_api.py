"""An orders REST API behind a JWT authorizer (REST APIs have no native one): tokens from an OIDC issuer.

The authorizer (``Auth.jwt_lambda``) verifies each bearer token against the issuer's JWKS (RS256/ES256
only, issuer and audience checked) and returns a policy for exactly the routes the token's scopes map to,
so a cached policy never reaches further than the token. Its code is bundled with PyJWT locally, without
Docker. Run it with every check on: ``python examples/jwt_rest_api.py``.
"""

from __future__ import annotations

from aws_cdk import App, Environment, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

import secure_constructs
from secure_constructs import SecureFunction
from secure_constructs.api import ApiGatewayCloudWatchRole, Auth, SecureRestApi

#: A Cognito user pool as the issuer (any OIDC issuer that publishes a JWKS works the same way).
ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE1"

ORDERS = """
import json


def handler(event, context):
    # Who called, as verified by the authorizer (never the token itself).
    caller = event["requestContext"]["authorizer"]["sub"]
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"caller": caller, "orders": []})}
"""


def handler(stack: Stack, id: str) -> SecureFunction:
    return SecureFunction(
        stack,
        id,
        code=lambda_.Code.from_inline(ORDERS),
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
    stack = Stack(app, "JwtRestApi", env=Environment(account="111122223333", region="eu-west-1"))
    account_role = ApiGatewayCloudWatchRole(stack, "ApiGatewayCloudWatchRole")

    auth = Auth.jwt_lambda(
        ISSUER,
        ["orders-app-client"],  # the app client id: tokens for other clients of the pool are refused
        f"{ISSUER}/.well-known/jwks.json",
        {
            # scope -> routes it may call; a token gets exactly the union of its scopes' routes
            "orders/read": ["GET /orders", "GET /orders/{id}"],
            "orders/write": ["POST /orders"],
        },
    )
    api = SecureRestApi(
        stack,
        "OrdersApi",
        description="Orders, for holders of a JWT from the orders user pool",
        default_auth=auth,
        cloud_watch_role=account_role,
        log_retention=logs.RetentionDays.ONE_MONTH,  # example stack: short retention
    )
    api.add_route("GET", "/orders", handler(stack, "ListOrders"))
    api.add_route("GET", "/orders/{id}", handler(stack, "GetOrder"))
    api.add_route("POST", "/orders", handler(stack, "CreateOrder"), request_schema=ORDER_SCHEMA)
    return stack


if __name__ == "__main__":
    app = App()
    build(app)
    secure_constructs.add_checks(app)
    app.synth()
