"""Connect to an RDS database or RDS Proxy with IAM authentication over verified TLS, from a Lambda function.

No password is stored anywhere: :func:`auth_token` signs a 15-minute token with the function's own role
(botocore's RDS signer, the same code ``generate_db_auth_token`` runs), and :func:`connect` sends it as the
password over TLS whose certificate and host name are verified:

- an RDS Proxy endpoint (``*.proxy-*.rds.amazonaws.com``) presents a certificate from Amazon Trust Services,
  verified against botocore's CA bundle (the one every AWS API call of the function already trusts);
- a database instance presents a certificate of the RDS certificate authorities, verified against AWS's
  global RDS bundle, which the caller ships with the function and names with ``ca_file`` or
  ``RDS_CA_BUNDLE`` (:func:`check_rds_bundle` refuses a file that is not made of RDS root certificates).

Depends on botocore (in every Lambda Python runtime) and, for :func:`connect`, on ``pg8000`` (PostgreSQL)
or ``pymysql`` (MySQL). Never imports aws_cdk. Nothing here logs a token.
"""

from __future__ import annotations

import os
import re
import socket
import ssl
from collections.abc import Callable
from typing import Any

#: An RDS Proxy endpoint: its certificate comes from Amazon Trust Services (ACM), not the RDS CAs.
PROXY_HOST = re.compile(
    r"^[a-z0-9-]+\.proxy-[a-z0-9]+\.[a-z0-9-]+\.rds\.amazonaws\.com(\.cn)?$", re.IGNORECASE
)
RDS_HOST = re.compile(r"\.rds\.amazonaws\.com(\.cn)?$", re.IGNORECASE)
CA_BUNDLE_ENV = "RDS_CA_BUNDLE"
#: Tokens are valid for 15 minutes; a connection opened with one stays open after that.
TOKEN_SECONDS = 900


class ConfigurationError(ValueError):
    """The helper cannot connect safely with what it was given (never carries a token)."""


def auth_token(host: str, port: int, user: str, *, region: str | None = None, session: Any = None) -> str:
    """A 15-minute IAM authentication token for ``user`` at ``host:port``, signed with the caller's
    credentials by botocore's RDS signer. The caller's role needs ``rds-db:connect`` on that user
    (``SecureFunction.grant_db_connect``)."""
    if not host or not user or not isinstance(port, int):
        raise ConfigurationError("host, port and user are required")
    if session is None:
        import botocore.session

        session = botocore.session.get_session()
    region = region or os.environ.get("AWS_REGION") or _region_of(host)
    client = session.create_client("rds", region_name=region)
    token: str = client.generate_db_auth_token(DBHostname=host, Port=port, DBUsername=user, Region=region)
    return token


def _region_of(host: str) -> str:
    parts = host.split(".")
    if RDS_HOST.search(host) and len(parts) >= 5:
        return parts[-4]
    raise ConfigurationError("no region: pass region= (or set AWS_REGION)")


def default_ca_file(host: str) -> str:
    """The CA bundle that verifies ``host``: botocore's for an RDS Proxy endpoint, else the RDS bundle named
    by ``RDS_CA_BUNDLE`` (checked with :func:`check_rds_bundle`)."""
    if PROXY_HOST.match(host):
        from botocore.httpsession import get_cert_path

        path: str = get_cert_path(True)
        return path
    bundle = os.environ.get(CA_BUNDLE_ENV)
    if not bundle:
        raise ConfigurationError(
            f"{host} is not an RDS Proxy endpoint: ship AWS's global RDS CA bundle with the function and "
            "name "
            f"it with ca_file= or {CA_BUNDLE_ENV} (docs/database.md); certificate checks are never skipped"
        )
    check_rds_bundle(bundle)
    return bundle


def check_rds_bundle(path: str) -> int:
    """Check that ``path`` holds only RDS root certificate authorities (self-issued CA certificates whose
    organisation is Amazon Web Services and whose unit is Amazon RDS); returns how many. Raises
    ConfigurationError otherwise: a bundle with any other CA would let that CA impersonate the database."""
    try:
        with open(path, encoding="ascii") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError(
            f"the RDS CA bundle {path!r} cannot be read ({type(error).__name__})"
        ) from error
    blocks = re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", text, re.DOTALL)
    if not blocks:
        raise ConfigurationError(f"{path!r} holds no PEM certificate")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cadata="\n".join(blocks))
    for cert in context.get_ca_certs():
        subject = _name(cert.get("subject", ()))
        issuer = _name(cert.get("issuer", ()))
        if (
            subject.get("organizationName") != "Amazon Web Services, Inc."
            or subject.get("organizationalUnitName") != "Amazon RDS"
            or subject != issuer
        ):
            raise ConfigurationError(f"{path!r} holds a certificate that is not an RDS root CA: {subject}")
    count = len(context.get_ca_certs())
    if count != len(blocks):
        raise ConfigurationError(f"{path!r} holds certificates that are not certificate authorities")
    return count


def _name(rdns: Any) -> dict[str, str]:
    """``ssl``'s decoded name (a tuple of relative distinguished names) as ``{attribute: value}``."""
    return {str(pair[0]): str(pair[1]) for rdn in rdns for pair in rdn}


def ssl_context(host: str, *, ca_file: str | None = None) -> ssl.SSLContext:
    """A client TLS context for ``host``: TLS 1.2 or later, the server's certificate verified against
    ``ca_file`` (default: :func:`default_ca_file`) and its name against ``host``."""
    context = ssl.create_default_context(cafile=ca_file or default_ca_file(host))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def connect(
    host: str,
    port: int,
    user: str,
    database: str,
    *,
    engine: str = "postgres",
    region: str | None = None,
    ca_file: str | None = None,
    address: tuple[str, int] | None = None,
    session: Any = None,
    timeout: float = 10.0,
    **driver_options: Any,
) -> Any:
    """Open a DB-API connection to ``database`` as ``user`` with a fresh IAM token over verified TLS.

    :param engine: ``"postgres"`` (pg8000) or ``"mysql"`` (pymysql). Default: ``"postgres"``.
    :param address: connect the socket here instead of ``host:port`` (an SSH tunnel or port forward); TLS
        still verifies the certificate against ``host``. Default: ``host:port``.
    :param driver_options: passed on to the driver's ``connect``.
    """
    context = ssl_context(host, ca_file=ca_file)
    token = auth_token(host, port, user, region=region, session=session)
    connector = _DRIVERS.get(engine)
    if connector is None:
        raise ConfigurationError(f"engine must be one of {sorted(_DRIVERS)}")
    return connector(host, port, user, database, token, context, address, timeout, driver_options)


def _postgres(host, port, user, database, token, context, address, timeout, options):  # type: ignore[no-untyped-def]
    import pg8000.dbapi

    sock = socket.create_connection(address or (host, port), timeout=timeout)
    try:
        # pg8000 asks the server for TLS on this socket and wraps it with server_hostname=host
        return pg8000.dbapi.connect(
            user=user,
            password=token,
            database=database,
            host=host,
            port=port,
            sock=sock,
            ssl_context=context,
            timeout=timeout,
            **options,
        )
    except BaseException:
        sock.close()
        raise


def _mysql(host, port, user, database, token, context, address, timeout, options):  # type: ignore[no-untyped-def]
    import pymysql

    if address is not None:
        raise ConfigurationError("address= is supported for PostgreSQL only")
    # pymysql sends the token in clear text inside TLS (the mysql_clear_password plugin IAM requires)
    return pymysql.connect(
        host=host,
        port=port,
        user=user,
        password=token,
        database=database,
        ssl=context,
        connect_timeout=timeout,
        **options,
    )


_DRIVERS: dict[str, Callable[..., Any]] = {"postgres": _postgres, "mysql": _mysql}

__all__ = [
    "CA_BUNDLE_ENV",
    "ConfigurationError",
    "auth_token",
    "check_rds_bundle",
    "connect",
    "default_ca_file",
    "ssl_context",
]
