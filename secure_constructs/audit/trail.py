"""DataEventsTrail: a CloudTrail trail that records Lambda Invoke data events (and, on request, S3 object and
DynamoDB item events) besides all management events, stored so that the logs can be trusted and kept at a
bounded cost, with security alarms on its CloudWatch Logs copy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jsii
from aws_cdk import (
    ArnFormat,
    CfnResource,
    Duration,
    IAnyProducer,
    IResolveContext,
    Lazy,
    Names,
    RemovalPolicy,
    Stack,
    Token,
)
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct, IValidation

from .._defaults import cloudtrail as _d
from .._overrides import Guard
from .._shared import encrypted_log_group
from .._sources import record_creation_site
from ..acknowledgments import acknowledge
from ..errors import SecureConstructsError
from ..monitoring.thresholds import SecurityEventThresholds
from .security_alarms import SecurityAlarms

MANAGED = (
    "bucket",
    "encryption_key",
    "cloud_watch_log_group",
    "cloud_watch_logs_retention",
    "send_to_cloud_watch_logs",
    "management_events",
    "trail_name",
)


class DataEventsTrail(Construct):
    """A CloudTrail trail for a serverless stack, with data events for its functions and hardened storage.

    Records management events (read and write) and Lambda ``Invoke`` data events for the stack's functions
    through advanced event selectors; multi-region, global service events, log file validation, KMS
    encryption with a key only this trail may use, delivery to an encrypted CloudWatch Logs group, an S3
    bucket that blocks public access, refuses non-TLS requests, is versioned, KMS-encrypted, logs its access
    to a second hardened bucket and ages its objects out. Security alarms watch the log group.

    Exposes ``trail``, ``bucket``, ``access_logs_bucket``, ``key``, ``log_group``, ``trail_arn`` and
    ``security_alarms`` (``None`` when turned off).

    :param scope: parent construct. Default: none (required).
    :param id: construct id. Default: none (required).
    :param functions: functions whose Invoke data events are recorded (``SecureFunction`` or
        ``lambda_.Function``). Default: every Lambda function in the trail's stack, found at synth time
        (functions added after the trail are included); in a stack without functions (an audit stack of
        its own), every function of the account. ``[]`` records no Lambda data events.
    :param s3_buckets: buckets whose object-level events (GetObject, PutObject, ...) are recorded.
        Default: none (S3 data events are billed per event; ask for them where the data is sensitive).
    :param dynamodb_tables: tables whose item-level events are recorded. Default: none (billed per event).
    :param log_group_retention: how long the CloudWatch Logs copy is kept. Default: one year.
    :param log_files_expire_after: when log files are deleted from the bucket, or ``None`` to keep them.
        Default: 400 days (after 30 days in Infrequent Access and from day 90 in Glacier Instant Retrieval).
    :param removal_policy: what happens to the key, buckets and log group when they leave the stack.
        Default: ``RemovalPolicy.RETAIN`` (audit logs outlive the stack).
    :param security_alarms: create the security metric filters and alarms. Default: True.
    :param security_thresholds: ``{disambiguator: SecurityEventThresholds}`` for the security alarms.
        Default: ``{"Critical": SecurityEventThresholds()}`` (any matching event in 5 minutes).
    :param function_role_prefix: role-name prefix identifying the functions' roles for the "credentials
        used outside Lambda" alarm. Default: the first 20 characters of the stack name (CloudFormation names
        roles after the stack).
    :param topic: SNS topic the security alarms notify. Default: the stack's encrypted alarm topic.
    :param action: alarm action instead of a topic. Default: none.
    :param overrides: any keyword argument of ``aws_cloudtrail.Trail`` except the managed ones (bucket, key,
        log group, name, management events). Default: none.
    :param accepted_risks: ``{override key: reason}`` for overrides that weaken file validation, multi-region
        or global service events. Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        functions: Sequence[Any] | None = None,
        s3_buckets: Sequence[s3.IBucket] = (),
        dynamodb_tables: Sequence[dynamodb.ITable] = (),
        log_group_retention: logs.RetentionDays = _d.LOG_GROUP_RETENTION,
        log_files_expire_after: Duration | None = _d.LOG_FILES_EXPIRE_AFTER,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        security_alarms: bool = True,
        security_thresholds: Mapping[str, SecurityEventThresholds] | None = None,
        function_role_prefix: str | None = None,
        topic: sns.ITopic | None = None,
        action: cloudwatch.IAlarmAction | None = None,
        overrides: Mapping[str, Any] | None = None,
        accepted_risks: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        record_creation_site(self)
        stack = Stack.of(self)
        # validate and merge
        guard = Guard(
            self,
            "DataEventsTrail",
            accepted_risks,
            parameters={"removal_policy": removal_policy, "log_group_retention": log_group_retention},
        )
        props = guard.merge(cloudtrail.Trail, _d.trail_props(), overrides, managed=MANAGED)
        function_arns = None if functions is None else [_function_arn(self, f) for f in functions]
        bucket_arns = [_bucket_arn(self, b) for b in s3_buckets]
        table_arns = [_table_arn(self, t) for t in dynamodb_tables]
        lifecycle = _lifecycle(self, log_files_expire_after)

        # build: the trail's name, its key, the buckets, the log group, the trail
        self.trail_name = Names.unique_resource_name(self, max_length=128, separator="-")
        self.trail_arn = stack.format_arn(
            service="cloudtrail", resource="trail", resource_name=self.trail_name,
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        self.key = kms.Key(
            self,
            "Key",
            description=f"Encrypts the log files of the CloudTrail trail {self.trail_name}",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        _allow_this_trail(self.key, self.trail_arn)
        self.access_logs_bucket = self._new_access_logs_bucket(removal_policy)
        self.bucket = self._new_bucket(removal_policy, lifecycle)
        self.log_group = encrypted_log_group(self, "LogGroup", retention=log_group_retention,
                                             removal_policy=removal_policy)
        self.trail = cloudtrail.Trail(
            self,
            "Trail",
            bucket=self.bucket,
            encryption_key=self.key,
            cloud_watch_log_group=self.log_group,
            send_to_cloud_watch_logs=True,
            trail_name=self.trail_name,
            **props,
        )
        guard.check(self.trail, self.log_group)
        self._limit_delivery_to_this_trail()
        self._select_events(_Selectors(self, function_arns, bucket_arns, table_arns))

        self.security_alarms: SecurityAlarms | None = None
        if security_alarms:
            prefix = function_role_prefix if function_role_prefix is not None else _role_prefix(stack)
            self.security_alarms = SecurityAlarms(
                self, "SecurityAlarms", log_group=self.log_group,
                namespace=f"SecureConstructs/Audit/{self.trail_name}", function_role_prefix=prefix,
                thresholds=security_thresholds, topic=topic, action=action,
            )

    # --- construction steps ---------------------------------------------------------------------------

    def _new_access_logs_bucket(self, removal_policy: RemovalPolicy) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            "AccessLogsBucket",
            removal_policy=removal_policy,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireAccessLogs",
                    expiration=_d.ACCESS_LOGS_EXPIRE_AFTER,
                    noncurrent_version_expiration=_d.NONCURRENT_VERSIONS_EXPIRE_AFTER,
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
            **_d.access_logs_bucket_props(),
        )
        acknowledge(
            bucket,
            "NIST.800.53.R5-S3DefaultEncryptionKMS",
            "S3 server access log delivery writes with SSE-S3; the objects are encrypted at rest with "
            "S3-managed keys, and the bucket blocks public access and non-TLS requests.",
        )
        return bucket

    def _new_bucket(self, removal_policy: RemovalPolicy, lifecycle: list[s3.LifecycleRule]) -> s3.Bucket:
        """The bucket of the log files, logging its access to the access-logs bucket."""
        bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            removal_policy=removal_policy,
            lifecycle_rules=lifecycle,
            **_d.trail_bucket_props(),
        )
        _log_access(bucket, self.access_logs_bucket, prefix="trail-bucket/")
        for each in (bucket, self.access_logs_bucket):
            acknowledge(
                each,
                "NIST.800.53.R5-S3BucketReplicationEnabled",
                "Audit logs are versioned, KMS- or S3-encrypted and integrity-validated in this account; "
                "copying them to another region or account is an organization-level choice (an organization "
                "trail to a log-archive account), not a per-stack one.",
            )
        return bucket

    def _limit_delivery_to_this_trail(self) -> None:
        logs_role = self.trail.node.try_find_child("LogsRole")
        if logs_role is not None:
            acknowledge(
                logs_role,
                "NIST.800.53.R5-IAMNoInlinePolicy",
                "Written by CDK's Trail construct for CloudTrail's own delivery role: it allows only "
                "logs:CreateLogStream and logs:PutLogEvents on this trail's log group, nothing else.",
            )
        # CDK's own bucket statements for CloudTrail are not limited to one trail: refuse every other trail.
        self.bucket.add_to_resource_policy(iam.PolicyStatement(
            sid="DenyCloudTrailDeliveryFromOtherTrails",
            effect=iam.Effect.DENY,
            principals=[iam.ServicePrincipal("cloudtrail.amazonaws.com")],
            actions=["s3:PutObject", "s3:GetBucketAcl"],
            resources=[self.bucket.bucket_arn, self.bucket.arn_for_objects("*")],
            conditions={"StringNotEquals": {"aws:SourceArn": self.trail_arn}},
        ))

    def _select_events(self, selectors: _Selectors) -> None:
        """Advanced event selectors, rendered at synth (so that functions added later are included)."""
        cfn_trail = self.trail.node.default_child
        assert isinstance(cfn_trail, cloudtrail.CfnTrail)
        cfn_trail.advanced_event_selectors = Lazy.uncached_any(selectors)
        # Basic and advanced selectors are exclusive; the L2 renders an empty basic list.
        cfn_trail.add_property_deletion_override("EventSelectors")
        self.node.add_validation(selectors)


@jsii.implements(IAnyProducer)
@jsii.implements(IValidation)
class _Selectors:
    """Renders the advanced event selectors at synth time (so that functions added later are included) and
    checks CloudTrail's 500-value limit."""

    def __init__(self, trail: DataEventsTrail, function_arns: list[str] | None, bucket_arns: list[str],
                 table_arns: list[str]) -> None:
        self._trail = trail
        self._function_arns = function_arns
        self._bucket_arns = bucket_arns
        self._table_arns = table_arns

    def produce(self, context: IResolveContext) -> Any:
        return self.selectors()

    def validate(self) -> list[str]:
        count = sum(len(f.get("equalTo", [])) + len(f.get("startsWith", []))
                    for s in self.selectors() for f in s["fieldSelectors"])
        if count > _d.MAX_SELECTOR_VALUES:
            return [str(SecureConstructsError(
                "SC-AUD-002",
                self._trail,
                f"the advanced event selectors hold {count} values; CloudTrail allows "
                f"{_d.MAX_SELECTOR_VALUES}",
                received=count,
                fix="Pass functions=[...] with the functions that matter, or use one trail per stack",
            ))]
        return []

    def function_arns(self) -> list[str]:
        if self._function_arns is not None:
            return self._function_arns
        stack = Stack.of(self._trail)
        arns = []
        for child in stack.node.find_all():
            if not CfnResource.is_cfn_resource(child) or Stack.of(child) is not stack:
                continue
            resource: CfnResource = child  # type: ignore[assignment]
            if resource.cfn_resource_type == "AWS::Lambda::Function":
                arns.append(Token.as_string(resource.get_att("Arn")))
        return arns

    def selectors(self) -> list[dict[str, Any]]:
        """The selectors in CDK's camelCase form (the L1 renders them to CloudFormation's PascalCase)."""
        out: list[dict[str, Any]] = [
            {"name": "Management events, read and write",
             "fieldSelectors": [{"field": "eventCategory", "equalTo": ["Management"]}]},
        ]
        arns = self.function_arns()
        if arns:
            out.append({"name": "Lambda Invoke of the stack's functions", "fieldSelectors": [
                {"field": "eventCategory", "equalTo": ["Data"]},
                {"field": "resources.type", "equalTo": ["AWS::Lambda::Function"]},
                {"field": "resources.ARN", "equalTo": arns},
            ]})
        elif self._function_arns is None:
            # A trail in a stack of its own (an audit stack) audits every function of the account, in every
            # region; pass functions=[...] to choose, or functions=[] for none.
            out.append({"name": "Lambda Invoke of every function", "fieldSelectors": [
                {"field": "eventCategory", "equalTo": ["Data"]},
                {"field": "resources.type", "equalTo": ["AWS::Lambda::Function"]},
            ]})
        if self._bucket_arns:
            out.append({"name": "S3 object events of the chosen buckets", "fieldSelectors": [
                {"field": "eventCategory", "equalTo": ["Data"]},
                {"field": "resources.type", "equalTo": ["AWS::S3::Object"]},
                {"field": "resources.ARN", "startsWith": [f"{arn}/" for arn in self._bucket_arns]},
            ]})
        if self._table_arns:
            out.append({"name": "DynamoDB item events of the chosen tables", "fieldSelectors": [
                {"field": "eventCategory", "equalTo": ["Data"]},
                {"field": "resources.type", "equalTo": ["AWS::DynamoDB::Table"]},
                {"field": "resources.ARN", "equalTo": list(self._table_arns)},
            ]})
        return out


def _allow_this_trail(key: kms.Key, trail_arn: str) -> None:
    """Key policy statements of the AWS documentation for CloudTrail, limited to this one trail."""
    only_this_trail = {
        "StringEquals": {
            "aws:SourceArn": trail_arn,
            "kms:EncryptionContext:aws:cloudtrail:arn": trail_arn,
        }
    }
    key.add_to_resource_policy(iam.PolicyStatement(
        sid="AllowCloudTrailToEncryptLogsOfThisTrail",
        principals=[iam.ServicePrincipal("cloudtrail.amazonaws.com")],
        actions=["kms:GenerateDataKey*"],
        resources=["*"],
        conditions=only_this_trail,
    ))
    key.add_to_resource_policy(iam.PolicyStatement(
        sid="AllowCloudTrailToDescribeKeyForThisTrail",
        principals=[iam.ServicePrincipal("cloudtrail.amazonaws.com")],
        actions=["kms:DescribeKey"],
        resources=["*"],
        conditions={"StringEquals": {"aws:SourceArn": trail_arn}},
    ))


def _log_access(bucket: s3.Bucket, target: s3.Bucket, *, prefix: str) -> None:
    """Server access logging delivered under a bucket policy (not ACLs, which stay disabled), limited to
    deliveries for ``bucket`` from this account."""
    cfn = bucket.node.default_child
    assert isinstance(cfn, s3.CfnBucket)
    cfn.logging_configuration = s3.CfnBucket.LoggingConfigurationProperty(
        destination_bucket_name=target.bucket_name, log_file_prefix=prefix,
    )
    target.add_to_resource_policy(iam.PolicyStatement(
        sid="AllowServerAccessLogDeliveryForTheTrailBucket",
        principals=[iam.ServicePrincipal("logging.s3.amazonaws.com")],
        actions=["s3:PutObject"],
        resources=[target.arn_for_objects(f"{prefix}*")],
        conditions={
            "ArnLike": {"aws:SourceArn": bucket.bucket_arn},
            "StringEquals": {"aws:SourceAccount": Stack.of(bucket).account},
        },
    ))


def _lifecycle(where: Construct, expire_after: Duration | None) -> list[s3.LifecycleRule]:
    transitions = [
        s3.Transition(storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                      transition_after=_d.LOG_FILES_INFREQUENT_ACCESS_AFTER),
        s3.Transition(storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                      transition_after=_d.LOG_FILES_GLACIER_AFTER),
    ]
    if expire_after is not None:
        if not isinstance(expire_after, Duration) or Token.is_unresolved(expire_after.to_days()):
            raise SecureConstructsError(
                "SC-AUD-003", where, "log_files_expire_after must be a Duration in days",
                received=expire_after, fix="Pass e.g. Duration.days(400), or None",
            )
        days = expire_after.to_days()
        if days <= _d.LOG_FILES_GLACIER_AFTER.to_days():
            raise SecureConstructsError(
                "SC-AUD-003",
                where,
                f"log files must be kept longer than {_d.LOG_FILES_GLACIER_AFTER.to_days():g} days "
                "(they move to Glacier Instant Retrieval then, where early deletion is billed as 90 days)",
                received=f"{days:g} days",
                fix="Pass log_files_expire_after=Duration.days(400) or more, or None to keep them",
            )
    return [
        s3.LifecycleRule(
            id="AgeOutLogFiles",
            transitions=transitions,
            expiration=expire_after,
            noncurrent_version_expiration=_d.NONCURRENT_VERSIONS_EXPIRE_AFTER,
            abort_incomplete_multipart_upload_after=Duration.days(7),
        )
    ]


def _role_prefix(stack: Stack) -> str:
    name = stack.stack_name
    if Token.is_unresolved(name):
        return ""
    return f"{name}-" if len(name) <= _d.ROLE_PREFIX_LENGTH else name[: _d.ROLE_PREFIX_LENGTH]


def _function_arn(where: Construct, function: Any) -> str:
    fn = getattr(function, "function", function)
    if not isinstance(fn, lambda_.FunctionBase):
        raise SecureConstructsError(
            "SC-AUD-001", where, "functions must hold SecureFunction or aws_lambda functions",
            received=type(function).__name__, fix="Pass the functions whose invocations you want recorded",
        )
    return fn.function_arn


def _bucket_arn(where: Construct, bucket: Any) -> str:
    if not isinstance(bucket, s3.BucketBase):
        raise SecureConstructsError(
            "SC-AUD-001", where, "s3_buckets must hold aws_s3 buckets",
            received=type(bucket).__name__, fix="Pass s3.Bucket (or s3.Bucket.from_bucket_name(...)) objects",
        )
    return bucket.bucket_arn


def _table_arn(where: Construct, table: Any) -> str:
    if not isinstance(table, (dynamodb.TableBase, dynamodb.TableBaseV2)):
        raise SecureConstructsError(
            "SC-AUD-001", where, "dynamodb_tables must hold aws_dynamodb tables",
            received=type(table).__name__, fix="Pass dynamodb.Table or dynamodb.TableV2 objects",
        )
    return table.table_arn
