"""The IAM policy analyser, shared by the constructs (construct-time checks of ``add_to_role_policy``) and
the rule pack (synth-time checks of every policy in a template): which actions are wildcards, which accept
only ``Resource: "*"``, which ARNs are wildcards, which conditions restrict a caller, and which findings
(ours and cdk-nag's) an identity-policy statement raises.

Pure Python over JSON-shaped statements (no aws_cdk import): strings built by ``Fn::Join``/``Fn::Sub`` are
judged on their literal parts, with every reference written ``${...}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: Actions for which the Service Authorization Reference lists no resource type: IAM accepts only
#: ``Resource: "*"`` for them, so ``*`` there is not a least-privilege gap.
STAR_ONLY_ACTIONS = frozenset(
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
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeVpcs",
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

#: What Lambda needs to attach a function to a VPC (AWSLambdaVPCAccessExecutionRole). The write actions
#: support resource types, but Lambda creates and deletes the interfaces before their ids exist, so they
#: are granted on ``*`` with a recorded reason rather than exempted.
VPC_NETWORK_INTERFACE_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)

#: Verbs of actions that change or destroy data or configuration; on a wildcard ARN they are an error.
DESTRUCTIVE_VERBS = (
    "Delete",
    "Put",
    "Update",
    "Create",
    "Remove",
    "Terminate",
    "Detach",
    "Attach",
    "Disable",
    "Modify",
    "Write",
    "Schedule",
    "Revoke",
    "Reset",
    "Restore",
    "Replace",
    # the writing batches (dynamodb:BatchGetItem reads)
    "BatchWrite",
    "BatchDelete",
    "BatchPut",
    "BatchUpdate",
    "BatchExecute",
    # changing who may do what (resource policies, tags that grant access, roles handed to services)
    "Set",
    "Add",
    "Pass",
    "Associate",
    "Disassociate",
    "Tag",
    "Untag",
    "Import",
    "Upload",
    "Copy",
)


def accepts_only_star(action: str) -> bool:
    """Whether IAM accepts only ``Resource: "*"`` for ``action`` (see :data:`STAR_ONLY_ACTIONS`)."""
    return action.lower() in STAR_ONLY_ACTIONS


#: Verbs that start action names. A wildcard whose literal part is no more than one of these (``s3:Get*``,
#: ``s3:List*``, ``s3:P*``) spans every kind of resource of the service; one that also names what is acted
#: on (``s3:GetObject*``, ``kms:GenerateDataKey*``, as CDK's own grants write) stays within one family.
ACTION_VERBS = (
    "Abort",
    "Accept",
    "Add",
    "Admin",
    "Assume",
    "Associate",
    "Attach",
    "Batch",
    "Cancel",
    "Copy",
    "Create",
    "Delete",
    "Deregister",
    "Describe",
    "Detach",
    "Disable",
    "Disassociate",
    "Enable",
    "Execute",
    "Export",
    "Generate",
    "Get",
    "Import",
    "Invoke",
    "List",
    "Modify",
    "Publish",
    "Put",
    "Receive",
    "Register",
    "Remove",
    "Reset",
    "Restore",
    "Revoke",
    "Rotate",
    "Run",
    "Send",
    "Set",
    "Start",
    "Stop",
    "Tag",
    "Untag",
    "Update",
    "Upload",
)


_ACTION_VERBS = tuple(verb.lower() for verb in ACTION_VERBS)
_DESTRUCTIVE_VERBS = tuple(verb.lower() for verb in DESTRUCTIVE_VERBS)


def is_wildcard_action(action: str) -> bool:
    """Whether an action pattern spans more than one family of actions: ``*``, ``s3:*``, ``s3:Get*``,
    ``s3:?etObject``, or ``NotAction``-like breadth. ``s3:GetObject*`` and ``kms:GenerateDataKey*`` name what
    they act on and are not (see :data:`ACTION_VERBS`). IAM matches actions without regard to case, and so
    does this (``s3:get*`` is ``s3:Get*``)."""
    if "*" not in action and "?" not in action:
        return False
    _, _, name = action.lower().partition(":")
    literal = re.split(r"[*?]", name, maxsplit=1)[0]
    return action == "*" or not name or any(verb.startswith(literal) for verb in _ACTION_VERBS)


def is_destructive(action: str) -> bool:
    """Whether ``action`` can match an action that changes or deletes (``*``, ``s3:*``, ``s3:Delete*``,
    ``s3:P*``, ``dynamodb:PutItem``), in any case."""
    _, _, name = action.lower().partition(":")
    if action == "*" or not name:
        return True
    if name.startswith(_DESTRUCTIVE_VERBS):
        return True
    if "*" not in name and "?" not in name:
        return False
    prefix = re.split(r"[*?]", name, maxsplit=1)[0]
    return any(verb.startswith(prefix) for verb in _DESTRUCTIVE_VERBS)


# --- ARNs -----------------------------------------------------------------------------------------------

_ARN = re.compile(
    r"^arn:(?P<partition>[^:]*):(?P<service>[^:]*):(?P<region>[^:]*):(?P<account>[^:]*):(?P<rest>.*)$"
)
#: Services whose ARN resource part starts with the resource's name (no resource type).
_NAME_FIRST = frozenset({"s3", "sns", "sqs", "execute-api"})
#: Secrets Manager appends six random characters to a secret's name; ``<name>-??????`` names one secret.
_SECRET_SUFFIX = re.compile(r"-\?{6}$")
_REFERENCE = "${"
_REFERENCES = re.compile(r"\$\{[^}]*\}")


def _has_wildcard(segment: str) -> bool:
    return "*" in segment or "?" in segment


def wildcard_arn(text: str) -> str | None:
    """Which segment of ``text`` (an ARN, its references written ``${...}``) is a wildcard that matches
    resources it does not name: ``"account"``, ``"region"``, ``"partition"`` or ``"resource name"``; ``None``
    for a named resource or a sub-path under one (``<bucket arn>/*``, ``table/Orders/index/*``, which CDK's
    own grants write). ``"*"`` alone is ``"resource"``. Partitions other than ``aws`` and
    ``${AWS::Partition}`` are read alike."""
    if text == "*":
        return "resource"
    match = _ARN.match(_REFERENCES.sub("${ref}", text))
    if match is None:
        return None  # not an ARN (a name, a reference): other rules judge those
    if _has_wildcard(match["partition"]):
        return "partition"
    if _has_wildcard(match["region"]):
        return "region"
    if _has_wildcard(match["account"]):
        return "account"
    rest = match["rest"]
    if match["service"] in _NAME_FIRST:
        name = re.split(r"[/:]", rest, maxsplit=1)[0]
    elif match["service"] == "logs":
        # "log-group:/aws/lambda/x:*": a log group's name holds "/" (not ":"), so all of it is the name
        parts = rest.split(":")
        name = parts[1] if len(parts) > 1 else parts[0]
    else:
        # "function:name", "table/name/index/x", "secret:name-??????", "/restapis/<id>/stages/prod"
        parts = re.split(r"[/:]", rest.lstrip("/"))
        name = parts[1] if len(parts) > 1 else parts[0]
        if match["service"] == "secretsmanager":
            name = _SECRET_SUFFIX.sub("", name)
    if name.startswith(_REFERENCE) and not _has_wildcard(name):
        return None  # the name is a reference to a resource (Ref/GetAtt), perhaps with a literal suffix
    return "resource name" if _has_wildcard(name) or name == "" else None


# --- conditions -----------------------------------------------------------------------------------------

#: Condition keys that pin a statement with Principal "*" to known callers or networks.
RESTRICTING_CONDITION_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:SourceOwner",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceIp",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:PrincipalServiceName",
        "aws:ResourceOrgID",
        "aws:ResourceAccount",
        "kms:CallerAccount",
        "kms:ViaService",
        "sts:ExternalId",
        "lambda:FunctionUrlAuthType",
        "cognito-identity.amazonaws.com:aud",
    )
)
#: Keys that narrow who may assume a role whose trust policy names Principal "*".
TRUST_CONDITION_KEYS = frozenset(
    k.lower()
    for k in ("aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount", "aws:PrincipalArn")
)
_OPEN_NETWORKS = frozenset({"0.0.0.0/0", "::/0", "0.0.0.0/0.0.0.0"})


def _vacuous(key: str, value: Any) -> bool:
    """A condition value that matches every caller for ``key``: ``*``, ``0.0.0.0/0``, an ARN whose partition
    or account is a wildcard (whatever its region), or one without an account whose name is a wildcard
    (``arn:aws:s3:::*``). A value we cannot read is judged as restricting: it names one resource, as
    ``${Api.Arn}`` does (callers flatten ``Fn::Join``/``Fn::Sub`` values first)."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if text in ("", "*") or set(text) <= {"*", "?"}:
        return True
    if text in _OPEN_NETWORKS:
        return True
    if key not in ("aws:sourcearn", "aws:principalarn"):
        return False
    match = _ARN.match(_REFERENCES.sub("${ref}", text))
    if match is None:
        return False
    if _has_wildcard(match["partition"]) or _has_wildcard(match["account"]):
        return True
    return match["account"] == "" and wildcard_arn(text) is not None


def restricting_keys(condition: Any, keys: frozenset[str] = RESTRICTING_CONDITION_KEYS) -> set[str]:
    """The condition keys of ``keys`` that really narrow the caller: a positive operator (not ``Not...``,
    not ``...IfExists``, not ``Null``), with no value that matches everyone (:func:`_vacuous`)."""
    found: set[str] = set()
    if not isinstance(condition, Mapping):
        return found
    for operator, block in condition.items():
        op = str(operator)
        base = op.split(":")[-1]
        if "Not" in base or base.endswith("IfExists") or base == "Null" or not isinstance(block, Mapping):
            continue
        for key, values in block.items():
            k = str(key).lower()
            if k not in keys:
                continue
            items = values if isinstance(values, list) else [values]
            if items and not any(_vacuous(k, v) for v in items):
                found.add(k)
    return found


# --- statements -----------------------------------------------------------------------------------------


def may_allow(statement: Mapping[str, Any]) -> bool:
    """False only for a literal ``"Effect": "Deny"``: an intrinsic (or a missing) Effect may be Allow, so
    it is judged as one (fail closed)."""
    return statement.get("Effect") != "Deny"


def as_strings(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class StatementFindings:
    """What one Allow statement of an identity policy raises: wildcard actions, ``NotAction``, scoped
    actions on ``Resource: "*"`` (or ``NotResource``), and wildcard ARNs (each with the segment)."""

    wildcard_actions: tuple[str, ...] = ()
    not_action: bool = False
    star_scoped_actions: tuple[str, ...] = ()  # scoped actions granted on "*" or NotResource
    star_resource: bool = False  # "*" among the resources
    not_resource: bool = False
    wildcard_arns: tuple[tuple[str, str], ...] = ()  # (ARN text, which segment)
    destructive: bool = False
    starred_resources: tuple[str, ...] = ()  # every literal resource but "*" with a "*" (cdk-nag's view)
    starred_actions: tuple[str, ...] = ()  # every action with a "*" (cdk-nag's view)

    @property
    def broad(self) -> bool:
        return bool(
            self.wildcard_actions or self.not_action or self.star_scoped_actions or self.wildcard_arns
        )


def analyse(
    actions: Iterable[str], resources: Iterable[str], *, not_action: bool = False, not_resource: bool = False
) -> StatementFindings:
    """Analyse an Allow statement given its actions and its resources as strings (references ``${...}``)."""
    actions = list(actions)
    resources = list(resources)
    star = "*" in resources
    scoped = tuple(a for a in actions if not accepts_only_star(a)) if (star or not_resource) else ()
    if not_action and (star or not_resource):
        scoped = scoped or ("NotAction",)
    arns = tuple((r, segment) for r in resources if r != "*" and (segment := wildcard_arn(r)) is not None)
    return StatementFindings(
        wildcard_actions=tuple(a for a in actions if is_wildcard_action(a)),
        not_action=not_action,
        star_scoped_actions=scoped,
        star_resource=star,
        not_resource=not_resource,
        wildcard_arns=arns,
        destructive=not_action or any(is_destructive(a) for a in actions),
        starred_resources=tuple(r for r in resources if r != "*" and "*" in r and _REFERENCE not in r),
        starred_actions=tuple(a for a in actions if "*" in a),
    )


def finding_id(text: str) -> str:
    """``text`` as the ``[<finding>]`` part of a rule id: one line, no brackets, at most one ``::`` (so that
    ``<Plugin>::<rule id>`` acknowledgments stay unambiguous)."""
    head, sep, tail = " ".join(text.split()).replace("[", "(").replace("]", ")").partition("::")
    return head + sep + re.sub(":{2,}", ":", tail)


def rule_finding(rule_id: str, finding: str | None) -> str:
    """``SecureServerless-IamNoWildcardAction`` + ``Action::s3:*`` ->
    ``SecureServerless-IamNoWildcardAction[Action::s3:*]``."""
    return rule_id if finding is None else f"{rule_id}[{finding_id(finding)}]"


#: cdk-nag's wildcard rule and how it names what it found (``AwsSolutions-IAM5[Action::s3:Get*]``).
NAG_WILDCARD_RULE = "AwsSolutions-IAM5"
NAG_LAMBDA_STAR_RULE = "Serverless-LambdaStarPermissions"
OUR_WILDCARD_ACTION_RULE = "SecureServerless-IamNoWildcardAction"
OUR_WILDCARD_RESOURCE_RULE = "SecureServerless-IamNoWildcardResource"
OUR_WILDCARD_ARN_RULE = "SecureServerless-IamWildcardArn"


def our_findings(found: StatementFindings) -> list[tuple[str, str]]:
    """The SecureServerless findings of a statement: ``(finding id, the action or ARN it is about)``."""
    ids: list[tuple[str, str]] = []
    for action in found.wildcard_actions:
        ids.append((rule_finding(OUR_WILDCARD_ACTION_RULE, f"Action::{action}"), action))
    if found.not_action:
        ids.append((rule_finding(OUR_WILDCARD_ACTION_RULE, "NotAction"), "NotAction"))
    for action in found.star_scoped_actions:
        ids.append((rule_finding(OUR_WILDCARD_RESOURCE_RULE, f"Action::{action}"), action))
    for arn, _ in found.wildcard_arns:
        rule = OUR_WILDCARD_RESOURCE_RULE if found.destructive else OUR_WILDCARD_ARN_RULE
        ids.append((rule_finding(rule, f"Resource::{arn}"), arn))
    return ids


def role_statement_findings(found: StatementFindings) -> list[str]:
    """Every finding id (ours and cdk-nag's AwsSolutions and Serverless packs) that a statement with
    ``found`` raises in a Lambda execution role's policy, as the synth prints them: what a construct
    acknowledges when the statement comes with a reason."""
    # cdk-nag writes its finding ids as they are (``Resource::arn:aws:s3:::b/*`` keeps its ``:::``)
    ids = [f"{NAG_WILDCARD_RULE}[Action::{action}]" for action in found.starred_actions]
    if found.star_resource:
        ids.append(f"{NAG_WILDCARD_RULE}[Resource::*]")
    if found.star_resource or any(a == "*" or a.endswith(":*") for a in found.starred_actions):
        ids.append(NAG_LAMBDA_STAR_RULE)
    ids += [f"{NAG_WILDCARD_RULE}[Resource::{resource}]" for resource in found.starred_resources]
    ids += [finding for finding, _ in our_findings(found)]
    return list(dict.fromkeys(ids))
