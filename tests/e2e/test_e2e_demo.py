"""The demo service (app.py) deployed by `make e2e`: it deploys completely and answers as designed.

Every route refuses a caller without credentials, and every authenticated route answers a correctly
authenticated one: an IAM role granted the internal API, the reporting role, and a signed-in customer
(on the public API's Cognito routes and the mobile API's JWT route).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import string
import urllib.error
import urllib.request
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from botocore.credentials import Credentials
from e2e_support import eventually

from secure_constructs.client import signed_request

pytestmark = pytest.mark.e2e

ENDPOINT = os.environ.get("SC_E2E_ENDPOINT")
#: The demo stack (its weakened variant in the meta-test has another name).
DEMO_STACK = os.environ.get("SC_E2E_DEMO_STACK", "Orders")


@pytest.fixture(scope="module")
def demo() -> dict[str, str]:
    with open(os.environ["SC_E2E_DEMO_OUTPUTS"]) as f:
        return json.load(f)[DEMO_STACK]


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
    (stack,) = cloudformation.describe_stacks(StackName=DEMO_STACK)["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    resources = cloudformation.describe_stack_resources(StackName=DEMO_STACK)["StackResources"]
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


# --- every authenticated route answers a correctly authenticated caller -----------------------------------
def _physical_ids(aws, resource_type: str) -> dict[str, str]:
    resources = aws("cloudformation").describe_stack_resources(StackName=DEMO_STACK)["StackResources"]
    wanted = [r for r in resources if r["ResourceType"] == resource_type]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in wanted}


def _one(ids: dict[str, str], prefix: str) -> str:
    (found,) = [value for key, value in ids.items() if key.startswith(prefix)]
    return found


@pytest.fixture(scope="module")
def operator(aws, demo, region):
    """Credentials of a new role allowed to invoke every route of the internal API (and nothing else)."""
    iam, sts = aws("iam"), aws("sts")
    api_id = urlsplit(_endpoint(demo, "InternalApiEndpoint")).hostname.split(".")[0]
    account = sts.get_caller_identity()["Account"]
    name = f"sc-e2e-operator-{uuid.uuid4().hex[:8]}"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "execute-api:Invoke",
                "Resource": f"arn:aws:execute-api:{region}:{account}:{api_id}/prod/*/orders*",
            }
        ],
    }
    iam.put_role_policy(RoleName=name, PolicyName="InvokeInternalApi", PolicyDocument=json.dumps(policy))
    try:
        found = eventually(
            lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="sc-e2e", DurationSeconds=900),
            lambda r: "Credentials" in r,
        )["Credentials"]
        yield Credentials(found["AccessKeyId"], found["SecretAccessKey"], found["SessionToken"])
    finally:
        iam.delete_role_policy(RoleName=name, PolicyName="InvokeInternalApi")
        iam.delete_role(RoleName=name)


def test_the_internal_api_serves_a_granted_operator_on_every_route(demo, operator, region):
    base = _endpoint(demo, "InternalApiEndpoint")

    def signed(method: str, path: str, body=None):
        response = eventually(
            lambda: signed_request(method, url(base, path), body=body, credentials=operator, region=region),
            lambda r: r.status != 403,
        )
        return response.status, response.json() if response.body else None

    status, created = signed("POST", "/orders", {"sku": "BOOK-42", "quantity": 2})
    assert status == 201, created
    order = created["id"]
    status, listed = signed("GET", "/orders")
    assert status == 200 and order in [o["id"] for o in listed], listed
    assert signed("GET", f"/orders/{order}") == (200, {"id": order, "status": "NEW"})
    assert signed("DELETE", f"/orders/{order}")[0] == 204
    assert signed("GET", f"/orders/{order}")[0] == 404


def test_the_reporting_role_may_list_orders_and_nothing_else(aws, demo, assume, region):
    role = _one(_physical_ids(aws, "AWS::IAM::Role"), "ReportingRole")
    role_arn = aws("iam").get_role(RoleName=role)["Role"]["Arn"]
    base = _endpoint(demo, "InternalApiEndpoint")
    credentials = assume(role_arn)
    def signed(method: str, body=None):
        return signed_request(method, url(base, "/orders"), body=body, credentials=credentials, region=region)

    listed = eventually(lambda: signed("GET"), lambda r: r.ok)
    assert listed.status == 200, listed.text
    created = signed("POST", {"sku": "BOOK-42", "quantity": 1})
    assert created.status == 403, created.text


@pytest.fixture(scope="module")
def customer_token(aws):
    """An access token of the shop's Web client (scopes orders/read and orders/write) for a new customer.

    The Web client signs users in through the managed login pages (authorization-code grant with PKCE), which
    a test can only drive on the emulator: its sign-in form is one plain HTML form (and asks no MFA code,
    unlike a real pool, which requires TOTP).
    """
    if not ENDPOINT:
        pytest.skip("a real pool's managed login pages need a browser (and the customer's TOTP device)")
    idp = aws("cognito-idp")
    pool = _one(_physical_ids(aws, "AWS::Cognito::UserPool"), "Customers")
    web = _one(_physical_ids(aws, "AWS::Cognito::UserPoolClient"), "CustomersUserPoolClientWeb")
    client = idp.describe_user_pool_client(UserPoolId=pool, ClientId=web)["UserPoolClient"]
    email, password = f"customer-{uuid.uuid4().hex[:10]}@example.com", _password()
    idp.admin_create_user(
        UserPoolId=pool,
        Username=email,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    try:
        idp.admin_set_user_password(UserPoolId=pool, Username=email, Password=password, Permanent=True)
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        redirect = client["CallbackURLs"][0]
        form = {
            "username": email,
            "password": password,
            "client_id": client["ClientId"],
            "redirect_uri": redirect,
            "scope": "openid orders/read orders/write",
            "state": uuid.uuid4().hex,
            "response_type": "code",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        status, headers, _ = _post(f"{ENDPOINT}/login", form)
        assert status == 302 and headers["Location"].startswith(redirect), (status, headers)
        code = parse_qs(urlsplit(headers["Location"]).query)["code"][0]
        token_form = {
            "grant_type": "authorization_code",
            "client_id": client["ClientId"],
            "code": code,
            "redirect_uri": redirect,
            "code_verifier": verifier,
        }
        status, _, body = _post(f"{ENDPOINT}/oauth2/token", token_form)
        assert status == 200, body
        yield json.loads(body)["access_token"]
    finally:
        idp.admin_delete_user(UserPoolId=pool, Username=email)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        return None


def _post(target: str, form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    data = urlencode(form).encode()
    request = urllib.request.Request(
        target, data=data, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    try:
        with urllib.request.build_opener(_NoRedirect()).open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _password() -> str:
    pools = (string.ascii_lowercase, string.ascii_uppercase, string.digits, "!#%*+-=?^_")
    chars = [secrets.choice(pool) for pool in pools for _ in range(5)]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _bearer(target: str, token: str, method: str = "GET", body: dict | None = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": token, **({"Content-Type": "application/json"} if data else {})}
    request = urllib.request.Request(target, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _mobile_url(aws, path: str) -> str:
    api_id = _one(_physical_ids(aws, "AWS::ApiGatewayV2::Api"), "MobileApi")
    stage = aws("apigatewayv2").get_stages(ApiId=api_id)["Items"][0]["StageName"]
    if ENDPOINT is None:
        return aws("apigatewayv2").get_api(ApiId=api_id)["ApiEndpoint"] + path
    return f"{ENDPOINT}/_aws/execute-api/{api_id}/{stage}{path}"


def test_the_public_and_mobile_apis_serve_a_signed_in_customer(aws, demo, customer_token):
    public = _endpoint(demo, "PublicApiEndpoint")
    status, body = _bearer(url(public, "/orders"), customer_token, "POST", {"sku": "BOOK-7", "quantity": 1})
    assert status == 201, body
    order = json.loads(body)["id"]
    status, body = _bearer(url(public, f"/orders/{order}"), customer_token)
    assert (status, json.loads(body)) == (200, {"id": order, "status": "NEW"})
    status, body = _bearer(_mobile_url(aws, f"/orders/{order}"), customer_token)
    assert (status, json.loads(body)) == (200, {"id": order, "status": "NEW"})
