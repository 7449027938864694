"""grant_from_code grants exactly what the fixture code calls; the rules fire on over- and under-granted
stacks and stay silent on exact ones (checked through the synthesized app, assets staged in cdk.out)."""

import json
import pathlib

import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from corpus import FIXTURES

from secure_constructs import SecureConstructsError, SecureFunction
from secure_constructs.nag import evaluate
from secure_constructs.nag.rules.least_privilege import RULES
from secure_constructs.testing import synth_and_validate


@pytest.fixture
def app(tmp_path):
    """As ``cdk synth`` does, the app records each function's staged asset folder (aws:asset:path)."""
    from aws_cdk import App

    return App(outdir=str(tmp_path / "cdk.out"), context={"aws:cdk:enable-asset-metadata": True})


def _table(stack):
    return dynamodb.TableV2(
        stack, "Orders", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
    )


def _function(stack, table, name="dynamodb"):
    return SecureFunction(
        stack,
        "Fn",
        code=lambda_.Code.from_asset(str(FIXTURES / name)),
        handler="index.handler",
        environment={"ORDERS_TABLE": table.table_name},
        alarms=False,
        no_alarms_reason="Test function: the rules under test are the least-privilege ones",
    )


def _findings(app):
    app.synth()
    out = app.outdir
    template = json.loads(pathlib.Path(f"{out}/Test.template.json").read_text())
    return sorted(
        f.rule.removeprefix("SecureServerless-") for f in evaluate(template, RULES, template_dir=out)
    )


def _statements(app):
    template = json.loads(pathlib.Path(f"{app.outdir}/Test.template.json").read_text())
    role = next(r for lid, r in template["Resources"].items() if lid.startswith("FnRole"))
    return role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]


def test_grant_from_code_grants_exactly_the_calls_on_the_table_and_index(app, stack):
    table = _table(stack)
    fn = _function(stack, table)
    grant = fn.grant_from_code()
    assert grant.actions == {"dynamodb:BatchWriteItem", "dynamodb:Query"}
    assert grant.unresolved == ()
    assert _findings(app) == []  # exact: both rules silent
    granted = {json.dumps(s["Resource"], sort_keys=True): s["Action"] for s in _statements(app)}
    table_arn = json.dumps({"Fn::GetAtt": ["OrdersA9B65338", "Arn"]}, sort_keys=True)
    assert [k for k, v in granted.items() if v == "dynamodb:BatchWriteItem"] == [table_arn]
    index = [k for k, v in granted.items() if v == "dynamodb:Query"]
    assert len(index) == 1 and "/index/byStatus" in index[0]


def test_missing_permission_fires_when_an_inferred_action_is_not_granted(app, stack):
    table = _table(stack)
    fn = _function(stack, table)
    table.grant(fn.role, "dynamodb:BatchWriteItem")  # Query on the index is not granted
    assert _findings(app) == ["LambdaMissingPermission[Action::dynamodb:Query@OrdersA9B65338/index/byStatus]"]


def test_unused_permission_fires_on_an_over_granted_role(app, stack):
    table = _table(stack)
    fn = _function(stack, table)
    fn.grant_from_code()
    table.grant(fn.role, "dynamodb:DeleteItem")
    assert _findings(app) == ["LambdaUnusedPermission[Action::dynamodb:DeleteItem@OrdersA9B65338]"]


def test_unresolved_calls_are_returned_and_named_once_by_the_rule(app, stack):
    fn = SecureFunction(
        stack,
        "Fn",
        code=lambda_.Code.from_asset(str(FIXTURES / "dynamic")),
        handler="index.handler",
        alarms=False,
        no_alarms_reason="Test function: the rules under test are the least-privilege ones",
    )
    grant = fn.grant_from_code()
    assert grant.actions == frozenset()  # the bucket is not an environment variable of the function
    assert sorted(u.line for u in grant.unresolved) == [9, 10, 11]
    assert "*" not in grant.resources
    assert _findings(app) == ["LambdaUnusedPermission[UnresolvedCalls]"]


def test_non_python_function_is_refused(stack):
    fn = SecureFunction(
        stack,
        "Fn",
        code=lambda_.Code.from_inline("exports.handler = async () => 1"),
        handler="index.handler",
        runtime=lambda_.Runtime.NODEJS_22_X,
    )
    with pytest.raises(SecureConstructsError, match="SC-LP-001"):
        fn.grant_from_code()


def test_code_not_read_is_named_once_for_a_foreign_runtime(app, stack):
    fn = lambda_.Function(
        stack,
        "Node",
        runtime=lambda_.Runtime.NODEJS_22_X,
        handler="index.handler",
        code=lambda_.Code.from_inline("exports.handler = async () => 1"),
    )
    fn.add_to_role_policy(
        iam.PolicyStatement(actions=["sqs:SendMessage"], resources=["arn:aws:sqs:eu-west-1:1:q"])
    )
    assert _findings(app) == ["LambdaUnusedPermission[CodeNotRead]"]
    assert synth_and_validate  # the app synthesized above without errors from the rules themselves


def test_the_staged_asset_is_found_without_asset_metadata(tmp_path):
    # CDK writes aws:asset:path only when the CLI asks for it; without it the rules find the staged folder
    # from the uploaded object's key (<hash>.zip -> asset.<hash>), so a test synth and `cdk synth` agree
    from aws_cdk import App, Stack

    app = App(outdir=str(tmp_path / "cdk.out"))
    stack = Stack(app, "Test")
    table = _table(stack)
    fn = _function(stack, table)
    table.grant(fn.role, "dynamodb:DeleteItem")  # the code never deletes
    findings = _findings(app)
    template = json.loads(pathlib.Path(f"{app.outdir}/Test.template.json").read_text())
    function = next(r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function")
    assert "aws:asset:path" not in function.get("Metadata", {})
    assert findings == [
        "LambdaMissingPermission[Action::dynamodb:BatchWriteItem@OrdersA9B65338]",
        "LambdaMissingPermission[Action::dynamodb:Query@OrdersA9B65338/index/byStatus]",
        "LambdaUnusedPermission[Action::dynamodb:DeleteItem@OrdersA9B65338]",
    ]
