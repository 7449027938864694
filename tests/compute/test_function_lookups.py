"""SecureFunction reads its path and stack once and reuses them; what it reuses must be what CDK reports."""

import pytest
from aws_cdk import App, Environment, Stack, Stage
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from secure_constructs import SecureConstructsError, SecureFunction


def _fn(scope, id):
    return SecureFunction(
        scope, id, code=lambda_.Code.from_inline("def handler(e, c): pass"), handler="index.handler"
    )


@pytest.mark.parametrize("in_stage", [False, True], ids=["app", "stage"])
@pytest.mark.parametrize("id", ["Orders", "Orders/List"], ids=["plain-id", "id-with-slash"])
def test_the_path_a_function_keeps_is_its_node_path(in_stage, id):
    app = App()
    parent = Stage(app, "Prod") if in_stage else app
    stack = Stack(parent, "Shop", env=Environment(account="111122223333", region="eu-west-1"))
    for scope in (stack, Construct(stack, "Group")):
        fn = _fn(scope, id)
        assert fn._path == fn.node.path
        assert fn._stack is stack


def test_a_role_already_running_a_secure_function_is_refused(stack):
    first = _fn(stack, "First")
    with pytest.raises(SecureConstructsError, match="SC-FN-001.*another SecureFunction"):
        SecureFunction(
            stack, "Second", code=lambda_.Code.from_inline("x"), handler="index.handler", role=first.role
        )
