"""The AWS-managed prefix list of a gateway endpoint's service (S3, DynamoDB), read at deploy time.

A security group can only allow traffic to a gateway endpoint through the service's prefix list, whose id
differs per region and is not in the template. It is read by a custom resource backed by one SecureFunction
per stack (outside the network), rather than by a synth-time context lookup, which needs AWS credentials
and a known account and region (docs/network.md says why).
"""

from __future__ import annotations

from aws_cdk import CfnCustomResource, Duration, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from .._context import StackContext
from ..acknowledgments import acknowledge_all

PROVIDER_ID = "SecureConstructsPrefixListProvider"
_ALARMED_METRICS = ("Errors", "Throttles", "ConcurrentExecutions", "Duration", "InvocationAnomaly")

#: Inline handler: DescribeManagedPrefixLists by name, answered to CloudFormation's pre-signed URL. Any
#: error is answered as FAILED (CloudFormation would otherwise wait an hour for the answer).
HANDLER = """
import json
import urllib.request

import boto3

EC2 = boto3.client("ec2")


def handler(event, context):
    name = event.get("ResourceProperties", {}).get("PrefixListName", "")
    status, reason, data = "SUCCESS", "", {}
    try:
        if event["RequestType"] != "Delete":
            found = EC2.describe_managed_prefix_lists(
                Filters=[{"Name": "prefix-list-name", "Values": [name]}]
            )["PrefixLists"]
            if len(found) != 1:
                raise LookupError(f"{len(found)} managed prefix lists are named {name}")
            data = {"PrefixListId": found[0]["PrefixListId"]}
    except Exception as error:  # answered, never raised: CloudFormation must hear back
        status, reason = "FAILED", f"{type(error).__name__}: {error}"[:400]
    body = json.dumps({
        "Status": status,
        "Reason": reason or "ok",
        "PhysicalResourceId": event.get("PhysicalResourceId") or name or context.log_stream_name,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": data,
    }).encode()
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
"""

_NO_ALARMS_REASON = (
    "Runs only during deployments to read a prefix list id; a failure fails the deployment itself, which "
    "CloudFormation reports"
)


def _provider(scope: Construct) -> lambda_.Function:
    """The stack's one provider function (kept in the stack's context, made on first use)."""
    from ..compute import SecureFunction

    context = StackContext.of(scope)
    if context.prefix_list_provider is not None:
        return context.prefix_list_provider  # type: ignore[return-value]
    stack = context.stack
    provider = SecureFunction(
        stack,
        PROVIDER_ID,
        code=lambda_.Code.from_inline(HANDLER),
        handler="index.handler",
        timeout=Duration.seconds(30),
        alarms=False,
        no_alarms_reason=_NO_ALARMS_REASON,
    )
    provider.add_to_role_policy(
        iam.PolicyStatement(actions=["ec2:DescribeManagedPrefixLists"], resources=["*"]),
        reason="The AWS-managed prefix lists belong to AWS, not to this account, and their ids (which an ARN "
        "would need) are what the call looks up; the call only reads",
    )
    acknowledge_all(
        provider.function,
        [f"SecureServerless-LambdaAlarms[Missing::{metric}]" for metric in _ALARMED_METRICS],
        _NO_ALARMS_REASON,
    )
    context.prefix_list_provider = provider.function
    return provider.function


def managed_prefix_list_id(scope: Construct, id: str, service: str) -> str:
    """The id of the AWS-managed prefix list ``com.amazonaws.<region>.<service>``, as a deploy-time token."""
    stack = Stack.of(scope)
    resource = CfnCustomResource(scope, id, service_token=_provider(scope).function_arn)
    resource.add_property_override("PrefixListName", f"com.amazonaws.{stack.region}.{service}")
    return Token.as_string(resource.get_att("PrefixListId"))
