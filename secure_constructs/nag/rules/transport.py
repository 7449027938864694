"""Encryption in transit: buckets, queues and topics refuse requests that do not use TLS (a resource policy
that denies ``aws:SecureTransport`` false), and buckets refuse TLS older than 1.2."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._model import RuleResult, RuleSpec, Setting, set_
from .._template import TemplateContext, as_list, props, when
from ._common import E, W, falsy, scenarios
from ._policy import any_principal

#: (policy type, the property that names the protected resources, the actions a TLS deny must cover)
POLICY_OF = {
    "AWS::S3::Bucket": ("AWS::S3::BucketPolicy", "Bucket", ("s3:*", "*")),
    "AWS::SQS::Queue": ("AWS::SQS::QueuePolicy", "Queues", ("sqs:*", "*")),
    "AWS::SNS::Topic": ("AWS::SNS::TopicPolicy", "Topics", ("sns:Publish", "sns:*", "*")),
}


def _policies(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> list[Any]:
    """The policy documents of the resource policies that name the resource."""
    policy_type, prop, _ = POLICY_OF[str(resource.get("Type"))]
    return [
        props(policy).get("PolicyDocument")
        for _, policy in ctx.of_type(policy_type)
        if any(logical_id in ctx.references(t) for t in as_list(props(policy).get(prop)))
    ]


def _condition(statement: dict[str, Any], operator: str, key: str) -> list[Any]:
    condition = statement.get("Condition")
    block = condition.get(operator) if isinstance(condition, dict) else None
    if not isinstance(block, dict):
        return []
    return [v for k, values in block.items() if str(k).lower() == key.lower() for v in as_list(values)]


def _denies_everyone(statement: Any, actions: tuple[str, ...]) -> bool:
    return (
        isinstance(statement, dict)
        and statement.get("Effect") == "Deny"
        and (any_principal(statement.get("Principal")) or statement.get("Principal") == {"AWS": ["*"]})
        and any(a in actions for a in as_list(statement.get("Action")))
    )


def _unprotected(
    logical_id: str, resource: dict[str, Any], ctx: TemplateContext, test: Callable[[dict[str, Any]], bool]
) -> str | None:
    """``None`` when a policy of the resource holds a deny that passes ``test`` in every combination of its
    Fn::If branches; otherwise ``""`` (never) or ``" when <conditions>"`` (a combination without one)."""
    _, _, actions = POLICY_OF[str(resource.get("Type"))]
    gap: str | None = ""
    for document in _policies(logical_id, resource, ctx):
        missing = [
            conds
            for doc, conds in scenarios(document, "PolicyDocument")
            if not any(
                _denies_everyone(s, actions) and test(s)
                for s in as_list(doc.get("Statement") if isinstance(doc, dict) else None)
            )
        ]
        if not missing:
            return None
        if gap == "" and missing[0]:
            gap = when(missing[0])
    return gap


def ssl_only(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The resource's policy denies every request made without TLS (``aws:SecureTransport`` false)."""
    gap = _unprotected(
        logical_id,
        resource,
        ctx,
        lambda s: any(falsy(v) for v in _condition(s, "Bool", "aws:SecureTransport")),
    )
    return [] if gap is None else [(None, f"no Deny of aws:SecureTransport false for every principal{gap}")]


def s3_minimum_tls(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The bucket's policy denies TLS versions below 1.2 (``NumericLessThan s3:TlsVersion 1.2``)."""

    def old_tls(statement: dict[str, Any]) -> bool:
        versions = _condition(statement, "NumericLessThan", "s3:TlsVersion")
        return any(_version(v) >= 1.2 for v in versions)

    gap = _unprotected(logical_id, resource, ctx, old_tls)
    return [] if gap is None else [(None, f"no Deny of s3:TlsVersion below 1.2 in its policy{gap}")]


def _version(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _allow_only(resource: str) -> dict[str, Any]:
    """A policy document without any TLS deny (what a weakened resource policy holds in the mutation test)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "*",
                "Resource": resource,
            }
        ],
    }


RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "S3SslOnly",
        "encryption",
        ("AWS::S3::Bucket",),
        "The bucket accepts requests without TLS.",
        "Add a bucket policy statement that denies s3:* to every principal when aws:SecureTransport is false "
        "(enforce_ssl=True in CDK).",
        E,
        ssl_only,
        paths=(("AWS::S3::BucketPolicy", "PolicyDocument"), ("AWS::S3::BucketPolicy", "Bucket")),
        settings=(
            Setting("DataEventsTrail", "its buckets", via="wired"),
            Setting("aws_s3.Bucket", "enforce_ssl", True, via="harden"),
        ),
        stock_ids=("AwsSolutions-S10",),
        mutations=(
            set_("PolicyDocument", _allow_only("arn:aws:s3:::mutant/*"), target="AWS::S3::BucketPolicy"),
        ),
    ),
    RuleSpec(
        "S3MinimumTls",
        "encryption",
        ("AWS::S3::Bucket",),
        "The bucket accepts TLS versions older than 1.2.",
        "Add a bucket policy statement that denies s3:* when s3:TlsVersion is below 1.2 "
        "(minimum_tls_version=1.2 in CDK).",
        W,
        s3_minimum_tls,
        paths=(("AWS::S3::BucketPolicy", "PolicyDocument"),),
        settings=(
            Setting("DataEventsTrail", "its buckets", via="wired"),
            Setting("aws_s3.Bucket", "minimum_tls_version", 1.2, via="harden"),
        ),
        mutations=(
            set_("PolicyDocument", _allow_only("arn:aws:s3:::mutant/*"), target="AWS::S3::BucketPolicy"),
        ),
    ),
    RuleSpec(
        "SqsSslOnly",
        "encryption",
        ("AWS::SQS::Queue",),
        "The queue accepts requests without TLS.",
        "Add a queue policy statement that denies sqs:* to every principal when aws:SecureTransport is "
        "false (enforce_ssl=True in CDK).",
        E,
        ssl_only,
        paths=(("AWS::SQS::QueuePolicy", "PolicyDocument"), ("AWS::SQS::QueuePolicy", "Queues")),
        settings=(
            Setting("SecureFunction", "dead_letter_queue", via="parameter"),
            Setting("aws_sqs.Queue", "enforce_ssl", True, via="harden"),
        ),
        stock_ids=("AwsSolutions-SQS4",),
        mutations=(set_("PolicyDocument", _allow_only("*"), target="AWS::SQS::QueuePolicy"),),
    ),
    RuleSpec(
        "SnsSslOnly",
        "encryption",
        ("AWS::SNS::Topic",),
        "The topic accepts publishing without TLS.",
        "Add a topic policy statement that denies sns:Publish to every principal when aws:SecureTransport "
        "is false (enforce_ssl=True in CDK).",
        E,
        ssl_only,
        paths=(("AWS::SNS::TopicPolicy", "PolicyDocument"), ("AWS::SNS::TopicPolicy", "Topics")),
        settings=(
            Setting("alarm_topic", "the stack's alarm topic", via="wired"),
            Setting("aws_sns.Topic", "enforce_ssl", True, via="harden"),
        ),
        stock_ids=("AwsSolutions-SNS3",),
        mutations=(set_("PolicyDocument", _allow_only("*"), target="AWS::SNS::TopicPolicy"),),
    ),
)
