"""The shared machinery: error family, override merging, acknowledgments, snapshot normalization."""

import json
import pathlib

import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from secure_constructs._overrides import Guard
from secure_constructs.acknowledgments import acknowledge, audited_id, check_reason, plugin_of
from secure_constructs.errors import CODES, SecureConstructsError, codes_markdown
from secure_constructs.testing import normalize, normalized_template, synth_and_validate


def _function(stack, guard, overrides):
    props = guard.merge(
        lambda_.Function,
        {
            "code": lambda_.Code.from_inline("x"),
            "handler": "index.handler",
            "runtime": lambda_.Runtime.PYTHON_3_12,
            "tracing": lambda_.Tracing.ACTIVE,
        },
        overrides,
    )
    return lambda_.Function(stack, "Fn", **props)


def test_error_message_has_code_path_received_and_fix():
    err = SecureConstructsError(
        "SC-GEN-005", "App/Fn", "memory is too small", received=64, fix="Use 128 or more"
    )
    assert str(err) == "[SC-GEN-005] App/Fn: memory is too small. Received: 64. Use 128 or more."
    assert isinstance(err, ValueError)
    assert (err.code, err.path, err.received) == ("SC-GEN-005", "App/Fn", 64)


def test_error_codes_must_be_registered():
    with pytest.raises(KeyError, match="unregistered"):
        SecureConstructsError("SC-NOPE-999", None, "x", fix="y")


def test_error_docs_are_generated_from_the_table():
    root = pathlib.Path(__file__).resolve().parent.parent
    assert (root / "docs" / "ERRORS.md").read_text() == codes_markdown(), "run: make docs"
    assert all(code in codes_markdown() for code in CODES)


def test_unknown_override_key_names_key_and_class(stack):
    with pytest.raises(SecureConstructsError, match=r"SC-GEN-001.*'memory_sise'.*Function.*'memory_size'"):
        Guard(stack, "SecureFunction").merge(lambda_.Function, {}, {"memory_sise": 128})


def test_weakening_override_without_reason_is_refused_by_the_declared_rule(stack):
    guard = Guard(stack, "SecureFunction")
    fn = _function(stack, guard, {"tracing": lambda_.Tracing.DISABLED})
    with pytest.raises(SecureConstructsError, match=r"SC-GEN-002.*'tracing'.*TracingConfig.*LambdaTracing"):
        guard.check(fn)


def test_weakening_with_vague_reason_is_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-003"):
        Guard(stack, "SecureFunction", {"tracing": "ok"})


def test_weakening_with_reason_acknowledges_the_findings_the_rule_reports(stack):
    guard = Guard(stack, "SecureFunction", {"tracing": "Tracing is done by the OpenTelemetry layer instead."})
    fn = _function(stack, guard, {"tracing": lambda_.Tracing.PASS_THROUGH, "memory_size": 512})
    guard.check(fn)
    result = synth_and_validate(_with_pack(stack))
    suppressed = {f.rule: f["reason"] for f in result.suppressed}
    assert "SecureServerless-LambdaTracing" in suppressed
    assert "OpenTelemetry" in suppressed["SecureServerless-LambdaTracing"]


def test_plumbing_override_and_non_weakening_value_pass(stack):
    guard = Guard(stack, "SecureFunction")
    fn = _function(stack, guard, {"tracing": lambda_.Tracing.ACTIVE, "memory_size": 256})
    guard.check(fn)  # nothing to refuse


def test_managed_key_cannot_be_overridden(stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-004.*'role'"):
        Guard(stack, "SecureFunction").merge(lambda_.Function, {}, {"role": None}, managed={"role"})


def test_accepted_risk_for_something_not_declared_is_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-001.*accepted_risks.*memory_size"):
        Guard(stack, "SecureFunction", {"memory_size": "More memory is never a security risk."})


def test_accepted_risk_for_something_not_weakened_is_refused(stack):
    guard = Guard(stack, "SecureFunction", {"tracing": "No tracing needed for this one."})
    fn = _function(stack, guard, {})
    with pytest.raises(SecureConstructsError, match="SC-GEN-001.*'tracing'.*not changed"):
        guard.check(fn)


def test_accepted_risk_for_a_value_that_weakens_nothing_is_refused(stack):
    guard = Guard(stack, "SecureFunction", {"tracing": "No tracing needed for this one."})
    fn = _function(stack, guard, {"tracing": lambda_.Tracing.ACTIVE})
    with pytest.raises(SecureConstructsError, match="SC-GEN-001.*'tracing'.*weakens no"):
        guard.check(fn)


def _with_pack(stack):
    from aws_cdk import Stage, Validations

    from secure_constructs.nag import SecureServerlessChecks

    app = Stage.of(stack)
    Validations.of(app).add_plugins(SecureServerlessChecks())
    return app


@pytest.mark.parametrize(
    ("rule", "plugin", "audited"),
    [
        ("AwsSolutions-IAM5[Action::*]", "AwsSolutions", "AwsSolutions::AwsSolutions-IAM5[Action::*]"),
        ("Serverless-LambdaTracing", "Serverless", "Serverless::Serverless-LambdaTracing"),
        ("NIST.800.53.R5-LambdaDLQ", "NIST.800.53.R5", "NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ"),
        ("SecureServerless::SecureServerless-X", "SecureServerless", "SecureServerless::SecureServerless-X"),
    ],
)
def test_rule_ids_are_namespaced_by_their_plugin(rule, plugin, audited):
    assert plugin_of(rule) == plugin
    assert audited_id(rule) == audited


@pytest.mark.parametrize("reason", [None, "", "  ", "n/a", "TODO", "ok", "short"])
def test_vague_reasons_are_refused(reason):
    with pytest.raises(SecureConstructsError, match="SC-GEN-003"):
        check_reason("App/X", reason, "Acknowledging X")


def test_acknowledge_lands_in_validation_report_with_reason(app, stack):
    from aws_cdk import Validations
    from cdk_nag import ServerlessChecks

    queue = sqs.Queue(stack, "Queue")
    acknowledge(queue, "Serverless-SQSRedrivePolicy", "This queue is itself the dead-letter queue.")
    Validations.of(app).add_plugins(ServerlessChecks(app))
    result = synth_and_validate(app)
    assert result.violations == []
    (finding,) = result.suppressed
    assert finding.rule == "Serverless-SQSRedrivePolicy"
    assert finding["reason"] == "This queue is itself the dead-letter queue."
    assert finding["acknowledged_id"] == "Serverless::Serverless-SQSRedrivePolicy"


def test_normalize_replaces_hashes_and_drops_bootstrap_noise():
    digest = "a" * 64
    template = {
        "Parameters": {"BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>"}},
        "Rules": {"CheckBootstrapVersion": {}},
        "Resources": {
            "CDKMetadata": {"Type": "AWS::CDK::Metadata"},
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Code": {"S3Key": f"{digest}.zip"}},
                "Metadata": {"aws:asset:path": f"asset.{digest}", "aws:cdk:path": "S/Fn/Resource"},
            },
        },
    }
    out = normalize(template)
    assert out == {
        "Resources": {
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"S3Key": "<asset-hash>.zip"}}}
        }
    }
    assert template["Resources"]["Fn"]["Properties"]["Code"]["S3Key"] == f"{digest}.zip"  # input untouched


def test_normalized_template_of_an_asset_function_is_stable(tmp_path):
    from aws_cdk import App, Stack

    code_dir = tmp_path / "code"
    code_dir.mkdir()
    (code_dir / "index.py").write_text("def handler(event, context):\n    return event\n")

    def build(outdir):
        app = App(outdir=str(outdir))
        stack = Stack(app, "S")
        lambda_.Function(
            stack,
            "Fn",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            code=lambda_.Code.from_asset(str(code_dir)),
        )
        return normalized_template(stack)

    first, second = build(tmp_path / "a"), build(tmp_path / "b")
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert "<asset-hash>.zip" in json.dumps(first)
    assert "BootstrapVersion" not in json.dumps(first)


def test_the_public_list_is_read_from_its_imports_and_every_name_resolves():
    import importlib

    import secure_constructs

    assert {"SecureFunction", "SecureRestApi", "attach_function_alarms"} <= set(secure_constructs.__all__)
    for name in secure_constructs.__all__:
        value = getattr(secure_constructs, name)
        module = importlib.import_module(secure_constructs._EXPORTS[name], "secure_constructs")
        assert getattr(module, name) is value


def test_importing_the_package_does_not_start_the_cdk():
    import subprocess
    import sys

    code = "import sys, secure_constructs, secure_constructs.client; print('aws_cdk' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
