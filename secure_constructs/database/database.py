"""Database access without stored passwords: an RDS instance and an RDS Proxy that require IAM authentication
and TLS, in a SecureNetwork; ``SecureFunction.grant_db_connect`` grants ``rds-db:connect`` on one database
user."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from constructs import Construct

from .._defaults import rds as _d
from .._overrides import Guard
from .._shared import stack_key
from .._sources import record_creation_site
from ..compute._validation import check_db_user
from ..errors import SecureConstructsError

#: PostgreSQL and MySQL user names: a letter or underscore, then letters, digits or underscores.
_DATA_KEY_PURPOSE = "Database"


def _network(where: Construct, network: Any) -> Any:
    from ..network import SecureNetwork

    if not isinstance(network, SecureNetwork):
        raise SecureConstructsError(
            "SC-DB-001",
            where,
            "network must be a SecureNetwork",
            received=type(network).__name__,
            fix="Pass network=SecureNetwork(stack, 'Network'): its isolated subnets hold the database",
        )
    return network


class SecureDatabaseInstance(Construct):
    """An RDS database instance, secure by default.

    Defaults: in the network's isolated subnets with a security group of its own (no inbound rule until a
    proxy is put in front); IAM database authentication on; storage encrypted with the stack's database key
    (customer managed, rotation on); never publicly accessible; the master password made, kept and rotated
    every 7 days by RDS in Secrets Manager (encrypted with the same key; no rotation function to run);
    deletion protection on and a snapshot when it leaves the stack; a week of backups.

    The L1 escape hatch is ``db.instance.node.default_child`` (``aws_rds.CfnDBInstance``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        engine: rds.IInstanceEngine,
        network: Any,
        instance_type: ec2.InstanceType = _d.INSTANCE_TYPE,
        database_name: str | None = None,
        key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.SNAPSHOT,
        overrides: Mapping[str, Any] | None = None,
        accepted_risks: Mapping[str, str] | None = None,
    ) -> None:
        """
        :param engine: the engine and version, e.g. ``rds.DatabaseInstanceEngine.postgres(version=...)``
            (PostgreSQL or MySQL: the engines whose proxies support IAM authentication end to end).
            Default: none (required).
        :param network: the ``SecureNetwork`` whose isolated subnets hold the instance (SC-DB-001 otherwise).
            Default: none (required).
        :param instance_type: the instance class. Default: ``db.t4g.micro``.
        :param database_name: a database to create. Default: none (the engine's default database).
        :param key: the KMS key of the storage and of the master secret. Default: the stack's database key
            (``SecureConstructsKeyDatabase``, rotation on, retained).
        :param removal_policy: what happens to the instance when it leaves the stack. Default:
            ``RemovalPolicy.SNAPSHOT`` (a final snapshot; deletion protection must be turned off first).
        :param overrides: other ``rds.DatabaseInstance`` keyword arguments (misspelt keys: SC-GEN-001;
            weakening ``iam_authentication``, ``storage_encrypted``, ``publicly_accessible`` or
            ``deletion_protection`` raises SC-GEN-002 without a reason). Default: none.
        :param accepted_risks: ``{override key: reason}`` for deliberate weakenings. Default: none.
        """
        super().__init__(scope, id)
        record_creation_site(self)
        self.network = _network(self, network)
        guard = Guard(self, "SecureDatabaseInstance", accepted_risks)
        props = guard.merge(rds.DatabaseInstance, _d.instance_props(), overrides, managed=_d.INSTANCE_MANAGED)
        self.key: kms.IKey = key or stack_key(
            self,
            _DATA_KEY_PURPOSE,
            description="Encrypts the storage and master secret of the stack's databases",
        )
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=network.vpc,
            allow_all_outbound=False,
            description=f"{self.node.path}: inbound from its proxy only"[:255],
        )
        self.instance: rds.DatabaseInstance = rds.DatabaseInstance(
            self,
            "Instance",
            engine=engine,
            vpc=network.vpc,
            vpc_subnets=network.function_subnets,
            security_groups=[self.security_group],
            instance_type=instance_type,
            database_name=database_name,
            credentials=rds.Credentials.from_username(_d.MASTER_USERNAME),
            manage_master_user_password=True,
            storage_encryption_key=self.key,
            removal_policy=removal_policy,
            **props,
        )
        cfn = self.instance.node.default_child
        assert isinstance(cfn, rds.CfnDBInstance)
        # The RDS-managed master secret is encrypted with the same customer managed key.
        cfn.master_user_secret = rds.CfnDBInstance.MasterUserSecretProperty(kms_key_id=self.key.key_arn)
        guard.check(self.instance)

    @property
    def master_username(self) -> str:
        """The master user's name; ``grant_db_connect`` refuses it (grant an application user instead)."""
        return _d.MASTER_USERNAME

    def grant_connect(self, function: Any, db_user: str) -> iam.Grant:
        """Refused (SC-DB-003): functions connect through the instance's :class:`SecureDatabaseProxy`,
        which requires TLS and IAM authentication."""
        raise SecureConstructsError(
            "SC-DB-003",
            function,
            "functions connect through the instance's SecureDatabaseProxy",
            received=self.node.path,
            fix="Put a SecureDatabaseProxy(database=...) in front and pass it (it requires TLS and IAM)",
        )


class SecureDatabaseProxy(Construct):
    """An RDS Proxy in front of a :class:`SecureDatabaseInstance` that requires IAM authentication and TLS.

    Defaults: IAM authentication end to end (``DefaultAuthScheme IAM_AUTH``: clients connect with a token
    signed by their role, and the proxy connects to the database as the same user with its own role, so no
    password is stored for either); TLS required; in the network's isolated subnets with a security group
    of its own that admits only the functions granted with ``grant_connect``; the proxy's role may connect
    only as the users granted.

    The database users must exist with IAM authentication (PostgreSQL: ``CREATE USER app; GRANT rds_iam TO
    app;``); see docs/database.md.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        database: SecureDatabaseInstance,
        overrides: Mapping[str, Any] | None = None,
        accepted_risks: Mapping[str, str] | None = None,
    ) -> None:
        """
        :param database: the instance behind the proxy (SC-DB-001 for anything else). Default: none
            (required).
        :param overrides: other ``rds.DatabaseProxy`` keyword arguments (weakening ``iam_auth``,
            ``require_tls`` or ``default_auth_scheme`` raises SC-GEN-002 without a reason). Default: none.
        :param accepted_risks: ``{override key: reason}`` for deliberate weakenings. Default: none.
        """
        super().__init__(scope, id)
        record_creation_site(self)
        if not isinstance(database, SecureDatabaseInstance):
            raise SecureConstructsError(
                "SC-DB-001",
                self,
                "database must be a SecureDatabaseInstance",
                received=type(database).__name__,
                fix="Pass database=SecureDatabaseInstance(...); for another database use rds.DatabaseProxy "
                "and "
                "check it with the pack",
            )
        self.database = database
        network = database.network
        guard = Guard(self, "SecureDatabaseProxy", accepted_risks)
        props = guard.merge(rds.DatabaseProxy, _d.proxy_props(), overrides, managed=_d.PROXY_MANAGED)
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=network.vpc,
            allow_all_outbound=False,
            description=f"{self.node.path}: inbound from granted functions only"[:255],
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("rds.amazonaws.com"),
            description=f"RDS Proxy {self.node.path}: connects to its database as the granted users only"[
                :1000
            ],
        )
        self.proxy: rds.DatabaseProxy = rds.DatabaseProxy(
            self,
            "Proxy",
            proxy_target=rds.ProxyTarget.from_instance(database.instance),
            vpc=network.vpc,
            vpc_subnets=network.function_subnets,
            security_groups=[self.security_group],
            role=self.role,
            **props,
        )
        # aws_rds.DatabaseProxy opens the path to its target itself (proxy group -> database group)
        port = database.instance.connections.default_port
        assert port is not None
        self._port = port
        self._users: set[str] = set()
        guard.check(self.proxy)

    @property
    def endpoint(self) -> str:
        """The proxy's host name (clients connect here with TLS and an IAM token)."""
        return self.proxy.endpoint

    def grant_connect(self, function: Any, db_user: str) -> iam.Grant:
        """Let ``function`` (a SecureFunction in the same network) connect as ``db_user``: ``rds-db:connect``
        on exactly ``dbuser:<proxy id>/<db_user>`` (CDK's own ``grant_connect``), the proxy's role allowed
        to connect to the database as that user, and the network path from the function to the proxy."""
        user = check_db_user(function, db_user, self.database.master_username)
        grant = self.proxy.grant_connect(function.role, user)
        if user not in self._users:
            self._users.add(user)
            self.database.instance.grant_connect(self.role, user)
        for group in function.function.connections.security_groups:
            self.security_group.add_ingress_rule(group, self._port, f"From {function.node.path}"[:255])
            group.add_egress_rule(self.security_group, self._port, "To the database proxy")
        return grant


__all__ = ["SecureDatabaseInstance", "SecureDatabaseProxy"]
