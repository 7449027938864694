"""Property checks of the callback-URL rule: https anywhere, plain http on loopback hosts only."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secure_constructs import SecureConstructsError
from secure_constructs.identity.user_pool import _check_url

LABEL = st.from_regex(r"[a-z][a-z0-9-]{0,20}[a-z0-9]", fullmatch=True)
HOST = st.lists(LABEL, min_size=2, max_size=4).map(".".join)
PATH = st.from_regex(r"(/[A-Za-z0-9._~-]{0,12}){0,4}", fullmatch=True)
PORT = st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}"))


@given(HOST, PORT, PATH)
def test_https_urls_are_accepted(host, port, path):
    _check_url("Test/Client", f"https://{host}{port}{path}")


@given(st.sampled_from(["localhost", "127.0.0.1", "[::1]"]), PORT, PATH)
def test_plain_http_on_loopback_is_accepted(host, port, path):
    _check_url("Test/Client", f"http://{host}{port}{path}")


@given(HOST.filter(lambda h: h != "localhost"), PORT, PATH)
def test_plain_http_elsewhere_is_refused(host, port, path):
    with pytest.raises(SecureConstructsError, match="SC-ID-001"):
        _check_url("Test/Client", f"http://{host}{port}{path}")


@given(st.sampled_from(["ftp", "myapp", "file", "javascript", "ws"]), HOST, PATH)
def test_other_schemes_are_refused(scheme, host, path):
    with pytest.raises(SecureConstructsError, match="SC-ID-001"):
        _check_url("Test/Client", f"{scheme}://{host}{path}")


@given(HOST, PATH, st.from_regex(r"[A-Za-z0-9=&]{0,10}", fullmatch=True))
def test_fragments_are_refused(host, path, fragment):
    with pytest.raises(SecureConstructsError, match="SC-ID-001"):
        _check_url("Test/Client", f"https://{host}{path}#{fragment}x")
