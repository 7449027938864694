"""Secure defaults for the audit trail, its storage and its security metric filters, as plain data.

``docs/audit-and-alarms.md`` documents each value and what it costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3

from ..nag.declarations import defaults_of

#: Advanced event selectors: CloudTrail accepts at most 500 values over all conditions of one trail.
MAX_SELECTOR_VALUES = 500

#: How long the trail's CloudWatch Logs copy is kept (it feeds the security alarms; S3 holds the archive).
LOG_GROUP_RETENTION = logs.RetentionDays.ONE_YEAR
#: Trail log files in S3: to Infrequent Access after 30 days, Glacier Instant Retrieval after 90, deleted
#: after 400 days (one year plus a margin, the retention most audit regimes ask for). ``None`` keeps forever.
LOG_FILES_INFREQUENT_ACCESS_AFTER = Duration.days(30)
LOG_FILES_GLACIER_AFTER = Duration.days(90)
LOG_FILES_EXPIRE_AFTER: Duration | None = Duration.days(400)
#: Replaced or deleted log file versions (versioning is on) are kept this long, then removed.
NONCURRENT_VERSIONS_EXPIRE_AFTER = Duration.days(30)
#: Server access logs of the trail bucket.
ACCESS_LOGS_EXPIRE_AFTER = Duration.days(400)


def trail_props() -> dict[str, Any]:
    """Keyword arguments for ``aws_cloudtrail.Trail``.

    Bucket, key, log group, name and CloudWatch Logs delivery are managed by the construct; the rest are the
    declared secure defaults (file validation, global service events, every region;
    ``secure_constructs.nag.rules.cloudtrail``).
    """
    return defaults_of("DataEventsTrail")


def trail_bucket_props() -> dict[str, Any]:
    """Keyword arguments for the trail's log file bucket (its key and access log target are managed)."""
    return {
        "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
        "enforce_ssl": True,
        "minimum_tls_version": 1.2,
        "versioned": True,
        "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        # No S3 Bucket Key: with one, S3 (not CloudTrail) calls KMS with the bucket as encryption context,
        # which the key policy's per-trail condition would refuse. CloudTrail writes one file per region
        # every few minutes, so the saving would be cents.
        "bucket_key_enabled": False,
    }


def access_logs_bucket_props() -> dict[str, Any]:
    """Keyword arguments for the bucket receiving the trail bucket's server access logs.

    S3 server access logging delivers only to a bucket with SSE-S3 (or SSE-KMS with a key that grants the
    logging service); SSE-S3 keeps the log-of-logs bucket free of a second key policy to maintain.
    """
    return {
        "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
        "enforce_ssl": True,
        "minimum_tls_version": 1.2,
        "versioned": True,
        "encryption": s3.BucketEncryption.S3_MANAGED,
        "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    }


@dataclass(frozen=True)
class SecurityFilter:
    """A metric filter on the trail's log group and the alarm on it."""

    id: str
    subject: str
    pattern: str


def _any_event(names: tuple[str, ...]) -> str:
    return " || ".join(f"($.eventName = {name})" for name in names)


#: IAM policy changes (CIS AWS Foundations 4.4) plus changes to roles' trust policies and permission
#: boundaries, which is how a function's role is widened without touching a policy document.
IAM_POLICY_EVENTS = (
    "DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy",
    "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
    "SetDefaultPolicyVersion", "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy",
    "AttachGroupPolicy", "DetachGroupPolicy", "UpdateAssumeRolePolicy", "PutRolePermissionsBoundary",
    "DeleteRolePermissionsBoundary",
)
CLOUDTRAIL_CONFIG_EVENTS = (
    "CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging", "PutEventSelectors",
)

SECURITY_FILTERS: tuple[SecurityFilter, ...] = (
    SecurityFilter(
        "UnauthorizedApiCalls",
        "API calls refused for lack of permission (probing, or a role that lost a permission it needs)",
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    ),
    SecurityFilter(
        "IamPolicyChanges",
        "an IAM policy, role trust policy or permissions boundary changed (the functions' roles included)",
        "{ " + _any_event(IAM_POLICY_EVENTS) + " }",
    ),
    SecurityFilter(
        "KmsKeyDisabledOrScheduledForDeletion",
        "a KMS key was disabled or scheduled for deletion (data encrypted with it becomes unreadable)",
        '{ ($.eventSource = "kms.amazonaws.com") && (($.eventName = DisableKey) || '
        "($.eventName = ScheduleKeyDeletion)) }",
    ),
    SecurityFilter(
        "CloudTrailConfigChanges",
        "a trail was created, changed, deleted, stopped or started, or its event selectors changed",
        "{ " + _any_event(CLOUDTRAIL_CONFIG_EVENTS) + " }",
    ),
)

#: Credentials of a function's role used from outside Lambda. Lambda runtimes' SDKs send a user agent with
#: ``exec-env/AWS_Lambda_<runtime>``; AWS services acting with the role show an ``*.amazonaws.com`` source.
#: ``{role_prefix}`` is replaced by the role-name prefix of the stack's roles.
EXFILTRATION_PATTERN = (
    '{ ($.userIdentity.type = "AssumedRole") && '
    '($.userIdentity.sessionContext.sessionIssuer.userName = "{role_prefix}*") && '
    '($.userAgent != "*exec-env/AWS_Lambda*") && ($.sourceIPAddress != "*.amazonaws.com") }'
)
EXFILTRATION_ID = "FunctionCredentialsUsedOutsideLambda"
EXFILTRATION_SUBJECT = (
    "a role of this stack (the functions' roles) was used by a caller that is neither a Lambda runtime "
    "nor an AWS service: its temporary credentials may have been stolen"
)
#: CloudFormation names a role ``<stack name>-<logical id>-<suffix>`` and shortens long stack names; this
#: many leading characters of the stack name are used as the prefix.
ROLE_PREFIX_LENGTH = 20
