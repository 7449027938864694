"""The stack's alarm topic: one SNS topic per stack, encrypted with a customer-managed key, TLS only."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from constructs import Construct

from .._context import StackContext
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
    context = StackContext.of(scope)
    if context.alarm_topic is None:
        context.alarm_topic = _new_alarm_topic(context)
    return context.alarm_topic


def _new_alarm_topic(context: StackContext) -> sns.Topic:
    stack = context.stack
    alarms_of_this_account = f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}:alarm:*"
    key = operations_key(stack, services=[_CLOUDWATCH])
    topic = sns.Topic(
        stack,
        _d.ALARM_TOPIC_ID,
        display_name=f"Alarms of {context.name}",
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
    return topic
