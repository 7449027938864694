"""Governed acknowledgments in a real synth: misspelt or stale ones fail it naming the closest finding id,
expiry dates with owners, and findings that can never be acknowledged (severity ``fatal``)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from aws_cdk import Acknowledgment, App, Environment, Stack, Validations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_

from secure_constructs import SecureConstructsError, SecureFunction, acknowledge, add_checks
from secure_constructs.acknowledgments import TODAY_CONTEXT, TODAY_ENV, parse_terms, today
from secure_constructs.nag import SecureServerlessChecks
from secure_constructs.testing import synth_and_validate

REASON = "Demo table of the walkthrough; holds no customer data and is deleted nightly"
UNUSED, EXPIRED, EXPIRING = (f"SecureServerless-Acknowledgment{x}" for x in ("Unused", "Expired", "Expiring"))


def _app(tmp_path: Path, **context: str) -> tuple[App, Stack]:
    app = App(outdir=str(tmp_path / "cdk.out"), context=context or None)
    return app, Stack(app, "Test", env=Environment(account="111122223333", region="eu-west-1"))


def _table(stack: Stack) -> dynamodb.Table:
    return dynamodb.Table(stack, "Table", partition_key=dynamodb.Attribute(
        name="pk", type=dynamodb.AttributeType.STRING))


def _only_ours(app: App):
    Validations.of(app).add_plugins(SecureServerlessChecks(app))
    return synth_and_validate(app)


def _governance(result) -> list[tuple[str, str, str]]:
    return sorted((f.rule, f["severity"], f.path) for f in result.violations if "Acknowledgment" in f.rule)


# --- acknowledgments that match nothing ----------------------------------------------------------------


def test_misspelt_acknowledgment_fails_the_synth_naming_the_closest_finding_id(tmp_path):
    app, stack = _app(tmp_path)
    table = _table(stack)
    acknowledge(table, "SecureServerless-DynamoDBKms", REASON)  # the rule is DynamoDbKms
    result = _only_ours(app)
    [unused] = [f for f in result.violations if f.rule == UNUSED]
    assert unused["severity"] == "fatal" and unused.path == "Test/Table"
    closest = "closest finding id here: SecureServerless-DynamoDbKms at Test/Table/Resource"
    assert closest in unused["description"]
    assert "test_acknowledgment_governance.py:" in unused["description"]  # the line that gave it
    # the real finding is still open, and nothing was suppressed by the misspelt id
    assert "SecureServerless-DynamoDbKms" in result.rules()


def test_a_stock_pack_acknowledgment_on_the_wrong_construct_is_unused(app, stack):
    table = _table(stack)
    fn = lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                          code=lambda_.Code.from_inline("def handler(e, c):\n    return 1\n"))
    acknowledge(table, "AwsSolutions-DDB3", REASON)  # right: the table has no point-in-time recovery
    acknowledge(fn, "AwsSolutions-DDB3", REASON)  # wrong construct
    add_checks(app)
    result = synth_and_validate(app)
    assert [(rule, path) for rule, _, path in _governance(result)] == [(UNUSED, "Test/Fn")]
    assert "AwsSolutions-DDB3" in {f.rule for f in result.suppressed}


def test_a_misspelt_pack_name_is_unused_and_names_the_pack(app, stack):
    acknowledge(_table(stack), "SecureServeless-DynamoDbKms", REASON)
    [unused] = [f for f in _only_ours(app).violations if f.rule == UNUSED]
    assert "did you mean the pack SecureServerless" in unused["description"]


def test_acknowledgments_our_constructs_make_for_packs_not_registered_are_not_counted(app, stack):
    # SecureFunction acknowledges AwsSolutions/Serverless findings (the X-Ray wildcard...) on its role;
    # with only our pack registered, those packs do not run and their acknowledgments are not judged
    SecureFunction(stack, "Fn", code=lambda_.Code.from_inline("def handler(e, c):\n    return 1\n"),
                   handler="index.handler")
    result = _only_ours(app)
    assert _governance(result) == []
    assert result.violations == [], result.format()


def test_a_user_acknowledgment_of_a_known_pack_that_is_not_registered_is_not_judged(app, stack):
    acknowledge(_table(stack), "NIST.800.53.R5-DynamoDBPITREnabled", REASON)
    assert _governance(_only_ours(app)) == []


# --- owner and expiry -----------------------------------------------------------------------------------


def test_expired_acknowledgment_brings_the_finding_back_and_names_itself(tmp_path):
    app, stack = _app(tmp_path, **{TODAY_CONTEXT: "2027-02-01"})
    acknowledge(_table(stack), "SecureServerless-DynamoDbKms", REASON, owner="team-data",
                expires="2027-01-31")
    result = _only_ours(app)
    assert "SecureServerless-DynamoDbKms" in result.rules()  # back as an open finding
    assert "SecureServerless-DynamoDbKms" not in result.rules(suppressed=True)
    [expired] = [f for f in result.violations if f.rule == EXPIRED]
    assert expired["severity"] == "fatal" and expired.path == "Test/Table"
    description = expired["description"]
    assert "'SecureServerless::SecureServerless-DynamoDbKms'" in description
    assert "owner team-data" in description and "expires 2027-01-31" in description
    assert "expired 1 day(s) ago" in description and REASON in description


def test_acknowledgment_expiring_within_30_days_warns_and_still_holds(tmp_path):
    app, stack = _app(tmp_path, **{TODAY_CONTEXT: "2027-01-01"})
    acknowledge(_table(stack), "SecureServerless-DynamoDbKms", REASON, owner="team-data",
                expires="2027-01-31")
    result = _only_ours(app)
    assert [(r, s) for r, s, _ in _governance(result)] == [(EXPIRING, "warning")]
    [warning] = [f for f in result.violations if f.rule == EXPIRING]
    assert "expires in 30 day(s)" in warning["description"]
    assert "SecureServerless-DynamoDbKms" not in result.rules()
    [suppressed] = [f for f in result.suppressed if f.rule == "SecureServerless-DynamoDbKms"]
    # owner and expiry travel in the recorded reason, so that the reports can show them
    assert parse_terms(suppressed["reason"]) == parse_terms(
        f"{REASON} [owner: team-data; expires: 2027-01-31]")
    assert parse_terms(suppressed["reason"]).owner == "team-data"


def test_acknowledgment_further_than_30_days_away_says_nothing(tmp_path):
    app, stack = _app(tmp_path, **{TODAY_CONTEXT: "2026-12-31"})
    acknowledge(_table(stack), "SecureServerless-DynamoDbKms", REASON, expires="2027-01-31")
    assert _governance(_only_ours(app)) == []


def test_today_comes_from_the_context_then_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(TODAY_ENV, "2030-05-06")
    app, stack = _app(tmp_path)
    assert today(stack) == datetime.date(2030, 5, 6)
    app2, stack2 = _app(tmp_path / "2", **{TODAY_CONTEXT: "2031-01-02"})
    assert today(stack2) == datetime.date(2031, 1, 2)
    monkeypatch.delenv(TODAY_ENV)
    assert today(stack) == datetime.date.today()
    # the environment variable alone expires an acknowledgment
    monkeypatch.setenv(TODAY_ENV, "2030-05-06")
    acknowledge(_table(stack), "SecureServerless-DynamoDbKms", REASON, expires="2030-01-01")
    assert [r for r, _, _ in _governance(_only_ours(app))] == [EXPIRED]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"expires": "31/01/2027"}, "SC-ACK-001"),
        ({"expires": "2027-02-30"}, "SC-ACK-001"),
        ({"owner": "  "}, "SC-ACK-002"),
    ],
)
def test_bad_expiry_or_owner_is_refused(stack, kwargs, code):
    with pytest.raises(SecureConstructsError, match=code):
        acknowledge(_table(stack), "SecureServerless-DynamoDbKms", REASON, **kwargs)


def test_a_today_that_is_not_a_date_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(TODAY_ENV, "tomorrow")
    _, stack = _app(tmp_path)
    with pytest.raises(SecureConstructsError, match=f"SC-ACK-004.*{TODAY_ENV}.*tomorrow"):
        acknowledge(_table(stack), "SecureServerless-DynamoDbKms", REASON, expires="2027-01-01")


# --- findings that can never be acknowledged ----------------------------------------------------------


@pytest.mark.parametrize("rule", [
    "SecureServerless-TemplatePlaintextSecret[SecretString]",
    "SecureServerless::SecureServerless-LambdaEnvPlaintextSecret[Env::DB_PASSWORD]",
    "SecureServerless-IdentityPoolUnauthenticated",
])
def test_acknowledging_a_fatal_rule_is_refused_at_once(stack, rule):
    with pytest.raises(SecureConstructsError, match="SC-ACK-003"):
        acknowledge(_table(stack), rule, REASON)


def _public_permission(stack: Stack, name: str, **extra: str) -> lambda_.CfnPermission:
    fn = lambda_.Function(stack, f"{name}Fn", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                          code=lambda_.Code.from_inline("def handler(e, c):\n    return 1\n"))
    return lambda_.CfnPermission(stack, name, action="lambda:InvokeFunction", function_name=fn.function_name,
                                 principal="*", **extra)


def test_fatal_finding_acknowledged_through_cdk_directly_still_fails_the_synth(app, stack):
    # Bypass our acknowledge(): CDK core itself must refuse to suppress a "fatal" violation.
    open_ = _public_permission(stack, "Open")
    narrowed = _public_permission(stack, "Narrowed", source_account="111122223333")
    rule = "SecureServerless::SecureServerless-LambdaPermissionPublic[Principal::*]"
    for permission in (open_, narrowed):
        Validations.of(permission).acknowledge(Acknowledgment(id=rule, reason=REASON))
    Validations.of(app).add_plugins(SecureServerlessChecks(app))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((Path(app.outdir) / "validation-report.json").read_text())
    [plugin] = report["pluginReports"]
    assert plugin["conclusion"] == "failure"
    [fatal] = [v for v in plugin["violations"]
               if v["ruleName"].startswith("SecureServerless-LambdaPermission")]
    assert fatal["severity"] == "fatal"
    assert [c["constructPath"] for c in fatal["violatingConstructs"]] == ["Test/Open"]
    assert "cannot be acknowledged" in fatal["description"]
    # the same finding id with a condition (SourceAccount) is an error, and acknowledgeable
    [suppressed] = plugin["suppressedViolations"]
    assert suppressed["severity"] == "error"
    assert [c["constructPath"] for c in suppressed["violatingConstructs"]] == ["Test/Narrowed"]


def test_scanner_refuses_a_metadata_acknowledgment_of_a_fatal_finding(tmp_path):
    from secure_constructs.nag._scan import scan

    template = {"Resources": {"Perm": {
        "Type": "AWS::Lambda::Permission",
        "Properties": {"Action": "lambda:InvokeFunction", "FunctionName": "f", "Principal": "*"},
        "Metadata": {"secure_constructs": {"acknowledgments": [
            {"id": "SecureServerless-LambdaPermissionPublic[Principal::*]", "reason": REASON}]}},
    }}}
    path = tmp_path / "t.json"
    path.write_text(json.dumps(template))
    report = scan([str(path)], jobs=1)
    assert [f.rule for f in report.findings] == ["SecureServerless-LambdaPermissionPublic[Principal::*]"]
    assert report.failed() and not report.acknowledged
    [refused] = report.refused
    assert "cannot be acknowledged" in str(refused.ack.refused)
