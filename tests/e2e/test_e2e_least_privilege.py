"""Least privilege computed from the code, on a deployment: the pair of tests/e2e/code_granted.py.

The function granted only what ``grant_from_code()`` inferred writes and reads its table and reads its
secret; the variant whose role lacks one inferred action gets AccessDenied on exactly that call, which
``SecureServerless-LambdaMissingPermission`` names at synth, and every other call still works. Both are
invoked directly (``lambda invoke``); each handler reports its caller identity, so the tests see that the
calls were made as the function's own execution role (on the emulator, MiniStack gives each function a
session of its role and evaluates that role's policies on every call: docs/local-deploy.md).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid

import pytest
from code_granted import REMOVED_ACTION

from secure_constructs.nag import evaluate
from secure_constructs.nag.rules.least_privilege import RULES

pytestmark = pytest.mark.e2e

DENIED_CODE = "AccessDeniedException"  # DynamoDB's error code for a call no policy allows


@pytest.fixture(scope="module")
def findings(aws, stack_name, outputs) -> dict[str, list[str]]:
    """The least-privilege rules' finding ids on the deployed template, for ``Allowed`` and ``Denied``."""
    cloudformation = aws("cloudformation")
    body = cloudformation.get_template(StackName=stack_name)["TemplateBody"]
    template = json.loads(body) if isinstance(body, str) else body
    resources = cloudformation.describe_stack_resources(StackName=stack_name)["StackResources"]
    logical = {r["PhysicalResourceId"]: r["LogicalResourceId"] for r in resources}
    found = evaluate(template, RULES)
    ids = {name: logical[outputs[f"CodeGranted{name}FunctionName"]] for name in ("Allowed", "Denied")}
    return {name: sorted(f.rule for f in found if f.logical_id == ids[name]) for name in ids}


def invoke(aws, outputs, name: str, payload: dict) -> dict:
    response = aws("lambda").invoke(
        FunctionName=outputs[f"CodeGranted{name}FunctionName"], Payload=json.dumps(payload).encode()
    )
    body = response["Payload"].read()
    assert "FunctionError" not in response, body
    return json.loads(body)


def outcomes(result: dict) -> dict[str, str]:
    """``{call: "ok" or its error code}`` of a handler's result."""
    return {call: "ok" if "ok" in got else got["error"] for call, got in result.items() if call != "caller"}


def session_of(aws, outputs, name: str) -> str:
    """The ARN of a session of the function's own role, as Lambda names it (the session is the function)."""
    account = aws("sts").get_caller_identity()["Account"]
    role = outputs[f"CodeGranted{name}RoleArn"].rsplit("/", 1)[1]
    return f"arn:aws:sts::{account}:assumed-role/{role}/{outputs[f'CodeGranted{name}FunctionName']}"


def new_secret_value(aws, outputs) -> str:
    """Give the secret a new value (as the deployer) and return its SHA-256, which the function must report.

    On the emulator the generated value is empty (it generates nothing for CDK's ``GenerateSecretString:
    {}``), so a digest of it would not tell one secret from another.
    """
    value = f"e2e-{uuid.uuid4().hex}"
    aws("secretsmanager").put_secret_value(SecretId=outputs["CodeGrantedSecretArn"], SecretString=value)
    return hashlib.sha256(value.encode()).hexdigest()


def stored(aws, outputs, key: str) -> dict | None:
    """The item as the deployer (not the function) reads it back."""
    item = aws("dynamodb").get_item(
        TableName=outputs["CodeGrantedTableName"], Key={"pk": {"S": key}}, ConsistentRead=True
    ).get("Item")
    return {name: value["S"] for name, value in item.items()} if item else None


def test_the_function_granted_from_its_code_writes_and_reads_its_table_and_reads_its_secret(
    aws, outputs, findings
):
    key, note = f"allowed-{uuid.uuid4()}", uuid.uuid4().hex
    secret = new_secret_value(aws, outputs)
    result = invoke(aws, outputs, "Allowed", {"write": key, "read": key, "note": note})

    caller = session_of(aws, outputs, "Allowed")
    every_call_ok = {"put_item": "ok", "get_item": "ok", "get_secret_value": "ok"}
    shown = json.dumps(result, indent=1)  # in full on failure (the meta-test's report keeps it)
    assert (result["caller"], outcomes(result)) == (caller, every_call_ok), shown
    assert result["get_item"]["ok"] == {"pk": key, "note": note}
    assert stored(aws, outputs, key) == {"pk": key, "note": note}  # read back by the deployer
    assert result["get_secret_value"]["ok"] == secret
    # The grant names the secret by its ARN (the template's Ref), and so does the function's environment.
    secret_arn = aws("secretsmanager").describe_secret(SecretId=outputs["CodeGrantedSecretArn"])["ARN"]
    assert outputs["CodeGrantedSecretArn"] == secret_arn
    config = aws("lambda").get_function_configuration(FunctionName=outputs["CodeGrantedAllowedFunctionName"])
    assert config["Environment"]["Variables"]["SETTINGS_SECRET_ARN"] == secret_arn
    assert findings["Allowed"] == []  # and the synth predicts no AccessDenied


def test_without_one_inferred_action_exactly_that_call_is_denied_as_the_synth_predicted(
    aws, outputs, findings
):
    seeded, note = f"seeded-{uuid.uuid4()}", uuid.uuid4().hex
    aws("dynamodb").put_item(
        TableName=outputs["CodeGrantedTableName"], Item={"pk": {"S": seeded}, "note": {"S": note}}
    )
    key = f"denied-{uuid.uuid4()}"
    secret = new_secret_value(aws, outputs)
    result = invoke(aws, outputs, "Denied", {"write": key, "read": seeded, "note": "never written"})

    caller = session_of(aws, outputs, "Denied")
    only_the_write_refused = {"put_item": DENIED_CODE, "get_item": "ok", "get_secret_value": "ok"}
    shown = json.dumps(result, indent=1)  # in full on failure (the meta-test's report keeps it)
    assert (result["caller"], outcomes(result)) == (caller, only_the_write_refused), shown
    assert stored(aws, outputs, key) is None  # the write did not happen
    # Everything else it does still works.
    assert result["get_item"]["ok"] == {"pk": seeded, "note": note}
    assert result["get_secret_value"]["ok"] == secret
    # The synth named exactly the call that was refused (and the app acknowledged that finding id).
    assert findings["Denied"] == [outputs["CodeGrantedAcknowledgedFinding"]]
    (predicted,) = re.findall(r"\[Action::([^@\]]+)@", findings["Denied"][0])
    assert predicted == REMOVED_ACTION
    message = result["put_item"]["message"]
    assert f"perform: {predicted}" in message and caller in message, message
