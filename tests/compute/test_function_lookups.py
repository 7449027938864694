"""A role that already runs a SecureFunction is refused by the next one, found through the contexts of the
app's stacks (the role and the functions may each be in a stack of their own)."""

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from secure_constructs import SecureConstructsError, SecureFunction


def _fn(scope, id, **kwargs):
    return SecureFunction(
        scope, id, code=lambda_.Code.from_inline("def handler(e, c): pass"), handler="index.handler", **kwargs
    )


def test_a_role_already_running_a_secure_function_is_refused(stack):
    first = _fn(stack, "First")
    with pytest.raises(SecureConstructsError, match="SC-FN-001.*another SecureFunction"):
        _fn(stack, "Second", role=first.role)


def test_a_role_of_a_third_stack_runs_one_secure_function_only():
    app = App()
    roles, one, two = Stack(app, "Roles"), Stack(app, "One"), Stack(app, "Two")
    role = iam.Role(roles, "Shared", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    _fn(one, "First", role=role)
    with pytest.raises(SecureConstructsError, match="SC-FN-001.*another SecureFunction"):
        _fn(two, "Second", role=role)


def test_a_role_of_another_app_is_not_in_use_here():
    role_app, other_app = App(), App()
    role = iam.Role(Stack(role_app, "Roles"), "R", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    _fn(Stack(role_app, "One"), "First", role=role)
    _fn(Stack(other_app, "One"), "First")  # the same path in another app: its own context, its own role
