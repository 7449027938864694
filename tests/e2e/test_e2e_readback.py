"""What the deployed resources hold, read back with boto3: roles, DLQs, tracing, logs, alarms, trail, pool.

Only what the emulator stores from the template itself is read back. Settings its CloudFormation drops
(Lambda ``KmsKeyArn`` and ``DeadLetterConfig``, SNS ``KmsMasterKeyId``, S3 ``BucketEncryption``) are proved
by the template tests only (docs/local-deploy.md lists them): a copy made by the test harness would make
these checks unable to fail.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.e2e

FUNCTIONS = ("IamRoute", "CognitoRoute", "PublicRoute", "JwtRoute")
ONE_YEAR_DAYS = 365  # SecureFunction's default log retention (RetentionDays.ONE_YEAR)


def assert_customer_key_with_rotation(kms, key_arn: str) -> None:
    meta = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
    assert (meta["Arn"], meta["KeyManager"], meta["KeyState"]) == (key_arn, "CUSTOMER", "Enabled")
    assert kms.get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"] is True


def denies_insecure_transport(policy_json: str) -> bool:
    for statement in json.loads(policy_json)["Statement"]:
        condition = statement.get("Condition", {}).get("Bool", {})
        if statement["Effect"] == "Deny" and str(condition.get("aws:SecureTransport")).lower() == "false":
            return True
    return False


@pytest.fixture(scope="module")
def configs(aws, outputs):
    lambda_ = aws("lambda")
    return {
        name: lambda_.get_function_configuration(FunctionName=outputs[f"{name}FunctionName"])
        for name in FUNCTIONS
    }


# --- functions --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_runs_with_its_own_least_privilege_role(aws, outputs, configs, name):
    config = configs[name]
    assert config["Role"] == outputs[f"{name}RoleArn"]
    iam = aws("iam")
    role_name = config["Role"].rsplit("/", 1)[1]
    trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    if isinstance(trust, str):
        trust = json.loads(trust)
    assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "lambda.amazonaws.com"}]
    assert iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"] == []
    assert iam.list_role_policies(RoleName=role_name)["PolicyNames"] == ["Function"]
    document = iam.get_role_policy(RoleName=role_name, PolicyName="Function")["PolicyDocument"]
    if isinstance(document, str):
        document = json.loads(document)
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        assert all(a != "*" and not a.endswith(":*") for a in actions), statement
        if "*" in resources:  # only X-Ray's write actions, which exist only on Resource "*"
            assert set(actions) <= {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, statement
    logs = [s for s in document["Statement"] if "logs:PutLogEvents" in s["Action"]]
    assert len(logs) == 1 and outputs[f"{name}LogGroupName"] in json.dumps(logs[0]["Resource"])


def test_no_two_functions_share_a_role(configs):
    roles = [configs[name]["Role"] for name in FUNCTIONS]
    assert len(set(roles)) == len(roles)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_traces_and_may_send_failed_events_to_an_encrypted_tls_only_dlq(aws, outputs, configs, name):
    config = configs[name]
    assert config["TracingConfig"]["Mode"] == "Active"
    # DeadLetterConfig itself is template-only: the emulator's CloudFormation drops it.
    attributes = aws("sqs").get_queue_attributes(
        QueueUrl=outputs[f"{name}DeadLetterQueueUrl"], AttributeNames=["All"]
    )["Attributes"]
    assert attributes["QueueArn"] == outputs[f"{name}DeadLetterQueueArn"]
    assert attributes["MessageRetentionPeriod"] == str(14 * 24 * 3600)
    queue_key = _key_arn(aws, attributes["KmsMasterKeyId"])
    assert_customer_key_with_rotation(aws("kms"), queue_key)
    assert denies_insecure_transport(attributes["Policy"])
    # The role may deliver to exactly this queue, and use its key only through SQS.
    statements = _inline_statements(aws, config["Role"])
    assert _allows(statements, "sqs:SendMessage", outputs[f"{name}DeadLetterQueueArn"])
    kms_grants = [s for s in statements if "kms:GenerateDataKey" in _as_list(s["Action"])]
    assert [_as_list(s["Resource"]) for s in kms_grants] == [[queue_key]]
    assert "kms:ViaService" in json.dumps(kms_grants[0].get("Condition", {}))


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _inline_statements(aws, role_arn: str) -> list[dict]:
    document = aws("iam").get_role_policy(RoleName=role_arn.rsplit("/", 1)[1], PolicyName="Function")
    policy = document["PolicyDocument"]
    return (json.loads(policy) if isinstance(policy, str) else policy)["Statement"]


def _allows(statements: list[dict], action: str, resource: str) -> bool:
    return any(
        s["Effect"] == "Allow" and action in _as_list(s["Action"]) and resource in _as_list(s["Resource"])
        for s in statements
    )


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_logs_json_to_its_own_encrypted_log_group(aws, outputs, configs, name):
    group_name = outputs[f"{name}LogGroupName"]
    assert configs[name]["LoggingConfig"]["LogGroup"] == group_name
    assert configs[name]["LoggingConfig"]["LogFormat"] == "JSON"
    groups = aws("logs").describe_log_groups(logGroupNamePrefix=group_name)["logGroups"]
    group = next(g for g in groups if g["logGroupName"] == group_name)
    assert group["retentionInDays"] == ONE_YEAR_DAYS
    assert group["kmsKeyId"] == outputs[f"{name}LogGroupKeyArn"]
    assert_customer_key_with_rotation(aws("kms"), group["kmsKeyId"])


def _key_arn(aws, key_id: str) -> str:
    return aws("kms").describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]


# --- alarms -----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stack_alarms(aws, stack_name) -> list[dict]:
    """Every alarm of the stack (the alarm factory names them after the construct path, stack first)."""
    cloudwatch, found, token = aws("cloudwatch"), [], None
    while True:
        page = cloudwatch.describe_alarms(
            AlarmNamePrefix=f"{stack_name}/",
            AlarmTypes=["MetricAlarm", "CompositeAlarm"],
            **({"NextToken": token} if token else {}),
        )
        found += page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])
        token = page.get("NextToken")
        if not token:
            return found


def test_the_deployed_alarms_are_the_stacks_alarms(aws, stack_alarms, stack_name):
    resources = aws("cloudformation").describe_stack_resources(StackName=stack_name)["StackResources"]
    in_stack = [r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::CloudWatch::Alarm"]
    assert len(in_stack) > len(FUNCTIONS)
    assert sorted(a["AlarmName"] for a in stack_alarms) == sorted(in_stack)


def test_every_alarm_notifies_the_tls_only_topic(aws, outputs, stack_alarms):
    topic = outputs["AlarmTopicArn"]
    assert stack_alarms
    assert [a["AlarmName"] for a in stack_alarms if topic not in a["AlarmActions"]] == []
    attributes = aws("sns").get_topic_attributes(TopicArn=topic)["Attributes"]
    # KmsMasterKeyId is template-only (dropped by the emulator's CloudFormation); the topic's key is real:
    assert_customer_key_with_rotation(aws("kms"), outputs["AlarmTopicKeyArn"])
    assert denies_insecure_transport(attributes["Policy"])


@pytest.mark.parametrize("name", FUNCTIONS)
def test_each_function_is_watched_by_its_default_alarms(outputs, stack_alarms, name):
    def metrics(alarm: dict) -> str:
        return json.dumps(
            [alarm.get("Dimensions", [])] + [m.get("MetricStat", {}) for m in alarm.get("Metrics", [])]
        )

    watching = [a["AlarmName"] for a in stack_alarms if outputs[f"{name}FunctionName"] in metrics(a)]
    assert watching, f"no alarm watches {name}"


# --- trail ------------------------------------------------------------------------------------------------
def test_trail_records_the_functions_invokes_into_hardened_storage(aws, outputs):
    cloudtrail = aws("cloudtrail")
    trail = cloudtrail.get_trail(Name=outputs["TrailName"])["Trail"]
    assert trail["TrailARN"] == outputs["TrailArn"]
    assert trail["S3BucketName"] == outputs["TrailBucketName"]
    assert trail["LogFileValidationEnabled"] is True
    assert trail["IsMultiRegionTrail"] is True
    assert trail["IncludeGlobalServiceEvents"] is True
    assert _key_arn(aws, trail["KmsKeyId"]) == outputs["TrailKeyArn"]
    assert trail["CloudWatchLogsLogGroupArn"].removesuffix(":*") == outputs["TrailLogGroupArn"].removesuffix(
        ":*"
    )
    assert cloudtrail.get_trail_status(Name=outputs["TrailName"])["IsLogging"] is True
    selectors = cloudtrail.get_event_selectors(TrailName=outputs["TrailName"]).get(
        "AdvancedEventSelectors", []
    )
    text = json.dumps(selectors)
    assert "AWS::Lambda::Function" in text
    for name in FUNCTIONS:
        assert outputs[f"{name}FunctionName"] in text, f"{name} invokes are not recorded"
    assert_customer_key_with_rotation(aws("kms"), outputs["TrailKeyArn"])


def test_trail_bucket_is_private_versioned_and_tls_only(aws, outputs):
    # BucketEncryption is template-only: the emulator's CloudFormation drops it.
    s3 = aws("s3")
    bucket = outputs["TrailBucketName"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(
        block[k]
        for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    )
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert denies_insecure_transport(s3.get_bucket_policy(Bucket=bucket)["Policy"])


# --- user pool --------------------------------------------------------------------------------------------
def test_user_pool_keeps_its_secure_defaults(aws, outputs):
    pool = aws("cognito-idp").describe_user_pool(UserPoolId=outputs["UserPoolId"])["UserPool"]
    assert pool["MfaConfiguration"] == "ON"
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
