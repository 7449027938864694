"""DataEventsTrail: data events for the stack's functions, hardened storage, a key for this trail only,
security metric filters and alarms, and zero unacknowledged findings under every pack."""

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from secure_constructs import SecureConstructsError
from secure_constructs.audit import DataEventsTrail
from secure_constructs.checks import add_checks
from secure_constructs.testing import synth_and_validate

TRAIL_NAME = "Test-Audit-AEBFCB0B"
TRAIL_ARN = {
    "Fn::Join": [
        "",
        ["arn:", {"Ref": "AWS::Partition"}, f":cloudtrail:eu-west-1:111122223333:trail/{TRAIL_NAME}"],
    ]
}


def make_fn(scope, id):
    return lambda_.Function(
        scope, id, runtime=lambda_.Runtime.PYTHON_3_12, handler="i.h", code=lambda_.Code.from_inline("x")
    )


def only(template, type_, predicate=lambda r: True):
    found = [r for r in template.find_resources(type_).values() if predicate(r)]
    assert len(found) == 1, found
    return found[0]


def selectors(template):
    return only(template, "AWS::CloudTrail::Trail")["Properties"]["AdvancedEventSelectors"]


def test_trail_defaults(stack):
    DataEventsTrail(stack, "Audit")
    template = Template.from_stack(stack)
    props = only(template, "AWS::CloudTrail::Trail")["Properties"]
    assert props["TrailName"] == TRAIL_NAME
    assert props["IsLogging"] is True
    assert props["IsMultiRegionTrail"] is True
    assert props["IncludeGlobalServiceEvents"] is True
    assert props["EnableLogFileValidation"] is True
    assert props["KMSKeyId"]["Fn::GetAtt"][0].startswith("AuditKey")
    assert props["CloudWatchLogsLogGroupArn"]["Fn::GetAtt"][0].startswith("AuditLogGroup")
    assert "EventSelectors" not in props  # basic selectors and advanced selectors are exclusive


def test_management_events_and_every_function_of_the_stack_are_selected(stack):
    make_fn(stack, "Before")
    DataEventsTrail(stack, "Audit")
    make_fn(stack, "After")  # added after the trail: still recorded
    sel = selectors(Template.from_stack(stack))
    assert sel[0] == {
        "Name": "Management events, read and write",
        "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
    }
    lambda_fields = {f["Field"]: f["Equals"] for f in sel[1]["FieldSelectors"]}
    assert lambda_fields["eventCategory"] == ["Data"]
    assert lambda_fields["resources.type"] == ["AWS::Lambda::Function"]
    arns = [a["Fn::GetAtt"][0] for a in lambda_fields["resources.ARN"]]
    assert [a[:-8] for a in arns] == ["Before", "After"]
    assert len(sel) == 2  # no S3 or DynamoDB data events unless asked for


def test_explicit_functions_buckets_and_tables(stack):
    chosen, _other = make_fn(stack, "Chosen"), make_fn(stack, "Other")
    bucket = s3.Bucket(stack, "Data")
    table = dynamodb.Table(
        stack, "Orders", partition_key={"name": "pk", "type": dynamodb.AttributeType.STRING}
    )
    DataEventsTrail(stack, "Audit", functions=[chosen], s3_buckets=[bucket], dynamodb_tables=[table])
    sel = selectors(Template.from_stack(stack))
    assert [s["Name"] for s in sel] == [
        "Management events, read and write",
        "Lambda Invoke of the stack's functions",
        "S3 object events of the chosen buckets",
        "DynamoDB item events of the chosen tables",
    ]
    lambda_arns = next(f for f in sel[1]["FieldSelectors"] if f["Field"] == "resources.ARN")["Equals"]
    assert len(lambda_arns) == 1 and lambda_arns[0]["Fn::GetAtt"][0].startswith("Chosen")
    s3_arn = next(f for f in sel[2]["FieldSelectors"] if f["Field"] == "resources.ARN")
    assert s3_arn["StartsWith"][0]["Fn::Join"][1][-1] == "/"
    assert {"Field": "resources.type", "Equals": ["AWS::DynamoDB::Table"]} in sel[3]["FieldSelectors"]


def test_key_policy_allows_cloudtrail_only_for_this_trail(stack):
    DataEventsTrail(stack, "Audit")
    key = only(
        Template.from_stack(stack), "AWS::KMS::Key", lambda r: "trail" in r["Properties"]["Description"]
    )
    assert key["Properties"]["EnableKeyRotation"] is True
    statements = {s.get("Sid"): s for s in key["Properties"]["KeyPolicy"]["Statement"]}
    encrypt = statements["AllowCloudTrailToEncryptLogsOfThisTrail"]
    assert encrypt["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert encrypt["Action"] == "kms:GenerateDataKey*"
    assert encrypt["Condition"] == {
        "StringEquals": {"aws:SourceArn": TRAIL_ARN, "kms:EncryptionContext:aws:cloudtrail:arn": TRAIL_ARN}
    }
    describe = statements["AllowCloudTrailToDescribeKeyForThisTrail"]
    assert describe["Condition"] == {"StringEquals": {"aws:SourceArn": TRAIL_ARN}}
    cloudtrail_statements = [
        s for s in statements.values() if s["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    ]
    assert all("aws:SourceArn" in s["Condition"]["StringEquals"] for s in cloudtrail_statements)


def test_log_bucket_is_hardened(stack):
    DataEventsTrail(stack, "Audit")
    template = Template.from_stack(stack)
    bucket = only(template, "AWS::S3::Bucket", lambda r: "LoggingConfiguration" in r["Properties"])
    props = bucket["Properties"]
    assert bucket["DeletionPolicy"] == "Retain"
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert sse.get("BucketKeyEnabled", False) is False  # the per-trail key policy condition needs it off
    assert props["LoggingConfiguration"]["DestinationBucketName"]["Ref"].startswith("AuditAccessLogsBucket")
    rule = props["LifecycleConfiguration"]["Rules"][0]
    assert rule["ExpirationInDays"] == 400
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    assert [t["StorageClass"] for t in rule["Transitions"]] == ["STANDARD_IA", "GLACIER_IR"]
    policy = only(
        template,
        "AWS::S3::BucketPolicy",
        lambda r: r["Properties"]["Bucket"]["Ref"].startswith("AuditBucket"),
    )
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )
    other_trails = next(s for s in statements if s.get("Sid") == "DenyCloudTrailDeliveryFromOtherTrails")
    assert other_trails["Condition"] == {"StringNotEquals": {"aws:SourceArn": TRAIL_ARN}}


def test_access_logs_bucket_is_hardened_and_delivered_by_policy(stack):
    DataEventsTrail(stack, "Audit")
    template = Template.from_stack(stack)
    logs_bucket = only(
        template,
        "AWS::S3::Bucket",
        lambda r: (
            r["Properties"].get("LifecycleConfiguration", {}).get("Rules", [{}])[0].get("Id")
            == "ExpireAccessLogs"
        ),
    )["Properties"]
    assert logs_bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert logs_bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert "AccessControl" not in logs_bucket
    policy = only(
        template,
        "AWS::S3::BucketPolicy",
        lambda r: r["Properties"]["Bucket"]["Ref"].startswith("AuditAccessLogsBucket"),
    )
    delivery = next(
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "AllowServerAccessLogDeliveryForTheTrailBucket"
    )
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Condition"]["StringEquals"] == {"aws:SourceAccount": "111122223333"}


def test_log_group_is_encrypted_with_one_year_retention(stack):
    DataEventsTrail(stack, "Audit")
    group = only(Template.from_stack(stack), "AWS::Logs::LogGroup")
    assert group["Properties"]["RetentionInDays"] == 365
    assert "KmsKeyId" in group["Properties"]
    assert group["DeletionPolicy"] == "Retain"


def test_security_metric_filters_and_alarms(stack):
    DataEventsTrail(stack, "Audit")
    template = Template.from_stack(stack)
    filters = {
        r["Properties"]["MetricTransformations"][0]["MetricName"]: r["Properties"]["FilterPattern"]
        for r in template.find_resources("AWS::Logs::MetricFilter").values()
    }
    assert sorted(filters) == [
        "CloudTrailConfigChanges",
        "FunctionCredentialsUsedOutsideLambda",
        "IamPolicyChanges",
        "KmsKeyDisabledOrScheduledForDeletion",
        "UnauthorizedApiCalls",
    ]
    assert '"*UnauthorizedOperation"' in filters["UnauthorizedApiCalls"]
    for event in (
        "PutRolePolicy",
        "AttachRolePolicy",
        "UpdateAssumeRolePolicy",
        "PutRolePermissionsBoundary",
    ):
        assert f"($.eventName = {event})" in filters["IamPolicyChanges"]
    assert "ScheduleKeyDeletion" in filters["KmsKeyDisabledOrScheduledForDeletion"]
    assert "StopLogging" in filters["CloudTrailConfigChanges"]
    exfil = filters["FunctionCredentialsUsedOutsideLambda"]
    assert '$.userIdentity.sessionContext.sessionIssuer.userName = "Test-*"' in exfil
    assert '$.userAgent != "*exec-env/AWS_Lambda*"' in exfil
    assert all(len(p) <= 1024 for p in filters.values())  # CloudWatch Logs' limit for a filter pattern
    names = sorted(
        r["Properties"]["AlarmName"] for r in template.find_resources("AWS::CloudWatch::Alarm").values()
    )
    assert names == [f"Test/Audit/SecurityAlarms/{n}Critical" for n in sorted(filters)]
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "Test/Audit/SecurityAlarms/IamPolicyChangesCritical",
            "Namespace": f"SecureConstructs/Audit/{TRAIL_NAME}",
            "Statistic": "Sum",
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": Match.string_like_regexp("SecureConstructsAlarmTopic")}],
        },
    )


def test_long_stack_names_use_a_prefix_and_it_can_be_set(app):
    stack = Stack(
        app, "AVeryLongStackNameForTheOrdersService", env={"account": "111122223333", "region": "eu-west-1"}
    )
    DataEventsTrail(stack, "Audit")
    DataEventsTrail(stack, "Second", function_role_prefix="orders-fn-")
    patterns = [
        r["Properties"]["FilterPattern"]
        for r in Template.from_stack(stack).find_resources("AWS::Logs::MetricFilter").values()
        if "sessionIssuer" in r["Properties"]["FilterPattern"]
    ]
    assert any('userName = "AVeryLongStackNameFo*"' in p for p in patterns)
    assert any('userName = "orders-fn-*"' in p for p in patterns)


def test_security_alarms_can_be_turned_off(stack):
    DataEventsTrail(stack, "Audit", security_alarms=False)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Logs::MetricFilter", 0)
    template.resource_count_is("AWS::CloudWatch::Alarm", 0)
    template.resource_count_is("AWS::SNS::Topic", 0)


def test_log_files_can_be_kept_forever(stack):
    DataEventsTrail(stack, "Audit", log_files_expire_after=None)
    bucket = only(
        Template.from_stack(stack), "AWS::S3::Bucket", lambda r: "LoggingConfiguration" in r["Properties"]
    )
    assert "ExpirationInDays" not in bucket["Properties"]["LifecycleConfiguration"]["Rules"][0]


def test_short_retention_is_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-AUD-003"):
        DataEventsTrail(stack, "Audit", log_files_expire_after=Duration.days(30))


def test_wrong_resource_types_are_refused(stack):
    bucket = s3.Bucket(stack, "B")
    with pytest.raises(SecureConstructsError, match="SC-AUD-001.*functions"):
        DataEventsTrail(stack, "A1", functions=[bucket])
    with pytest.raises(SecureConstructsError, match="SC-AUD-001.*s3_buckets"):
        DataEventsTrail(stack, "A2", s3_buckets=["my-bucket"])
    with pytest.raises(SecureConstructsError, match="SC-AUD-001.*dynamodb_tables"):
        DataEventsTrail(stack, "A3", dynamodb_tables=[bucket])


def test_too_many_selector_values_fail_the_synth(stack):
    DataEventsTrail(
        stack,
        "Audit",
        functions=[
            lambda_.Function.from_function_arn(
                stack, f"F{i}", f"arn:aws:lambda:eu-west-1:111122223333:function:f{i}"
            )
            for i in range(500)
        ],
    )
    with pytest.raises(RuntimeError, match="SC-AUD-002"):
        Template.from_stack(stack)


def test_weakening_the_trail_needs_a_reason(stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-002.*enable_file_validation"):
        DataEventsTrail(stack, "A1", overrides={"enable_file_validation": False})
    with pytest.raises(SecureConstructsError, match="SC-GEN-004.*encryption_key"):
        DataEventsTrail(stack, "A2", overrides={"encryption_key": None})
    with pytest.raises(SecureConstructsError, match="SC-GEN-001.*is_multiregion_trail"):
        DataEventsTrail(stack, "A3", overrides={"is_multiregion_trail": False})


def test_accepted_risk_is_recorded_in_the_report(app):
    stack = Stack(app, "Risky", env={"account": "111122223333", "region": "eu-west-1"})
    DataEventsTrail(
        stack,
        "Audit",
        overrides={"enable_file_validation": False},
        accepted_risks={"enable_file_validation": "Sandbox account; logs are copied to the org archive"},
    )
    add_checks(app, nist=True)
    result = synth_and_validate(app)
    validation = [
        f for f in result.suppressed if f.rule == "NIST.800.53.R5-CloudTrailLogFileValidationEnabled"
    ]
    assert len(validation) == 1 and "Sandbox account" in validation[0]["reason"]


def test_trail_resources_have_no_unacknowledged_findings_under_every_pack(app):
    stack = Stack(app, "Checked", env={"account": "111122223333", "region": "eu-west-1"})
    DataEventsTrail(stack, "Audit", s3_buckets=[s3.Bucket.from_bucket_name(stack, "Data", "data-bucket")])
    add_checks(app, nist=True)
    result = synth_and_validate(app)
    assert result.violations == [], result.format()
    acknowledged = sorted((f.rule, f.path) for f in result.suppressed)
    assert acknowledged == [
        ("NIST.800.53.R5-IAMNoInlinePolicy", "Checked/Audit/Trail/LogsRole/DefaultPolicy/Resource"),
        ("NIST.800.53.R5-S3BucketReplicationEnabled", "Checked/Audit/AccessLogsBucket/Resource"),
        ("NIST.800.53.R5-S3BucketReplicationEnabled", "Checked/Audit/Bucket/Resource"),
        ("NIST.800.53.R5-S3DefaultEncryptionKMS", "Checked/Audit/AccessLogsBucket/Resource"),
    ]
    assert all(len(f["reason"]) > 40 for f in result.suppressed)


def test_secure_functions_can_be_listed(stack):
    from secure_constructs import SecureFunction

    fn = SecureFunction(stack, "Orders", code=lambda_.Code.from_inline("x"), handler="index.handler")
    make_fn(stack, "NotAudited")
    DataEventsTrail(stack, "Audit", functions=[fn])
    sel = selectors(Template.from_stack(stack))
    arns = next(f for f in sel[1]["FieldSelectors"] if f["Field"] == "resources.ARN")["Equals"]
    assert len(arns) == 1 and arns[0]["Fn::GetAtt"][0].startswith("OrdersFunction")


def test_a_trail_in_a_stack_without_functions_records_every_function(stack):
    DataEventsTrail(stack, "Audit")
    sel = selectors(Template.from_stack(stack))
    lambda_selectors = [s for s in sel if any(f["Field"] == "resources.type" and f["Equals"] == [
        "AWS::Lambda::Function"] for f in s["FieldSelectors"])]
    assert len(lambda_selectors) == 1
    assert not any(f["Field"] == "resources.ARN" for f in lambda_selectors[0]["FieldSelectors"])


def test_an_empty_function_list_records_no_lambda_data_events(stack):
    DataEventsTrail(stack, "Audit", functions=[])
    sel = selectors(Template.from_stack(stack))
    assert not any(f["Field"] == "resources.type" for s in sel for f in s["FieldSelectors"])
