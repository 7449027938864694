"""The shared builders: per-stack keys, encrypted log groups, encrypted queues."""

import pytest
from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Match, Template

from secure_constructs import SecureConstructsError
from secure_constructs._shared import encrypted_log_group, logs_key, operations_key, secure_queue, stack_key


def test_stack_key_is_a_rotating_singleton_per_purpose(stack):
    first = stack_key(stack, "Queues", description="queues")
    again = stack_key(stack, "Queues", description="ignored on reuse")
    other = stack_key(stack, "Lambda", description="lambda")
    assert first is again or first.node.path == again.node.path
    assert other.node.path != first.node.path
    assert first.node.path == "Test/SecureConstructsKeyQueues"
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 2)
    for key in template.find_resources("AWS::KMS::Key").values():
        assert key["Properties"]["EnableKeyRotation"] is True
        assert key["DeletionPolicy"] == "Retain"


def test_stack_key_from_a_nested_scope_lives_at_stack_level(stack):
    from constructs import Construct

    inner = Construct(Construct(stack, "A"), "B")
    key = stack_key(inner, "Queues", description="queues")
    assert key.node.path == "Test/SecureConstructsKeyQueues"


def test_stack_key_services_are_added_once_and_scoped_to_the_account(stack):
    stack_key(stack, "Topics", description="topics", services=["sns.amazonaws.com"])
    stack_key(stack, "Topics", description="topics", services=["sns.amazonaws.com", "events.amazonaws.com"])
    template = Template.from_stack(stack)
    statements = next(iter(template.find_resources("AWS::KMS::Key").values()))["Properties"]["KeyPolicy"][
        "Statement"
    ]
    services = [s for s in statements if "Service" in s.get("Principal", {})]
    assert sorted(s["Principal"]["Service"] for s in services) == [
        "events.amazonaws.com",
        "sns.amazonaws.com",
    ]
    for statement in services:
        assert statement["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "111122223333"}}


@pytest.mark.parametrize("purpose", ["", "logs", "Has space", "X" * 60])
def test_stack_key_rejects_a_bad_purpose(stack, purpose):
    with pytest.raises(SecureConstructsError, match="SC-GEN-005"):
        stack_key(stack, purpose, description="x")


def test_logs_key_allows_only_the_regional_logs_service_for_this_accounts_log_groups(stack):
    logs_key(stack)
    logs_key(stack)  # idempotent: one key, one statement
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 1)
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "EnableKeyRotation": True,
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "logs.eu-west-1.amazonaws.com"},
                                "Condition": {
                                    "ArnLike": {
                                        "kms:EncryptionContext:aws:logs:arn": {
                                            "Fn::Join": [
                                                "",
                                                [
                                                    "arn:",
                                                    {"Ref": "AWS::Partition"},
                                                    ":logs:eu-west-1:111122223333:log-group:*",
                                                ],
                                            ]
                                        }
                                    }
                                },
                            }
                        )
                    ]
                )
            },
        },
    )
    statements = next(iter(template.find_resources("AWS::KMS::Key").values()))["Properties"]["KeyPolicy"][
        "Statement"
    ]
    assert sum(1 for s in statements if "Service" in s.get("Principal", {})) == 1


def test_encrypted_log_group_uses_the_shared_logs_key_and_explicit_settings(stack):
    encrypted_log_group(
        stack, "A", retention=logs.RetentionDays.ONE_YEAR, removal_policy=RemovalPolicy.RETAIN
    )
    encrypted_log_group(
        stack, "B", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 1)
    key_id = next(iter(template.find_resources("AWS::KMS::Key")))
    groups = template.find_resources("AWS::Logs::LogGroup")
    assert {g["Properties"]["RetentionInDays"] for g in groups.values()} == {365, 30}
    assert {g["DeletionPolicy"] for g in groups.values()} == {"Retain", "Delete"}
    for group in groups.values():
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_encrypted_log_group_accepts_a_given_key(stack):
    key = kms.Key(stack, "Mine", enable_key_rotation=True)
    encrypted_log_group(
        stack, "A", retention=logs.RetentionDays.ONE_YEAR, removal_policy=RemovalPolicy.RETAIN, key=key
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 1)  # no shared operations key created
    assert stack.node.try_find_child("SecureConstructsKeyOperations") is None


def test_secure_queue_defaults_cmk_ssl_only_and_14_days(stack):
    secure_queue(stack, "Q1")
    secure_queue(stack, "Q2", retention=Duration.days(4))
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 1)
    key_id = next(iter(template.find_resources("AWS::KMS::Key")))
    queues = template.find_resources("AWS::SQS::Queue")
    assert sorted(q["Properties"]["MessageRetentionPeriod"] for q in queues.values()) == [
        4 * 86400,
        14 * 86400,
    ]
    for queue in queues.values():
        assert queue["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    policies = template.find_resources("AWS::SQS::QueuePolicy")
    assert len(policies) == 2
    for policy in policies.values():
        statement = policy["Properties"]["PolicyDocument"]["Statement"][0]
        assert statement["Effect"] == "Deny"
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_secure_queue_accepts_a_given_key(stack):
    key = kms.Key(stack, "Mine", enable_key_rotation=True)
    secure_queue(stack, "Q", key=key)
    Template.from_stack(stack).has_resource_properties(
        "AWS::SQS::Queue",
        {"KmsMasterKeyId": {"Fn::GetAtt": [Stack.of(key).get_logical_id(key.node.default_child), "Arn"]}},
    )


def test_one_operations_key_serves_logs_queues_and_services_each_through_its_own_statement(stack):
    other = Stack(stack.node.root, "QueueOnly")
    secure_queue(other, "Q")
    secure_queue(stack, "Q")
    encrypted_log_group(
        stack, "Logs", retention=logs.RetentionDays.ONE_YEAR, removal_policy=RemovalPolicy.RETAIN
    )
    key = operations_key(stack, services=["cloudwatch.amazonaws.com"])
    assert key.node.path == "Test/SecureConstructsKeyOperations"

    queue_only = Template.from_stack(other).to_json()["Resources"]
    (key_policy,) = [
        r["Properties"]["KeyPolicy"] for r in queue_only.values() if r["Type"] == "AWS::KMS::Key"
    ]
    # a key that only encrypts a queue lets no AWS service use it
    assert not [s for s in key_policy["Statement"] if "Service" in s.get("Principal", {})]

    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 1)
    (resource,) = template.find_resources("AWS::KMS::Key").values()
    services = {
        s["Principal"]["Service"]: s["Condition"]
        for s in resource["Properties"]["KeyPolicy"]["Statement"]
        if "Service" in s.get("Principal", {})
    }
    # CloudWatch Logs only for this account's log groups (encryption context); CloudWatch for this account
    assert set(services) == {"logs.eu-west-1.amazonaws.com", "cloudwatch.amazonaws.com"}
    assert "kms:EncryptionContext:aws:logs:arn" in services["logs.eu-west-1.amazonaws.com"]["ArnLike"]
    assert services["cloudwatch.amazonaws.com"] == {"StringEquals": {"aws:SourceAccount": "111122223333"}}
