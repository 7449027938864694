"""``SecureFunction.grant_from_code``: grant a function exactly what its Python code calls."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from aws_cdk import Stack, Stage, Token
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_stepfunctions as stepfunctions
from constructs import IConstruct

from ..errors import SecureConstructsError
from ._plan import Statement, Target, Unresolved, plan
from ._sources import Analysis, analyze_code, analyze_directory


class CodeFunction(IConstruct, Protocol):
    """What grant_from_code needs of a function: SecureFunction is one."""

    @property
    def function(self) -> lambda_.Function: ...

    def add_to_role_policy(self, statement: iam.PolicyStatement, *, reason: str | None = None) -> None: ...


_L1_TYPES = (
    dynamodb.CfnTable,
    dynamodb.CfnGlobalTable,
    s3.CfnBucket,
    sqs.CfnQueue,
    sns.CfnTopic,
    secretsmanager.CfnSecret,
    ssm.CfnParameter,
    kms.CfnKey,
    lambda_.CfnFunction,
    stepfunctions.CfnStateMachine,
    kinesis.CfnStream,
    events.CfnEventBus,
    logs.CfnLogGroup,
)
#: (attribute that identifies the kind on an L2, kind), tried in order.
_L2_KINDS = (
    ("table_arn", "table"),
    ("bucket_arn", "bucket"),
    ("queue_arn", "queue"),
    ("topic_arn", "topic"),
    ("secret_arn", "secret"),
    ("parameter_arn", "parameter"),
    ("state_machine_arn", "statemachine"),
    ("stream_arn", "stream"),
    ("event_bus_arn", "event-bus"),
    ("log_group_arn", "log-group"),
    ("function_arn", "function"),
    ("key_arn", "key"),
)
_ASSET_ANALYSES: dict[str, Analysis] = {}


@dataclass(frozen=True)
class CodeGrant:
    """What ``grant_from_code`` granted, and what it could not.

    ``statements`` are the statements added to the role (actions, resources, KMS conditions);
    ``unresolved`` every call that got no grant, with its file, line and why: declare those by hand with
    ``add_to_role_policy`` (and a reason when broad). Nothing is ever widened to ``*`` except actions that
    IAM only accepts on ``*``.
    """

    statements: tuple[Statement, ...]
    unresolved: tuple[Unresolved, ...]
    analysis: Analysis = field(repr=False)

    @property
    def actions(self) -> frozenset[str]:
        return frozenset(a for s in self.statements for a in s.actions)

    @property
    def resources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r for s in self.statements for r in s.resources))


def grant_from_code(function: CodeFunction, resources: Mapping[str, Any] | None = None) -> CodeGrant:
    """Read ``function``'s Python code, find its SDK calls and grant exactly those actions on exactly the
    resources named by the environment variables the code reads (or by ``resources={NAME: construct}``
    for names that are not environment variables). See docs/least-privilege.md."""
    cfn: lambda_.CfnFunction = function.function.node.default_child  # type: ignore[assignment]
    stack = Stack.of(function)
    analysis = _analysis(function, cfn)
    extra = dict(resources or {})
    environment = _environment(cfn)
    index: dict[str, Any] = {}

    def resolve(name: str) -> Target | str:
        if name in extra:
            return _target(extra[name], name, stack)
        if name not in environment:
            return (
                f"{name} is not an environment variable of the function; pass "
                f"resources={{{name!r}: construct}}"
            )
        value = environment[name]
        logical_id = _referenced(value)
        if logical_id is None:
            return (
                f"environment variable {name} holds a value that names no resource of this app; pass "
                f"resources={{{name!r}: construct}}"
            )
        if not index:
            index.update(_resources_by_logical_id(stack))
        l1 = index.get(logical_id)
        if l1 is None:
            kind = "not a resource kind grant_from_code knows"
            return f"environment variable {name} refers to {logical_id}, {kind}"
        return _target(l1.node.scope, name, stack)

    def resolve_index(name: str) -> str | None:
        value = environment.get(name)
        return value if isinstance(value, str) else None

    statements, unresolved = plan(analysis, resolve, resolve_index, stack.region)
    for statement in statements:
        star = statement.resources == ("*",)
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=list(statement.actions),
                resources=list(statement.resources),
                conditions={"StringEquals": dict(statement.condition)} if statement.condition else None,
            ),
            reason=(
                f"Found in the code by grant_from_code: {', '.join(statement.actions)} name no resource "
                "in the Service Authorization Reference, so IAM only accepts Resource '*'"
            )
            if star
            else None,
        )
    return CodeGrant(tuple(statements), tuple(unresolved), analysis)


def _analysis(function: CodeFunction, cfn: lambda_.CfnFunction) -> Analysis:
    runtime = function.function.runtime
    if runtime.family != lambda_.RuntimeFamily.PYTHON:
        raise SecureConstructsError(
            "SC-LP-001",
            function,
            "grant_from_code reads Python code only",
            received=runtime.name,
            fix="Grant with the resources' grant_* methods, or add_to_role_policy, for other runtimes",
        )
    code = cfn.code
    inline = getattr(code, "zip_file", None)
    if isinstance(inline, str):
        return analyze_code(inline)
    asset = function.function.node.try_find_child("Code")
    path = getattr(asset, "asset_path", None)
    if not isinstance(path, str) or Token.is_unresolved(path):
        raise SecureConstructsError(
            "SC-LP-001",
            function,
            "grant_from_code needs code it can read: Code.from_asset, python_code(...) or inline code",
            received=type(code).__name__,
            fix="Use Code.from_asset/python_code (not a container image or an S3 object)",
        )
    if not os.path.isabs(path):
        path = os.path.join(Stage.of(function).outdir, path)  # type: ignore[union-attr]
    asset_hash = str(asset.asset_hash)  # type: ignore[union-attr]
    if asset_hash not in _ASSET_ANALYSES:  # an unchanged handler is analysed once
        _ASSET_ANALYSES[asset_hash] = analyze_directory(path)
    return _ASSET_ANALYSES[asset_hash]


def _environment(cfn: lambda_.CfnFunction) -> dict[str, Any]:
    """The function's environment variables as CloudFormation values (``{"Ref": ...}`` for references), as
    the template will hold them (aws_lambda.Function renders its environment lazily)."""
    from .._render import render_resources

    ((_, _, resource),) = render_resources((cfn,))
    variables = resource["Properties"].get("Environment", {}).get("Variables")
    return dict(variables) if isinstance(variables, dict) else {}


def _referenced(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        ref = value.get("Ref")
        if isinstance(ref, str):
            return ref
        att = value.get("Fn::GetAtt")
        if isinstance(att, list) and att and isinstance(att[0], str):
            return att[0]
    return None


def _resources_by_logical_id(stack: Stack) -> dict[str, Any]:
    """logical id -> L1, for the resources of ``stack`` of the kinds grant_from_code knows."""
    nodes = [n for n in stack.node.find_all() if isinstance(n, _L1_TYPES)]
    return dict(zip(stack.resolve([n.logical_id for n in nodes]), nodes, strict=True))


def _target(construct: Any, name: str, stack: Stack) -> Target | str:
    inner = getattr(construct, "function", None)  # a SecureFunction
    if inner is not None and hasattr(inner, "function_arn"):
        construct = inner
    for attribute, kind in _L2_KINDS:
        if not hasattr(construct, attribute):
            continue
        arn = getattr(construct, attribute)
        key = None
        if kind == "secret":
            arn = construct.secret_full_arn or f"{construct.secret_arn}-??????"
            key = construct.encryption_key
        elif kind == "bucket":
            key = construct.encryption_key
        elif kind == "queue":
            key = construct.encryption_master_key
        elif kind == "topic":
            key = construct.master_key
        elif kind in ("parameter", "stream"):
            key = getattr(construct, "encryption_key", None)
        return Target(kind, arn, key.key_arn if key is not None else None)
    return f"{name} names a {type(construct).__name__}, not a resource kind grant_from_code knows"
