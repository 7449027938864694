"""Small builders shared by every construct: per-stack KMS keys, encrypted log groups, encrypted queues.

One stack-level key protects the stack's operational data (log groups, Lambda environments, dead-letter
queues, the alarm topic): it keeps the cost ($1-3/month per key) and the stack's resource count down, and
sharing it is safe because isolation never came from the key boundary. Each AWS service may use the key only
through its own key-policy statement (CloudWatch Logs only for this account's log groups, by encryption
context), and IAM principals only through their own scoped grants (the key policy delegates to IAM in the
same account, as CDK keys do by default); docs/compute.md has the argument.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ._context import StackContext
from .errors import SecureConstructsError

KEY_ID_PREFIX = "SecureConstructsKey"
_PURPOSE = re.compile(r"^[A-Z][A-Za-z0-9]{0,40}$")

#: Actions a service principal named in ``stack_key(services=...)`` may use (envelope encryption only).
SERVICE_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey*")

#: Purpose of the stack's one key for its operational data (``SecureConstructsKeyOperations``).
OPERATIONS_KEY_PURPOSE = "Operations"
_OPERATIONS_KEY_DESCRIPTION = (
    "Encrypts the operational data of this stack: log groups, Lambda environment variables, dead-letter "
    "queues and the alarm topic"
)
_LOGS_SID = "AllowCloudWatchLogsForThisAccountsLogGroups"


def stack_key(scope: Construct, purpose: str, *, description: str, services: Sequence[str] = ()) -> kms.Key:
    """The stack's customer-managed key for ``purpose`` (``SecureConstructsKey<Purpose>``), made on first use.

    :param scope: any construct in the stack that owns the key.
    :param purpose: a CamelCase word naming what the key protects (``"Operations"``, ``"CognitoSender"``).
        Default: none (required).
    :param description: the key's description, used when the key is created. Default: none (required).
    The key is retained when it leaves the stack (data encrypted under it must stay readable); schedule its
    deletion by hand once nothing needs it.

    :param services: service principals (e.g. ``"sns.amazonaws.com"``) allowed ``kms:Decrypt`` and
        ``kms:GenerateDataKey*`` through the key policy, restricted to this account with
        ``aws:SourceAccount``; added to an existing key too. Default: no service principal.
    """
    if not _PURPOSE.match(purpose):
        raise SecureConstructsError(
            "SC-GEN-005",
            scope,
            "the key purpose must be a CamelCase word",
            received=purpose,
            fix="Pass e.g. 'Logs' or 'Queues'",
        )
    context = StackContext.of(scope)
    key = context.keys.get(purpose)
    if key is None:
        key = context.keys[purpose] = kms.Key(
            context.stack,
            f"{KEY_ID_PREFIX}{purpose}",
            description=description,
            enable_key_rotation=True,
            # A key that protects data must outlive the stack: deleting it makes the data unreadable.
            removal_policy=RemovalPolicy.RETAIN,
        )
    for service in services:
        _allow_service(key, service)
    return key


def add_key_statement_once(key: kms.Key, sid: str, statement: Callable[[], iam.PolicyStatement]) -> None:
    """Add ``statement()`` (whose Sid is ``sid``) to the policy of a stack key, unless it is there already
    (the stack's context records which statements were added)."""
    added = StackContext.of(key).key_statements
    if (key, sid) not in added:
        added.add((key, sid))
        key.add_to_resource_policy(statement())


def _allow_service(key: kms.Key, service: str) -> None:
    sid = f"AllowService{_sid(service)}"
    add_key_statement_once(
        key,
        sid,
        lambda: iam.PolicyStatement(
            sid=sid,
            principals=[iam.ServicePrincipal(service)],
            actions=list(SERVICE_KEY_ACTIONS),
            resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": Stack.of(key).account}},
        ),
    )


def _sid(text: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def operations_key(scope: Construct, *, services: Sequence[str] = ()) -> kms.Key:
    """The stack's key for its operational data (log groups, Lambda environments, dead-letter queues, the
    alarm topic), made on first use; ``services`` as in :func:`stack_key`."""
    return stack_key(
        scope, OPERATIONS_KEY_PURPOSE, description=_OPERATIONS_KEY_DESCRIPTION, services=services
    )


def logs_key(scope: Construct) -> kms.Key:
    """The stack's operations key, usable by CloudWatch Logs only for this account's log groups."""
    stack = Stack.of(scope)
    key = operations_key(scope)
    # Documented pattern ("Encrypt log data in CloudWatch Logs using AWS KMS"): the Logs service principal of
    # this region, limited by the aws:logs:arn encryption context to this account's log groups.
    add_key_statement_once(
        key,
        _LOGS_SID,
        lambda: iam.PolicyStatement(
            sid=_LOGS_SID,
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=[
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": (
                        f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
                    )
                }
            },
        ),
    )
    return key


def encrypted_log_group(
    scope: Construct,
    id: str,
    *,
    retention: logs.RetentionDays,
    removal_policy: RemovalPolicy,
    key: kms.IKey | None = None,
) -> logs.LogGroup:
    """A KMS-encrypted log group with an explicit retention and removal policy.

    :param retention: how long log events are kept. Default: none (required; choose deliberately).
    :param removal_policy: what happens to the log group when it leaves the stack. Default: none (required).
    :param key: the KMS key that encrypts the log events; its policy must allow the CloudWatch Logs service.
        Default: the stack's operations key (:func:`logs_key`).
    """
    return logs.LogGroup(
        scope,
        id,
        retention=retention,
        removal_policy=removal_policy,
        encryption_key=key if key is not None else logs_key(scope),
    )


def secure_queue(
    scope: Construct,
    id: str,
    *,
    key: kms.IKey | None = None,
    retention: Duration | None = None,
) -> sqs.Queue:
    """An SQS queue encrypted with a customer-managed key that refuses non-TLS requests.

    :param key: the KMS key that encrypts messages; producers need ``kms:GenerateDataKey`` on it (CDK's
        ``grant_send_messages`` adds it). Default: the stack's operations key.
    :param retention: how long messages are kept (at most 14 days). Default: 14 days, the SQS maximum, so
        that failed events stay available for inspection and redrive as long as possible.
    """
    return sqs.Queue(
        scope,
        id,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key
        if key is not None
        else operations_key(scope),
        enforce_ssl=True,
        retention_period=retention if retention is not None else Duration.days(14),
    )
