"""harden() on small apps: explicit choices win, the errors it raises, what it leaves to our constructs and
to the user's own alarms and web ACLs, and the data it derives from."""

from __future__ import annotations

import json

import jsii
import pytest
from aws_cdk import App, Environment, IPropertyInjector, PropertyInjectors, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_wafv2 as wafv2
from aws_cdk.assertions import Match, Template
from examples_support import app_context

from secure_constructs import SecureConstructsError, SecureFunction, attach_function_alarms, harden
from secure_constructs.testing import synth_and_validate

ENV = Environment(account="111122223333", region="eu-west-1")
CODE = "def handler(event, context):\n    return {}\n"


def _app(tmp_path) -> App:
    return App(outdir=str(tmp_path / "cdk.out"), context=app_context())


def _function(scope, id: str = "Fn", **props) -> lambda_.Function:
    return lambda_.Function(
        scope,
        id,
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline(CODE),
        **props,
    )


def _record(hardening, path: str):
    (record,) = [r for r in hardening.records if r.path == path]
    return record


def _pack_rules(app) -> set[str]:
    from aws_cdk import Validations

    from secure_constructs import SecureServerlessChecks

    Validations.of(app).add_plugins(SecureServerlessChecks(app))
    result = synth_and_validate(app)
    ours = [f for f in result.violations if f["plugin"] == "SecureServerless"]
    return {f"{f.rule.split('[')[0]}@{f.path}" for f in ours}


# --- explicit choices win ---------------------------------------------------------------------------------


def test_an_explicit_weaker_choice_is_kept_and_the_pack_reports_it(tmp_path):
    app = _app(tmp_path)
    hardening = harden(app)
    stack = Stack(app, "S", env=ENV)
    _function(stack, tracing=lambda_.Tracing.PASS_THROUGH)
    record = _record(hardening, "S/Fn")
    assert record.kept == {"tracing": ("SecureServerless-LambdaTracing",)}
    assert "tracing" not in record.supplied and "logging_format" in record.supplied
    assert "SecureServerless-LambdaTracing@S/Fn/Resource" in _pack_rules(app)  # synthesizes the app
    synthesized = json.loads((tmp_path / "cdk.out" / "S.template.json").read_text(encoding="utf-8"))
    Template.from_json(synthesized).has_resource_properties(
        "AWS::Lambda::Function",
        {"TracingConfig": {"Mode": "PassThrough"}, "LoggingConfig": Match.object_like({"LogFormat": "JSON"})},
    )


def test_the_other_arguments_of_a_property_the_user_chose_are_left_to_the_user(tmp_path):
    app = _app(tmp_path)
    hardening = harden(app)
    stack = Stack(app, "S", env=ENV)
    s3.Bucket(stack, "Bucket", encryption=s3.BucketEncryption.S3_MANAGED)
    record = _record(hardening, "S/Bucket")
    assert record.kept == {"encryption": ("SecureServerless-S3Kms",)}
    assert record.left == {"encryption_key": "the user set encryption"}
    assert "versioned" in record.supplied
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 0)
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {"BucketEncryption": {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}},
    )


def test_an_argument_cdk_refuses_next_to_the_users_is_not_supplied(tmp_path):
    app = _app(tmp_path)
    hardening = harden(app)
    stack = Stack(app, "S", env=ENV)
    _function(stack, log_retention=logs.RetentionDays.ONE_WEEK)  # CDK refuses log_group with it
    assert _record(hardening, "S/Fn").left == {"log_group": "the user set log_retention"}
    Template.from_stack(stack)  # builds


def test_an_excluded_class_is_left_alone_with_its_reason(tmp_path):
    app = _app(tmp_path)
    reason = "Static website bucket served through CloudFront with its own policy"
    hardening = harden(app, exclude=[(s3.Bucket, reason)])
    stack = Stack(app, "S", env=ENV)
    s3.Bucket(stack, "Site")
    assert _record(hardening, "S/Site").excluded == reason
    assert _record(hardening, "S/Site").supplied == {}
    Template.from_stack(stack).has_resource_properties("AWS::S3::Bucket", Match.absent())


def test_what_would_replace_a_deployed_resource_needs_replace_true(tmp_path):
    app = _app(tmp_path)
    hardening = harden(app)
    stack = Stack(app, "S", env=ENV)
    cognito.UserPool(stack, "Pool")
    record = _record(hardening, "S/Pool")
    assert set(record.not_applied) == {"sign_in_case_sensitive"}
    assert "harden(app, replace=True)" in record.not_applied["sign_in_case_sensitive"]
    assert "sign_in_case_sensitive" not in record.supplied
    app2 = _app(tmp_path / "new")
    hardening2 = harden(app2, replace=True)
    cognito.UserPool(Stack(app2, "S", env=ENV), "Pool")
    assert _record(hardening2, "S/Pool").not_applied == {}
    assert "sign_in_case_sensitive" in _record(hardening2, "S/Pool").supplied


# --- what harden() leaves alone ---------------------------------------------------------------------------


def test_our_constructs_are_not_hardened_twice_and_share_the_stacks_queue(tmp_path):
    app = _app(tmp_path)
    hardening = harden(app)
    stack = Stack(app, "S", env=ENV)
    secure = SecureFunction(stack, "Secure", code=lambda_.Code.from_inline(CODE), handler="index.handler")
    _function(stack, "Plain")
    assert [r.path for r in hardening.records] == ["S/Plain"]
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SQS::Queue", 1)  # the stack's dead-letter queue, for both
    template.resource_count_is("AWS::KMS::Key", 1)  # the operations key (logs, environments, queue)
    assert secure.dead_letter_queue.node.path == "S/SecureConstructsFunctionDeadLetterQueue"


def test_a_plain_construct_built_inside_one_of_ours_is_left_alone(tmp_path):
    app = _app(tmp_path)
    hardening = harden(app)
    stack = Stack(app, "S", env=ENV)
    secure = SecureFunction(stack, "Secure", code=lambda_.Code.from_inline(CODE), handler="index.handler")
    s3.Bucket(secure, "Scratch")
    assert hardening.records == []


def test_the_users_own_alarms_and_web_acl_are_kept(tmp_path):
    app = _app(tmp_path)
    hardening = harden(app)
    stack = Stack(app, "S", env=ENV)
    fn = _function(stack)
    attach_function_alarms(fn)
    api = apigw.LambdaRestApi(stack, "Api", handler=fn)
    wafv2.CfnWebACLAssociation(stack, "Own", resource_arn=api.deployment_stage.stage_arn, web_acl_arn="arn:x")
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::WAFv2::WebACLAssociation", 1)
    template.resource_count_is("AWS::WAFv2::WebACL", 0)
    assert _record(hardening, "S/Fn").kept["alarms"] == ("SecureServerless-LambdaAlarms",)
    assert _record(hardening, "S/Api").kept["web ACL"] == ("SecureServerless-ApiStageWaf",)


def test_a_lambda_rest_api_gets_iam_auth_and_no_account_wide_role(tmp_path):
    app = App(outdir=str(tmp_path / "cdk.out"))  # no feature flags: CDK would create the account role
    hardening = harden(app)
    stack = Stack(app, "S", env=ENV)
    apigw.LambdaRestApi(stack, "Api", handler=_function(stack))
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::ApiGateway::Account", 0)
    template.has_resource_properties("AWS::ApiGateway::Method", {"AuthorizationType": "AWS_IAM"})
    template.has_resource_properties(
        "AWS::ApiGateway::Stage", {"TracingEnabled": True, "AccessLogSetting": Match.any_value()}
    )
    record = _record(hardening, "S/Api")
    assert record.supplied["cloud_watch_role"] == ()
    assert "CloudWatch role" in record.notes[0] and "ApiGatewayCloudWatchRole" in record.notes[0]


# --- errors ---------------------------------------------------------------------------------------------


@jsii.implements(IPropertyInjector)
class _BucketDefaults:
    def __init__(self) -> None:
        self.calls = 0

    @property
    def construct_unique_id(self) -> str:
        return s3.Bucket.PROPERTY_INJECTION_ID

    def inject(self, original_props, *, id, scope):
        self.calls += 1
        return original_props


def test_a_users_injector_for_a_hardened_class_is_refused(tmp_path):
    app = _app(tmp_path)
    PropertyInjectors.of(app).add(_BucketDefaults())
    with pytest.raises(SecureConstructsError, match=r"SC-HARDEN-001.*aws_s3\.Bucket.*exclude"):
        harden(app)


def test_a_users_injector_stays_for_a_class_excluded_with_a_reason(tmp_path):
    app = _app(tmp_path)
    mine = _BucketDefaults()
    PropertyInjectors.of(app).add(mine)
    reason = "Our platform team's injector sets the buckets' defaults"
    hardening = harden(app, exclude=[(s3.Bucket, reason)])
    assert PropertyInjectors.of(app).for_(s3.Bucket.PROPERTY_INJECTION_ID) is mine
    s3.Bucket(Stack(app, "S", env=ENV), "Bucket")
    app.synth()
    assert mine.calls == 1 and hardening.records == []


def test_a_users_injector_registered_below_fails_the_synth(tmp_path):
    app = _app(tmp_path)
    harden(app)
    stack = Stack(app, "S", env=ENV)
    mine = _BucketDefaults()
    PropertyInjectors.of(stack).add(mine)
    s3.Bucket(stack, "Bucket")
    assert mine.calls == 1
    with pytest.raises(RuntimeError, match=r"SC-HARDEN-001\] S: a property injector for aws_s3\.Bucket"):
        app.synth()


def test_harden_must_come_first_and_once(tmp_path):
    app = _app(tmp_path)
    _function(Stack(app, "S", env=ENV))
    with pytest.raises(SecureConstructsError, match=r"SC-HARDEN-002.*Received: S/Fn"):
        harden(app)
    again = _app(tmp_path / "again")
    harden(again)
    with pytest.raises(SecureConstructsError, match="SC-HARDEN-002.*already called"):
        harden(again)


@pytest.mark.parametrize(
    ("exclude", "code"),
    [
        ([(lambda_.Alias, "Aliases are managed by the deployment pipeline")], "SC-HARDEN-003"),
        ([s3.Bucket], "SC-HARDEN-003"),
        ([(s3.Bucket, "n/a")], "SC-GEN-003"),
    ],
    ids=["other-class", "no-reason", "vague-reason"],
)
def test_a_bad_exclude_is_refused(tmp_path, exclude, code):
    with pytest.raises(SecureConstructsError, match=code):
        harden(_app(tmp_path), exclude=exclude)


def test_an_option_of_the_wrong_type_is_refused(tmp_path):
    with pytest.raises(SecureConstructsError, match="SC-GEN-005.*FunctionAlarmOptions"):
        harden(_app(tmp_path), function_alarms=True)


# --- the data harden() derives from ---------------------------------------------------------------------


def test_the_replacement_data_is_current():
    import pathlib

    from secure_constructs.hardening._classes import resource_types
    from secure_constructs.hardening._replacement import render_data

    path = pathlib.Path(__file__).resolve().parents[2] / "secure_constructs/hardening/_replacement_data.py"
    assert path.read_text(encoding="utf-8") == render_data(resource_types()), "run: make docs"


def test_every_wired_setting_has_a_builder_and_every_builder_a_setting():
    from secure_constructs.hardening._classes import HARDENED
    from secure_constructs.hardening._inject import WIRING
    from secure_constructs.nag.declarations import class_settings

    wired = {(cls, entry.argument) for cls in HARDENED for entry in class_settings(cls) if entry.wired}
    assert wired == set(WIRING)


def test_every_setting_of_a_hardened_class_names_a_real_argument():
    from secure_constructs.hardening._classes import HARDENED
    from secure_constructs.hardening._inject import EXCLUSIVE, js_path
    from secure_constructs.nag.declarations import class_settings

    for cls in HARDENED:
        for entry in class_settings(cls):
            assert js_path(cls, entry.argument)
    for (cls, argument), others in EXCLUSIVE.items():
        assert js_path(cls, argument) and all(js_path(cls, other) for other in others)
