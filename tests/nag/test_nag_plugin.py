"""SecureServerlessChecks in a real synth: plain-CDK apps, escape hatches, CfnInclude, acknowledgments."""

from __future__ import annotations

import json

import pytest
from aws_cdk import App, Environment, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import cloudformation_include as cfn_inc
from nag_fixtures import HANDLER, build_hardened, hardened_function

from secure_constructs import acknowledge
from secure_constructs.nag import SecureServerlessChecks
from secure_constructs.testing import synth_and_validate

P = "SecureServerless-"


def _checked(app: App):
    Validations.of(app).add_plugins(SecureServerlessChecks())
    return synth_and_validate(app)


def _ours(findings) -> list[tuple[str, str]]:
    return sorted((f.rule.removeprefix(P), f.path) for f in findings if f["plugin"] == "SecureServerless")


def test_hand_hardened_plain_cdk_app_has_zero_findings(app, stack):
    build_hardened(stack)
    result = _checked(app)
    assert _ours(result.violations) == []
    assert _ours(result.suppressed) == []
    # CDK omits a plugin that reported nothing; the pack lists itself with an "info" entry all the same
    assert result.plugins == ["SecureServerless"]
    [ran] = result.notes
    assert ran.rule == "SecureServerless-Ran" and "no finding" in ran["description"]


def test_plain_cdk_function_findings_map_to_construct_paths(app, stack):
    fn = lambda_.Function(
        stack,
        "Fn",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline(HANDLER),
        environment={"STAGE": "prod"},
    )
    fn.add_to_role_policy(iam.PolicyStatement(actions=["s3:*"], resources=["*"]))
    result = _checked(app)
    assert _ours(result.violations) == [
        ("IamNoWildcardAction[Action::s3:*]", "Test/Fn/ServiceRole/DefaultPolicy/Resource"),
        ("IamNoWildcardResource[Action::s3:*]", "Test/Fn/ServiceRole/DefaultPolicy/Resource"),
        *[
            (f"LambdaAlarms[Missing::{family}]", "Test/Fn/Resource")
            for family in ("ConcurrentExecutions", "Duration", "Errors", "InvocationAnomaly", "Throttles")
        ],
        ("LambdaDeadLetterQueue", "Test/Fn/Resource"),
        ("LambdaEnvKms", "Test/Fn/Resource"),
        ("LambdaJsonLogs", "Test/Fn/Resource"),
        ("LambdaLogGroup", "Test/Fn/Resource"),
        ("LambdaTracing", "Test/Fn/Resource"),
        ("LambdaUnusedPermission[Action::s3:*@*]", "Test/Fn/Resource"),  # the handler calls nothing
    ]
    by_rule = {f.rule: f for f in result.violations}
    assert by_rule[P + "LambdaEnvKms"]["severity"] == "error"
    assert by_rule[P + "LambdaAlarms[Missing::Errors]"]["severity"] == "warning"


def test_escape_hatch_override_is_seen(app, stack):
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    topic = sns.Topic(stack, "Topic", master_key=key, enforce_ssl=True)
    fn = hardened_function(stack, "Fn", key, topic)
    fn.node.default_child.add_property_deletion_override("KmsKeyArn")
    assert _ours(_checked(app).violations) == [("LambdaEnvKms", "Test/Fn/Resource")]


def test_error_fails_the_synth_and_warning_does_not(tmp_path):
    env = Environment(account="111122223333", region="eu-west-1")
    warn_app = App(outdir=str(tmp_path / "warn"))
    key = kms.Key(Stack(warn_app, "Warn", env=env), "Key", enable_key_rotation=True)
    fn = hardened_function(key.stack, "Fn", key, sns.Topic(key.stack, "T", master_key=key, enforce_ssl=True))
    fn.node.default_child.add_property_override("LoggingConfig.LogFormat", "Text")  # only a warning
    Validations.of(warn_app).add_plugins(SecureServerlessChecks())
    warn_app.synth()  # does not raise
    report = json.loads((tmp_path / "warn" / "validation-report.json").read_text())
    assert report["pluginReports"][0]["conclusion"] == "success"

    error_app = App(outdir=str(tmp_path / "error"))
    kms.Key(Stack(error_app, "Error", env=env), "Key")  # rotation off: an error
    Validations.of(error_app).add_plugins(SecureServerlessChecks())
    with pytest.raises(RuntimeError, match="ValidationFailed.*KMS key"):
        error_app.synth()


def test_acknowledgment_suppresses_with_reason_in_report(app, stack):
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    topic = sns.Topic(stack, "Topic", master_key=key, enforce_ssl=True)
    fn = hardened_function(stack, "Fn", key, topic)
    fn.node.default_child.add_property_deletion_override("KmsKeyArn")
    reason = "Environment holds only the stage name, which is public anyway."
    acknowledge(fn, "SecureServerless-LambdaEnvKms", reason)
    result = _checked(app)
    assert _ours(result.violations) == []
    (suppressed,) = result.suppressed
    assert (suppressed.rule, suppressed.path, suppressed["reason"]) == (
        P + "LambdaEnvKms",
        "Test/Fn/Resource",
        reason,
    )
    assert suppressed["acknowledged_id"] == "SecureServerless::SecureServerless-LambdaEnvKms"


def test_finding_ids_are_acknowledged_one_by_one(app, stack):
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    fn = hardened_function(stack, "Fn", key, sns.Topic(stack, "Topic", master_key=key, enforce_ssl=True))
    for alarm in ("FnErrorsAlarm", "FnThrottlesAlarm"):
        stack.node.find_child(alarm).node.default_child.add_property_override("MetricName", "Other")
    acknowledge(
        fn, "SecureServerless-LambdaAlarms[Missing::Errors]", "Errors are alarmed on the queue instead."
    )
    result = _checked(app)
    assert _ours(result.violations) == [("LambdaAlarms[Missing::Throttles]", "Test/Fn/Resource")]
    assert _ours(result.suppressed) == [("LambdaAlarms[Missing::Errors]", "Test/Fn/Resource")]


LEGACY = {
    "Resources": {
        "LegacyRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ]
                },
                "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"],
            },
        },
        "LegacyFn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Role": {"Fn::GetAtt": ["LegacyRole", "Arn"]},
                "Runtime": "python3.12",
                "Handler": "index.handler",
                "Code": {"ZipFile": "def handler(e, c):\n    return 1\n"},
                "Environment": {"Variables": {"MODE": "legacy"}},
            },
        },
        "LegacyUrl": {
            "Type": "AWS::Lambda::Url",
            "Properties": {"AuthType": "NONE", "TargetFunctionArn": {"Fn::GetAtt": ["LegacyFn", "Arn"]}},
        },
    }
}


def test_cfn_include_resources_are_checked_with_their_paths(app, stack, tmp_path):
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(LEGACY))
    cfn_inc.CfnInclude(stack, "Legacy", template_file=str(path))
    assert _ours(_checked(app).violations) == [
        ("IamAdminManagedPolicy[Policy::AdministratorAccess]", "Test/Legacy/LegacyRole"),
        *[
            (f"LambdaAlarms[Missing::{family}]", "Test/Legacy/LegacyFn")
            for family in ("ConcurrentExecutions", "Duration", "Errors", "InvocationAnomaly", "Throttles")
        ],
        ("LambdaDeadLetterQueue", "Test/Legacy/LegacyFn"),
        ("LambdaEnvKms", "Test/Legacy/LegacyFn"),
        ("LambdaJsonLogs", "Test/Legacy/LegacyFn"),
        ("LambdaLogGroup", "Test/Legacy/LegacyFn"),
        ("LambdaTracing", "Test/Legacy/LegacyFn"),
        ("LambdaUrlAuth", "Test/Legacy/LegacyUrl"),
    ]


def test_cfn_include_resource_can_be_acknowledged(app, stack, tmp_path):
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(LEGACY))
    included = cfn_inc.CfnInclude(stack, "Legacy", template_file=str(path))
    acknowledge(
        included.get_resource("LegacyUrl"),
        "SecureServerless-LambdaUrlAuth",
        "Public webhook endpoint; the handler verifies the provider's HMAC signature.",
    )
    result = _checked(app)
    assert ("LambdaUrlAuth", "Test/Legacy/LegacyUrl") in _ours(result.suppressed)
    assert ("LambdaUrlAuth", "Test/Legacy/LegacyUrl") not in _ours(result.violations)


def test_plugin_identity_for_the_report():
    plugin = SecureServerlessChecks()
    assert plugin.name == "SecureServerless"
    assert P + "ApiRouteAuth" in plugin.rule_ids


CONDITIONAL = {
    "Parameters": {"UrlAuth": {"Type": "String", "Default": "AWS_IAM"}},
    "Resources": {
        "Url": {
            "Type": "AWS::Lambda::Url",
            "Properties": {
                "AuthType": {"Ref": "UrlAuth"},
                "TargetFunctionArn": "arn:aws:lambda:eu-west-1:111122223333:function:f",
            },
        },
    },
}


def test_cfn_include_with_a_parameter_where_a_literal_is_needed_fails_closed(app, stack, tmp_path):
    path = tmp_path / "conditional.json"
    path.write_text(json.dumps(CONDITIONAL))
    cfn_inc.CfnInclude(stack, "Legacy", template_file=str(path))
    result = _checked(app)
    assert _ours(result.violations) == [("LambdaUrlAuth[Unresolved::AuthType]", "Test/Legacy/Url")]
    (finding,) = result.violations
    assert "Cannot decide: AuthType is set by parameter UrlAuth at deploy time" in finding["description"]


def test_pack_can_run_a_subset_of_rules(app, stack):
    from secure_constructs.nag import RULES

    kms.Key(stack, "Key")  # rotation off
    lambda_.Function(
        stack,
        "Fn",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline(HANDLER),
    )
    Validations.of(app).add_plugins(
        SecureServerlessChecks(rules=[r for r in RULES if r.name == "KmsKeyRotation"])
    )
    assert _ours(synth_and_validate(app).violations) == [("KmsKeyRotation", "Test/Key/Resource")]
