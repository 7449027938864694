"""A plain aws-cdk-lib app, as a team writes it before it has heard of secure_constructs: L2 constructs with
their defaults and the grants CDK makes easy. The tests build it with and without ``harden(app)``."""

from __future__ import annotations

import pathlib

from aws_cdk import App, Environment, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

HANDLERS = pathlib.Path(__file__).resolve().parent / "handlers"
ENV = Environment(account="111122223333", region="eu-west-1")
#: (construct id, handler, HTTP method, path) of the REST API's routes
ROUTES = (
    ("ListOrders", "orders.list_orders", "GET", "/orders"),
    ("CreateOrder", "orders.create_order", "POST", "/orders"),
    ("GetOrder", "orders.get_order", "GET", "/orders/{id}"),
    ("DeleteOrder", "orders.delete_order", "DELETE", "/orders/{id}"),
)


def build(app: App, stack_id: str = "Shop") -> Stack:
    stack = Stack(app, stack_id, env=ENV)
    table = dynamodb.Table(
        stack, "Orders", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
    )
    dynamodb.TableV2(
        stack, "Carts", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
    )
    logs.LogGroup(stack, "AuditLog")
    secret = secretsmanager.Secret(stack, "PaymentKey")
    receipts = s3.Bucket(stack, "Receipts")
    events = sns.Topic(stack, "OrderEvents")
    jobs = sqs.Queue(stack, "Jobs")

    api = apigw.RestApi(stack, "Api")
    # The team validates its one request body (harden() cannot write a schema for it).
    order = api.add_model(
        "Order",
        content_type="application/json",
        schema=apigw.JsonSchema(
            type=apigw.JsonSchemaType.OBJECT,
            required=["id"],
            properties={"id": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING)},
        ),
    )
    validator = api.add_request_validator(
        "Body", validate_request_body=True, validate_request_parameters=True
    )
    functions = {}
    for name, handler, method, path in ROUTES:
        fn = lambda_.Function(
            stack,
            name,
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler=handler,
            code=lambda_.Code.from_asset(str(HANDLERS)),
            environment={"ORDERS_TABLE": table.table_name, "PAYMENT_SECRET_ARN": secret.secret_arn},
        )
        table.grant_read_write_data(fn)
        functions[name] = fn
        body = {"request_models": {"application/json": order}, "request_validator": validator}
        api.root.resource_for_path(path.lstrip("/")).add_method(
            method, apigw.LambdaIntegration(fn), **(body if method == "POST" else {})
        )
    secret.grant_read(functions["CreateOrder"])
    receipts.grant_put(functions["CreateOrder"])
    events.grant_publish(functions["CreateOrder"])
    jobs.grant_send_messages(functions["CreateOrder"])

    pool = cognito.UserPool(stack, "Users")
    client = pool.add_client("Web")
    mobile = apigwv2.HttpApi(stack, "Mobile")
    for method, path, name in ((apigwv2.HttpMethod.GET, "/orders", "ListOrders"),
                               (apigwv2.HttpMethod.GET, "/orders/{id}", "GetOrder")):
        mobile.add_routes(
            path=path,
            methods=[method],
            integration=integrations.HttpLambdaIntegration(f"{name}Integration", functions[name]),
        )
    del client
    return stack
