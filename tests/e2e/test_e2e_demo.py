"""The demo service (app.py) deployed by `make e2e`: it deploys completely and answers as designed."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e

ENDPOINT = os.environ.get("SC_E2E_ENDPOINT")


@pytest.fixture(scope="module")
def demo() -> dict[str, str]:
    with open(os.environ["SC_E2E_DEMO_OUTPUTS"]) as f:
        return json.load(f)["Orders"]


def url(base: str, path: str) -> str:
    base = base.rstrip("/")
    if ENDPOINT is None:
        return base + path
    api_id, stage = urlsplit(base).hostname.split(".")[0], urlsplit(base).path.strip("/")
    return f"{ENDPOINT}/_aws/execute-api/{api_id}/{stage}{path}"


def get(target: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(target, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_every_resource_of_the_demo_stack_was_created(aws):
    cloudformation = aws("cloudformation")
    assert cloudformation.describe_stacks(StackName="Orders")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    resources = cloudformation.describe_stack_resources(StackName="Orders")["StackResources"]
    assert len(resources) > 50
    assert [r["LogicalResourceId"] for r in resources if r["ResourceStatus"] != "CREATE_COMPLETE"] == []


def _endpoint(demo: dict[str, str], prefix: str) -> str:
    return next(value for key, value in demo.items() if key.startswith(prefix))


def test_the_public_health_route_answers_without_auth(demo):
    status, body = get(url(_endpoint(demo, "PublicApiEndpoint"), "/health"))
    assert (status, json.loads(body)) == (200, {"status": "ok"})


def test_the_public_api_orders_need_a_cognito_token(demo):
    status, _ = get(url(_endpoint(demo, "PublicApiEndpoint"), "/orders/o-1"))
    assert status == 401


@pytest.mark.parametrize("path", ["/orders", "/orders/o-1"])
def test_the_internal_api_refuses_unsigned_calls(demo, path):
    status, _ = get(url(_endpoint(demo, "InternalApiEndpoint"), path))
    assert status == 403
