"""The policy analyser shared by SecureFunction and the IAM rules: wildcard ARNs and actions, destructive
actions, conditions that restrict a caller, and the finding ids a statement raises."""

from __future__ import annotations

import pytest

from secure_constructs.nag.rules._policy import readable_condition, resource_strings
from secure_constructs.policy import (
    accepts_only_star,
    analyse,
    finding_id,
    is_destructive,
    is_wildcard_action,
    may_allow,
    restricting_keys,
    role_statement_findings,
    wildcard_arn,
)

# --- wildcard ARNs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arn", "segment"),
    [
        ("*", "resource"),
        ("arn:aws:s3:::*", "resource name"),
        ("arn:aws:s3:::orders-*", "resource name"),
        ("arn:aws:s3:::*/reports/*", "resource name"),
        ("arn:aws:dynamodb:eu-west-1:111122223333:table/*", "resource name"),
        ("arn:aws:dynamodb:eu-west-1:111122223333:table/Ord?rs", "resource name"),
        ("arn:aws:dynamodb:*:111122223333:table/Orders", "region"),
        ("arn:aws:dynamodb:eu-west-1:*:table/Orders", "account"),
        ("arn:*:dynamodb:eu-west-1:111122223333:table/Orders", "partition"),
        ("arn:aws:lambda:eu-west-1:111122223333:function:*", "resource name"),
        ("arn:aws:secretsmanager:eu-west-1:111122223333:secret:*", "resource name"),
        ("arn:aws:sqs:eu-west-1:111122223333:*", "resource name"),
        ("arn:aws:execute-api:eu-west-1:111122223333:*/prod/GET/items", "resource name"),
        ("arn:aws:logs:eu-west-1:111122223333:log-group:*", "resource name"),
        ("arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/*", "resource name"),
        ("arn:aws:logs:eu-west-1:111122223333:log-group:API-Gateway-Execution-Logs_*:*", "resource name"),
        ("arn:aws:apigateway:eu-west-1::/restapis/*", "resource name"),
        ("arn:aws:iam::111122223333:role/*", "resource name"),
    ],
)
def test_a_wildcard_in_the_partition_account_region_or_name_is_a_wildcard_arn(arn: str, segment: str):
    assert wildcard_arn(arn) == segment


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:s3:::orders",
        "arn:aws:s3:::orders/*",  # objects under a named bucket, as CDK's grants write
        "arn:${AWS::Partition}:s3:::${Bucket}/*",
        "${Bucket.Arn}/*",
        "arn:aws:dynamodb:eu-west-1:111122223333:table/Orders",
        "arn:aws:dynamodb:eu-west-1:111122223333:table/Orders/index/*",
        "arn:aws:dynamodb:eu-west-1:111122223333:table/Orders/stream/*",
        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-??????",  # one secret, any suffix
        "arn:aws:lambda:eu-west-1:111122223333:function:orders:*",  # its versions and aliases
        "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/orders:*",
        "arn:aws:logs:eu-west-1:111122223333:log-group:${Logs}:*",
        "arn:aws:execute-api:eu-west-1:111122223333:${Api}/*/GET/*",
        "arn:aws:apigateway:eu-west-1::/restapis/${Api}/stages/*",
        "arn:aws:sqs:eu-west-1:111122223333:orders",
        "orders-table",  # not an ARN: other rules judge names
    ],
)
def test_a_named_resource_or_a_path_under_one_is_not_a_wildcard_arn(arn: str):
    assert wildcard_arn(arn) is None


@pytest.mark.parametrize(
    "partition", ["aws", "aws-cn", "aws-us-gov", "${AWS::Partition}", "${AWS:Partition}"]
)
def test_every_partition_is_read_alike(partition: str):
    assert wildcard_arn(f"arn:{partition}:s3:::*") == "resource name"
    assert wildcard_arn(f"arn:{partition}:s3:::orders/*") is None
    assert wildcard_arn(f"arn:{partition}:dynamodb:eu-west-1:111122223333:table/Orders/index/*") is None
    assert wildcard_arn(f"arn:{partition}:dynamodb:eu-west-1:111122223333:table/*") == "resource name"


def test_wildcards_inside_fn_sub_and_fn_join_are_read_on_their_literal_parts():
    statement = {
        "Resource": [
            {"Fn::Sub": "arn:${AWS::Partition}:s3:::*"},
            {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":dynamodb:eu-west-1:1:table/*"]]},
            {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/*"]]},
            {"Fn::GetAtt": ["Table", "Arn"]},
        ]
    }
    texts = resource_strings(statement)
    assert texts == [
        "arn:${AWS::Partition}:s3:::*",
        "arn:${AWS::Partition}:dynamodb:eu-west-1:1:table/*",
        "${Bucket.Arn}/*",
        "${Table.Arn}",
    ]
    assert [wildcard_arn(t) for t in texts] == ["resource name", "resource name", None, None]


# --- actions ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    ["*", "s3:*", "s3:Get*", "s3:G*", "s3:?etObject", "s3:*Object", "kms:Generate*", "s3:get*", "S3:*"],
)
def test_broad_action_patterns_are_wildcards(action: str):
    assert is_wildcard_action(action)


@pytest.mark.parametrize(
    "action",
    [
        "s3:GetObject",
        "s3:GetObject*",
        "kms:GenerateDataKey*",
        "kms:ReEncrypt*",
        "s3:GetBucket*",
        "s3:getobject*",
    ],
)
def test_patterns_that_name_what_they_act_on_are_not_wildcards(action: str):
    assert not is_wildcard_action(action)


@pytest.mark.parametrize(
    "action",
    [
        "*",
        "s3:*",
        "s3:Delete*",
        "s3:DeleteObject",
        "s3:deleteobject",
        "s3:P*",
        "dynamodb:PutItem",
        "dynamodb:Batch*",
        "dynamodb:BatchWriteItem",
        "sqs:SetQueueAttributes",
        "lambda:AddPermission",
        "iam:PassRole",
        "s3:?utObject",
    ],
)
def test_actions_that_change_or_destroy_are_destructive(action: str):
    assert is_destructive(action)


@pytest.mark.parametrize(
    "action",
    ["s3:GetObject", "s3:Get*", "s3:List*", "dynamodb:BatchGetItem", "dynamodb:Query", "kms:Decrypt"],
)
def test_reading_actions_are_not_destructive(action: str):
    assert not is_destructive(action)


def test_actions_without_resource_types_accept_only_star_in_any_case():
    assert accepts_only_star("xray:PutTraceSegments")
    assert accepts_only_star("XRay:puttracesegments")
    assert not accepts_only_star("dynamodb:GetItem")


# --- conditions -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "condition",
    [
        {"ArnLike": {"aws:SourceArn": "*"}},
        {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}},
        {"ArnLike": {"aws:SourceArn": "arn:aws:sns:eu-west-1:*:orders"}},
        {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}},
        {"ArnLike": {"aws:SourceArn": "arn:${AWS::Partition}:sns:*:*:orders"}},
        {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
        {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "::/0"]}},
        {"StringEquals": {"aws:SourceAccount": "*"}},
        {"StringNotEquals": {"aws:SourceAccount": "111122223333"}},
        {"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:eu-west-1:111122223333:orders"}},
        {"ArnEqualsIfExists": {"aws:SourceArn": "arn:aws:sns:eu-west-1:111122223333:orders"}},
        {"Null": {"aws:SourceArn": "false"}},
        {"StringEquals": {"aws:username": "alice"}},  # not a key that narrows who calls
        {"StringEquals": {"aws:SourceAccount": []}},
        None,
    ],
)
def test_vacuous_conditions_do_not_restrict(condition):
    assert restricting_keys(condition) == set()


@pytest.mark.parametrize(
    ("condition", "key"),
    [
        ({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:eu-west-1:111122223333:orders"}}, "aws:sourcearn"),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}}, "aws:sourcearn"),  # one account
        ({"StringEquals": {"AWS:SourceAccount": "111122223333"}}, "aws:sourceaccount"),
        ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, "aws:sourceip"),
        ({"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}, "aws:principalorgid"),
        ({"ForAnyValue:StringEquals": {"aws:SourceVpce": ["vpce-1"]}}, "aws:sourcevpce"),
    ],
)
def test_conditions_that_name_callers_restrict(condition, key):
    assert restricting_keys(condition) == {key}


def test_a_reference_restricts_and_a_joined_wildcard_is_read_as_text():
    topic = {"ArnEquals": {"aws:SourceArn": {"Ref": "Topic"}}}
    joined = {
        "ArnLike": {"aws:SourceArn": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sns:*:*:*"]]}}
    }
    assert restricting_keys(readable_condition(topic)) == {"aws:sourcearn"}
    assert restricting_keys(readable_condition(joined)) == set()
    # an Fn::If: every branch must restrict
    either = {"ArnEquals": {"aws:SourceArn": {"Fn::If": ["IsProd", {"Ref": "Topic"}, "*"]}}}
    assert restricting_keys(readable_condition(either)) == set()


@pytest.mark.parametrize(
    ("effect", "allows"),
    [
        ("Allow", True),
        ("Deny", False),
        (None, True),
        ({"Fn::If": ["C", "Deny", "Allow"]}, True),
        ({"Ref": "E"}, True),
    ],
)
def test_only_a_literal_deny_does_not_allow(effect, allows):
    statement = {"Action": "*", "Resource": "*"} | ({} if effect is None else {"Effect": effect})
    assert may_allow(statement) is allows


# --- findings -----------------------------------------------------------------------------------------------


def test_finding_ids_have_at_most_one_double_colon():
    assert finding_id("Resource::arn:aws:s3:::b/*") == "Resource::arn:aws:s3:b/*"
    assert finding_id("Resource::arn:${AWS::Partition}:s3:::*") == "Resource::arn:${AWS:Partition}:s3:*"
    assert finding_id("Role::arn:aws:iam::1:role/x") == "Role::arn:aws:iam:1:role/x"
    assert finding_id("NotAction") == "NotAction"


def test_a_statement_s_findings_ours_and_cdk_nags():
    found = analyse(["s3:Get*", "s3:DeleteObject"], ["arn:aws:s3:::*", "arn:aws:s3:::orders/*"])
    assert found.wildcard_actions == ("s3:Get*",)
    assert found.wildcard_arns == (("arn:aws:s3:::*", "resource name"),)
    assert found.destructive
    assert role_statement_findings(found) == [
        # cdk-nag writes its ids as they are: the ARN keeps its ":::"
        "AwsSolutions-IAM5[Action::s3:Get*]",
        "AwsSolutions-IAM5[Resource::arn:aws:s3:::*]",
        "AwsSolutions-IAM5[Resource::arn:aws:s3:::orders/*]",
        "SecureServerless-IamNoWildcardAction[Action::s3:Get*]",
        "SecureServerless-IamNoWildcardResource[Resource::arn:aws:s3:*]",
    ]


def test_read_only_actions_on_a_wildcard_arn_are_a_warning_of_their_own():
    found = analyse(["dynamodb:GetItem"], ["arn:aws-us-gov:dynamodb:*:111122223333:table/Orders"])
    assert not found.destructive
    assert role_statement_findings(found) == [
        "AwsSolutions-IAM5[Resource::arn:aws-us-gov:dynamodb:*:111122223333:table/Orders]",
        "SecureServerless-IamWildcardArn[Resource::arn:aws-us-gov:dynamodb:*:111122223333:table/Orders]",
    ]


def test_scoped_actions_on_star_and_star_only_actions():
    found = analyse(["xray:PutTraceSegments", "dynamodb:GetItem"], ["*"])
    assert found.star_scoped_actions == ("dynamodb:GetItem",)
    assert role_statement_findings(found) == [
        "AwsSolutions-IAM5[Resource::*]",
        "Serverless-LambdaStarPermissions",
        "SecureServerless-IamNoWildcardResource[Action::dynamodb:GetItem]",
    ]
    only_star = analyse(["xray:PutTraceSegments"], ["*"])
    assert not only_star.broad
    assert role_statement_findings(only_star) == [
        "AwsSolutions-IAM5[Resource::*]",
        "Serverless-LambdaStarPermissions",
    ]


def test_not_action_is_broad_and_destructive():
    found = analyse([], ["*"], not_action=True)
    assert found.not_action and found.destructive and found.broad
    assert "SecureServerless-IamNoWildcardAction[NotAction]" in role_statement_findings(found)
    assert "SecureServerless-IamNoWildcardResource[Action::NotAction]" in role_statement_findings(found)
