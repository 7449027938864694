"""The 500-resources-per-stack quota: 59 secured routes fit beside a service's table, data key and secret;
one more fails at synth saying what to do. (60 fitted before web ACL logging, a log group and its logging
configuration per REST API, became a default.)"""

import pytest
from aws_cdk import App, Environment, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.assertions import Template

from secure_constructs import SecureFunction, SecureRestApi

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return event\n")


def service(routes: int) -> Stack:
    app = App()
    stack = Stack(app, "Orders", env=Environment(account="111122223333", region="eu-west-1"))
    # the service's own data, as in the orders service: a customer-managed key, a table and a secret
    key = kms.Key(stack, "DataKey", enable_key_rotation=True, removal_policy=RemovalPolicy.DESTROY)
    dynamodb.TableV2(
        stack,
        "Orders",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        encryption=dynamodb.TableEncryptionV2.customer_managed_key(key),
    )
    secretsmanager.Secret(stack, "PaymentApiKey", encryption_key=key)
    api = SecureRestApi(stack, "Api")
    for i in range(routes):
        # worst case for the budget: every route on a path segment of its own, every route its own function
        api.add_route("GET", f"/r{i}", SecureFunction(stack, f"Fn{i}", code=CODE, handler="index.handler"))
    return stack


def test_fifty_nine_fully_secured_routes_fit_in_one_stack():
    resources = Template.from_stack(service(59)).to_json()["Resources"]
    assert len(resources) <= 500
    assert {"AWS::KMS::Key", "AWS::DynamoDB::GlobalTable", "AWS::SecretsManager::Secret"} <= {
        r["Type"] for r in resources.values()
    }
    alarms = [r for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert len(alarms) >= 2 * 59  # every function keeps its alarms


def test_a_stack_over_the_quota_fails_at_synth_saying_how_many_routes_fit_and_how_to_split():
    stack = service(60)
    with pytest.raises(RuntimeError, match=r"SC-API-013.*60 routes.*about 59 routes fit.*at least 2 stacks"):
        stack.node.root.synth()  # construct validation runs before CDK's own (less helpful) quota error


def test_budgets_of_two_apps_with_the_same_stack_path_are_separate():
    small = service(1)  # same path "Orders" as the next one, in another app
    big = service(61)
    assert small.node.root.synth() is not None
    with pytest.raises(RuntimeError, match="SC-API-013"):
        big.node.root.synth()
