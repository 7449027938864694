"""Offline (``make test``): the e2e least-privilege pair (tests/e2e/code_granted.py) is what it claims.

``Denied``'s role holds ``Allowed``'s inferred statements minus exactly :data:`REMOVED_ACTION`, the synth
reports exactly that missing permission on ``Denied`` (acknowledged, with its reason) and nothing on
``Allowed``, and the whole pair passes every check.
"""

from __future__ import annotations

import json
from pathlib import Path

from code_granted import REMOVED_ACTION, CodeGrantedPair

from secure_constructs import add_checks
from secure_constructs.nag import evaluate
from secure_constructs.nag.rules.least_privilege import RULES
from secure_constructs.testing import synth_and_validate


def _id(stack, construct) -> str:
    return str(stack.resolve(stack.get_logical_id(construct.node.default_child)))


def _arn(stack, construct) -> str:
    return json.dumps({"Fn::GetAtt": [_id(stack, construct), "Arn"]})


def _granted(stack, template: dict, fn) -> set[tuple[str, str]]:
    """(action, resource) pairs of the function's role's inline policies; its own log group is named
    "<own log group>" (each function writes to its own)."""
    own_logs = _arn(stack, fn.log_group)
    found = set()
    for policy in template["Resources"][_id(stack, fn.role)]["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resource = json.dumps(statement["Resource"], sort_keys=True)
            found |= {(action, "<own log group>" if resource == own_logs else resource) for action in actions}
    return found


def test_the_variant_lacks_exactly_one_inferred_action_and_the_synth_names_it(app, stack):
    pair = CodeGrantedPair(stack, "CodeGranted")
    add_checks(app)
    result = synth_and_validate(app)
    assert result.violations == [], result.format()
    acknowledged = [f for f in result.suppressed if f.rule == pair.missing_finding]
    assert [f.path.split("/")[2] for f in acknowledged] == ["Denied"]  # Test/CodeGranted/Denied/...

    assert pair.grant.actions == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "kms:Decrypt",  # the secret's key, only through Secrets Manager
        "secretsmanager:GetSecretValue",
        "sts:GetCallerIdentity",
    }
    template = json.loads((Path(app.outdir) / "Test.template.json").read_text())
    allowed, denied = _granted(stack, template, pair.allowed), _granted(stack, template, pair.denied)
    assert denied < allowed and allowed - denied == {(REMOVED_ACTION, _arn(stack, pair.table))}

    findings = sorted((f.logical_id, f.rule) for f in evaluate(template, RULES))
    assert findings == [(_id(stack, pair.denied.function), pair.missing_finding)]
