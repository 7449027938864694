"""The RDS IAM helper: a token from botocore's signer, sent as the password only over TLS whose certificate
and host name are verified. A small PostgreSQL server on 127.0.0.1 (TLS with a throwaway CA) takes the place
of the database: it records what it received and answers like PostgreSQL's password authentication."""

from __future__ import annotations

import socket
import ssl
import struct
import threading
import urllib.parse

import botocore.session
import pytest
from tls_material import authority, server_files

from secure_constructs.runtime import rds_iam

PROXY = "orders.proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com"
INSTANCE = "orders.abcdefghijkl.eu-west-1.rds.amazonaws.com"


def _session() -> botocore.session.Session:
    session = botocore.session.get_session()
    session.set_credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    return session


class FakePostgres:
    """Accepts one client: answers the SSL request with 'S', does TLS with ``cert``, asks for a clear-text
    password and accepts it when ``accept(password)`` says so. Bounded: 10 s per socket operation."""

    def __init__(self, cert: str, key: str, accept) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.listener.settimeout(10)
        self.port = self.listener.getsockname()[1]
        self.accept = accept
        self.received: dict[str, object] = {}
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            raw, _ = self.listener.accept()
        except OSError:
            return
        raw.settimeout(10)
        try:
            length, code = struct.unpack("!ii", _exactly(raw, 8))
            self.received["ssl_request"] = (length, code) == (8, 80877103)
            raw.sendall(b"S")
            conn = self.context.wrap_socket(raw, server_side=True)
            (length,) = struct.unpack("!i", _exactly(conn, 4))
            body = _exactly(conn, length - 4)
            fields = body[4:].split(b"\0")
            params = dict(zip(fields[0::2], fields[1::2], strict=False))
            self.received["user"] = params.get(b"user", b"").decode()
            self.received["database"] = params.get(b"database", b"").decode()
            conn.sendall(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
            kind = _exactly(conn, 1)
            (length,) = struct.unpack("!i", _exactly(conn, 4))
            password = _exactly(conn, length - 4).rstrip(b"\0").decode()
            self.received["kind"] = kind
            self.received["password"] = password
            if self.accept(password):
                conn.sendall(b"R" + struct.pack("!ii", 8, 0) + b"Z" + struct.pack("!i", 5) + b"I")
                conn.recv(64)  # Terminate, or the end of the connection
            else:
                message = b"SFATAL\0C28P01\0Mpassword authentication failed\0\0"
                conn.sendall(b"E" + struct.pack("!i", len(message) + 4) + message)
            conn.close()
        except (OSError, ssl.SSLError) as error:
            self.received["error"] = repr(error)
        finally:
            raw.close()
            self.listener.close()

    def stop(self) -> None:
        self.listener.close()
        self.thread.join(timeout=10)


def _exactly(conn, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data


@pytest.fixture
def rds_ca(tmp_path):
    ca = authority()
    bundle = tmp_path / "rds-bundle.pem"
    bundle.write_bytes(ca.pem())
    return ca, str(bundle)


def test_the_token_is_botocore_s_rds_signature_for_that_user_host_and_port():
    token = rds_iam.auth_token(PROXY, 5432, "app", region="eu-west-1", session=_session())
    expected = (
        _session()
        .create_client("rds", region_name="eu-west-1")
        .generate_db_auth_token(DBHostname=PROXY, Port=5432, DBUsername="app", Region="eu-west-1")
    )
    host, _, query = token.partition("/?")
    params = urllib.parse.parse_qs(query)
    assert host == f"{PROXY}:5432"
    assert params["Action"] == ["connect"] and params["DBUser"] == ["app"]
    assert params["X-Amz-Expires"] == ["900"] and "X-Amz-Signature" in params
    assert token.split("X-Amz-Date=")[0] == expected.split("X-Amz-Date=")[0]


def test_the_region_comes_from_the_rds_host_name(monkeypatch):
    monkeypatch.delenv("AWS_REGION", raising=False)
    token = rds_iam.auth_token(INSTANCE, 5432, "app", session=_session())
    assert "%2Feu-west-1%2Frds-db%2Faws4_request" in token


def test_the_token_goes_over_verified_tls_to_the_database(tmp_path, rds_ca):
    ca, bundle = rds_ca
    cert, key = server_files(ca, INSTANCE, tmp_path)
    server = FakePostgres(cert, key, accept=lambda password: "X-Amz-Signature=" in password)
    conn = rds_iam.connect(
        INSTANCE,
        5432,
        "app",
        "orders",
        region="eu-west-1",
        ca_file=bundle,
        address=("127.0.0.1", server.port),
        session=_session(),
    )
    conn.close()
    server.stop()
    assert server.received["ssl_request"] is True
    assert server.received["user"] == "app" and server.received["database"] == "orders"
    assert str(server.received["password"]).startswith(f"{INSTANCE}:5432/?Action=connect&DBUser=app")


def test_a_certificate_from_another_authority_is_refused_before_the_token_is_sent(tmp_path, rds_ca):
    _, bundle = rds_ca
    stranger = authority("Someone Else's CA")
    cert, key = server_files(stranger, INSTANCE, tmp_path)
    server = FakePostgres(cert, key, accept=lambda password: True)
    with pytest.raises(ssl.SSLCertVerificationError):
        rds_iam.connect(
            INSTANCE,
            5432,
            "app",
            "orders",
            region="eu-west-1",
            ca_file=bundle,
            address=("127.0.0.1", server.port),
            session=_session(),
        )
    server.stop()
    assert "password" not in server.received


def test_a_certificate_for_another_host_is_refused(tmp_path, rds_ca):
    ca, bundle = rds_ca
    cert, key = server_files(ca, "other.abcdefghijkl.eu-west-1.rds.amazonaws.com", tmp_path)
    server = FakePostgres(cert, key, accept=lambda password: True)
    with pytest.raises(ssl.SSLCertVerificationError, match="match|mismatch"):
        rds_iam.connect(
            INSTANCE,
            5432,
            "app",
            "orders",
            region="eu-west-1",
            ca_file=bundle,
            address=("127.0.0.1", server.port),
            session=_session(),
        )
    server.stop()
    assert "password" not in server.received


def test_an_instance_without_a_ca_bundle_is_refused_rather_than_unverified(monkeypatch):
    monkeypatch.delenv(rds_iam.CA_BUNDLE_ENV, raising=False)
    with pytest.raises(rds_iam.ConfigurationError, match="never skipped"):
        rds_iam.ssl_context(INSTANCE)


def test_a_proxy_is_verified_against_botocore_s_ca_bundle():
    from botocore.httpsession import get_cert_path

    assert rds_iam.default_ca_file(PROXY) == get_cert_path(True)
    context = rds_iam.ssl_context(PROXY)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert any("Amazon Root CA 1" in str(c.get("subject")) for c in context.get_ca_certs())


def test_the_rds_bundle_check_refuses_any_other_authority(tmp_path, rds_ca, monkeypatch):
    _, bundle = rds_ca
    assert rds_iam.check_rds_bundle(bundle) == 1
    mixed = tmp_path / "mixed.pem"
    mixed.write_bytes(authority().pem() + authority("Evil CA", org="Evil Inc.", unit="Ops").pem())
    with pytest.raises(rds_iam.ConfigurationError, match="not an RDS root CA"):
        rds_iam.check_rds_bundle(str(mixed))
    monkeypatch.setenv(rds_iam.CA_BUNDLE_ENV, str(mixed))
    with pytest.raises(rds_iam.ConfigurationError):
        rds_iam.ssl_context(INSTANCE)
    monkeypatch.setenv(rds_iam.CA_BUNDLE_ENV, bundle)
    assert rds_iam.default_ca_file(INSTANCE) == bundle
