"""SigV4Client against a loopback server that recomputes every signature on its own, plus its errors."""

import datetime
import io
import json

import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from sigv4_server import ACCOUNT, REGION, LoopbackApi

from secure_constructs import SecureConstructsError
from secure_constructs.client import SigV4Client, explain_forbidden, infer_region, signed_request
from secure_constructs.client import send as send_unsigned
from secure_constructs.client.__main__ import main as cli

KEY, SECRET = "AKIDLOOPBACKTEST0001", "loopback-secret-key-for-tests-only-000001"


@pytest.fixture
def api():
    with LoopbackApi() as server:
        server.verifier.secrets[KEY] = (SECRET, None)
        server.verifier.allowed.add(KEY)
        yield server


@pytest.fixture
def creds():
    return Credentials(KEY, SECRET)


@pytest.fixture
def no_aws_env(monkeypatch, tmp_path):
    """An empty credential chain: no env keys, no config files, no instance metadata."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return tmp_path


# --- signed requests reach the API -----------------------------------------------------------------


def test_signed_get_with_query_and_encoded_path_is_accepted(api, creds):
    response = SigV4Client(region=REGION, credentials=creds).get(
        f"{api.url}/prod/orders/caf%C3%A9 x/ሴ?z=last&a=first&space=a b&plus=1%2B1&empty="
    )
    assert response.status == 200, response.text
    echoed = response.json()
    assert echoed["path"] == "/prod/orders/café x/ሴ"
    assert echoed["query"] == [
        ["a", "first"],
        ["empty", ""],
        ["plus", "1+1"],
        ["space", "a b"],
        ["z", "last"],
    ]


def test_params_are_plain_text_and_merged_into_the_query(api, creds):
    response = SigV4Client(region=REGION, credentials=creds).get(
        f"{api.url}/prod/search?q=1", params={"filter": "status=open&x", "sort": "-date"}
    )
    assert response.ok, response.text
    assert response.json()["query"] == [["filter", "status=open&x"], ["q", "1"], ["sort", "-date"]]


def test_dot_segments_are_removed_before_signing_and_sending(api, creds):
    response = SigV4Client(region=REGION, credentials=creds).get(f"{api.url}/prod/a/./b/../c//d")
    assert response.ok, response.text
    assert response.json()["path"] == "/prod/a/c/d"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/prod/%2e%2e/admin", "/admin"),
        ("/prod/%2E%2E/admin", "/admin"),
        ("/prod/.%2e/admin", "/admin"),
        ("/prod/%2e./admin", "/admin"),
        ("/prod/a/%2e/b", "/prod/a/b"),
        ("/prod/a/%2e%2e%2e/b", "/prod/a/.../b"),  # three dots: a name, not a dot segment
        ("/prod/%252e%252e/admin", "/prod/%2e%2e/admin"),  # encoded twice: a literal "%2e%2e" name
    ],
)
def test_percent_encoded_dot_segments_are_removed_too(api, creds, path, expected):
    # RFC 3986 6.2.2.2: %2E is "."; a server that decodes it would otherwise see a traversal
    response = SigV4Client(region=REGION, credentials=creds).get(f"{api.url}{path}")
    assert response.ok, response.text
    assert response.json()["path"] == expected


def test_json_body_is_signed_and_sent(api, creds):
    response = signed_request(
        "POST", f"{api.url}/prod/orders", body={"item": "book", "qty": 2}, region=REGION, credentials=creds
    )
    assert response.status == 200, response.text
    assert json.loads(response.json()["body"]) == {"item": "book", "qty": 2}
    assert response.explanation is None


def test_bytes_and_str_bodies_are_signed(api, creds):
    client = SigV4Client(region=REGION, credentials=creds)
    assert client.put(f"{api.url}/prod/blob", body=b"\x00\x01binary").ok
    assert client.post(f"{api.url}/prod/text", body="ünïcode", headers={"Content-Type": "text/plain"}).ok


def test_session_token_is_sent_and_signed(api):
    api.verifier.secrets["ASIATEMPORARYKEY0001"] = ("temp-secret", "session-token-value")
    api.verifier.allowed.add("ASIATEMPORARYKEY0001")
    creds = Credentials("ASIATEMPORARYKEY0001", "temp-secret", "session-token-value")
    request, parts = SigV4Client(region=REGION, credentials=creds).prepare("GET", f"{api.url}/prod/x")
    assert request.headers["X-Amz-Security-Token"] == "session-token-value"
    assert "x-amz-security-token" in parts.authorization
    assert SigV4Client(region=REGION, credentials=creds).delete(f"{api.url}/prod/x").ok


def test_environment_credentials_are_used(api, no_aws_env, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    assert signed_request("GET", f"{api.url}/prod/env", region=REGION).ok


def test_profile_credentials_are_used(api, no_aws_env):
    (no_aws_env / "credentials").write_text(
        f"[caller]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n"
    )
    assert signed_request("GET", f"{api.url}/prod/profile", region=REGION, profile="caller").ok


def test_redirects_are_not_followed(api, creds):
    response = SigV4Client(region=REGION, credentials=creds).get(f"{api.url}/redirect")
    assert response.status == 302


# --- 403s are explained ------------------------------------------------------------------------------


def test_unsigned_request_is_explained(api):
    response = send_unsigned(AWSRequest(method="GET", url=f"{api.url}/prod/orders"))
    assert response.status == 403
    assert "not signed" in response.explanation


def test_signed_request_to_unknown_route_mentions_path_and_stage():
    text = explain_forbidden({}, b'{"message":"Missing Authentication Token"}', signed=True)
    assert "stage" in text and "method" in text


def test_wrong_region_is_explained(api, creds):
    response = SigV4Client(region="us-east-1", credentials=creds).get(f"{api.url}/prod/orders")
    assert response.status == 403
    assert "Wrong region" in response.explanation and "us-east-1" in response.explanation


def test_clock_skew_is_explained(api, creds, monkeypatch):
    late = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(minutes=10)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: late)
    response = SigV4Client(region=REGION, credentials=creds).get(f"{api.url}/prod/orders")
    assert response.status == 403
    assert "Clock skew" in response.explanation


def test_wrong_secret_is_a_signature_mismatch(api):
    response = SigV4Client(region=REGION, credentials=Credentials(KEY, "not-the-secret")).get(
        f"{api.url}/prod/o"
    )
    assert response.status == 403
    assert "Signature mismatch" in response.explanation


def test_body_changed_after_signing_is_refused(api, creds):
    request, _ = SigV4Client(region=REGION, credentials=creds).prepare(
        "POST", f"{api.url}/prod/o", body=b"a=1"
    )
    request.data = b"a=2"
    response = send_unsigned(request, signed=None)
    assert response.status == 403
    assert "does not match" in response.explanation


def test_missing_invoke_grant_is_explained(api, creds):
    api.verifier.allowed.clear()
    response = SigV4Client(region=REGION, credentials=creds).get(f"{api.url}/prod/orders")
    assert response.status == 403
    assert "execute-api:Invoke" in response.explanation and "grant_invoke" in response.explanation
    assert ACCOUNT in response.explanation  # the resource API Gateway named is quoted


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "User: arn:aws:iam::1:user/u is not authorized to perform: execute-api:Invoke "
            "on resource: x with an explicit deny",
            "explicit Deny",
        ),
        (
            "User: anonymous is not authorized to perform: execute-api:Invoke on resource: x",
            "resource policy",
        ),
        ("The security token included in the request is expired", "expired"),
        ("The security token included in the request is invalid.", "not valid"),
        ("Credential should be scoped to correct service: 'execute-api'. ", "Wrong service"),
        ("Forbidden", "WAF"),
    ],
)
def test_api_gateway_messages_map_to_causes(message, expected):
    assert expected in explain_forbidden({}, json.dumps({"message": message}).encode())


# --- region and input errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "region"),
    [
        ("https://abc123def4.execute-api.eu-west-1.amazonaws.com/prod/x", "eu-west-1"),
        ("https://abc123def4.execute-api.us-gov-west-1.amazonaws.com/prod", "us-gov-west-1"),
        ("https://abc123def4.execute-api.cn-north-1.amazonaws.com.cn/prod", "cn-north-1"),
        (
            "https://abc123def4-vpce-0123456789abcdef0.execute-api.ap-southeast-2.vpce.amazonaws.com/p",
            "ap-southeast-2",
        ),
        ("https://api.example.com/prod/x", None),
        ("https://execute-api.eu-west-1.amazonaws.com.evil.example/prod", None),
    ],
)
def test_region_is_inferred_from_execute_api_hosts_only(url, region):
    assert infer_region(url) == region


def test_custom_domain_without_region_raises(creds):
    with pytest.raises(SecureConstructsError, match="SC-CLI-001"):
        SigV4Client(credentials=creds).prepare("GET", "https://api.example.com/orders")


def test_custom_domain_with_region_signs_for_it(creds):
    _, parts = SigV4Client(region="eu-central-1", credentials=creds).prepare(
        "GET", "https://api.example.com/o"
    )
    assert "/eu-central-1/execute-api/aws4_request" in parts.authorization


def test_region_contradicting_the_url_raises(creds):
    with pytest.raises(SecureConstructsError, match="SC-CLI-002"):
        SigV4Client(region="us-east-1", credentials=creds).prepare(
            "GET", "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
        )


def test_no_credentials_raises(no_aws_env):
    with pytest.raises(SecureConstructsError, match="SC-CLI-003"):
        SigV4Client(region=REGION).prepare("GET", "https://abc.execute-api.eu-west-1.amazonaws.com/prod")


def test_unknown_profile_raises(no_aws_env):
    with pytest.raises(SecureConstructsError, match="SC-CLI-003"):
        SigV4Client(profile="nope").prepare("GET", "https://abc.execute-api.eu-west-1.amazonaws.com/prod")


@pytest.mark.parametrize(
    "url", ["http://abc.execute-api.eu-west-1.amazonaws.com/prod", "ftp://x/y", "/prod/x"]
)
def test_non_https_urls_raise(url, creds):
    with pytest.raises(SecureConstructsError, match="SC-CLI-004"):
        SigV4Client(region=REGION, credentials=creds).prepare("GET", url)


@pytest.mark.parametrize(
    "url",
    [
        "http://alice:s3cr3t-Pa55@abc.execute-api.eu-west-1.amazonaws.com/prod/x?sig=t0ken-Value",
        "https://alice:s3cr3t-Pa55@abc.execute-api.eu-west-1.amazonaws.com/prod/x?sig=t0ken-Value",
        "https://:s3cr3t-Pa55@abc.execute-api.eu-west-1.amazonaws.com/prod/x?sig=t0ken-Value",
        "ftp://alice:s3cr3t-Pa55@host/x?sig=t0ken-Value",
    ],
)
def test_url_credentials_are_refused_and_never_echoed(url, creds, capsys, env_creds):
    with pytest.raises(SecureConstructsError, match="SC-CLI-004") as raised:
        SigV4Client(region=REGION, credentials=creds).prepare("GET", url)
    text = str(raised.value) + repr(raised.value.received)
    assert "s3cr3t-Pa55" not in text and "t0ken-Value" not in text
    assert cli(["GET", url]) == 2
    captured = capsys.readouterr()
    assert "SC-CLI-004" in captured.err
    printed = captured.out + captured.err
    assert "s3cr3t-Pa55" not in printed and "t0ken-Value" not in printed


def test_unsupported_body_raises(creds):
    with pytest.raises(SecureConstructsError, match="SC-CLI-005"):
        SigV4Client(region=REGION, credentials=creds).prepare("POST", "https://a.example/x", body=object())


@pytest.mark.parametrize("header", ["Authorization", "x-amz-date", "X-Amz-Security-Token"])
def test_signer_headers_from_the_caller_raise(header, creds):
    with pytest.raises(SecureConstructsError, match="SC-CLI-006"):
        SigV4Client(region=REGION, credentials=creds).prepare(
            "GET", "https://a.example/x", headers={header: "v"}
        )


# --- the CLI -------------------------------------------------------------------------------------------


@pytest.fixture
def env_creds(no_aws_env, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)


def test_cli_prints_body_and_exits_zero(api, env_creds, capsys, tmp_path):
    body = tmp_path / "order.json"
    body.write_text('{"item":"pen"}')
    code = cli(
        [
            "POST",
            f"{api.url}/prod/orders",
            "--region",
            REGION,
            "--data",
            f"@{body}",
            "-H",
            "Content-Type: application/json",
            "-v",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0
    assert json.loads(out)["body"] == '{"item":"pen"}'
    assert "HTTP 200" in err and "--- canonical request" in err and SECRET not in err


def test_cli_reads_stdin(api, env_creds, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"from-stdin")))
    assert cli(["PUT", f"{api.url}/prod/x", "--region", REGION, "--data", "@-"]) == 0
    assert json.loads(capsys.readouterr().out)["body"] == "from-stdin"


def test_cli_explains_403_and_exits_one(api, env_creds, capsys):
    api.verifier.allowed.clear()
    assert cli(["GET", f"{api.url}/prod/orders", "--region", REGION]) == 1
    assert "execute-api:Invoke" in capsys.readouterr().err


def test_cli_refuses_custom_domain_without_region(env_creds, capsys):
    assert cli(["GET", "https://api.example.com/orders"]) == 2
    assert "SC-CLI-001" in capsys.readouterr().err


def test_cli_reports_unreadable_body_file(env_creds, capsys, tmp_path):
    assert (
        cli(["POST", "https://abc.execute-api.eu-west-1.amazonaws.com/p", "--data", f"@{tmp_path}/none"]) == 2
    )
    assert "SC-CLI-005" in capsys.readouterr().err


def test_cli_reports_malformed_header(env_creds, capsys):
    assert cli(["GET", "https://abc.execute-api.eu-west-1.amazonaws.com/p", "-H", "no-colon"]) == 2
    assert "SC-CLI-005" in capsys.readouterr().err


def test_cli_verbose_never_prints_the_session_token(api, no_aws_env, monkeypatch, capsys):
    api.verifier.secrets["ASIAVERBOSETEST00001"] = ("verbose-secret", "the-session-token")
    api.verifier.allowed.add("ASIAVERBOSETEST00001")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIAVERBOSETEST00001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "verbose-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "the-session-token")
    assert cli(["GET", f"{api.url}/prod/x", "--region", REGION, "-v"]) == 0
    err = capsys.readouterr().err
    assert "x-amz-security-token:<redacted>" in err
    assert "the-session-token" not in err and "verbose-secret" not in err


def test_execute_api_canonical_uri_is_the_wire_path_encoded_again(creds):
    """Every service but S3 double-encodes: the wire path is encoded once, the canonical URI once more."""
    request, parts = SigV4Client(credentials=creds).prepare(
        "GET", "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/café x/a%2Fb?q=ü"
    )
    assert request.url == "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/caf%C3%A9%20x/a%2Fb?q=%C3%BC"
    canonical_uri, canonical_query = parts.canonical_request.split("\n")[1:3]
    assert canonical_uri == "/prod/caf%25C3%25A9%2520x/a%252Fb"
    assert canonical_query == "q=%C3%BC"  # the query is encoded once, not twice
