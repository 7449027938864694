"""Secure defaults for an RDS database instance and its RDS Proxy, as plain data; the security settings among
them are the declared defaults of their properties (``secure_constructs.nag.rules.rds``)."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2

from ..nag.declarations import defaults_of

#: Automated backups are kept a week (point-in-time recovery within it).
BACKUP_RETENTION = Duration.days(7)
#: A small Graviton instance; size it for the workload.
INSTANCE_TYPE = ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO)
ALLOCATED_STORAGE_GB = 20
MASTER_USERNAME = "dbadmin"

#: ``rds.DatabaseInstance`` kwargs the construct sets itself (each has a SecureDatabaseInstance parameter).
INSTANCE_MANAGED = frozenset(
    {
        "engine",
        "vpc",
        "vpc_subnets",
        "security_groups",
        "credentials",
        "manage_master_user_password",
        "storage_encryption_key",
        "storage_encrypted",  # always on: the key is always set (a key of your own: key=)
        "instance_type",
        "database_name",
        "removal_policy",
    }
)
#: ``rds.DatabaseProxy`` kwargs the construct sets itself.
PROXY_MANAGED = frozenset({"proxy_target", "vpc", "vpc_subnets", "security_groups", "secrets", "role"})


@cache
def _declared(construct: str) -> dict[str, Any]:
    return defaults_of(construct)


def instance_props() -> dict[str, Any]:
    """``rds.DatabaseInstance`` kwargs: the declared secure defaults (IAM authentication, encrypted storage,
    not publicly accessible, deletion protection) and plumbing (backups, storage, minor upgrades)."""
    return {
        "allocated_storage": ALLOCATED_STORAGE_GB,
        "backup_retention": BACKUP_RETENTION,
        "auto_minor_version_upgrade": True,
        "copy_tags_to_snapshot": True,
        # a standby in a second zone: the database survives the loss of one (about twice the instance price)
        "multi_az": True,
        **_declared("SecureDatabaseInstance"),
    }


def proxy_props() -> dict[str, Any]:
    """``rds.DatabaseProxy`` kwargs: IAM authentication end to end (clients and the proxy itself sign in
    with IAM, so no password is stored for them) and TLS required."""
    return dict(_declared("SecureDatabaseProxy"))
