"""Encryption at rest: KMS key rotation; log groups, queues, topics, tables, secrets and trails under a
customer managed KMS key (an AWS managed key, ``alias/aws/...``, cannot be limited by a key policy)."""

from __future__ import annotations

from typing import Any

from .._model import Cdk, Compliance, RuleResult, RuleSpec, Setting, if_, remove, set_
from .._template import MISSING, NO_VALUE, TemplateContext, flatten, get_path, props
from ._common import E, truthy

#: Where each resource type names its KMS key.
KMS_KEY_PROPERTY: dict[str, tuple[str, ...]] = {
    "AWS::Logs::LogGroup": ("KmsKeyId",),
    "AWS::SQS::Queue": ("KmsMasterKeyId",),
    "AWS::SNS::Topic": ("KmsMasterKeyId",),
    "AWS::SecretsManager::Secret": ("KmsKeyId",),
    "AWS::CloudTrail::Trail": ("KMSKeyId",),
}


def aws_managed_key(value: Any) -> bool:
    """Whether a key id, ARN or alias names an AWS managed key (``alias/aws/sqs``, ``...:alias/aws/sns``)."""
    text = flatten(value) if not isinstance(value, str) else value
    return isinstance(text, str) and ("alias/aws/" in text)


def kms_key_rotation(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Symmetric KMS keys rotate their key material yearly or more often."""
    p = props(resource)
    spec = ctx.literal(p.get("KeySpec", "SYMMETRIC_DEFAULT"), "KeySpec")
    if spec != "SYMMETRIC_DEFAULT":
        return Compliance.NOT_APPLICABLE  # asymmetric and HMAC keys cannot rotate automatically
    why = ctx.insecure_when(
        p.get("EnableKeyRotation"), lambda v: not truthy(ctx.literal(v, "EnableKeyRotation"))
    )
    return [] if why is None else [(None, f"EnableKeyRotation is not true{why}")]


def kms_key_set(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The resource is encrypted with a customer managed KMS key (the key property names one)."""
    (prop,) = KMS_KEY_PROPERTY[str(resource.get("Type"))]
    why = ctx.insecure_when(
        props(resource).get(prop),
        lambda v: v is MISSING or v in (None, "") or aws_managed_key(v),
    )
    return [] if why is None else [(None, f"{prop} is absent or names an AWS managed key{why}")]


def dynamodb_kms(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """DynamoDB tables use a customer managed KMS key (SSEEnabled with KMSMasterKeyId)."""
    sse = props(resource).get("SSESpecification")
    if resource.get("Type") == "AWS::DynamoDB::GlobalTable":
        if not truthy(get_path(sse, "SSEEnabled")) or get_path(sse, "SSEType") not in ("KMS", None):
            return Compliance.NON_COMPLIANT
        replicas = get_path(props(resource), "Replicas") or []
        keyed = all(
            (key := get_path(r, "SSESpecification", "KMSMasterKeyId")) and not aws_managed_key(key)
            for r in replicas
            if isinstance(r, dict)
        )
        return Compliance.COMPLIANT if replicas and keyed else Compliance.NON_COMPLIANT
    enabled = ctx.insecure_when(
        get_path(sse, "SSEEnabled"), lambda v: not truthy(ctx.literal(v, "SSEEnabled"))
    )
    if enabled is not None:
        return [(None, f"SSEEnabled is not true{enabled}")]
    key = get_path(sse, "KMSMasterKeyId")
    return Compliance.COMPLIANT if key and not aws_managed_key(key) else Compliance.NON_COMPLIANT


def _kms(
    name: str,
    resource_type: str,
    what: str,
    *,
    settings: tuple[Setting, ...] = (),
    mutations: tuple[Any, ...] = (),
) -> RuleSpec:
    prop = KMS_KEY_PROPERTY[resource_type][0]
    return RuleSpec(
        name,
        "encryption",
        (resource_type,),
        f"The {what} is not encrypted with a customer managed KMS key.",
        f"Set {prop} to a customer managed KMS key with rotation on, so that access to the data "
        "also needs kms:Decrypt and is logged in CloudTrail (an AWS managed key, alias/aws/..., cannot be "
        "limited by a key policy).",
        E,
        kms_key_set,
        paths=(prop,),
        settings=settings,
        mutations=(remove(prop), if_(prop, NO_VALUE), *mutations),
    )


RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "KmsKeyRotation",
        "encryption",
        ("AWS::KMS::Key",),
        "Automatic rotation of the KMS key is off.",
        "Set EnableKeyRotation to true (enable_key_rotation in CDK).",
        E,
        kms_key_rotation,
        paths=("EnableKeyRotation",),
        mutations=(
            set_("EnableKeyRotation", False),
            remove("EnableKeyRotation"),
            if_("EnableKeyRotation", False),
        ),
    ),
    _kms(
        "LogGroupKms",
        "AWS::Logs::LogGroup",
        "log group",
        settings=(
            Setting("SecureRestApi", "log_key", via="parameter"),
            Setting("SecureHttpApi", "log_key", via="parameter"),
            Setting("aws_logs.LogGroup", "encryption_key", via="harden"),
        ),
    ),
    _kms(
        "SqsQueueKms",
        "AWS::SQS::Queue",
        "queue",
        settings=(
            Setting("SecureFunction", "dead_letter_queue", via="parameter"),
            Setting("aws_sqs.Queue", "encryption", Cdk("aws_sqs.QueueEncryption.KMS"), via="harden"),
            Setting("aws_sqs.Queue", "encryption_master_key", via="harden"),
        ),
        mutations=(set_("KmsMasterKeyId", "alias/aws/sqs"),),
    ),
    _kms(
        "SnsTopicKms",
        "AWS::SNS::Topic",
        "topic",
        settings=(Setting("aws_sns.Topic", "master_key", via="harden"),),
        mutations=(set_("KmsMasterKeyId", "alias/aws/sns"),),
    ),
    _kms(
        "SecretKms",
        "AWS::SecretsManager::Secret",
        "secret",
        settings=(Setting("aws_secretsmanager.Secret", "encryption_key", via="harden"),),
        mutations=(set_("KmsKeyId", "alias/aws/secretsmanager"),),
    ),
    _kms("TrailKms", "AWS::CloudTrail::Trail", "trail"),
    RuleSpec(
        "DynamoDbKms",
        "encryption",
        ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"),
        "The table is not encrypted with a customer managed KMS key.",
        "Set SSESpecification {SSEEnabled: true, SSEType: KMS, KMSMasterKeyId: <key>} "
        "(encryption=CUSTOMER_MANAGED in CDK).",
        E,
        dynamodb_kms,
        paths=("SSESpecification", "Replicas"),
        settings=(
            Setting(
                "aws_dynamodb.Table",
                "encryption",
                Cdk("aws_dynamodb.TableEncryption.CUSTOMER_MANAGED"),
                via="harden",
            ),
            Setting("aws_dynamodb.Table", "encryption_key", via="harden"),
            Setting("aws_dynamodb.TableV2", "encryption", via="harden"),
        ),
        mutations=(remove("SSESpecification"),),
    ),
)
