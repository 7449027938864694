"""examples/signed_client.py (a plain script): help without a URL, three signed calls with one."""

import importlib.util
import pathlib

import pytest
from botocore.credentials import Credentials
from sigv4_server import REGION, LoopbackApi

from secure_constructs import client as client_module

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "signed_client.py"
KEY, SECRET = "AKIDEXAMPLECLIENT001", "example-client-secret-for-tests-only-01"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("signed_client_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_it_is_not_a_cdk_app():
    assert "\ndef build(" not in EXAMPLE.read_text()


def test_without_url_prints_help(example, capsys):
    assert example.main([]) == 0
    assert "usage:" in capsys.readouterr().out


def test_calls_the_orders_api_signed(example, capsys, monkeypatch):
    real = client_module.SigV4Client
    monkeypatch.setattr(
        example, "SigV4Client", lambda **kw: real(**{**kw, "credentials": Credentials(KEY, SECRET)})
    )
    with LoopbackApi() as api:
        api.verifier.secrets[KEY] = (SECRET, None)
        api.verifier.allowed.add(KEY)
        assert example.main([f"{api.url}/prod", "--region", REGION]) == 0
        out = capsys.readouterr().out
        assert out.count("HTTP 200") == 3 and "POST /orders" in out
        api.verifier.allowed.clear()
        assert example.main([f"{api.url}/prod", "--region", REGION]) == 1
        assert "execute-api:Invoke" in capsys.readouterr().out


def test_custom_domain_without_region_is_a_clear_error(example, capsys):
    assert example.main(["https://api.example.com/prod"]) == 2
    assert "SC-CLI-001" in capsys.readouterr().err
