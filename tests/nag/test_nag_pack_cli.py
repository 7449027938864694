"""The pack table: pinned rule ids and levels, generated RULES.md, CLI on good and bad templates."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest
from nag_fixtures import template_of

from secure_constructs.nag import RULES, Level
from secure_constructs.nag._cli import main
from secure_constructs.nag._docs import rules_markdown

ROOT = pathlib.Path(__file__).resolve().parents[2]

#: Every rule of the pack and its level, pinned: a rename or a level change must be deliberate (finding ids
#: are public API: users' acknowledgments name them; CHANGELOG.md lists every change).
PINNED = [
    ("ApiRouteAuth", "error"),
    ("ApiKeyNotAuthorization", "error"),
    ("ApiCognitoScopes", "error"),
    ("ApiAuthorizerCacheTtl", "error"),
    ("ApiAuthorizerQueryToken", "error"),
    ("ApiJwtAudience", "error"),
    ("ApiAccessLogs", "error"),
    ("ApiDataTrace", "error"),
    ("ApiExecutionLogging", "warning"),
    ("ApiStageMetrics", "warning"),
    ("ApiStageTracing", "error"),
    ("ApiThrottling", "error"),
    ("ApiCacheEncrypted", "error"),
    ("ApiExecuteEndpointDisabled", "error"),
    ("ApiTls12", "error"),
    ("ApiCorsCredentials", "error"),
    ("ApiRequestValidation", "warning"),
    ("ApiStageWaf", "warning"),
    ("ApiSpecRouteAuth", "error"),
    ("ApiSpecRequestValidation", "warning"),
    ("ApiSpecAuthorizer", "error"),
    ("LambdaPermissionPublic", "error"),
    ("LambdaUrlAuth", "error"),
    ("LambdaEnvKms", "error"),
    ("LambdaTracing", "error"),
    ("LambdaDeadLetterQueue", "error"),
    ("LambdaLogGroup", "error"),
    ("LambdaJsonLogs", "warning"),
    ("LambdaRecursiveLoop", "error"),
    ("LambdaPublicSubnet", "error"),
    ("LambdaEnvPlaintextSecret", "fatal"),
    ("SecretValueExposed", "fatal"),
    ("LambdaInlineCodeSecret", "fatal"),
    ("VpcEndpointPolicy", "error"),
    ("VpcFlowLogs", "error"),
    ("LambdaSecurityGroupOpenEgress", "error"),
    ("LambdaUndeclaredEgress", "error"),
    ("RdsIamAuth", "error"),
    ("RdsProxyTls", "error"),
    ("RdsStorageEncrypted", "error"),
    ("RdsNotPublic", "error"),
    ("RdsMasterSecretRotated", "error"),
    ("RdsDeletionProtection", "error"),
    ("AlbListenerTls", "error"),
    ("AlbHttpRedirect", "error"),
    ("AlbRouteAuth", "error"),
    ("AlbDropInvalidHeaders", "error"),
    ("AlbDesyncMitigation", "error"),
    ("AlbAccessLogs", "error"),
    ("AlbWaf", "error"),
    ("AlbLambdaPermission", "error"),
    ("IamNoWildcardAction", "error"),
    ("IamNoWildcardResource", "error"),
    ("IamWildcardArn", "warning"),
    ("IamAdminManagedPolicy", "error"),
    ("IamSharedRole", "error"),
    ("IamTrustAnyPrincipal", "error"),
    ("ResourcePolicyAnyPrincipal", "error"),
    ("KmsKeyRotation", "error"),
    ("LogGroupKms", "error"),
    ("SqsQueueKms", "error"),
    ("SnsTopicKms", "error"),
    ("SecretKms", "error"),
    ("TrailKms", "error"),
    ("DynamoDbKms", "error"),
    ("S3SslOnly", "error"),
    ("S3MinimumTls", "warning"),
    ("SqsSslOnly", "error"),
    ("SnsSslOnly", "error"),
    ("S3PublicAccessBlock", "error"),
    ("S3Versioning", "error"),
    ("S3ObjectOwnership", "error"),
    ("S3AccessLogging", "error"),
    ("S3Kms", "error"),
    ("DynamoDbPointInTimeRecovery", "error"),
    ("TemplatePlaintextSecret", "fatal"),
    ("LogGroupRetention", "error"),
    ("LogGroupRetainedOnDelete", "warning"),
    ("TrailLogging", "error"),
    ("TrailManagementEvents", "error"),
    ("TrailGlobalServiceEvents", "error"),
    ("TrailMultiRegion", "error"),
    ("TrailLogFileValidation", "error"),
    ("TrailLambdaDataEvents", "error"),
    ("TrailCloudWatchLogs", "error"),
    ("TrailSecurityAlarms", "warning"),
    ("LambdaAlarms", "warning"),
    ("ApiServerErrorAlarm", "warning"),
    ("ApiAlarms", "warning"),
    ("QueueBacklogAlarm", "warning"),
    ("WafBlockedRequestsAlarm", "warning"),
    ("AlarmActions", "warning"),
    ("WafManagedRules", "error"),
    ("WafRateRule", "error"),
    ("WafLogging", "warning"),
    ("CognitoSelfSignUp", "error"),
    ("CognitoMfa", "error"),
    ("CognitoPasswordPolicy", "error"),
    ("CognitoThreatProtection", "warning"),
    ("CognitoCustomAuthThreatProtection", "warning"),
    ("CognitoCompromisedCredentials", "error"),
    ("CognitoDeletionProtection", "error"),
    ("CognitoAccountRecovery", "error"),
    ("CognitoVerification", "warning"),
    ("CognitoKeepOriginal", "warning"),
    ("CognitoCaseInsensitive", "warning"),
    ("CognitoPasswordAuthFlow", "error"),
    ("CognitoImplicitGrant", "error"),
    ("CognitoTokenLifetime", "warning"),
    ("CognitoTokenRevocation", "error"),
    ("CognitoUserExistenceErrors", "error"),
    ("IdentityPoolUnauthenticated", "fatal"),
    ("IdentityPoolClassicFlow", "error"),
    ("IdentityPoolServerSideTokenCheck", "error"),
    ("IdentityPoolAmbiguousRole", "warning"),
    ("IdentityPoolRoleTrust", "error"),
    ("LambdaUnusedPermission", "warning"),
    ("LambdaMissingPermission", "error"),
    ("TransformedResource", "error"),
]


#: The rules of the pack before the declarations (0.1.0): each keeps its id, acknowledgments name them.
RULES_OF_0_1 = [
    "ApiRouteAuth",
    "ApiKeyNotAuthorization",
    "ApiAuthorizerCacheTtl",
    "ApiAuthorizerQueryToken",
    "ApiJwtAudience",
    "LambdaPermissionPublic",
    "LambdaUrlAuth",
    "IamNoWildcardAction",
    "IamNoWildcardResource",
    "IamAdminManagedPolicy",
    "IamSharedRole",
    "IamTrustAnyPrincipal",
    "ResourcePolicyAnyPrincipal",
    "LambdaEnvKms",
    "KmsKeyRotation",
    "LogGroupKms",
    "SqsQueueKms",
    "SnsTopicKms",
    "SecretKms",
    "TrailKms",
    "DynamoDbKms",
    "LambdaEnvPlaintextSecret",
    "SecretValueExposed",
    "LambdaInlineCodeSecret",
    "ApiAccessLogs",
    "ApiDataTrace",
    "LogGroupRetention",
    "TrailLogging",
    "TrailManagementEvents",
    "TrailGlobalServiceEvents",
    "TrailMultiRegion",
    "TrailLogFileValidation",
    "TrailLambdaDataEvents",
    "LambdaAlarms",
    "ApiServerErrorAlarm",
    "AlarmActions",
    "ApiTls12",
    "ApiCorsCredentials",
    "ApiRequestValidation",
    "ApiStageWaf",
    "CognitoSelfSignUp",
    "CognitoMfa",
    "CognitoPasswordPolicy",
    "CognitoThreatProtection",
    "CognitoPasswordAuthFlow",
    "CognitoImplicitGrant",
    "CognitoTokenLifetime",
    "CognitoTokenRevocation",
    "CognitoUserExistenceErrors",
    "IdentityPoolUnauthenticated",
    "TransformedResource",
]


def test_no_rule_of_an_earlier_release_is_renamed_or_dropped():
    assert len(RULES_OF_0_1) == 51
    assert set(RULES_OF_0_1) <= {spec.name for spec in RULES}


def test_rule_ids_and_levels_are_pinned():
    assert [(spec.name, spec.level.value) for spec in RULES] == PINNED
    assert all(spec.rule_id == f"SecureServerless-{spec.name}" for spec in RULES)


def test_every_rule_documents_cause_and_fix_and_has_resource_types():
    for spec in RULES:
        assert spec.info.endswith(".") and spec.explanation.endswith("."), spec.name
        assert spec.resource_types and spec.level in (Level.FATAL, Level.ERROR, Level.WARNING)


def test_rules_md_is_generated_from_the_table():
    assert (ROOT / "RULES.md").read_text() == rules_markdown(), "run: make docs"
    assert all(f"`{spec.rule_id}`" in rules_markdown() for spec in RULES)


GOOD = template_of(("Key", "AWS::KMS::Key", {"KeyPolicy": {"Statement": []}, "EnableKeyRotation": True}))
BAD = template_of(
    ("Key", "AWS::KMS::Key", {"KeyPolicy": {"Statement": []}}),
    (
        "Url",
        "AWS::Lambda::Url",
        {"AuthType": "NONE", "TargetFunctionArn": "arn:aws:lambda:eu-west-1:1:function:f"},
    ),
)


@pytest.fixture
def files(tmp_path):
    def write(name: str, content: object) -> str:
        path = tmp_path / name
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return str(path)

    return write


def test_cli_clean_template_exits_0(files, capsys):
    assert main(["check", files("good.json", GOOD)]) == 0
    assert capsys.readouterr().out.startswith("No findings.")


def test_cli_findings_exit_1_with_rule_id_path_line_message_and_fix(files, capsys):
    bad = files("bad.json", BAD)
    assert main(["check", files("good.json", GOOD), bad]) == 1
    out = capsys.readouterr().out
    assert "ERROR SecureServerless-KmsKeyRotation\n   " + bad + ":1: Key\n" in out
    assert "Automatic rotation of the KMS key is off." in out and "Fix: Set EnableKeyRotation to true" in out
    assert "SecureServerless-LambdaUrlAuth" in out and "2 finding(s) (2 error(s), 0 warning(s))" in out


def test_cli_json_format(files, capsys):
    bad = files("bad.json", BAD)
    assert main(["check", bad, "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule"], f["logical_id"], f["path"], f["level"], f["message"]) for f in findings] == [
        (
            "SecureServerless-KmsKeyRotation",
            "Key",
            bad,
            "error",
            "Automatic rotation of the KMS key is off. (EnableKeyRotation is not true)",
        ),
        (
            "SecureServerless-LambdaUrlAuth",
            "Url",
            bad,
            "error",
            "The function URL has AuthType NONE. (AuthType is not AWS_IAM)",
        ),
    ]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (None, "SC-NAG-001"),
        ("{not json", "SC-NAG-002"),
        ({"AWSTemplateFormatVersion": "2010-09-09"}, "SC-NAG-003"),
        ([1, 2], "SC-NAG-003"),
        ({"Resources": {"X": {"Properties": {}}}}, "SC-NAG-003"),
    ],
)
def test_cli_bad_input_exits_2_with_a_clear_message(files, capsys, tmp_path, content, code):
    path = str(tmp_path / "missing.json") if content is None else files("t.json", content)
    assert main(["check", path]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: [{code}] {path}: ")


def test_cli_checks_what_cfninclude_refused(files, capsys):
    # CDK's CfnInclude refused a Ref to nothing (SC-NAG-004 before); CloudFormation would too, but the
    # rules can still read every other property, so the template is checked
    function = {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Ref": "Missing"}}}
    template = {"Resources": {"Fn": function}}
    assert main(["check", files("t.json", template), "--format", "json"]) == 1
    rules = {f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert {"SecureServerless-LambdaAlarms[Missing::Errors]", "SecureServerless-LambdaTracing"} <= rules


def test_cli_as_a_module_in_a_fresh_process(files):
    bad = files("bad.json", BAD)
    done = subprocess.run(
        [sys.executable, "-m", "secure_constructs.nag", "check", bad, "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert [f["rule"] for f in json.loads(done.stdout)["findings"]] == [
        "SecureServerless-KmsKeyRotation",
        "SecureServerless-LambdaUrlAuth",
    ]


def test_cli_reports_a_plaintext_secret_without_printing_it(files, capsys):
    value = "Zx9!qT4#vLp2@Wm8"
    template = template_of(
        (
            "Fn",
            "AWS::Lambda::Function",
            {
                "Role": "arn:aws:iam::111122223333:role/fn",
                "Runtime": "python3.12",
                "Handler": "index.handler",
                "Code": {"ZipFile": "def handler(e, c):\n    return 1\n"},
                "Environment": {"Variables": {"DB_PASSWORD": value}},
                "KmsKeyArn": "arn:aws:kms:eu-west-1:111122223333:key/k",
            },
        ),
    )
    assert main(["check", files("secret.json", template)]) == 1
    out = capsys.readouterr().out
    assert "SecureServerless-LambdaEnvPlaintextSecret[Env::DB_PASSWORD]" in out
    assert value not in out
