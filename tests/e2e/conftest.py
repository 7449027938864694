"""Fixtures of the e2e checks, which run only against a deployed ``SecureConstructsE2E`` stack.

``make e2e`` (tests/e2e/harness.py) deploys the stacks to the local emulator and runs these tests with
``SC_E2E_OUTPUTS`` / ``SC_E2E_DEMO_OUTPUTS`` (the ``cdk deploy --outputs-file`` JSON of the e2e stack and
of the demo service), ``SC_E2E_ENDPOINT`` (the emulator) and ``SC_E2E_CA_BUNDLE`` (its throwaway
certificate) set. Against a real account, set only the outputs variables (docs/local-deploy.md). Without
them every test marked ``e2e`` is skipped, so ``make test`` stays offline and fast.

Against the emulator, this process may only open connections to loopback addresses: any other
connection (or name lookup) raises, so a check cannot silently reach the internet.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from e2e_support import JWKS_BASE

OUTPUTS = os.environ.get("SC_E2E_OUTPUTS")
DEMO_OUTPUTS = os.environ.get("SC_E2E_DEMO_OUTPUTS")
NETWORK_OUTPUTS = os.environ.get("SC_E2E_NETWORK_OUTPUTS")
ENDPOINT = os.environ.get("SC_E2E_ENDPOINT")
#: The deployed e2e stack; the weakened variant of the meta-test has another name.
STACK_NAME = os.environ.get("SC_E2E_STACK", "SecureConstructsE2E")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("e2e") is None:
            continue
        demo = item.path.name == "test_e2e_demo.py"
        network = item.path.name == "test_e2e_network.py"
        available = NETWORK_OUTPUTS if network else (DEMO_OUTPUTS if demo else OUTPUTS)
        if not available:
            what = (
                "network stack (SC_E2E_NETWORK_OUTPUTS)"
                if network
                else "demo stack (SC_E2E_DEMO_OUTPUTS)" if demo else "e2e stack (SC_E2E_OUTPUTS)"
            )
            item.add_marker(pytest.mark.skip(reason=f"needs a deployed {what}: run `make e2e`"))
        elif item.get_closest_marker("jwks") is not None and not JWKS_BASE:
            reason = "the e2e app has JWT routes only when the tests serve its JWKS (SC_E2E_JWKS_BASE)"
            item.add_marker(pytest.mark.skip(reason=reason))


# --- loopback only (emulator runs) -----------------------------------------------------------------------
def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return host == "localhost"


def _install_loopback_guard() -> None:
    real_connect, real_connect_ex, real_getaddrinfo = (
        socket.socket.connect,
        socket.socket.connect_ex,
        socket.getaddrinfo,
    )

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(str(address[0])):
            raise ConnectionRefusedError(f"e2e: only loopback connections are allowed, not {address[0]!r}")

    def connect(self, address):
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not _is_loopback(host.decode() if isinstance(host, bytes) else str(host)):
            raise socket.gaierror(f"e2e: only loopback names are resolved, not {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo


if ENDPOINT:
    _install_loopback_guard()


# --- fixtures --------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def outputs() -> dict[str, str]:
    """The stack's CloudFormation outputs (``cdk deploy --outputs-file``)."""
    assert OUTPUTS, "SC_E2E_OUTPUTS is not set"
    with open(OUTPUTS) as f:
        return json.load(f)[STACK_NAME]


@pytest.fixture(scope="session")
def network_outputs() -> dict[str, str]:
    """The outputs of the network and load balancer stack (tests/e2e/app_network.py)."""
    assert NETWORK_OUTPUTS, "SC_E2E_NETWORK_OUTPUTS is not set"
    with open(NETWORK_OUTPUTS) as f:
        return json.load(f)["SecureConstructsE2ENetwork"]


@pytest.fixture(scope="session")
def region() -> str:
    """The deployment's region: the emulator's, or the one the AWS CLI/SDK configuration names."""
    import boto3

    found = boto3.session.Session().region_name
    assert found, "set AWS_REGION to the region of the deployed stacks"
    return found


@pytest.fixture(scope="session")
def aws(region) -> Callable[..., Any]:
    """``aws("lambda")``: a boto3 client with the deployer's credentials (the emulator's admin key)."""
    import boto3

    session = boto3.session.Session(region_name=region)
    return lambda service, **kwargs: session.client(service, **kwargs)


@pytest.fixture(scope="session")
def api_url(outputs) -> Callable[[str], str]:
    """``api_url("/iam")``: the route's URL, path-style on the emulator (no DNS for execute-api hosts)."""
    base = outputs["ApiUrl"].rstrip("/")

    def url(path: str) -> str:
        if ENDPOINT is None:
            return base + path
        api_id = urlsplit(base).hostname.split(".")[0]
        return f"{ENDPOINT}/_aws/execute-api/{api_id}/{outputs['StageName']}{path}"

    return url


@pytest.fixture(scope="session")
def assume(aws) -> Callable[[str], Any]:
    """``assume(role_arn)``: botocore credentials of a fresh session of that role."""
    from botocore.credentials import Credentials

    sts = aws("sts")

    def credentials(role_arn: str) -> Credentials:
        found = sts.assume_role(RoleArn=role_arn, RoleSessionName="sc-e2e", DurationSeconds=900)
        c = found["Credentials"]
        return Credentials(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])

    return credentials


@pytest.fixture(scope="session")
def stack_name() -> str:
    """The name of the deployed e2e stack (its weakened variant in the meta-test)."""
    return STACK_NAME


@pytest.fixture(scope="session")
def issuer():
    """The JWT issuer of the JWT routes: its signing key, and its JWKS served on ``SC_E2E_JWKS_BASE``."""
    from jwks_https import Issuer

    port = urlsplit(JWKS_BASE).port
    with Issuer(port, os.environ["SC_E2E_CA_BUNDLE"], os.environ["SC_E2E_TLS_KEY"]) as running:
        yield running
