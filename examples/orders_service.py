"""The demo "orders" service (the main job of ``make synth``), built only from secure_constructs.

- an internal REST API signed with SigV4 (IAM): GET/POST /orders, GET/DELETE /orders/{id}; a reporting
  role may call GET /orders and nothing else;
- a public REST API for customers behind a Cognito user-pool authorizer (scopes per route), plus one public
  health route whose reason lands in the validation report;
- an HTTP API for the mobile app with a JWT authorizer wired from the same user pool;
- a DynamoDB table and a payment-provider secret, each function granted exactly what its code calls
  (`grant_from_code()`);
- a CloudTrail trail with Lambda data events, and alarms on every function and API (on by default).

``OrdersService(app, "Orders", extra_routes=N)`` adds N more IAM-auth routes, each with its own function
(the benchmark uses it to measure bigger services).
"""

from __future__ import annotations

from aws_cdk import App, Environment, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

import secure_constructs
from secure_constructs import (
    Auth,
    DataEventsTrail,
    SecureFunction,
    SecureHttpApi,
    SecureRestApi,
    SecureUserPool,
    acknowledge,
)
from secure_constructs.api import ApiGatewayCloudWatchRole

ENV = Environment(account="111122223333", region="eu-west-1")
#: Why the demo deletes its logs with the stack (the library keeps them by default: they are evidence).
DEMO_LOGS = (
    "Demo stack, deployed and destroyed by the tests: it serves no real traffic, so its logs hold no "
    "evidence worth keeping after it is gone"
)

_RESPOND = """
import json


def respond(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
"""

LIST_ORDERS = (
    _RESPOND
    + """
import os
import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def handler(event, context):
    items = TABLE.scan(Limit=50).get("Items", [])
    return respond(200, [{"id": i["pk"], "status": i.get("status")} for i in items])
"""
)

GET_ORDER = (
    _RESPOND
    + """
import os
import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def handler(event, context):
    item = TABLE.get_item(Key={"pk": event["pathParameters"]["id"]}).get("Item")
    return respond(200, {"id": item["pk"], "status": item.get("status")}) if item else respond(404, {})
"""
)

CREATE_ORDER = (
    _RESPOND
    + """
import os
import uuid
import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])
SECRETS = boto3.client("secretsmanager")
_payment_key = None


def handler(event, context):
    global _payment_key
    if _payment_key is None:  # read once per execution environment; never logged
        secret_arn = os.environ["PAYMENT_API_KEY_SECRET_ARN"]
        _payment_key = SECRETS.get_secret_value(SecretId=secret_arn)["SecretString"]
    order = json.loads(event["body"])  # already validated against the model by API Gateway
    order_id = str(uuid.uuid4())
    TABLE.put_item(Item={"pk": order_id, "sku": order["sku"], "quantity": order["quantity"], "status": "NEW"})
    return respond(201, {"id": order_id})
"""
)

DELETE_ORDER = (
    _RESPOND
    + """
import os
import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def handler(event, context):
    TABLE.delete_item(Key={"pk": event["pathParameters"]["id"]})
    return respond(204, {})
"""
)

HEALTH = (
    _RESPOND
    + """

def handler(event, context):
    return respond(200, {"status": "ok"})
"""
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


class OrdersService(Stack):
    """The orders service. Attributes: ``table``, ``payment_api_key``, ``users``, ``internal_api``,
    ``public_api``, ``mobile_api``, ``trail``, ``reporting_role`` and ``functions`` (by name)."""

    def __init__(
        self, scope: Construct, id: str, *, extra_routes: int = 0, trail: bool = True, **kwargs
    ) -> None:
        super().__init__(scope, id, env=kwargs.pop("env", ENV), **kwargs)
        self.functions: dict[str, SecureFunction] = {}

        # --- data ---------------------------------------------------------------------------------------
        data_key = kms.Key(
            self,
            "DataKey",
            description="Encrypts the orders table and the payment API key",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.table = dynamodb.TableV2(
            self,
            "Orders",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            encryption=dynamodb.TableEncryptionV2.customer_managed_key(data_key),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=RemovalPolicy.DESTROY,  # demo stack: nothing to keep
        )
        self.payment_api_key = secretsmanager.Secret(
            self,
            "PaymentApiKey",
            description="API key issued by the payment provider",
            encryption_key=data_key,
        )
        acknowledge(
            self.payment_api_key,
            "AwsSolutions-SMG4",
            "The payment provider issues this key in its dashboard only; it is rotated there by hand "
            "every 90 days, so no rotation Lambda could create a new one",
        )

        # --- functions: one per route, each granted exactly what its code calls (grant_from_code) ---------
        env = {"ORDERS_TABLE": self.table.table_name}
        list_orders = self._function("ListOrders", LIST_ORDERS, env)
        get_order = self._function("GetOrder", GET_ORDER, env)
        create_order = self._function(
            "CreateOrder", CREATE_ORDER, env, secrets={"PAYMENT_API_KEY": self.payment_api_key}
        )
        delete_order = self._function("DeleteOrder", DELETE_ORDER, env)
        my_order = self._function("MyOrder", GET_ORDER, env)
        place_order = self._function(
            "PlaceOrder", CREATE_ORDER, env, secrets={"PAYMENT_API_KEY": self.payment_api_key}
        )
        mobile_order = self._function("MobileOrder", GET_ORDER, env)
        health = self._function("Health", HEALTH, {})

        # --- identity ------------------------------------------------------------------------------------
        self.users = SecureUserPool(self, "Customers")
        read = cognito.ResourceServerScope(scope_name="read", scope_description="Read your orders")
        write = cognito.ResourceServerScope(scope_name="write", scope_description="Place orders")
        server = self.users.user_pool.add_resource_server(
            "OrdersScopes", identifier="orders", scopes=[read, write]
        )
        self.users.add_client(
            "Web",
            callback_urls=["https://shop.example.com/callback"],
            logout_urls=["https://shop.example.com/"],
            oauth_scopes=[
                cognito.OAuthScope.OPENID,
                cognito.OAuthScope.resource_server(server, read),
                cognito.OAuthScope.resource_server(server, write),
            ],
        )

        # --- APIs --------------------------------------------------------------------------------------
        # REST logging needs the account's API Gateway CloudWatch role; this demo owns it (one per account).
        account_role = ApiGatewayCloudWatchRole(self, "ApiGatewayCloudWatchRole")
        rest_logs = {
            "log_retention": logs.RetentionDays.THREE_MONTHS,
            "log_removal_policy": RemovalPolicy.DESTROY,
            "accepted_risks": {"log_removal_policy": DEMO_LOGS},
        }

        self.internal_api = SecureRestApi(
            self,
            "InternalApi",
            description="Orders back office, signed with SigV4",
            cloud_watch_role=account_role,
            **rest_logs,
        )
        self.internal_api.add_route("GET", "/orders", list_orders)
        self.internal_api.add_route("POST", "/orders", create_order, request_schema=ORDER_SCHEMA)
        self.internal_api.add_route("GET", "/orders/{id}", get_order)
        self.internal_api.add_route("DELETE", "/orders/{id}", delete_order)
        for i in range(extra_routes):
            extra = self._function(f"Report{i}", LIST_ORDERS, env)
            self.internal_api.add_route("GET", f"/reports/r{i}", extra)

        self.reporting_role = iam.Role(
            self,
            "ReportingRole",
            assumed_by=iam.AccountPrincipal(self.account),
            description="Reporting jobs: may list orders, nothing else",
        )
        self.internal_api.grant_invoke(self.reporting_role, "GET", "/orders")

        self.public_api = SecureRestApi(
            self,
            "PublicApi",
            description="Orders of signed-in customers",
            default_auth=Auth.cognito(self.users, scopes=["orders/read"]),
            cloud_watch_role=account_role,
            **rest_logs,
        )
        self.public_api.add_route("GET", "/orders/{id}", my_order)
        self.public_api.add_route(
            "POST",
            "/orders",
            place_order,
            request_schema=ORDER_SCHEMA,
            auth=Auth.cognito(self.users, scopes=["orders/write"]),
        )
        self.public_api.add_route(
            "GET",
            "/health",
            health,
            auth=Auth.public(
                "Uptime probe of the status page: returns a constant 'ok', reads no data and changes nothing"
            ),
        )

        self.mobile_api = SecureHttpApi(
            self,
            "MobileApi",
            description="Orders for the mobile app",
            default_auth=Auth.jwt(self.users, scopes=["orders/read"]),
            log_retention=logs.RetentionDays.THREE_MONTHS,
            log_removal_policy=RemovalPolicy.DESTROY,
            accepted_risks={"log_removal_policy": DEMO_LOGS},
        )
        self.mobile_api.add_route("GET", "/orders/{id}", mobile_order)

        # --- audit -------------------------------------------------------------------------------------
        self.trail = (
            DataEventsTrail(
                self,
                "Audit",
                removal_policy=RemovalPolicy.DESTROY,
                accepted_risks={"removal_policy": DEMO_LOGS},
            )
            if trail
            else None
        )

    def _function(self, name: str, code: str, environment: dict[str, str], **kwargs) -> SecureFunction:
        fn = SecureFunction(
            self,
            name,
            code=lambda_.Code.from_inline(code),
            handler="index.handler",
            environment=environment,
            log_retention=logs.RetentionDays.THREE_MONTHS,  # demo stack: a quarter of logs
            log_removal_policy=RemovalPolicy.DESTROY,
            accepted_risks={"log_removal_policy": DEMO_LOGS},
            **kwargs,
        )
        fn.grant_from_code()  # e.g. dynamodb:GetItem on the table named by ORDERS_TABLE, and nothing else
        self.functions[name] = fn
        return fn


def build(app: App) -> Stack:
    return OrdersService(app, "Orders")


if __name__ == "__main__":
    app = App()
    build(app)
    secure_constructs.add_checks(app)
    app.synth()
