"""Every rule case of test_nag_rules_raw brought into an app with CfnInclude: same findings, with paths."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Validations
from aws_cdk import cloudformation_include as cfn_inc
from rule_cases_properties import CONDITION_SECTIONS
from test_nag_rules_raw import CASES, _template

from secure_constructs.nag import SecureServerlessChecks, evaluate
from secure_constructs.testing import synth_and_validate

PLACEHOLDER = {"Type": "AWS::CloudFormation::WaitConditionHandle"}


def _dangling(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str) and not value["Ref"].startswith("AWS::"):
            found.add(value["Ref"])
        att = value.get("Fn::GetAtt")
        if isinstance(att, list) and att:
            found.add(att[0])
        for item in value.values():
            _dangling(item, found)
    elif isinstance(value, list):
        for item in value:
            _dangling(item, found)


def _includable(resources: list[Any]) -> dict[str, Any]:
    """The case's template, with a placeholder resource for each Ref/GetAtt target it leaves out (and the
    condition its Fn::If values name)."""
    conditional = "Fn::If" in json.dumps(resources)
    template = _template(resources, **(CONDITION_SECTIONS if conditional else {}))
    refs: set[str] = set()
    _dangling(template["Resources"], refs)
    for ref in sorted(refs - set(template["Resources"])):
        template["Resources"][ref] = dict(PLACEHOLDER)
    return template


@pytest.mark.parametrize(("rule", "index"), [(r, i) for r, cases in CASES.items() for i in range(len(cases))])
def test_included_template_gives_the_same_findings(app, stack, tmp_path, rule, index):
    template = _includable(CASES[rule][index][0])
    path = tmp_path / "included.json"
    path.write_text(json.dumps(template))
    cfn_inc.CfnInclude(stack, "Inc", template_file=str(path))
    Validations.of(app).add_plugins(SecureServerlessChecks())
    result = synth_and_validate(app)
    got = sorted((f.rule, f.path) for f in result.violations)
    # CDK maps a finding to a construct through the resource's metadata: parameters and outputs have none
    expected = sorted(
        (f.rule, f"Test/Inc/{f.logical_id}" if f.location == "Properties" else "") for f in evaluate(template)
    )
    assert got == expected
    assert any(r.startswith(f"SecureServerless-{rule}") for r, _ in got)
