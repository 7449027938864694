"""Least-privilege rules: what a Python function's code calls against what its role allows.

They read the function's code from the template (inline ``Code.ZipFile``) or from the staged asset next to
it (``Metadata["aws:asset:path"]``, relative to the template's directory), analyse it with
``secure_constructs.least_privilege`` and compare the calls with the role's statements (inline policies and
``AWS::IAM::Policy``/``ManagedPolicy`` resources attached to it). Permissions the Lambda service itself uses
with the role are exempt: logs, X-Ray, delivery to the dead-letter queue and destinations, event source
polling, environment decryption, VPC networking. A function whose code cannot be read, or whose calls
cannot all be resolved, is named once (a warning); nothing is guessed.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from typing import Any

from ...least_privilege import _iam
from ...least_privilege._kinds import CFN_KIND, KMS_KEY_PATH, suffix_for
from ...least_privilege._sources import Analysis, analyze_code, analyze_directory
from .._model import Compliance, Level, RuleResult, RuleSpec, Setting, set_
from .._template import TemplateContext, as_list, get_path, props
from ._policy import statements as policy_statements

LAMBDA = "AWS::Lambda::Function"
#: Actions the Lambda service uses with the execution role on any resource (logging, tracing).
SERVICE_ACTIONS = frozenset(
    {
        "logs:createloggroup",
        "logs:createlogstream",
        "logs:putlogevents",
        "xray:puttracesegments",
        "xray:puttelemetryrecords",
        "xray:getsamplingrules",
        "xray:getsamplingtargets",
        "xray:getsamplingstatisticsummaries",
    }
)
VPC_ACTIONS = frozenset(
    {
        "ec2:createnetworkinterface",
        "ec2:describenetworkinterfaces",
        "ec2:describesubnets",
        "ec2:deletenetworkinterface",
        "ec2:assignprivateipaddresses",
        "ec2:unassignprivateipaddresses",
    }
)
#: Managed policies made for the Lambda service's own use of the role.
SERVICE_MANAGED_POLICIES = (
    "AWSLambdaBasicExecutionRole",
    "AWSLambdaVPCAccessExecutionRole",
    "AWSXRayDaemonWriteAccess",
    "AWSLambdaSQSQueueExecutionRole",
    "AWSLambdaKinesisExecutionRole",
    "AWSLambdaDynamoDBExecutionRole",
)
_IDENTITY_POLICIES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
_MAX_LISTED = 3


@dataclass(frozen=True)
class Need:
    """One permission a call needs: ``action`` on ``resource`` (a logical id, or "*"), plus the ARN suffix."""

    action: str
    resource: str
    suffix: str
    where: str  # file:line


@dataclass
class Facts:
    """Everything both rules need about one function (computed once per template)."""

    not_read: str | None = None
    needs: list[Need] = field(default_factory=list)
    unbound_actions: set[str] = field(default_factory=set)  # called, resource unknown
    unresolved: list[str] = field(default_factory=list)
    statements: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (policy id, statement)
    exempt_resources: set[str] = field(default_factory=set)
    used_keys: set[str] = field(default_factory=set)  # KMS keys of resources the code uses
    vpc: bool = False


# --- the rules ----------------------------------------------------------------------------------------


def lambda_unused_permission(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Every non-service permission of a Python function's role is used by some call in its code."""
    facts = _facts(logical_id, resource, ctx)
    if facts is None:
        return Compliance.NOT_APPLICABLE
    findings: list[str | tuple[str, str]] = []
    if facts.not_read is not None:
        if _data_statements(facts):
            findings.append(
                (
                    "CodeNotRead",
                    f"its code cannot be read ({facts.not_read}), so no permission "
                    "of its role can be compared with what it calls",
                )
            )
        return findings
    if facts.unresolved:
        listed = "; ".join(facts.unresolved[:_MAX_LISTED])
        more = (
            f" and {len(facts.unresolved) - _MAX_LISTED} more" if len(facts.unresolved) > _MAX_LISTED else ""
        )
        findings.append(
            (
                "UnresolvedCalls",
                f"{len(facts.unresolved)} call(s) could not be resolved, so "
                f"their permissions are not checked: {listed}{more}",
            )
        )
    seen: set[str] = set()
    for policy, statement in facts.statements:
        if statement.get("Effect") != "Allow" or "NotAction" in statement:
            continue
        for action in _strings(statement.get("Action")):
            for value in as_list(statement.get("Resource")):
                label, ref, suffix = _resource(value, ctx)
                if _exempt(facts, action, ref) or _used(facts, action, ref, suffix):
                    continue
                finding = f"Action::{action}@{label}"
                if finding not in seen:
                    seen.add(finding)
                    findings.append(
                        (finding, f"{policy} allows {action} on {label}; no call in the code needs it")
                    )
    return findings


def lambda_missing_permission(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Every call a Python function's code makes is allowed by its role on the resource it names."""
    facts = _facts(logical_id, resource, ctx)
    if facts is None or facts.not_read is not None or not facts.needs:
        return Compliance.NOT_APPLICABLE  # no code to read, or it calls no AWS API
    findings: dict[str, str] = {}
    for need in facts.needs:
        if not any(_covers(statement, need, ctx) for _, statement in facts.statements):
            label = need.resource + need.suffix
            finding = f"Action::{need.action}@{label}"
            detail = f"{need.where} needs {need.action} on {label}; the role does not allow it (AccessDenied)"
            findings[finding] = findings[finding] + f"; {need.where}" if finding in findings else detail
    return sorted(findings.items())


# --- facts --------------------------------------------------------------------------------------------


def _facts(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> Facts | None:
    return ctx.memo(f"least-privilege:{logical_id}", lambda: _compute(logical_id, resource, ctx))


def _compute(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> Facts | None:
    p = props(resource)
    role = ctx.target(p.get("Role"))
    if role is None or ctx.type_of(role) != "AWS::IAM::Role":
        return None  # a role from elsewhere: nothing to compare in this template
    facts = Facts()
    facts.statements = _role_statements(role, ctx)
    facts.vpc = p.get("VpcConfig") is not None
    facts.exempt_resources = _service_resources(logical_id, p, ctx)
    analysis, facts.not_read = _read(resource, p, ctx)
    if analysis is None:
        return facts
    environment = get_path(p, "Environment", "Variables")
    environment = environment if isinstance(environment, dict) else {}
    facts.unresolved = [f"{u.file}:{u.line} {u.reason}" for u in analysis.unresolved]
    for call in analysis.calls:
        where = f"{call.file}:{call.line}"
        if call.reason is not None:
            facts.unresolved.append(f"{where} {call.service} {call.operation}: {call.reason}")
            facts.unbound_actions.update(a.lower() for a in call.actions)
            continue
        if call.key is None:
            facts.needs += [Need(a, "*", "", where) for a in call.actions]
            continue
        target = ctx.target(environment.get(call.key)) if call.env is not None else None
        kind = CFN_KIND.get(ctx.type_of(target) or "")
        if target is None or kind is None:
            facts.unresolved.append(
                f"{where} {call.service} {call.operation}: {call.key} names no resource of this template"
            )
            facts.unbound_actions.update(a.lower() for a in call.actions)
            continue
        index = call.index
        if index is not None and index.startswith("$"):
            value = environment.get(index[1:])
            index = value if isinstance(value, str) else "*"
        for action in call.actions:
            suffix = suffix_for(action, kind, index)
            if suffix is not None:
                facts.needs.append(Need(action, target, suffix, where))
        key = _kms_key(target, ctx)
        if key is not None:
            facts.used_keys.add(key)
            for action in _iam.KMS_VIA_ENCRYPTION.get((call.service, call.operation), ()):
                facts.needs.append(Need(action, key, "", where))
    return facts


def _read(
    resource: dict[str, Any], p: dict[str, Any], ctx: TemplateContext
) -> tuple[Analysis | None, str | None]:
    if p.get("PackageType") == "Image":
        return None, "a container image"
    runtime = p.get("Runtime")
    if not isinstance(runtime, str) or not runtime.startswith("python"):
        return None, f"runtime {runtime}" if isinstance(runtime, str) else "the runtime is not a literal"
    inline = get_path(p, "Code", "ZipFile")
    if isinstance(inline, str):
        return analyze_code(inline), None
    asset = get_path(resource, "Metadata", "aws:asset:path")
    template_dir = getattr(ctx, "template_dir", None)
    if not isinstance(asset, str):
        asset = _staged_asset(get_path(p, "Code", "S3Key"), template_dir)
    if not isinstance(asset, str):
        return None, "the template does not say where its code asset is (no aws:asset:path metadata)"
    if template_dir is None:
        return None, "the template's directory is not known, so its staged asset cannot be found"
    path = os.path.join(template_dir, asset)
    if not os.path.isdir(path):
        return None, f"its asset {asset} is not a folder next to the template"
    return analyze_directory(path), None


def _staged_asset(key: Any, template_dir: str | None) -> str | None:
    """The folder CDK staged a code asset in, next to the template, found from the object key it uploads
    (``<hash>.zip`` -> ``asset.<hash>``): CDK writes ``aws:asset:path`` metadata only when the CLI asks."""
    if not isinstance(key, str) or not key.endswith(".zip") or template_dir is None:
        return None
    folder = "asset." + os.path.basename(key)[: -len(".zip")]
    return folder if os.path.isdir(os.path.join(template_dir, folder)) else None


def _role_statements(role: str, ctx: TemplateContext) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for policy in as_list(props(ctx.resources[role]).get("Policies")):
        if isinstance(policy, dict):
            name = policy.get("PolicyName")
            where = f"inline policy {name}" if isinstance(name, str) else "an inline policy"
            found += [
                (where, s) for s in policy_statements(policy.get("PolicyDocument"), ctx, "PolicyDocument")
            ]
    for lid, res in ctx.of_type(*_IDENTITY_POLICIES):
        if role in {ctx.target(r) for r in as_list(props(res).get("Roles"))}:
            document = props(res).get("PolicyDocument")
            found += [(lid, s) for s in policy_statements(document, ctx, "PolicyDocument")]
    return found


def _service_resources(function: str, p: dict[str, Any], ctx: TemplateContext) -> set[str]:
    """Resources the Lambda service uses with the role: the dead-letter queue, destinations, event
    sources, the environment key, and the KMS keys of those."""
    found: set[str] = set()
    for value in (get_path(p, "DeadLetterConfig", "TargetArn"), p.get("KmsKeyArn")):
        target = ctx.target(value)
        if target:
            found.add(target)
    for lid in ctx.referrers(function, "AWS::Lambda::EventInvokeConfig", "AWS::Lambda::EventSourceMapping"):
        res_props = props(ctx.resources[lid])
        for value in (
            res_props.get("EventSourceArn"),
            get_path(res_props, "DestinationConfig", "OnFailure", "Destination"),
            get_path(res_props, "DestinationConfig", "OnSuccess", "Destination"),
        ):
            target = ctx.target(value)
            if target:
                found.add(target)
    found |= {key for lid in list(found) if (key := _kms_key(lid, ctx)) is not None}
    return found


def _kms_key(logical_id: str, ctx: TemplateContext) -> str | None:
    """The KMS key (logical id) that encrypts a resource, when it is one of this template."""
    resource = ctx.resources.get(logical_id, {})
    resource_type = str(resource.get("Type", ""))
    if resource_type == "AWS::S3::Bucket":
        rules = get_path(props(resource), "BucketEncryption", "ServerSideEncryptionConfiguration")
        for rule in as_list(rules):
            key = ctx.target(get_path(rule, "ServerSideEncryptionByDefault", "KMSMasterKeyID"))
            if key is not None:
                return key
        return None
    path = KMS_KEY_PATH.get(resource_type)
    return ctx.target(get_path(props(resource), *path)) if path else None


# --- matching -----------------------------------------------------------------------------------------


def _strings(value: Any) -> list[str]:
    return [v for v in as_list(value) if isinstance(v, str)]


def _resource(value: Any, ctx: TemplateContext) -> tuple[str, str | None, str]:
    """(label, logical id or "*" or None, ARN suffix) of a statement's Resource entry."""
    if value == "*":
        return "*", "*", ""
    target = ctx.target(value)
    if target is not None:
        return target, target, ""
    if isinstance(value, dict) and "Fn::Join" in value:
        parts = (
            value["Fn::Join"][1]
            if isinstance(value["Fn::Join"], list) and len(value["Fn::Join"]) == 2
            else []
        )
        if parts and isinstance(parts, list):
            head = ctx.target(parts[0])
            tail = parts[1:]
            if head is not None and all(isinstance(t, str) for t in tail):
                suffix = "".join(tail)
                return head + suffix, head, suffix
    if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
        text = value["Fn::Sub"]
        if text.startswith("${") and "}" in text:
            name = text[2 : text.index("}")].split(".", 1)[0]
            if name in ctx.resources:
                suffix = text[text.index("}") + 1 :]
                return name + suffix, name, suffix
    return (value if isinstance(value, str) else "(an expression)"), None, ""


def _action_matches(pattern: str, action: str) -> bool:
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def _suffix_covers(granted: str, needed: str) -> bool:
    if needed == "":
        return granted == ""
    if needed == "/*":  # any object of the bucket: the code's keys are not known statically
        return granted.startswith("/")
    return fnmatch.fnmatchcase(needed, granted)


def _covers(statement: dict[str, Any], need: Need, ctx: TemplateContext) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    if "NotAction" in statement:
        if any(_action_matches(p, need.action) for p in _strings(statement.get("NotAction"))):
            return False
    elif not any(_action_matches(p, need.action) for p in _strings(statement.get("Action"))):
        return False
    if "NotResource" in statement:
        return True  # allows all but some resources: not ours to second-guess
    for value in as_list(statement.get("Resource")):
        _, ref, suffix = _resource(value, ctx)
        if ref == "*" or (ref == need.resource and _suffix_covers(suffix, need.suffix)):
            return True
    return False


def _exempt(facts: Facts, action: str, ref: str | None) -> bool:
    lowered = action.lower()
    if lowered in SERVICE_ACTIONS or (facts.vpc and lowered in VPC_ACTIONS):
        return True
    if ref is not None and ref in facts.exempt_resources:
        return True
    return lowered.startswith("kms:") and ref is not None and ref in facts.used_keys


def _used(facts: Facts, pattern: str, ref: str | None, suffix: str) -> bool:
    if any(_action_matches(pattern, a) for a in facts.unbound_actions):
        return True  # called on a resource the analysis could not name
    for need in facts.needs:
        if not _action_matches(pattern, need.action):
            continue
        if ref == "*" or (ref == need.resource and _suffix_covers(suffix, need.suffix)):
            return True
    return False


def _data_statements(facts: Facts) -> bool:
    for _, statement in facts.statements:
        for action in _strings(statement.get("Action")):
            for value in as_list(statement.get("Resource")) or [None]:
                ref = value if value == "*" else None
                if not _exempt(facts, action, ref) and not (
                    isinstance(value, dict) and any(r in facts.exempt_resources for r in _refs(value))
                ):
                    return True
    return False


def _refs(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt" and isinstance(arg, list) and arg:
                found.add(str(arg[0]))
            else:
                found |= _refs(arg)
    elif isinstance(value, list):
        for item in value:
            found |= _refs(item)
    return found


#: A statement no handler calls (what a weakened role holds in the mutation test).
_UNUSED = {
    "PolicyName": "Unused",
    "PolicyDocument": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sqs:DeleteQueue",
                       "Resource": "arn:aws:sqs:eu-west-1:111122223333:another-queue"}],
    },
}

RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "LambdaUnusedPermission",
        "iam",
        (LAMBDA,),
        "The function's role allows an action that no code path of the function calls.",
        "Remove the statement (or grant with SecureFunction.grant_from_code(), which grants exactly what "
        "the code calls). A function whose code cannot be read or whose calls cannot all be resolved is "
        "named once ([CodeNotRead], [UnresolvedCalls]): declare those permissions by hand and acknowledge "
        "with the reason.",
        Level.WARNING,
        lambda_unused_permission,
        paths=("Code", ("AWS::IAM::Role", "Policies"), ("AWS::IAM::Policy", "PolicyDocument")),
        finding_ids=("Action::<action>@<resource>", "CodeNotRead", "UnresolvedCalls"),
        settings=(Setting("SecureFunction", "grant_from_code()", via="wired"),),
        mutations=(set_("Policies", [_UNUSED], target="AWS::IAM::Role"),),
    ),
    RuleSpec(
        "LambdaMissingPermission",
        "iam",
        (LAMBDA,),
        "The function's code calls an action its role does not allow on that resource (AccessDenied at "
        "run time).",
        "Grant the action on the resource named in the finding (SecureFunction.grant_from_code() does it "
        "from the code), or remove the call.",
        Level.ERROR,
        lambda_missing_permission,
        paths=("Code", ("AWS::IAM::Role", "Policies"), ("AWS::IAM::Policy", "PolicyDocument")),
        finding_ids=("Action::<action>@<resource>",),
        settings=(Setting("SecureFunction", "grant_from_code()", via="wired"),),
        mutations=(set_("Policies", [], target="AWS::IAM::Role"),),
    ),
)
