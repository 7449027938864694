"""A function kept off the internet: it reads a DynamoDB table and an API key from Secrets Manager through
VPC endpoints only.

``SecureNetwork`` gives it isolated subnets (no NAT gateway, no internet gateway route), a security group of
its own with no inbound rule and outbound only to the endpoints, gateway endpoints for S3 and DynamoDB, and
an interface endpoint for Secrets Manager, derived from the function's grants. Every endpoint policy admits
only this account's principals on this account's resources, and flow logs record all traffic. Run it with
every check on: ``python examples/private_network.py``.
"""

from __future__ import annotations

from aws_cdk import App, Environment, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager

import secure_constructs
from secure_constructs import SecureFunction, SecureNetwork, acknowledge

HANDLER = """
import os
import boto3

_table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])
_secrets = boto3.client("secretsmanager")
_api_key = None


def handler(event, context):
    global _api_key
    if _api_key is None:  # through the Secrets Manager endpoint; never logged
        secret_arn = os.environ["PAYMENT_API_KEY_SECRET_ARN"]
        _api_key = _secrets.get_secret_value(SecretId=secret_arn)["SecretString"]
    order = _table.get_item(Key={"pk": event["orderId"]}).get("Item")  # through the DynamoDB endpoint
    return {"found": order is not None}
"""


def build(app: App) -> Stack:
    stack = Stack(app, "PrivateNetwork", env=Environment(account="111122223333", region="eu-west-1"))
    network = SecureNetwork(
        stack,
        "Network",
        flow_log_retention=logs.RetentionDays.ONE_MONTH,  # example stack: short retention
    )

    data_key = kms.Key(
        stack,
        "DataKey",
        description="Encrypts the orders table and the payment API key",
        enable_key_rotation=True,
        removal_policy=RemovalPolicy.DESTROY,  # example stack: nothing to keep
    )
    orders = dynamodb.TableV2(
        stack,
        "Orders",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        encryption=dynamodb.TableEncryptionV2.customer_managed_key(data_key),
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        removal_policy=RemovalPolicy.DESTROY,  # example stack: nothing to keep
    )
    payment_api_key = secretsmanager.Secret(
        stack, "PaymentApiKey", description="API key issued by the payment provider", encryption_key=data_key
    )
    acknowledge(
        payment_api_key,
        "AwsSolutions-SMG4",
        "The payment provider issues this API key through its dashboard only; it is rotated there by hand "
        "every 90 days, and no Lambda rotation function can create a new one",
    )

    lookup = SecureFunction(
        stack,
        "LookupOrder",
        code=lambda_.Code.from_inline(HANDLER),
        handler="index.handler",
        environment={"ORDERS_TABLE": orders.table_name},
        secrets={"PAYMENT_API_KEY": payment_api_key},
        network=network,  # isolated subnets; endpoints for DynamoDB (gateway) and Secrets Manager
        log_retention=logs.RetentionDays.ONE_MONTH,  # example stack: short retention
    )
    lookup.grant_from_code()  # dynamodb:GetItem on the table: what the handler calls, nothing more
    return stack


if __name__ == "__main__":
    app = App()
    build(app)
    secure_constructs.add_checks(app)
    app.synth()
