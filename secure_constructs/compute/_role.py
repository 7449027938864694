"""The execution role of a SecureFunction: its one inline policy, the statements it starts with, the check
of statements added later, and the role checks that run at synth (SC-FN-001, SC-FN-011).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .._context import FunctionRole, StackContext
from ..acknowledgments import audited_id, check_reason
from ..errors import SecureConstructsError
from ..policy import VPC_NETWORK_INTERFACE_ACTIONS, analyse, role_statement_findings

_STAR_ONLY_REASON = (
    "{actions}: the Service Authorization Reference lists no resource type for these actions, so IAM "
    "only accepts Resource '*' for them"
)
XRAY_REASON = (
    "Tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support only Resource '*' "
    "(no X-Ray resource types exist for them), granted when tracing is on, as aws_lambda.Function grants them"
)
_XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
VPC_REASON = (
    "VPC function: the actions of AWSLambdaVPCAccessExecutionRole, inline; Lambda creates and deletes its "
    "network interfaces before their ids exist, and the ec2:Describe actions support only Resource '*'"
)
#: IAM quota: the aggregate size of a role's inline policies (whitespace not counted).
INLINE_POLICY_LIMIT = 10_240
#: Length assumed for a reference (Ref, Fn::GetAtt, Fn::Join ...) once CloudFormation resolves it: a long ARN.
_RESOLVED_REFERENCE_LENGTH = 120


class InlinePolicyRole(iam.Role):
    """A role whose every added statement lands in one inline policy (no AWS::IAM::Policy resource).

    Its size is checked at synth (:func:`_check_function_roles`, SC-FN-011).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        description: str,
        statements: list[dict[str, Any]] | None = None,
    ) -> None:
        # the statements it starts with are IAM JSON, as they appear in the policy
        self.inline_document = (
            iam.PolicyDocument.from_json({"Statement": statements}) if statements else iam.PolicyDocument()
        )
        super().__init__(
            scope,
            id,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=description,
            inline_policies={"Function": self.inline_document},
        )

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        # aws_lambda.Function, grants and add_to_role_policy all come through here.
        self.inline_document.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self)

    def add_to_policy(self, statement: iam.PolicyStatement) -> bool:
        return self.add_to_principal_policy(statement).statement_added


def function_statements(
    *,
    queue: sqs.IQueue | None,
    tracing: bool,
    log_group_arn: str,
    secrets: list[dict[str, Any]],
    region: str,
) -> list[dict[str, Any]]:
    """The statements every SecureFunction's role starts with: delivery to the dead-letter queue and X-Ray
    (what aws_lambda.Function adds for ``dead_letter_queue`` and ``tracing``), writing to its own log group,
    reading its Secrets Manager secrets, and the data keys of an SSE-KMS dead-letter queue.

    Statements added later come after them: an SSM parameter's ``grant_read``, and what the L2 itself adds
    for ``profiling`` or an ``on_failure`` destination (those used to come first; the order has no effect
    on what the policy allows)."""
    statements: list[dict[str, Any]] = []
    if queue is not None:
        statements.append(
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue.queue_arn}
        )
    if tracing:
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                "Resource": "*",
            }
        )
    statements.append(
        {
            "Sid": "WriteOwnLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": log_group_arn,
        }
    )
    statements.extend(secrets)
    # aws_lambda.Function grants only sqs:SendMessage; an SSE-KMS queue also needs the producer to
    # generate and decrypt data keys (SQS Developer Guide, "Amazon SQS key management"), only via SQS.
    key = queue.encryption_master_key if queue is not None else None
    if key is not None:
        statements.append(
            {
                "Sid": "SendToEncryptedDeadLetterQueue",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": key.key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"sqs.{region}.amazonaws.com"}},
            }
        )
    return statements


def secret_statements(secret: Any, region: str) -> list[dict[str, Any]]:
    """Read on exactly ``secret`` (and decrypt on its key, only through Secrets Manager), as identity
    policy statements for the role's first document.

    ``ISecret.grant_read`` would also put the role into the key's resource policy (its ViaServicePrincipal
    counts as another account), which with an inline role policy is a dependency cycle.
    """
    arn = secret.secret_full_arn or f"{secret.secret_arn}-??????"
    found: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            # the value only: the handler reads it (DescribeSecret, which aws-secretsmanager-caching also
            # calls, is granted by hand when a handler uses that client; LambdaUnusedPermission would say so)
            "Action": "secretsmanager:GetSecretValue",
            "Resource": arn,
        }
    ]
    if secret.encryption_key is not None:
        found.append(
            {
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": secret.encryption_key.key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
            }
        )
    return found


def execution_role(
    function: Construct, role: iam.IRole | None, context: StackContext, statements: list[dict[str, Any]]
) -> FunctionRole:
    """The role that runs ``function``, recorded in the stack's context for the synth-time checks: a new
    :class:`InlinePolicyRole` starting with ``statements``, or ``role`` (refused when it already runs a
    function, SC-FN-001) with ``statements`` added to its own policies."""
    path = function.node.path
    if role is None:
        role = InlinePolicyRole(
            function, "Role", description=f"Execution role of {path}"[:1000], statements=statements
        )
    else:
        _refuse_a_used_role(function, role, context)
        for statement in statements:  # to the role's own policies (its DefaultPolicy)
            role.add_to_principal_policy(iam.PolicyStatement.from_json(statement))
    if not context.function_roles:
        context.add_check(lambda: _check_function_roles(context))
    entry = FunctionRole(path, role)
    context.function_roles.append(entry)
    return entry


def xray_findings() -> dict[str, str]:
    """The findings the X-Ray statement raises, each with why it is acceptable."""
    return {rule_id: XRAY_REASON for rule_id in role_statement_findings(analyse(_XRAY_ACTIONS, ["*"]))}


def vpc_networking_statement() -> tuple[iam.PolicyStatement, dict[str, str]]:
    """What a VPC function's role needs (aws_lambda.Function attaches AWSLambdaVPCAccessExecutionRole only to
    a role it creates itself), inline, and the findings it raises with why they are acceptable: Lambda
    creates the network interfaces before their ids exist, and the Describe actions support only '*'."""
    statement = iam.PolicyStatement(
        sid="ManageVpcNetworkInterfaces", actions=list(VPC_NETWORK_INTERFACE_ACTIONS), resources=["*"]
    )
    findings = role_statement_findings(analyse(VPC_NETWORK_INTERFACE_ACTIONS, ["*"]))
    return statement, {rule_id: VPC_REASON for rule_id in findings}


def added_statement_findings(
    where: Construct, document: Mapping[str, Any], reason: str | None
) -> dict[str, str]:
    """The findings a statement added with ``add_to_role_policy`` raises, each with why it is acceptable.

    A wildcard action or ``NotAction`` raises SC-FN-002, and ``Resource: "*"`` (or ``NotResource``, or a
    wildcard ARN) on actions that support resource scoping SC-FN-003, unless ``reason`` is given. A Deny
    statement raises nothing.
    """
    if document.get("Effect") == "Deny":
        return {}
    actions = _as_list(document.get("Action"))
    resources = _as_list(document.get("Resource")) or (["*"] if "NotResource" in document else [])
    found = analyse(
        actions, resources, not_action="NotAction" in document, not_resource="NotResource" in document
    )
    # Any '*' in an action: cdk-nag's AwsSolutions-IAM5 reports even a narrow one (kms:GenerateDataKey*).
    if (found.starred_actions or found.not_action) and reason is None:
        raise SecureConstructsError(
            "SC-FN-002",
            where,
            "the policy statement allows a wildcard action",
            received=list(found.starred_actions) or {"NotAction": document["NotAction"]},
            fix="List the exact actions the function needs, or pass reason='<why a wildcard is needed>'",
        )
    if (found.star_scoped_actions or found.wildcard_arns) and reason is None:
        raise SecureConstructsError(
            "SC-FN-003",
            where,
            "the policy statement allows Resource '*' (or a wildcard ARN) on actions that support "
            "resource-level scoping",
            received=list(found.star_scoped_actions)
            or [arn for arn, _ in found.wildcard_arns]
            or "NotResource",
            fix=(
                "Name the exact resource ARNs (or use a grant_* method of the resource), or pass "
                "reason='<why every resource is needed>'"
            ),
        )
    # Every finding this statement raises in cdk-nag's packs and in ours (one analyser decides); a '*' that
    # IAM alone forces is explained as such.
    star_only = _STAR_ONLY_REASON.format(actions=", ".join(sorted(actions)))
    return {rule_id: reason or star_only for rule_id in role_statement_findings(found)}


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _acknowledge_role_findings(entry: FunctionRole) -> None:
    """Acknowledge, with all their reasons, the findings noted on a function's role (once, at synth).

    Runs in the construct-validation phase (:func:`_check_function_roles`), which CDK completes before the
    validation plugins run, so the acknowledgments are in place when cdk-nag reports
    (tests/compute: *_lands_in_the_report).
    """
    # The findings sit on the role's CfnRole (inline policy) or on its DefaultPolicy, both below the role;
    # CDK applies an acknowledgment to the closest acknowledging ancestor of a violating resource.
    target = entry.role
    acknowledgments = [
        Acknowledgment(
            id=audited_id(rule_id),
            reason=check_reason(target, " | ".join(reasons), f"Acknowledging {rule_id}"),
        )
        for rule_id, reasons in entry.reasons.items()
    ]
    if acknowledgments:
        Validations.of(target).acknowledge(*acknowledgments)
    entry.acknowledged = True


def _policy_size_error(role: InlinePolicyRole, document: Any) -> str | None:
    """SC-FN-011 when the resolved inline policy would not fit IAM's quota (the deployment would fail)."""
    size = estimated_policy_size(document)
    if size <= INLINE_POLICY_LIMIT:
        return None
    error = SecureConstructsError(
        "SC-FN-011",
        role,
        f"the inline policy is about {size} characters once deployed, over IAM's {INLINE_POLICY_LIMIT}",
        received=f"{len(document.get('Statement', []))} statements",
        fix=(
            "Grant on fewer, broader-named resources (e.g. one statement with several ARNs), or pass "
            "role= a role of your own (its statements then go to AWS::IAM::Policy resources)"
        ),
    )
    return str(error)


def estimated_policy_size(document: Any) -> int:
    """Characters of a resolved policy document as IAM counts them (no whitespace), references counted as
    long ARNs (``_RESOLVED_REFERENCE_LENGTH``), so that the estimate errs on the large side."""

    def render(value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1 and next(iter(value)).startswith(("Ref", "Fn::")):
                return "x" * _RESOLVED_REFERENCE_LENGTH
            return {k: render(v) for k, v in value.items()}
        if isinstance(value, list):
            return [render(v) for v in value]
        return value

    return len(json.dumps(render(document), separators=(",", ":")))


def _check_function_roles(context: StackContext) -> list[str]:
    """The synth-time checks of a stack's SecureFunctions: acknowledge the findings noted on each role,
    check each inline policy's size (SC-FN-011), and that no role of a SecureFunction runs another function
    (SC-FN-001)."""
    stack, entries = context.stack, context.function_roles
    for entry in entries:
        if not entry.acknowledged:
            _acknowledge_role_findings(entry)
    inline = [entry.role for entry in entries if isinstance(entry.role, InlinePolicyRole)]
    documents = stack.resolve([role.inline_document for role in inline])
    errors = [
        error
        for role, document in zip(inline, documents, strict=True)
        if (error := _policy_size_error(role, document)) is not None
    ]
    functions = [node for node in stack.node.find_all() if isinstance(node, lambda_.CfnFunction)]
    users: dict[str, list[str]] = {}
    for node, role in zip(functions, stack.resolve([node.role for node in functions]), strict=True):
        users.setdefault(json.dumps(role, sort_keys=True), []).append(node.node.path)
    arns = stack.resolve([entry.role.role_arn for entry in entries])
    for entry, arn in zip(entries, arns, strict=True):
        paths = users.get(json.dumps(arn, sort_keys=True), [])
        if len(paths) > 1:
            errors.append(str(_shared_role_error(entry.function_path, entry.role, paths)))
    return errors


def _refuse_a_used_role(function: Construct, role: iam.IRole, context: StackContext) -> None:
    """SC-FN-001 when ``role`` already runs a SecureFunction of the app, or any function of its stack."""
    for other in StackContext.all(context.root):
        if any(entry.role is role for entry in other.function_roles):
            raise _shared_role_error(function, role, ["another SecureFunction"])
    arn = _key(context.stack, role.role_arn)
    users = [
        node.node.path
        for node in Stack.of(role).node.find_all()
        if isinstance(node, lambda_.CfnFunction) and _key(context.stack, node.role) == arn
    ]
    if users:
        raise _shared_role_error(function, role, users)


def _key(stack: Stack, value: Any) -> str:
    return json.dumps(stack.resolve(value), sort_keys=True)


def _shared_role_error(where: Construct | str, role: iam.IRole, paths: list[str]) -> SecureConstructsError:
    return SecureConstructsError(
        "SC-FN-001",
        where,
        "the execution role is used by more than one function, so each gets the other's permissions",
        received=f"role {role.node.path} used by {', '.join(sorted(paths))}",
        fix="Let SecureFunction create its own role (omit role=), or pass a role that no other function uses",
    )
