"""IAM rules: wildcard actions and resources, admin policies, shared roles, open trust and resource policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...policy import StatementFindings, analyse
from .._model import OTHER, Compliance, RuleResult, RuleSpec, Setting, Undecidable, set_
from .._template import TemplateContext, as_list, flatten, props, when
from ._common import E, W
from ._policy import (
    TRUST_CONDITION_KEYS,
    action_strings,
    allows,
    conditional_statements,
    open_to_anyone,
    resource_strings,
    statements,
)

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

#: AWS managed policies that grant administrative or full-service access.
ADMIN_POLICIES = frozenset({"AdministratorAccess", "PowerUserAccess", "IAMFullAccess"})


def _identity_documents(resource: dict[str, Any], ctx: TemplateContext) -> Iterator[tuple[Any, str]]:
    """Each identity policy document of the resource (every Fn::If branch of ``Policies`` and of each
    policy in it)."""
    p = props(resource)
    if "PolicyDocument" in p:
        yield p["PolicyDocument"], "PolicyDocument"
    policies = [item for value in ctx.branches(p.get("Policies")) for item in as_list(value)]
    for index, policy in enumerate(policies):
        for branch in ctx.branches(policy):
            if branch is None:
                continue
            if not isinstance(branch, dict):
                raise Undecidable("Unresolved::Policies", "a policy of Policies is not a literal object")
            yield branch.get("PolicyDocument"), f"Policies[{index}]"


def _allow_statements(
    resource: dict[str, Any], ctx: TemplateContext
) -> Iterator[tuple[dict[str, Any], tuple[str, ...]]]:
    """Every statement that may allow, with the conditions under which it is in force."""
    for document, what in _identity_documents(resource, ctx):
        for statement, conds in conditional_statements(document, ctx, what):
            if allows(statement):
                yield statement, conds


def _analysis(statement: dict[str, Any], ctx: TemplateContext) -> StatementFindings:
    return analyse(
        [] if "NotAction" in statement else action_strings(statement, "Action", ctx),
        resource_strings(statement, "NotResource" if "NotResource" in statement else "Resource", ctx),
        not_action="NotAction" in statement,
        not_resource="NotResource" in statement,
    )


class _Findings:
    """Finding ids, each with the detail of its first occurrence; an id found unconditionally keeps no
    condition, one found only under conditions names them (`` when not IsProd``)."""

    def __init__(self) -> None:
        self._found: dict[str, tuple[tuple[str, ...], str]] = {}

    def add(self, finding: str, conds: tuple[str, ...], detail: str = "") -> None:
        known = self._found.get(finding)
        if known is None or (known[0] and not conds):
            self._found[finding] = (conds, detail)

    def result(self) -> list[str | tuple[str | None, str]]:
        out: list[str | tuple[str | None, str]] = []
        for finding in sorted(self._found):
            conds, detail = self._found[finding]
            text = (detail + when(conds)).strip()
            out.append((finding, text) if text else finding)
        return out


def iam_no_wildcard_action(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Allow statements (any Effect but a literal Deny) must not use wildcard actions (``*``, ``s3:*``,
    ``s3:Get*``) or ``NotAction``."""
    findings = _Findings()
    for statement, conds in _allow_statements(resource, ctx):
        found = _analysis(statement, ctx)
        if found.not_action:
            findings.add("NotAction", conds)
        for action in found.wildcard_actions:
            findings.add(f"Action::{action}", conds)
    return findings.result()


def iam_no_wildcard_resource(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Allow statements must not grant ``Resource: "*"`` (or NotResource) on actions that support resource
    scoping, nor destructive actions (``Delete*``, ``Put*``, ``*``) on a wildcard ARN (``arn:aws:s3:::*``,
    ``table/*``, a ``*`` account or region)."""
    findings = _Findings()
    for statement, conds in _allow_statements(resource, ctx):
        found = _analysis(statement, ctx)
        for action in found.star_scoped_actions:
            findings.add(f"Action::{action}", conds)
        if found.destructive:
            for arn, segment in found.wildcard_arns:
                findings.add(f"Resource::{arn}", conds, f"wildcard in the {segment}")
    return findings.result()


def iam_wildcard_arn(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Allow statements of read-only actions on a wildcard ARN (the destructive ones are
    IamNoWildcardResource's errors)."""
    findings = _Findings()
    for statement, conds in _allow_statements(resource, ctx):
        found = _analysis(statement, ctx)
        if not found.destructive:
            for arn, segment in found.wildcard_arns:
                findings.add(f"Resource::{arn}", conds, f"wildcard in the {segment}")
    return findings.result()


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
    if key is None or "${" in key:
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


MUTANT = "SecureConstructsMutant"


def _inline(*statements: dict[str, Any]) -> list[dict[str, Any]]:
    """A role's inline policies holding ``statements`` (what a weakened role holds in the mutation test)."""
    return [
        {"PolicyName": "Mutant", "PolicyDocument": {"Version": "2012-10-17", "Statement": list(statements)}}
    ]


_ROLE = "AWS::IAM::Role"
_ADMIN = {"Effect": "Allow", "Action": "*", "Resource": "*"}
_FN = Setting("SecureFunction", "add_to_role_policy(reason=)", via="parameter")

RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "IamNoWildcardAction",
        "iam",
        IDENTITY_POLICY_TYPES,
        "The IAM policy allows a wildcard action ('*', 'service:*', 'service:Get*') or uses NotAction in an "
        "Allow.",
        "Grant the specific actions the workload calls (least privilege). A statement whose Effect is not a "
        "literal Deny is read as an Allow.",
        E,
        iam_no_wildcard_action,
        paths=("Policies", "PolicyDocument", "ManagedPolicyArns"),
        finding_ids=("Action::<action>", "NotAction"),
        settings=(_FN,),
        stock_ids=("AwsSolutions-IAM5",),
        mutations=(
            set_("Policies", _inline(_ADMIN), target=_ROLE),
            set_(
                "Policies",
                _inline({"Effect": {"Fn::If": [MUTANT, "Allow", "Deny"]}, "Action": "*", "Resource": "*"}),
                target=_ROLE,
            ),
            set_(
                "Policies",
                _inline({"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}),
                target=_ROLE,
            ),
        ),
    ),
    RuleSpec(
        "IamNoWildcardResource",
        "iam",
        IDENTITY_POLICY_TYPES,
        "The IAM policy allows Resource '*' for an action that supports resource-level permissions, or a "
        "destructive action on a wildcard ARN.",
        "Scope the statement to the ARNs the workload uses. Resource '*' is accepted only for actions "
        "without resource-level permissions (e.g. xray:PutTraceSegments); a wildcard in an ARN's account, "
        "region or resource name (arn:aws:s3:::*, table/*) is one too, while a path under a named resource "
        "(<bucket arn>/*) is not.",
        E,
        iam_no_wildcard_resource,
        paths=("Policies", "PolicyDocument"),
        finding_ids=("Action::<action>", "Resource::<arn>"),
        settings=(_FN,),
        stock_ids=("AwsSolutions-IAM5", "Serverless-LambdaStarPermissions"),
        mutations=(
            set_(
                "Policies",
                _inline({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "*"}),
                target=_ROLE,
            ),
            set_(
                "Policies",
                _inline(
                    {
                        "Effect": "Allow",
                        "Action": "s3:DeleteObject",
                        "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::*"},
                    }
                ),
                target=_ROLE,
            ),
            set_(
                "Policies",
                _inline(
                    {
                        "Effect": "Allow",
                        "Action": "dynamodb:PutItem",
                        "Resource": {
                            "Fn::Join": [
                                "",
                                [
                                    "arn:",
                                    {"Ref": "AWS::Partition"},
                                    ":dynamodb:eu-west-1:111122223333:table/*",
                                ],
                            ]
                        },
                    }
                ),
                target=_ROLE,
            ),
        ),
    ),
    RuleSpec(
        "IamWildcardArn",
        "iam",
        IDENTITY_POLICY_TYPES,
        "The IAM policy allows read actions on a wildcard ARN.",
        "Name the resources: a wildcard in an ARN's account, region or resource name (arn:aws:s3:::*, "
        "table/*) reaches every such resource, including those created later.",
        W,
        iam_wildcard_arn,
        paths=("Policies", "PolicyDocument"),
        finding_ids=("Resource::<arn>",),
        settings=(_FN,),
        mutations=(
            set_(
                "Policies",
                _inline(
                    {
                        "Effect": "Allow",
                        "Action": "dynamodb:GetItem",
                        "Resource": "arn:aws-us-gov:dynamodb:*:111122223333:table/Orders",
                    }
                ),
                target=_ROLE,
            ),
        ),
    ),
    RuleSpec(
        "IamAdminManagedPolicy",
        "iam",
        ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"),
        "An AWS managed admin or full-access policy is attached.",
        "AdministratorAccess, PowerUserAccess, IAMFullAccess and *FullAccess policies grant far more "
        "than a workload needs. Attach a policy with the exact actions and resources.",
        E,
        iam_managed_admin_policy,
        paths=("ManagedPolicyArns",),
        finding_ids=("Policy::<policy name>",),
        mutations=(set_("ManagedPolicyArns", ["arn:aws:iam::aws:policy/AdministratorAccess"], target=_ROLE),),
    ),
    RuleSpec(
        "IamSharedRole",
        "iam",
        ("AWS::Lambda::Function",),
        "The execution role is shared with other functions.",
        "Each function gets its own role, so that each holds only its own permissions and a compromise "
        "of one does not reach the data of the others.",
        E,
        iam_shared_role,
        paths=("Role",),
        finding_ids=("Role::<role logical id or name>",),
        settings=(Setting("SecureFunction", "role", via="parameter"),),
        mutations=(set_("Role", OTHER),),
    ),
    RuleSpec(
        "IamTrustAnyPrincipal",
        "iam",
        ("AWS::IAM::Role",),
        "The role's trust policy lets any principal assume it.",
        "Name the service or account principals that may assume the role (or narrow '*' with "
        "aws:PrincipalOrgID / aws:PrincipalAccount / aws:PrincipalArn; a condition that matches everyone, "
        "such as aws:PrincipalArn '*', narrows nothing).",
        E,
        iam_trust_any_principal,
        paths=("AssumeRolePolicyDocument",),
        mutations=(
            set_(
                "AssumeRolePolicyDocument",
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "*"},
                            "Action": "sts:AssumeRole",
                            "Condition": {"StringLike": {"aws:PrincipalArn": "*"}},
                        }
                    ],
                },
            ),
        ),
    ),
    RuleSpec(
        "ResourcePolicyAnyPrincipal",
        "iam",
        tuple(RESOURCE_POLICY_PROPERTY) + ("AWS::Lambda::LayerVersionPermission",),
        "The resource policy allows any principal without a restricting condition.",
        "Name the principals, or narrow Principal '*' with a condition on aws:SourceArn, "
        "aws:SourceAccount, aws:PrincipalOrgID, aws:SourceVpce or similar; a condition that matches "
        "everyone (aws:SourceArn '*', aws:SourceIp 0.0.0.0/0) narrows nothing.",
        E,
        resource_policy_any_principal,
        paths=("PolicyDocument", "KeyPolicy", "Policy", "ResourcePolicy"),
        mutations=(
            set_(
                "PolicyDocument",
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": "*",
                            "Action": "sqs:SendMessage",
                            "Resource": "*",
                            "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
                        }
                    ],
                },
                target="AWS::SQS::QueuePolicy",
            ),
            set_(
                "PolicyDocument",
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "*"},
                            "Action": "sns:Publish",
                            "Resource": "*",
                            "Condition": {"ArnLike": {"aws:SourceArn": "*"}},
                        }
                    ],
                },
                target="AWS::SNS::TopicPolicy",
            ),
        ),
    ),
)
