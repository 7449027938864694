"""Kinds of resources a call can be bound to: their CloudFormation types, the Service Authorization
Reference resource types they provide (with the ARN suffix of each), and where their KMS key is set."""

from __future__ import annotations

from . import _iam

#: kind -> {reference resource type: ARN suffix after the resource's own ARN}
RESOURCE_TYPES: dict[str, dict[str, str]] = {
    "bucket": {"bucket": "", "object": "/*"},
    "table": {"table": "", "index": "/index/{index}"},
    "queue": {"queue": ""},
    "topic": {"topic": ""},
    "secret": {"secret": ""},
    "parameter": {"parameter": ""},
    "key": {"key": ""},
    "function": {"function": ""},
    "statemachine": {"statemachine": ""},
    "stream": {"stream": ""},
    "event-bus": {"event-bus": ""},
    "log-group": {"log-group": ""},
}
CFN_KIND: dict[str, str] = {
    "AWS::S3::Bucket": "bucket",
    "AWS::DynamoDB::Table": "table",
    "AWS::DynamoDB::GlobalTable": "table",
    "AWS::SQS::Queue": "queue",
    "AWS::SNS::Topic": "topic",
    "AWS::SecretsManager::Secret": "secret",
    "AWS::SSM::Parameter": "parameter",
    "AWS::KMS::Key": "key",
    "AWS::Lambda::Function": "function",
    "AWS::StepFunctions::StateMachine": "statemachine",
    "AWS::Kinesis::Stream": "stream",
    "AWS::Events::EventBus": "event-bus",
    "AWS::Logs::LogGroup": "log-group",
}
#: Where each CloudFormation type names its customer managed KMS key (property path).
KMS_KEY_PATH: dict[str, tuple[str, ...]] = {
    "AWS::SQS::Queue": ("KmsMasterKeyId",),
    "AWS::SNS::Topic": ("KmsMasterKeyId",),
    "AWS::SecretsManager::Secret": ("KmsKeyId",),
    "AWS::Kinesis::Stream": ("StreamEncryption", "KeyId"),
    "AWS::DynamoDB::Table": ("SSESpecification", "KMSMasterKeyId"),
    "AWS::DynamoDB::GlobalTable": ("SSESpecification", "KMSMasterKeyId"),
}


def suffix_for(action: str, kind: str, index: str | None) -> str | None:
    """The ARN suffix ``action`` needs on a resource of ``kind`` ("" for the resource itself, "/*" for a
    bucket's objects, "/index/NAME" for a table's index), or None when it does not act on that kind."""
    available = RESOURCE_TYPES.get(kind, {})
    types = [t for t in _iam.resource_types(action) if t in available]
    if not types:
        return None
    if kind == "table":
        if index is not None and "index" in types:
            return available["index"].format(index=index)
        return "" if "table" in types else None
    return available[types[0]]
