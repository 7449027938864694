"""The e2e pair for least privilege computed from the code (docs/least-privilege.md, "Proven by make e2e").

Two SecureFunctions with the same handler, which writes and reads an item of its table, reads its secret
and returns its caller identity:

- ``Allowed`` has no data permission but what ``grant_from_code()`` inferred from that code;
- ``Denied`` has the same inferred statements minus exactly one action (:data:`REMOVED_ACTION`), copied
  from ``Allowed``'s grant onto its own role. ``SecureServerless-LambdaMissingPermission`` predicts the
  AccessDenied at synth; the finding is acknowledged with that reason.

The handler catches each call's ClientError and reports it, so one denied call does not hide the others.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from secure_constructs.acknowledgments import acknowledge
from secure_constructs.compute import SecureFunction

#: The one inferred action the ``Denied`` function's role lacks.
REMOVED_ACTION = "dynamodb:PutItem"

#: Writes ``event["write"]``, reads ``event["read"]`` (each a key of the table), reads the secret (only its
#: SHA-256 leaves the function) and says who it ran as. A denied call is reported, not raised.
HANDLER = """
import hashlib
import os

import boto3
from botocore.exceptions import ClientError

TABLE = boto3.resource("dynamodb").Table(os.environ["NOTES_TABLE"])
SECRETS = boto3.client("secretsmanager")
STS = boto3.client("sts")


def _refused(error):
    return {"error": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]}


def handler(event, context):
    result = {"caller": STS.get_caller_identity()["Arn"]}
    try:
        TABLE.put_item(Item={"pk": event["write"], "note": event["note"]})
        result["put_item"] = {"ok": True}
    except ClientError as error:
        result["put_item"] = _refused(error)
    try:
        result["get_item"] = {"ok": TABLE.get_item(Key={"pk": event["read"]}).get("Item")}
    except ClientError as error:
        result["get_item"] = _refused(error)
    try:
        value = SECRETS.get_secret_value(SecretId=os.environ["SETTINGS_SECRET_ARN"])["SecretString"]
        result["get_secret_value"] = {"ok": hashlib.sha256(value.encode()).hexdigest()}
    except ClientError as error:
        result["get_secret_value"] = _refused(error)
    return result
"""


class CodeGrantedPair(Construct):
    """A table and a secret (one customer managed key), and the ``allowed`` / ``denied`` functions.

    ``grant`` is what ``grant_from_code()`` returned for ``allowed``; ``missing_finding`` the finding id
    the synth reports (and the construct acknowledges) on ``denied``.
    """

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        key = kms.Key(
            self,
            "DataKey",
            description="e2e: encrypts the least-privilege pair's table and secret",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.table = dynamodb.TableV2(
            self,
            "Notes",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            encryption=dynamodb.TableEncryptionV2.customer_managed_key(key),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=RemovalPolicy.DESTROY,  # throwaway e2e stack
        )
        self.secret = secretsmanager.Secret(
            self, "Settings", description="e2e: read by the least-privilege pair", encryption_key=key
        )
        acknowledge(
            self.secret,
            "AwsSolutions-SMG4",
            "e2e only: a generated value that lives as long as one run of the throwaway stack; nothing uses "
            "it but the two test functions, so there is nothing to rotate",
        )
        # A plain environment variable, not secrets=: secrets= would grant the read itself, and this pair
        # must hold no data permission that grant_from_code did not infer.
        environment = {"NOTES_TABLE": self.table.table_name, "SETTINGS_SECRET_ARN": self.secret.secret_arn}

        def function(name: str) -> SecureFunction:
            return SecureFunction(
                self,
                name,
                code=lambda_.Code.from_inline(HANDLER),
                handler="index.handler",
                environment=environment,
            )

        self.allowed = function("Allowed")
        self.grant = self.allowed.grant_from_code()
        assert not self.grant.unresolved, self.grant.unresolved
        assert REMOVED_ACTION in self.grant.actions, sorted(self.grant.actions)

        self.denied = function("Denied")
        for statement in self.grant.statements:
            actions = [action for action in statement.actions if action != REMOVED_ACTION]
            if not actions:
                continue
            self.denied.add_to_role_policy(
                iam.PolicyStatement(
                    actions=actions,
                    resources=list(statement.resources),
                    conditions={"StringEquals": dict(statement.condition)} if statement.condition else None,
                ),
                reason=(
                    f"Copied from grant_from_code's grant to the Allowed function: {', '.join(actions)} name "
                    "no resource in the Service Authorization Reference, so IAM only accepts Resource '*'"
                )
                if statement.resources == ("*",)
                else None,
            )
        stack = Stack.of(self)
        table_id = stack.resolve(stack.get_logical_id(self.table.node.default_child))
        finding = f"Action::{REMOVED_ACTION}@{table_id}"
        self.missing_finding = f"SecureServerless-LambdaMissingPermission[{finding}]"
        acknowledge(
            self.denied,
            self.missing_finding,
            f"e2e only: this function's role lacks {REMOVED_ACTION} on purpose, so that the test sees the "
            "AccessDenied this rule predicts at synth; every other inferred statement is granted",
        )
