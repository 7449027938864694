"""The security diff on pairs of synthesized examples: the iam_api example, and the same example weakened
through the L1 escape hatch (a route made public, tracing removed, a wildcard permission, a new
acknowledgment), plus an alarm deleted from a copy of the assembly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from aws_cdk import App
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from examples_support import EXAMPLES_DIR, app_context, load

from secure_constructs import acknowledge, add_checks
from secure_constructs.report.__main__ import main
from secure_constructs.report.diff import STRONGER, WEAKER, diff
from secure_constructs.testing import synth_and_validate

EXAMPLE = EXAMPLES_DIR / "iam_api.py"
REASON = "The reporting job reads every object; scoped in the next release"


def _synth(outdir: Path, weaken: bool = False) -> Path:
    app = App(outdir=str(outdir), context=app_context())
    load(EXAMPLE).build(app)
    if weaken:
        methods = [c for c in app.node.find_all() if isinstance(c, apigw.CfnMethod)
                   and c.node.path.endswith("/GET/Resource")]
        methods[0].add_property_override("AuthorizationType", "NONE")
        functions = [c for c in app.node.find_all() if isinstance(c, lambda_.Function)]
        functions[0].node.default_child.add_property_deletion_override("TracingConfig")
        functions[0].add_to_role_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"]))
        acknowledge(functions[0].node.default_child, "SecureServerless-LambdaTracing", REASON,
                    owner="team-reports", expires="2030-01-31")
    add_checks(app)
    synth_and_validate(app)
    return outdir


@pytest.fixture(scope="module")
def assemblies(tmp_path_factory):
    base = tmp_path_factory.mktemp("diff")
    old = _synth(base / "old")
    new = _synth(base / "new", weaken=True)
    same = _synth(base / "same")
    return old, new, same


def test_the_same_app_twice_has_no_difference(assemblies, capsys):
    old, _, same = assemblies
    assert diff(old, same).changes == []
    assert main(["report", "diff", str(old), str(same)]) == 0
    assert "0 weaker, 0 stronger" in capsys.readouterr().out


def test_weakenings_are_found_by_category(assemblies):
    old, new, _ = assemblies
    result = diff(old, new)
    weaker = {(c.category, c.detail.split(":")[0]) for c in result.weaker}
    categories = {c.category for c in result.weaker}
    assert "routes" in categories
    [route] = [c for c in result.weaker if c.category == "routes"]
    assert route.detail == "became public: IAM -> NONE" and route.what.startswith("GET ")
    assert ("permissions", "+ s3") in weaker
    [perm] = [c for c in result.weaker if c.category == "permissions"]
    assert perm.detail == "+ s3:GetObject on *"
    # a declared property of the pack (tracing, area "logging"), found on the function that lost it
    assert any(c.category == "logging" and c.detail.startswith("SecureServerless-LambdaTracing")
               for c in result.weaker)
    [ack] = [c for c in result.weaker if c.category == "acknowledgments"]
    assert "SecureServerless-LambdaTracing" in ack.detail and "owner team-reports" in ack.detail
    assert "expires 2030-01-31" in ack.detail
    assert not result.stronger


def test_the_reverse_change_is_stronger_and_exits_0(assemblies, capsys):
    old, new, _ = assemblies
    result = diff(new, old)
    assert not result.weaker
    assert {c.category for c in result.stronger} >= {"routes", "permissions", "logging", "acknowledgments"}
    assert main(["report", "diff", str(new), str(old)]) == 0


def test_ci_gate_exits_1_with_text_markdown_and_json(assemblies, capsys):
    old, new, _ = assemblies
    assert main(["report", "diff", str(old), str(new)]) == 1
    text = capsys.readouterr().out
    assert "WEAKER:" in text and "[routes]" in text and "Estimated fixed monthly cost" in text
    assert main(["report", "diff", str(old), str(new), "--format", "md"]) == 1
    md = capsys.readouterr().out
    assert md.startswith("## Security diff") and "### Weaker" in md and "| routes |" in md
    assert main(["report", "diff", str(old), str(new), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["weaker"] == len([c for c in data["changes"] if c["kind"] == WEAKER]) > 0
    assert {"kind", "category", "what", "detail"} <= set(data["changes"][0])


def test_a_removed_alarm_is_weaker_and_the_cost_drops(assemblies, tmp_path):
    old, _, _ = assemblies
    copy = Path(shutil.copytree(old, tmp_path / "copy"))
    [template_path] = list(copy.glob("*.template.json"))
    template = json.loads(template_path.read_text())
    alarm = sorted(k for k, r in template["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm")[0]
    del template["Resources"][alarm]
    template_path.write_text(json.dumps(template))
    result = diff(old, copy)
    # the alarm itself, and the pack's monitoring rules that now miss it
    assert {c.category for c in result.weaker} == {"alarms", "monitoring"}
    [removed] = [c for c in result.weaker if c.category == "alarms"]
    assert removed.detail.startswith("alarm removed")
    assert result.cost_new < result.cost_old
    assert {c.kind for c in diff(copy, old).changes} == {STRONGER}


@pytest.mark.parametrize(
    "argv", [["diff", "/nonexistent", "."], ["diff", "."], ["diff", ".", ".", "--format", "xml"]]
)
def test_bad_input_exits_2_with_one_line(argv, capsys, tmp_path):
    assert main(["report", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("[SC-RPT-00") and len(err.splitlines()) == 1


def test_a_directory_without_templates_exits_2(assemblies, tmp_path, capsys):
    old, _, _ = assemblies
    assert main(["report", "diff", str(old), str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("[SC-RPT-001]")
