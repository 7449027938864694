"""CloudWatch Logs: log groups keep logs for a bounded, chosen time, and outlive the stack (they are
evidence)."""

from __future__ import annotations

from typing import Any

from .._model import Cdk, RuleResult, RuleSpec, Setting, if_, remove, set_
from .._template import MISSING, TemplateContext, props
from ._common import E, W

RETAIN = Cdk("RemovalPolicy.RETAIN")


def log_group_retention(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Log groups set RetentionInDays (without it, logs, and any data in them, are kept forever)."""
    why = ctx.insecure_when(props(resource).get("RetentionInDays"), lambda v: v is MISSING or v in (None, ""))
    return [] if why is None else [(None, f"RetentionInDays is absent{why}")]


#: Deletion policies that keep the log group when it leaves the stack (RetainExceptOnCreate only deletes a
#: group whose stack creation failed, which holds no evidence yet).
RETAINING = ("Retain", "RetainExceptOnCreate")


def log_group_retained(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Log groups are retained when they leave the stack (DeletionPolicy Retain)."""
    policy = resource.get("DeletionPolicy", "Delete")
    why = ctx.insecure_when(policy, lambda v: ctx.literal(v, "DeletionPolicy") not in RETAINING)
    shown = policy if isinstance(policy, str) else "not Retain"
    return [] if why is None else [(None, f"DeletionPolicy is {shown}{why}")]


RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "LogGroupRetention",
        "logging",
        ("AWS::Logs::LogGroup",),
        "The log group keeps logs forever (no RetentionInDays).",
        "Set RetentionInDays to what your audit and privacy obligations require.",
        E,
        log_group_retention,
        paths=("RetentionInDays",),
        settings=(
            Setting(
                "SecureFunction",
                "log_retention",
                Cdk("aws_logs.RetentionDays.ONE_YEAR"),
                via="parameter",
                guarded=True,
            ),
            Setting(
                "SecureRestApi",
                "log_retention",
                Cdk("aws_logs.RetentionDays.ONE_YEAR"),
                via="parameter",
                guarded=True,
            ),
            Setting(
                "SecureHttpApi",
                "log_retention",
                Cdk("aws_logs.RetentionDays.ONE_YEAR"),
                via="parameter",
                guarded=True,
            ),
            Setting(
                "DataEventsTrail",
                "log_group_retention",
                Cdk("aws_logs.RetentionDays.ONE_YEAR"),
                via="parameter",
            ),
            Setting(
                "SecureNetwork",
                "flow_log_retention",
                Cdk("aws_logs.RetentionDays.ONE_YEAR"),
                via="parameter",
                guarded=True,
            ),
        ),
        mutations=(remove("RetentionInDays"), if_("RetentionInDays", {"Ref": "AWS::NoValue"})),
    ),
    RuleSpec(
        "LogGroupRetainedOnDelete",
        "logging",
        ("AWS::Logs::LogGroup",),
        "The log group is deleted with the stack (DeletionPolicy is not Retain).",
        "Logs are evidence: keep them when the stack or the resource goes away (RemovalPolicy.RETAIN in "
        "CDK). In a sandbox stack, accept the risk with a reason.",
        W,
        log_group_retained,
        paths=("DeletionPolicy", "UpdateReplacePolicy"),
        settings=(
            Setting("SecureFunction", "log_removal_policy", RETAIN, via="parameter", guarded=True),
            Setting("SecureRestApi", "log_removal_policy", RETAIN, via="parameter", guarded=True),
            Setting("SecureHttpApi", "log_removal_policy", RETAIN, via="parameter", guarded=True),
            Setting("DataEventsTrail", "removal_policy", RETAIN, via="parameter", guarded=True),
            Setting("SecureNetwork", "flow_log_removal_policy", RETAIN, via="parameter", guarded=True),
        ),
        mutations=(set_("DeletionPolicy", "Delete"), remove("DeletionPolicy")),
    ),
)
