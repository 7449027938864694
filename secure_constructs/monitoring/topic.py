"""The stack's alarm topic: one SNS topic per stack, encrypted with a customer-managed key, TLS only."""

from __future__ import annotations

import contextlib

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from constructs import Construct

from .._defaults import cloudwatch as _d
from .._shared import operations_key

_CLOUDWATCH = "cloudwatch.amazonaws.com"


def alarm_topic(scope: Construct) -> sns.Topic:
    """The stack's alarm topic (``SecureConstructsAlarmTopic``), created on first use.

    Encrypted with the stack's operations key (customer-managed, rotation on), whose policy lets CloudWatch
    use it for this account only; the topic policy refuses requests without TLS and lets CloudWatch alarms
    of this account publish. Subscribe your on-call endpoint to it (``topic.add_subscription(...)``).

    :param scope: any construct in the stack. Default: none (required).
    """
    stack = scope if isinstance(scope, Stack) else Stack.of(scope)
    # Kept on the stack object once found or made (every function's alarms ask for it).
    known: sns.Topic | None = getattr(stack, _TOPIC, None)
    if known is not None:
        return known
    existing = stack.node.try_find_child(_d.ALARM_TOPIC_ID)
    if existing is not None:
        assert isinstance(existing, sns.Topic), f"{_d.ALARM_TOPIC_ID} is not an sns.Topic"
        setattr(stack, _TOPIC, existing)
        return existing
    alarms_of_this_account = f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}:alarm:*"
    key = operations_key(stack, services=[_CLOUDWATCH])
    topic = sns.Topic(
        stack,
        _d.ALARM_TOPIC_ID,
        display_name=f"Alarms of {stack.stack_name}",
        master_key=key,
        enforce_ssl=True,
    )
    # The topic policy replaces SNS's default one, so CloudWatch needs an explicit grant; it is limited to
    # alarms of this account and region.
    topic.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowCloudWatchAlarmsOfThisAccount",
            principals=[iam.ServicePrincipal(_CLOUDWATCH)],
            actions=["sns:Publish"],
            resources=[topic.topic_arn],
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {"aws:SourceArn": alarms_of_this_account},
            },
        )
    )
    setattr(stack, _TOPIC, topic)
    return topic


_TOPIC = "_secure_constructs_alarm_topic"
_ARN = "_secure_constructs_topic_arn"


def topic_arn(topic: sns.ITopic) -> str:
    """``topic.topic_arn``, read once per topic (kept on the topic object) for the alarms notifying it."""
    arn: str | None = getattr(topic, _ARN, None)
    if arn is None:
        arn = topic.topic_arn
        with contextlib.suppress(AttributeError):  # an object that takes no attributes: read it each time
            setattr(topic, _ARN, arn)
    return arn
