"""Signed-in users call an IAM-auth API with the role of their user-pool group, and reach only their own data.

Staff may list every order (``GET /orders``); customers may place orders (``POST /orders``) and read and
write only their own cart items in DynamoDB (partition key = their Cognito identity id) and their own files
under ``private/<identity id>/`` in S3, straight from the browser with the identity pool's credentials.
Run it with every check on: ``python examples/identity_pool_api.py``.
"""

from __future__ import annotations

from aws_cdk import App, Environment, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3

import secure_constructs
from secure_constructs import SecureFunction, attach_api_alarms, attach_function_alarms
from secure_constructs.api import ApiGatewayCloudWatchRole, SecureRestApi
from secure_constructs.identity import SecureIdentityPool, SecureUserPool

ORIGIN = "https://shop.example.com"

LIST_ORDERS = """
import json


def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps([])}
"""

PLACE_ORDER = """
import json


def handler(event, context):
    caller = event["requestContext"]["identity"]["cognitoIdentityId"]  # set by API Gateway from the signature
    order = json.loads(event["body"])  # API Gateway already checked it against the model
    return {"statusCode": 201, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"customer": caller, "sku": order["sku"]})}
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
    stack = Stack(app, "IdentityPoolApi", env=Environment(account="111122223333", region="eu-west-1"))

    users = SecureUserPool(stack, "Users")
    users.add_client("Web", callback_urls=[f"{ORIGIN}/callback"], logout_urls=[f"{ORIGIN}/"])
    identities = SecureIdentityPool(stack, "Identities", user_pool=users, groups=["Staff", "Customers"])
    staff, customers = identities.roles["Staff"], identities.roles["Customers"]

    # REST API logging needs the account's API Gateway CloudWatch role (deploy once per account and region).
    account_role = ApiGatewayCloudWatchRole(stack, "ApiGatewayCloudWatchRole")
    api = SecureRestApi(
        stack,
        "OrdersApi",
        description="Orders, signed with the identity pool's credentials (SigV4)",
        cloud_watch_role=account_role,
        log_retention=logs.RetentionDays.ONE_MONTH,  # example stack: short retention
    )
    list_orders = handler(stack, "ListOrders", LIST_ORDERS)
    place_order = handler(stack, "PlaceOrder", PLACE_ORDER)
    api.add_route("GET", "/orders", list_orders)
    api.add_route("POST", "/orders", place_order, request_schema=ORDER_SCHEMA)
    # Each group's role may call exactly its routes; no other identity can sign a request that passes.
    api.grant_invoke(staff, "GET", "/orders")
    api.grant_invoke(customers, "POST", "/orders")
    attach_function_alarms(list_orders)
    attach_function_alarms(place_order)
    attach_api_alarms(api)

    carts = dynamodb.Table(
        stack,
        "Carts",
        partition_key=dynamodb.Attribute(name="identityId", type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name="sku", type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryption_key=kms.Key(
            stack, "CartsKey", enable_key_rotation=True, removal_policy=RemovalPolicy.DESTROY  # example stack
        ),
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        removal_policy=RemovalPolicy.DESTROY,  # example stack
    )
    # Only items whose partition key is the caller's identity id; the key only through DynamoDB.
    identities.grant_own_items(customers, carts)

    hardened = {
        "enforce_ssl": True,
        "minimum_tls_version": 1.2,
        "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
        "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        "versioned": True,
        "removal_policy": RemovalPolicy.DESTROY,  # example stack
    }
    # Server access logs are delivered with SSE-S3 only, so this bucket cannot use the KMS key.
    access_logs = s3.Bucket(stack, "AccessLogs", encryption=s3.BucketEncryption.S3_MANAGED, **hardened)
    uploads = s3.Bucket(
        stack,
        "Uploads",
        encryption=s3.BucketEncryption.KMS,
        encryption_key=kms.Key(
            stack,
            "UploadsKey",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,  # example stack
        ),
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix="uploads/",
        **hardened,
    )
    # Only objects under private/<identity id>/, and listing only that folder.
    identities.grant_own_prefix(customers, uploads, prefix="private/")
    return stack


if __name__ == "__main__":
    app = App()
    build(app)
    secure_constructs.add_checks(app)
    app.synth()
