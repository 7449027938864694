"""The plain test app (tests/harden/plain_app.py) before and after ``harden(app)``: what our pack and
cdk-nag's packs report, what the validation report and the construct metadata say harden() supplied, and
the hardened template (snapshot)."""

from __future__ import annotations

import json
import pathlib
from collections import Counter

import pytest
from support import HARDEN, LEAST_PRIVILEGE, STOCK, base_rule, synth
from syrupy.extensions.json import JSONSnapshotExtension

from secure_constructs.testing import normalize

ROOT = pathlib.Path(__file__).resolve().parents[2]

#: Our pack's open findings on the plain app without harden(): the README's "Hardening an existing app"
#: cites these numbers (all findings, and those that are not about the app's own grants).
PLAIN_FINDINGS = 144
PLAIN_FINDINGS_NOT_LEAST_PRIVILEGE = 97

#: What cdk-nag's packs still report on the hardened app, and why harden() leaves it (README, same section).
STOCK_REASONS = {
    "AwsSolutions-COG4": "harden() makes IAM (SigV4) the default authorization of REST methods; COG4 asks "
    "for a Cognito user pool authorizer in particular",
    "AwsSolutions-IAM4": "the execution role CDK makes for a plain function carries the AWS managed "
    "AWSLambdaBasicExecutionRole; harden() does not replace the app's roles",
    "AwsSolutions-IAM5": "wildcards in the app's own grants (s3:Abort* and <bucket>/* of grant_put, "
    "kms:ReEncrypt* and kms:GenerateDataKey* of CDK's grants on a customer managed key, X-Ray's Resource *)",
    "AwsSolutions-L1": "the runtime is the app's explicit choice",
    "AwsSolutions-SMG4": "rotating a secret needs a rotation function that knows what the secret is for",
    "AwsSolutions-SQS3": "a redrive policy needs the consumer's maximum receive count",
    "Serverless-SQSRedrivePolicy": "a redrive policy needs the consumer's maximum receive count",
    "Serverless-LambdaDefaultMemorySize": "memory size is sizing, not a security property (SecureFunction "
    "declares it not security-relevant)",
    "Serverless-LambdaDefaultTimeout": "the timeout is sizing, not a security property (as memory size)",
    "Serverless-LambdaLatestVersion": "the runtime is the app's explicit choice",
}


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    return synth(tmp_path_factory.mktemp("plain"))


@pytest.fixture(scope="module")
def hardened(tmp_path_factory):
    return synth(tmp_path_factory.mktemp("hardened"), harden={})


@pytest.fixture(scope="module")
def new_app(tmp_path_factory):
    return synth(tmp_path_factory.mktemp("replace"), harden={"replace": True})


def _least_privilege_of_the_apps_grants(finding) -> bool:
    """A least-privilege finding on one of the app's functions or on the roles CDK made for them."""
    functions = {f"Shop/{name}" for name, *_ in __import__("plain_app").ROUTES}
    owner = "/".join(finding.path.split("/")[:2])
    return base_rule(finding.rule) in LEAST_PRIVILEGE and owner in functions


def test_without_harden_our_pack_reports_the_recorded_count(plain):
    ours = plain.ours()
    assert len(ours) == PLAIN_FINDINGS, Counter(base_rule(f.rule) for f in ours)
    others = [f for f in ours if not _least_privilege_of_the_apps_grants(f)]
    assert len(others) == PLAIN_FINDINGS_NOT_LEAST_PRIVILEGE


def test_on_a_new_app_harden_leaves_only_least_privilege_findings_about_the_apps_own_grants(plain, new_app):
    ours = new_app.ours()
    assert ours, "the app's own grants are still too wide (harden cannot narrow them)"
    assert [f"{f.rule} at {f.path}" for f in ours if not _least_privilege_of_the_apps_grants(f)] == []
    assert len(ours) < len(plain.ours())


def test_on_a_deployed_app_harden_leaves_what_would_replace_the_resource_and_says_so(new_app, hardened):
    extra = {(f.rule, f.path) for f in hardened.ours()} - {(f.rule, f.path) for f in new_app.ours()}
    assert extra == {("SecureServerless-CognitoCaseInsensitive", "Shop/Users/Resource")}
    warnings = [f for f in hardened.of(HARDEN) if f["severity"] == "warning" and "NotApplied" in f.rule]
    rule = "SecureServerlessHarden-NotApplied[aws_cognito.UserPool.sign_in_case_sensitive]"
    assert [(f.rule, f.path) for f in warnings] == [(rule, "Shop/Users/Resource")]
    assert "UpdateUserPool does not" in warnings[0]["description"]
    pool = _resource(hardened, "AWS::Cognito::UserPool")
    assert "UsernameConfiguration" not in pool["Properties"]
    assert _resource(new_app, "AWS::Cognito::UserPool")["Properties"]["UsernameConfiguration"] == {
        "CaseSensitive": False
    }


def test_cdk_nag_reports_only_findings_with_a_documented_reason(new_app):
    left = {base_rule(f.rule) for f in new_app.result.violations if f["plugin"] in STOCK}
    assert left == set(STOCK_REASONS)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Hardening an existing app", 1)[1].split("\n## ", 1)[0]
    assert all(f"`{rule}`" in section for rule in STOCK_REASONS), "document each in the README section"


def test_harden_adds_no_acknowledgment_to_the_apps_constructs(new_app, plain):
    """The one acknowledgment is the library's own, on the stack's shared dead-letter queue (the same as
    with SecureFunction): a dead-letter queue has no dead-letter queue of its own."""
    assert plain.result.suppressed == []
    assert [(f.rule, f.path) for f in new_app.result.suppressed] == [
        ("Serverless-SQSRedrivePolicy", "Shop/SecureConstructsFunctionDeadLetterQueue/Resource")
    ]
    for template in new_app.templates.values():
        assert "cdk_nag" not in json.dumps(template)


def test_the_validation_report_and_the_metadata_say_what_harden_supplied(new_app):
    notes = {(f.rule, f.path): f["description"] for f in new_app.result.notes if f["plugin"] == HARDEN}
    function = notes[("SecureServerlessHarden-Supplied[aws_lambda.Function]", "Shop/ListOrders/Resource")]
    for argument in ("tracing", "logging_format", "environment_encryption", "dead_letter_queue", "log_group",
                     "alarms"):
        assert argument in function
    assert "SecureServerless-LambdaTracing" in function
    assert ("SecureServerlessHarden-Supplied[aws_s3.Bucket]", "Shop/Receipts/Resource") in notes
    # the same, as construct metadata in the cloud assembly (what the security report reads)
    from secure_constructs.report.collect import hardened_of

    by_path = {h.path: h for h in hardened_of(new_app.outdir)}
    assert by_path["Shop/ListOrders"].supplied["tracing"] == ["SecureServerless-LambdaTracing"]
    assert by_path["Shop/Api"].notes and "CloudWatch role" in by_path["Shop/Api"].notes[0]
    assert set(by_path) == {r.path for r in new_app.hardening.records}


def test_the_security_report_has_a_harden_section(new_app):
    from secure_constructs.report import collect
    from secure_constructs.report.render import to_markdown

    report = collect(new_app.outdir)
    text = to_markdown(report)
    assert "Settings supplied by harden()" in text
    assert "Shop/ListOrders" in text.split("Settings supplied by harden()", 1)[1]
    assert not any(f.plugin == HARDEN and "Supplied" in f.rule for f in report.findings)


def test_the_hardened_template_matches_its_snapshot(hardened, snapshot):
    for name, template in hardened.templates.items():
        assert normalize(template) == snapshot(name=name, extension_class=JSONSnapshotExtension)


def _resource(result, resource_type: str) -> dict:
    (found,) = [
        r for t in result.templates.values() for r in t["Resources"].values() if r["Type"] == resource_type
    ]
    return found


def _completeness():
    import importlib.util

    spec = importlib.util.spec_from_file_location("harden_completeness", ROOT / "tests/nag/completeness.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def uncovered_changes(hardened_template, plain_template, rules) -> list[tuple[str, str]]:
    from secure_constructs.nag import NOT_SECURITY_RELEVANT

    c = _completeness()
    diff = c.differing(c.paths(hardened_template), c.paths(plain_template))
    declared, exempt = c.declared_paths(rules), set(NOT_SECURITY_RELEVANT)
    return sorted((t, p) for t, p in diff if not c.covered(t, p, declared) and not c.covered(t, p, exempt))


def test_everything_harden_changes_is_a_declared_property(plain, new_app):
    """No default without a rule: every property path harden() changes on the plain app (and every resource
    it adds) is declared by a property of the pack, or listed as not security-relevant with a reason."""
    from secure_constructs.nag import RULES

    assert uncovered_changes(new_app.templates["Shop"], plain.templates["Shop"], RULES) == []
    without = tuple(spec for spec in RULES if spec.name != "DynamoDbPointInTimeRecovery")
    assert ("AWS::DynamoDB::Table", "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled") in (
        uncovered_changes(new_app.templates["Shop"], plain.templates["Shop"], without)
    )
