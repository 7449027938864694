"""IAM rules: wildcard actions and resources, admin policies, shared roles, open trust and resource policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._model import Compliance, RuleResult
from .._template import TemplateContext, as_list, flatten, get_path, props
from ._policy import TRUST_CONDITION_KEYS, action_strings, allows, open_to_anyone, statements

IDENTITY_POLICY_TYPES = (
    "AWS::IAM::RolePolicy",
    "AWS::IAM::UserPolicy",
    "AWS::IAM::GroupPolicy",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Role",
    "AWS::IAM::User",
    "AWS::IAM::Group",
)

#: Actions that do not support resource-level permissions: ``Resource: "*"`` is the only option for them.
#: (From the Service Authorization Reference; extend when a workload needs another such action.)
UNSCOPABLE_ACTIONS = frozenset(
    a.lower()
    for a in (
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:GetSamplingStatisticSummaries",
        "cloudwatch:PutMetricData",
        "cloudwatch:GetMetricData",
        "cloudwatch:ListMetrics",
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeVpcs",
        "logs:DescribeLogGroups",
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "sts:GetCallerIdentity",
        "kms:ListKeys",
        "kms:ListAliases",
        "kms:CreateKey",
        "s3:ListAllMyBuckets",
        "sqs:ListQueues",
        "sns:ListTopics",
        "dynamodb:ListTables",
        "lambda:ListFunctions",
        "secretsmanager:ListSecrets",
        "secretsmanager:GetRandomPassword",
        "ssm:DescribeParameters",
        "cognito-idp:ListUserPools",
        "states:ListStateMachines",
        "tag:GetResources",
        "ecr:GetAuthorizationToken",
        "iam:ListRoles",
        "iam:ListPolicies",
        "cloudtrail:DescribeTrails",
        "events:ListRules",
    )
)

#: AWS managed policies that grant administrative or full-service access.
ADMIN_POLICIES = frozenset({"AdministratorAccess", "PowerUserAccess", "IAMFullAccess"})


def _identity_documents(resource: dict[str, Any]) -> Iterator[tuple[Any, str]]:
    p = props(resource)
    if "PolicyDocument" in p:
        yield p["PolicyDocument"], "PolicyDocument"
    for index, policy in enumerate(as_list(p.get("Policies"))):
        yield get_path(policy, "PolicyDocument"), f"Policies[{index}]"


def iam_no_wildcard_action(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Allow statements must not use ``*``, ``service:*`` or ``NotAction``."""
    findings: set[str] = set()
    for document, what in _identity_documents(resource):
        for statement in statements(document, ctx, what):
            if not allows(statement):
                continue
            if "NotAction" in statement:
                findings.add("NotAction")
            for action in action_strings(statement):
                if action == "*" or action.endswith(":*"):
                    findings.add(f"Action::{action}")
    return sorted(findings)


def iam_no_wildcard_resource(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Allow statements must not grant ``Resource: "*"`` on actions that support resource scoping."""
    findings: set[str] = set()
    for document, what in _identity_documents(resource):
        for statement in statements(document, ctx, what):
            if not allows(statement):
                continue
            if "*" not in as_list(statement.get("Resource")) and "NotResource" not in statement:
                continue
            for action in action_strings(statement):
                if action.lower() not in UNSCOPABLE_ACTIONS:
                    findings.add(f"Action::{action}")
    return sorted(findings)


def _managed_policy_name(value: Any) -> str | None:
    text = flatten(value)
    if text is None or ":iam::aws:policy/" not in text:
        return None
    return text.rsplit("/", 1)[-1]


def iam_managed_admin_policy(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Roles, users and groups must not attach AWS managed admin or ``*FullAccess`` policies."""
    findings = []
    for arn in as_list(props(resource).get("ManagedPolicyArns")):
        name = _managed_policy_name(arn)
        if name and (name in ADMIN_POLICIES or name.endswith("FullAccess")):
            findings.append(f"Policy::{name}")
    return sorted(set(findings))


def _role_key(role: Any, ctx: TemplateContext) -> str | None:
    target = ctx.target(role)
    if target:
        return target
    return role if isinstance(role, str) else flatten(role)


def iam_shared_role(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Each function has its own execution role (a shared role grants every function the union of rights)."""
    role = props(resource).get("Role")
    key = _role_key(role, ctx)
    if key is None or "${?}" in key:
        return Compliance.NOT_APPLICABLE if role is None else []
    sharing = [
        lid
        for lid, fn in ctx.of_type("AWS::Lambda::Function")
        if lid != logical_id and _role_key(props(fn).get("Role"), ctx) == key
    ]
    if not sharing:
        return Compliance.COMPLIANT
    name = key if ctx.target(role) else key.rsplit("/", 1)[-1]
    return [f"Role::{name}"]


def iam_trust_any_principal(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """A role's trust policy must not let any principal assume it."""
    document = props(resource).get("AssumeRolePolicyDocument")
    for statement in statements(document, ctx, "AssumeRolePolicyDocument"):
        if open_to_anyone(statement, TRUST_CONDITION_KEYS):
            return Compliance.NON_COMPLIANT
    return Compliance.COMPLIANT


RESOURCE_POLICY_PROPERTY = {
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::S3::BucketPolicy": "PolicyDocument",
    "AWS::SecretsManager::ResourcePolicy": "ResourcePolicy",
    "AWS::KMS::Key": "KeyPolicy",
    "AWS::ApiGateway::RestApi": "Policy",
}


def resource_policy_any_principal(
    logical_id: str, resource: dict[str, Any], ctx: TemplateContext
) -> RuleResult:
    """Resource policies (topics, queues, buckets, secrets, keys, REST APIs, layers) must not allow anyone."""
    resource_type = resource.get("Type")
    if resource_type == "AWS::Lambda::LayerVersionPermission":
        p = props(resource)
        public = p.get("Principal") == "*" and not p.get("OrganizationId")
        return Compliance.NON_COMPLIANT if public else Compliance.COMPLIANT
    prop = RESOURCE_POLICY_PROPERTY[str(resource_type)]
    document = props(resource).get(prop)
    if document is None:
        return Compliance.NOT_APPLICABLE
    for statement in statements(document, ctx, prop):
        if open_to_anyone(statement):
            return Compliance.NON_COMPLIANT
    return Compliance.COMPLIANT
