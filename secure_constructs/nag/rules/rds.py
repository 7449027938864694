"""RDS databases and RDS Proxy: IAM authentication instead of stored passwords, TLS, encryption with a
customer managed key, no public address, a rotated master secret and deletion protection."""

from __future__ import annotations

from typing import Any

from .._model import Cdk, Compliance, RuleResult, RuleSpec, Setting, if_, set_
from .._template import MISSING, NO_VALUE, TemplateContext, flatten, props, show, strings_in, when
from ._common import E, falsy, truthy
from .encryption import aws_managed_key

INSTANCE = "AWS::RDS::DBInstance"
CLUSTER = "AWS::RDS::DBCluster"
PROXY = "AWS::RDS::DBProxy"
SECRET = "AWS::SecretsManager::Secret"
ROTATION = "AWS::SecretsManager::RotationSchedule"
_INSTANCE = "SecureDatabaseInstance"
_PROXY = "SecureDatabaseProxy"


def _cluster_member(resource: dict[str, Any]) -> bool:
    """An instance of an Aurora cluster: the cluster holds storage, credentials and IAM settings."""
    return resource.get("Type") == INSTANCE and props(resource).get("DBClusterIdentifier") is not None


def _first_insecure(ctx: TemplateContext, value: Any, insecure: Any) -> tuple[Any, str] | None:
    for branch, conds in ctx.conditional(MISSING if value is None else value):
        literal = branch if branch is MISSING else ctx.literal(branch, "value")
        if insecure(literal):
            return literal, when(conds)
    return None


def rds_iam_auth(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Databases accept IAM authentication; a proxy requires it of every client (IAMAuth REQUIRED, or IAM
    end to end with DefaultAuthScheme IAM_AUTH)."""
    p = props(resource)
    if resource.get("Type") == PROXY:
        found = _first_insecure(ctx, p.get("DefaultAuthScheme"), lambda v: v != "IAM_AUTH")
        if found is None:
            return []
        auth = p.get("Auth")
        entries = auth if isinstance(auth, list) else []
        required = entries and all(
            isinstance(entry, dict) and ctx.literal(entry.get("IAMAuth"), "Auth.IAMAuth") == "REQUIRED"
            for entry in entries
        )
        return (
            []
            if required
            else [
                (
                    None,
                    f"DefaultAuthScheme is {show(found[0])}{found[1]} and not every "
                    "Auth entry has IAMAuth REQUIRED",
                )
            ]
        )
    if _cluster_member(resource):
        return Compliance.NOT_APPLICABLE
    found = _first_insecure(ctx, p.get("EnableIAMDatabaseAuthentication"), lambda v: not truthy(v))
    return [] if found is None else [(None, f"EnableIAMDatabaseAuthentication is {show(found[0])}{found[1]}")]


def rds_proxy_tls(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The proxy refuses connections without TLS (RequireTLS true)."""
    found = _first_insecure(ctx, props(resource).get("RequireTLS"), lambda v: not truthy(v))
    return [] if found is None else [(None, f"RequireTLS is {show(found[0])}{found[1]}")]


def rds_storage_encrypted(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Storage is encrypted with a customer managed KMS key (StorageEncrypted true and KmsKeyId set to a key
    that is not AWS managed)."""
    if _cluster_member(resource):
        return Compliance.NOT_APPLICABLE
    p = props(resource)
    found = _first_insecure(ctx, p.get("StorageEncrypted"), lambda v: not truthy(v))
    if found is not None:
        return [("NotEncrypted", f"StorageEncrypted is {show(found[0])}{found[1]}")]
    for branch, conds in ctx.conditional(MISSING if p.get("KmsKeyId") is None else p["KmsKeyId"]):
        if branch is MISSING or branch in (None, "") or aws_managed_key(branch):
            return [("AwsManagedKey", f"KmsKeyId is absent or an AWS managed key{when(conds)}")]
    return []


def rds_not_public(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The instance has no public address (PubliclyAccessible false, stated: the default depends on the
    subnet group and is public in a default VPC)."""
    found = _first_insecure(ctx, props(resource).get("PubliclyAccessible"), lambda v: not falsy(v))
    return [] if found is None else [(None, f"PubliclyAccessible is {show(found[0])}{found[1]}")]


def _rotated_secrets(ctx: TemplateContext) -> set[str]:
    return {
        ref
        for _, schedule in ctx.of_type(ROTATION)
        for ref in ctx.references(props(schedule).get("SecretId"))
    }


def rds_master_secret_rotated(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The master password is kept in Secrets Manager and rotated: managed by RDS (ManageMasterUserPassword),
    or resolved from a secret of the template that has a rotation schedule; never a literal."""
    if _cluster_member(resource):
        return Compliance.NOT_APPLICABLE
    p = props(resource)
    password = p.get("MasterUserPassword")
    texts = list(strings_in(password)) if password is not None else []
    if password is not None and not any("{{resolve:secretsmanager:" in text for text in texts):
        return [("PlaintextPassword", "MasterUserPassword is not a Secrets Manager dynamic reference")]
    managed = _first_insecure(ctx, p.get("ManageMasterUserPassword"), lambda v: not truthy(v))
    if managed is None:
        return []
    if password is None:
        if p.get("MasterUsername") is None:
            return Compliance.NOT_APPLICABLE  # restored from a snapshot or a replica: credentials come along
        return [
            (
                "NotRotated",
                f"ManageMasterUserPassword is {show(managed[0])}{managed[1]} and no password is set",
            )
        ]
    secrets = {ref for ref in ctx.references(password) if ctx.type_of(ref) == SECRET}
    if secrets and secrets <= _rotated_secrets(ctx):
        return []
    shown = flatten(password) or "a dynamic reference"
    return [("NotRotated", f"the secret of {shown[:80]} has no rotation schedule in the template")]


def rds_deletion_protection(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Deletion protection is on (DeletionProtection true)."""
    if _cluster_member(resource):
        return Compliance.NOT_APPLICABLE
    found = _first_insecure(ctx, props(resource).get("DeletionProtection"), lambda v: not truthy(v))
    return [] if found is None else [(None, f"DeletionProtection is {show(found[0])}{found[1]}")]


#: What the database constructs change that is not a security property, and why.
NOT_SECURITY_RELEVANT = {
    (INSTANCE, "AllocatedStorage"): "sizing: how much storage the database gets",
    (INSTANCE, "DBInstanceClass"): "sizing: the instance class chosen by the user",
    (INSTANCE, "BackupRetentionPeriod"): "availability: a week of point-in-time recovery",
    (INSTANCE, "AutoMinorVersionUpgrade"): "patching: minor versions carry security fixes",
    (INSTANCE, "CopyTagsToSnapshot"): "bookkeeping: snapshots carry the instance's tags",
    (
        INSTANCE,
        "MasterUsername",
    ): "the name of the master user (its password is judged by RdsMasterSecretRotated)",
    (INSTANCE, "MasterUserSecret"): "the key of the RDS-managed master secret (the stack's data key)",
    (INSTANCE, "VPCSecurityGroups"): "the database's own security group: ingress only from its proxy",
    (INSTANCE, "DBSubnetGroupName"): "the network's isolated function subnets",
    (INSTANCE, "Engine"): "the engine chosen by the user",
    (INSTANCE, "EngineVersion"): "the engine version chosen by the user",
    (INSTANCE, "StorageType"): "sizing: the kind of storage volume",
    (INSTANCE, "MultiAZ"): "availability: a standby in a second zone",
    (
        SECRET,
        "GenerateSecretString",
    ): "plain CDK's generated master secret; SecureDatabaseInstance has RDS manage "
    "and rotate it instead (RdsMasterSecretRotated)",
    **{
        ("AWS::SecretsManager::SecretTargetAttachment", key): "plain CDK's master secret attached to the "
        "instance; RDS manages SecureDatabaseInstance's secret (RdsMasterSecretRotated)"
        for key in ("SecretId", "TargetId", "TargetType")
    },
    (PROXY, "EngineFamily"): "follows from the engine",
    (PROXY, "RoleArn"): "the proxy's role, which may connect as the granted database users only",
    (PROXY, "VpcSubnetIds"): "the network's isolated function subnets",
    (PROXY, "VpcSecurityGroupIds"): "the proxy's own security group: ingress only from granted functions",
    (PROXY, "DBProxyName"): "a name: it says what the resource is for and grants nothing",
    ("AWS::RDS::DBProxyTargetGroup", "DBProxyName"): "wiring between resources the construct made",
    ("AWS::RDS::DBProxyTargetGroup", "DBInstanceIdentifiers"): "wiring: the proxy's one target",
    ("AWS::RDS::DBProxyTargetGroup", "TargetGroupName"): "a name: it says what the resource is for",
    ("AWS::RDS::DBProxyTargetGroup", "ConnectionPoolConfigurationInfo"): "pooling: how many connections",
    ("AWS::RDS::DBSubnetGroup", "DBSubnetGroupDescription"): "a description: it grants nothing",
    ("AWS::RDS::DBSubnetGroup", "SubnetIds"): "the network's isolated function subnets",
}

RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "RdsIamAuth",
        "auth",
        (INSTANCE, CLUSTER, PROXY),
        "The database does not accept IAM authentication, or the proxy does not require it.",
        "Turn on IAM database authentication (EnableIAMDatabaseAuthentication) and have clients connect "
        "through an RDS Proxy with IAMAuth REQUIRED (DefaultAuthScheme IAM_AUTH for IAM end to end): a "
        "short-lived token signed by the function's role replaces a stored password, and access is granted "
        "per database user with rds-db:connect.",
        E,
        rds_iam_auth,
        paths=("EnableIAMDatabaseAuthentication", "DefaultAuthScheme", "Auth"),
        settings=(
            Setting(_INSTANCE, "iam_authentication", True),
            Setting(_PROXY, "iam_auth", True),
            Setting(_PROXY, "default_auth_scheme", Cdk("aws_rds.DefaultAuthScheme.IAM_AUTH")),
        ),
        stock_ids=("AwsSolutions-RDS6",),
        mutations=(
            set_("EnableIAMDatabaseAuthentication", False),
            set_("DefaultAuthScheme", "NONE"),
            if_("EnableIAMDatabaseAuthentication", False),
        ),
    ),
    RuleSpec(
        "RdsProxyTls",
        "encryption",
        (PROXY,),
        "The RDS Proxy accepts connections without TLS.",
        "Set RequireTLS to true (require_tls=True in CDK): the IAM token and the data travel inside TLS.",
        E,
        rds_proxy_tls,
        paths=("RequireTLS",),
        settings=(Setting(_PROXY, "require_tls", True),),
        mutations=(set_("RequireTLS", False), if_("RequireTLS", False)),
    ),
    RuleSpec(
        "RdsStorageEncrypted",
        "encryption",
        (INSTANCE, CLUSTER),
        "The database's storage is not encrypted with a customer managed KMS key.",
        "Set StorageEncrypted true and KmsKeyId to a customer managed key with rotation on "
        "(storage_encryption_key in CDK): snapshots and replicas inherit it, and the key policy decides who "
        "may restore them.",
        E,
        rds_storage_encrypted,
        paths=("StorageEncrypted", "KmsKeyId"),
        finding_ids=("NotEncrypted", "AwsManagedKey"),
        settings=(Setting(_INSTANCE, "storage_encrypted", True), Setting(_INSTANCE, "key", via="parameter")),
        stock_ids=("AwsSolutions-RDS2",),
        mutations=(
            set_("StorageEncrypted", False),
            set_("KmsKeyId", "arn:aws:kms:eu-west-1:111122223333:alias/aws/rds"),
            if_("KmsKeyId", NO_VALUE),
        ),
    ),
    RuleSpec(
        "RdsNotPublic",
        "network",
        (INSTANCE,),
        "The database instance may have a public address (PubliclyAccessible is not false).",
        "Set PubliclyAccessible to false and place the instance in isolated subnets: only its proxy needs "
        "to reach it.",
        E,
        rds_not_public,
        paths=("PubliclyAccessible",),
        settings=(Setting(_INSTANCE, "publicly_accessible", False),),
        mutations=(set_("PubliclyAccessible", True), if_("PubliclyAccessible", True)),
    ),
    RuleSpec(
        "RdsMasterSecretRotated",
        "secrets",
        (INSTANCE, CLUSTER),
        "The database's master password is not a rotated Secrets Manager secret.",
        "Let RDS manage the master password in Secrets Manager (ManageMasterUserPassword, rotated every 7 "
        "days by RDS without a Lambda function), or resolve it from a secret with an "
        "AWS::SecretsManager::RotationSchedule (in a network without egress, the rotation function needs a "
        "Secrets Manager endpoint).",
        E,
        rds_master_secret_rotated,
        paths=("ManageMasterUserPassword", "MasterUserPassword", "MasterUserSecret"),
        finding_ids=("NotRotated", "PlaintextPassword"),
        settings=(Setting(_INSTANCE, "its master password", via="wired"),),
        stock_ids=("AwsSolutions-SMG4",),
        mutations=(
            set_("ManageMasterUserPassword", False),
            set_("MasterUserPassword", "correct-Horse7-battery!"),
        ),
    ),
    RuleSpec(
        "RdsDeletionProtection",
        "general",
        (INSTANCE, CLUSTER),
        "The database can be deleted without first turning deletion protection off.",
        "Set DeletionProtection to true: deleting the stack, or a replacement, must not delete the data.",
        E,
        rds_deletion_protection,
        paths=("DeletionProtection",),
        settings=(Setting(_INSTANCE, "deletion_protection", True),),
        stock_ids=("AwsSolutions-RDS10",),
        mutations=(set_("DeletionProtection", False), if_("DeletionProtection", False)),
    ),
)
