"""The signer against AWS's published Signature Version 4 test suite (see sigv4_vectors/README.md)."""

import datetime
import json
import pathlib

import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials

from secure_constructs.client._sigv4 import canonical_query, sign

SUITE = json.loads(
    (pathlib.Path(__file__).parent / "sigv4_vectors" / "aws_sigv4_test_suite.json").read_text()
)
CASES = SUITE["cases"]


@pytest.fixture
def suite_time(monkeypatch):
    """Freeze botocore's clock at the suite's signing time."""
    fixed = datetime.datetime.strptime(SUITE["timestamp"], "%Y%m%dT%H%M%SZ")
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *args, **kwargs: fixed)


def _sign_case(case):
    query = canonical_query("", [tuple(pair) for pair in case["query"]])
    url = f"https://{case['headers']['host']}{case['path']}" + (f"?{query}" if query else "")
    request = AWSRequest(
        method=case["method"], url=url, headers=dict(case["headers"]), data=case["body"].encode()
    )
    creds = ReadOnlyCredentials(SUITE["credentials"]["access_key"], SUITE["credentials"]["secret_key"], None)
    return sign(request, creds, SUITE["region"], SUITE["service"])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_authorization_header_matches_the_suite(case, suite_time):
    assert _sign_case(case).authorization == case["authorization"]


CANONICAL = [c for c in CASES if "canonical_request" in c]


@pytest.mark.parametrize("case", CANONICAL, ids=[c["name"] for c in CANONICAL])
def test_canonical_request_matches_the_suite(case, suite_time):
    assert _sign_case(case).canonical_request == case["canonical_request"]


STS = [c for c in CASES if "string_to_sign" in c]


@pytest.mark.parametrize("case", STS, ids=[c["name"] for c in STS])
def test_string_to_sign_matches_the_suite(case, suite_time):
    assert _sign_case(case).string_to_sign == case["string_to_sign"]


def test_the_suite_is_not_trivially_satisfied(suite_time):
    """Different cases have different signatures, so one stuck value cannot pass them all."""
    signatures = {_sign_case(c).signature for c in CASES}
    assert len(signatures) >= len(CASES) - 3  # a few suite cases are the same request by design
    assert len(CANONICAL) >= 5 and len(STS) >= 4
