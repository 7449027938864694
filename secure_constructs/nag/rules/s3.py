"""S3 buckets: public access blocked, versioned, owned by the bucket owner, access-logged and encrypted
with a customer managed key (TLS is in ``transport``). The bucket that receives server access logs is
exempt from logging to itself and from KMS, which S3 log delivery does not support."""

from __future__ import annotations

from typing import Any

from .._model import Cdk, Compliance, RuleResult, RuleSpec, Setting, if_, remove, set_
from .._template import MISSING, TemplateContext, as_list, get_path, props, strings_in, when
from ._common import E, expect, names_of, truthy
from .encryption import aws_managed_key

BUCKET = ("AWS::S3::Bucket",)
PUBLIC_ACCESS_FLAGS = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
_WIRED = (Setting("DataEventsTrail", "its buckets", via="wired"),)
#: The plain class ``harden()`` gives the same properties (``via="harden"``).
L2 = "aws_s3.Bucket"


def s3_public_access_block(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """All four public access blocks are on."""
    findings: list[str | tuple[str | None, str]] = []
    for flag in PUBLIC_ACCESS_FLAGS:
        for value, conds in ctx.at(props(resource), f"PublicAccessBlockConfiguration.{flag}"):
            if value is MISSING or not truthy(ctx.literal(value, flag)):
                findings.append((f"Missing::{flag}", f"{flag} is not true{when(conds)}"))
                break
    return findings


s3_versioning = expect("VersioningConfiguration.Status", lambda v: v == "Enabled")


def s3_object_ownership(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """ACLs are disabled (ObjectOwnership BucketOwnerEnforced): the bucket owner owns every object."""
    for value, conds in ctx.at(props(resource), "OwnershipControls.Rules"):
        rules = [] if value is MISSING else as_list(ctx.literal(value, "OwnershipControls.Rules"))
        modes = [get_path(r, "ObjectOwnership") for r in rules if isinstance(r, dict)]
        if modes != ["BucketOwnerEnforced"]:
            return [(None, f"ObjectOwnership is {modes[0] if modes else 'absent'}{when(conds)}")]
    return []


def access_log_destinations(ctx: TemplateContext) -> set[str]:
    """Logical ids of the buckets that receive another bucket's server access logs."""

    def find() -> set[str]:
        buckets = ctx.of_type("AWS::S3::Bucket")
        by_name = {name: lid for lid, _ in buckets for name in names_of(ctx, lid, "BucketName")}
        out: set[str] = set()
        for lid, bucket in buckets:
            # in any Fn::If branch; by Ref, or by the literal name the destination is given
            target = props(bucket).get("LoggingConfiguration")
            named = {by_name[text] for text in strings_in(target) if text in by_name}
            out.update(ref for ref in ctx.references(target) | named if ref != lid)
        return out

    return ctx.memo("access-log-destinations", find)


def s3_access_logging(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The bucket logs its access to another bucket (exempt: the bucket that receives access logs)."""
    if logical_id in access_log_destinations(ctx):
        return Compliance.NOT_APPLICABLE  # declared exemption: it would log to itself
    return _logging(logical_id, resource, ctx)


_logging = expect(
    "LoggingConfiguration.DestinationBucketName", lambda v: v not in (MISSING, None, ""), literal=False
)


def s3_kms(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Objects are encrypted with a customer managed KMS key (exempt: the bucket that receives server access
    logs, which S3 only delivers with SSE-S3)."""
    from .alb import load_balancer_log_buckets  # ALB log delivery, too, supports SSE-S3 only

    exempt = logical_id in access_log_destinations(ctx) or logical_id in load_balancer_log_buckets(ctx)
    for value, conds in ctx.at(props(resource), "BucketEncryption.ServerSideEncryptionConfiguration"):
        rules = [] if value is MISSING else as_list(ctx.literal(value, "ServerSideEncryptionConfiguration"))
        default = get_path(rules[0], "ServerSideEncryptionByDefault") if rules else None
        algorithm = get_path(default, "SSEAlgorithm")
        key = get_path(default, "KMSMasterKeyID")
        if exempt and (value is MISSING or algorithm in ("AES256", "aws:kms", "aws:kms:dsse")):
            continue  # S3 log delivery needs SSE-S3, which S3 applies to a bucket without a configuration
        if algorithm not in ("aws:kms", "aws:kms:dsse") or key in (None, "") or aws_managed_key(key):
            return [
                (None, f"SSEAlgorithm {algorithm or 'absent'} without a customer managed key{when(conds)}")
            ]
    return Compliance.NOT_APPLICABLE if exempt else []  # the declared exemption


#: What the trail's buckets set that is not a security property, and why.
NOT_SECURITY_RELEVANT = {
    (
        "AWS::S3::Bucket",
        "LifecycleConfiguration",
    ): "cost: log files move to cheaper storage and expire after 400 "
    "days (documented in docs/audit-and-alarms.md); the versioning that protects them is declared",
}

RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "S3PublicAccessBlock",
        "network",
        BUCKET,
        "The bucket does not block public access (all four public access blocks).",
        "Set PublicAccessBlockConfiguration with BlockPublicAcls, BlockPublicPolicy, IgnorePublicAcls and "
        "RestrictPublicBuckets true (block_public_access=BlockPublicAccess.BLOCK_ALL in CDK).",
        E,
        s3_public_access_block,
        paths=("PublicAccessBlockConfiguration",),
        finding_ids=tuple(f"Missing::{flag}" for flag in PUBLIC_ACCESS_FLAGS),
        settings=(
            *_WIRED,
            Setting(L2, "block_public_access", Cdk("aws_s3.BlockPublicAccess.BLOCK_ALL"), via="harden"),
        ),
        stock_ids=("AwsSolutions-S2",),
        mutations=(
            set_("PublicAccessBlockConfiguration.RestrictPublicBuckets", False),
            remove("PublicAccessBlockConfiguration"),
            if_("PublicAccessBlockConfiguration.BlockPublicPolicy", False),
        ),
    ),
    RuleSpec(
        "S3Versioning",
        "general",
        BUCKET,
        "The bucket is not versioned.",
        "Set VersioningConfiguration.Status to Enabled (versioned=True in CDK), so that an overwritten or "
        "deleted object can be recovered.",
        E,
        s3_versioning,
        paths=("VersioningConfiguration",),
        settings=(*_WIRED, Setting(L2, "versioned", True, via="harden")),
        mutations=(remove("VersioningConfiguration"), set_("VersioningConfiguration.Status", "Suspended")),
    ),
    RuleSpec(
        "S3ObjectOwnership",
        "iam",
        BUCKET,
        "Object ACLs are enabled (ObjectOwnership is not BucketOwnerEnforced).",
        "Set OwnershipControls to BucketOwnerEnforced (object_ownership=BUCKET_OWNER_ENFORCED in CDK): ACLs "
        "are disabled and the bucket owner owns, and controls access to, every object.",
        E,
        s3_object_ownership,
        paths=("OwnershipControls",),
        settings=(
            *_WIRED,
            Setting(
                L2, "object_ownership", Cdk("aws_s3.ObjectOwnership.BUCKET_OWNER_ENFORCED"), via="harden"
            ),
        ),
        mutations=(
            set_("OwnershipControls.Rules", [{"ObjectOwnership": "ObjectWriter"}]),
            remove("OwnershipControls"),
        ),
    ),
    RuleSpec(
        "S3AccessLogging",
        "logging",
        BUCKET,
        "The bucket does not log its access.",
        "Set LoggingConfiguration.DestinationBucketName to a hardened access-log bucket (server_access_logs_"
        "bucket in CDK).",
        E,
        s3_access_logging,
        paths=("LoggingConfiguration",),
        settings=(*_WIRED, Setting(L2, "server_access_logs_bucket", via="harden")),
        stock_ids=("AwsSolutions-S1",),
        mutations=(remove("LoggingConfiguration"),),
        exemption="A bucket that receives another bucket's server access logs is not asked to log to itself.",
    ),
    RuleSpec(
        "S3Kms",
        "encryption",
        BUCKET,
        "The bucket is not encrypted with a customer managed KMS key.",
        "Set BucketEncryption to SSE-KMS with a customer managed key (encryption=BucketEncryption.KMS and "
        "encryption_key in CDK), so that reading an object also needs kms:Decrypt.",
        E,
        s3_kms,
        paths=("BucketEncryption",),
        settings=(
            *_WIRED,
            Setting(L2, "encryption", Cdk("aws_s3.BucketEncryption.KMS"), via="harden"),
            Setting(L2, "encryption_key", via="harden"),
        ),
        mutations=(
            set_(
                "BucketEncryption.ServerSideEncryptionConfiguration",
                [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}],
            ),
        ),
        exemption="A bucket that receives server access logs may use SSE-S3: S3 log delivery does not "
        "support SSE-KMS.",
    ),
)
