"""The orders API built with plain aws-cdk-lib defaults (``plain``) and with secure_constructs (``secure``).

The hand-hardened peer, plain aws-cdk-lib written for the same protection as ``secure``, is in
``peers/hardened.py``. Every builder adds one stack with the given routes and returns it.
"""

from __future__ import annotations

from typing import Any

from scenario import (
    ACCOUNT,
    ORDER_SCHEMA,
    REGION,
    SECRET_ENV,
    TABLE_ACTION,
    TABLE_ENV,
    handler_code,
    route,
    shared_data,
)


def build_plain(app: Any, stack_id: str, routes: range) -> Any:
    """aws-cdk-lib L2 constructs with their defaults: no auth, no hardening, no checks."""
    from aws_cdk import Environment, Stack
    from aws_cdk import aws_apigateway as apigw
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_secretsmanager as secretsmanager

    stack = Stack(app, stack_id, env=Environment(account=ACCOUNT, region=REGION))
    table = dynamodb.TableV2(
        stack, "Orders", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
    )
    secret = secretsmanager.Secret(stack, "PaymentApiKey")
    api = apigw.RestApi(stack, "Api")
    for i in routes:
        method, path = route(i)
        fn = lambda_.Function(
            stack,
            f"Fn{i}",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            code=lambda_.Code.from_inline(handler_code(method)),
            environment={TABLE_ENV: table.table_name, SECRET_ENV: secret.secret_arn},
        )
        table.grant_read_write_data(fn)
        if method == "POST":
            secret.grant_read(fn)
        api.root.resource_for_path(path).add_method(method, apigw.LambdaIntegration(fn))
    return stack


def build_secure(app: Any, stack_id: str, routes: range) -> Any:
    """SecureRestApi + SecureFunction (own role, CMK environment, encrypted log group, DLQ, tracing, WAF,
    default alarms), on the hardened data of ``scenario.shared_data``."""
    from aws_cdk import Environment, Stack
    from aws_cdk import aws_lambda as lambda_

    from secure_constructs import SecureFunction, SecureRestApi

    stack = Stack(app, stack_id, env=Environment(account=ACCOUNT, region=REGION))
    table, secret, _ = shared_data(stack)
    api = SecureRestApi(stack, "Api")
    for i in routes:
        method, path = route(i)
        fn = SecureFunction(
            stack,
            f"Fn{i}",
            code=lambda_.Code.from_inline(handler_code(method)),
            handler="index.handler",
            environment={TABLE_ENV: table.table_name},
            secrets={SECRET_ENV.removesuffix("_SECRET_ARN"): secret} if method == "POST" else None,
        )
        table.grant(fn.role, TABLE_ACTION[method])
        api.add_route(method, path, fn, request_schema=ORDER_SCHEMA if method == "POST" else None)
    return stack
