"""Encryption at rest: KMS key rotation; log groups, queues, topics, tables, secrets and trails under KMS."""

from __future__ import annotations

from typing import Any

from .._model import Compliance, RuleResult
from .._template import TemplateContext, get_path, props

#: Where each resource type names its KMS key.
KMS_KEY_PROPERTY: dict[str, tuple[str, ...]] = {
    "AWS::Logs::LogGroup": ("KmsKeyId",),
    "AWS::SQS::Queue": ("KmsMasterKeyId",),
    "AWS::SNS::Topic": ("KmsMasterKeyId",),
    "AWS::SecretsManager::Secret": ("KmsKeyId",),
    "AWS::CloudTrail::Trail": ("KMSKeyId",),
}


def kms_key_rotation(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Symmetric KMS keys rotate their key material yearly or more often."""
    p = props(resource)
    spec = ctx.literal(p.get("KeySpec", "SYMMETRIC_DEFAULT"), "KeySpec")
    if spec != "SYMMETRIC_DEFAULT":
        return Compliance.NOT_APPLICABLE  # asymmetric and HMAC keys cannot rotate automatically
    off = ctx.decide(p.get("EnableKeyRotation"), lambda v: v not in (True, "true"), "EnableKeyRotation")
    return Compliance.NON_COMPLIANT if off else Compliance.COMPLIANT


def kms_key_set(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The resource is encrypted with a KMS key (the key property is set)."""
    (prop,) = KMS_KEY_PROPERTY[str(resource.get("Type"))]
    missing = ctx.decide(props(resource).get(prop), lambda v: v in (None, ""), prop)
    return Compliance.NON_COMPLIANT if missing else Compliance.COMPLIANT


def dynamodb_kms(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """DynamoDB tables use a customer managed KMS key (SSEEnabled with KMSMasterKeyId)."""
    sse = props(resource).get("SSESpecification")
    enabled = ctx.decide(get_path(sse, "SSEEnabled"), lambda v: v in (True, "true"), "SSEEnabled")
    if not enabled:
        return Compliance.NON_COMPLIANT
    if resource.get("Type") == "AWS::DynamoDB::GlobalTable":
        replicas = get_path(props(resource), "Replicas") or []
        keyed = all(
            get_path(r, "SSESpecification", "KMSMasterKeyId") for r in replicas if isinstance(r, dict)
        )
        return Compliance.COMPLIANT if replicas and keyed else Compliance.NON_COMPLIANT
    return Compliance.COMPLIANT if get_path(sse, "KMSMasterKeyId") else Compliance.NON_COMPLIANT
