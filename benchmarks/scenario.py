"""The orders API that every variant of the synth benchmarks builds: its routes, handler code and data.

Each route has its own function; the first four share the ``/orders`` paths, the others are ``/reports/rN``.
Each handler calls exactly the table action of its method (and the POST handler reads the payment API key
from Secrets Manager), so that the least-privilege rules find every granted permission used and every call
granted, in every variant. The table, its key and the secret are the application's data, written the same
way for the hardened variants (``shared_data``); only the plain variant of ``bench.py`` leaves them at the
aws-cdk-lib defaults.
"""

from __future__ import annotations

from typing import Any

ACCOUNT = "111122223333"
REGION = "eu-west-1"
#: CloudFormation's limit on the resources of one stack, by which every variant is split into stacks.
MAX_RESOURCES_PER_STACK = 500
ORDER_SCHEMA = {"type": "object", "required": ["sku"], "properties": {"sku": {"type": "string"}}}
TABLE_ENV = "ORDERS_TABLE"
SECRET_ENV = "PAYMENT_API_KEY_SECRET_ARN"
#: The DynamoDB action each method's handler calls (and its role is granted).
TABLE_ACTION = {"GET": "dynamodb:GetItem", "POST": "dynamodb:PutItem", "DELETE": "dynamodb:DeleteItem"}
SECRET_REASON = "Provider-issued API key, rotated by hand in the provider's portal"

_CALL = {
    "GET": 'TABLE.get_item(Key={"pk": key})',
    "POST": 'TABLE.put_item(Item={"pk": key, "paid": bool(payment_key())})',
    "DELETE": 'TABLE.delete_item(Key={"pk": key})',
}


def route(i: int) -> tuple[str, str]:
    """The method and path of route ``i``: the orders routes first, then reports (realistic path sharing)."""
    base = [("GET", "/orders"), ("POST", "/orders"), ("GET", "/orders/{id}"), ("DELETE", "/orders/{id}")]
    return base[i] if i < len(base) else ("GET", f"/reports/r{i}")


def handler_code(method: str) -> str:
    """Inline handler of a route with ``method``: one table call, plus the secret for POST."""
    lines = [
        "import json",
        "import os",
        "",
        "import boto3",
        "",
        f'TABLE = boto3.resource("dynamodb").Table(os.environ["{TABLE_ENV}"])',
        "",
    ]
    if method == "POST":
        lines += [
            "",
            "def payment_key():",
            '    secrets = boto3.client("secretsmanager")',
            f'    return secrets.get_secret_value(SecretId=os.environ["{SECRET_ENV}"])["SecretString"]',
            "",
        ]
    lines += [
        "",
        "def handler(event, context):",
        '    key = (event.get("pathParameters") or {}).get("id", "all")',
        f"    {_CALL[method]}",
        '    return {"statusCode": 200, "body": json.dumps([])}',
        "",
    ]
    return "\n".join(lines)


def shared_data(stack: Any) -> tuple[Any, Any, Any]:
    """The application's data in a hardened stack: a CMK-encrypted table with point-in-time recovery and a
    secret under the same key. Returns ``(table, secret, data key)``."""
    from aws_cdk import Acknowledgment, RemovalPolicy, Validations
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_secretsmanager as secretsmanager

    key = kms.Key(stack, "DataKey", enable_key_rotation=True, removal_policy=RemovalPolicy.DESTROY)
    table = dynamodb.TableV2(
        stack,
        "Orders",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        encryption=dynamodb.TableEncryptionV2.customer_managed_key(key),
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        removal_policy=RemovalPolicy.DESTROY,
    )
    secret = secretsmanager.Secret(stack, "PaymentApiKey", encryption_key=key)
    Validations.of(secret).acknowledge(
        Acknowledgment(id="AwsSolutions::AwsSolutions-SMG4", reason=SECRET_REASON)
    )
    return table, secret, key


def split(routes: int, per_stack: int) -> list[range]:
    """The routes of each stack: as few stacks as hold ``per_stack`` routes each, filled evenly (50 routes
    at 48 per stack are two stacks of 25)."""
    if per_stack < 1:
        raise ValueError(f"per_stack must be at least 1, got {per_stack}")
    stacks = max(1, -(-routes // per_stack))
    bounds = [routes * n // stacks for n in range(stacks + 1)]
    return [range(bounds[n], bounds[n + 1]) for n in range(stacks)]


def routes_that_fit(fixed: float, per_route: float) -> int:
    """How many routes fit in a stack of MAX_RESOURCES_PER_STACK, given resources per stack and per route."""
    return int((MAX_RESOURCES_PER_STACK - fixed) // per_route)
