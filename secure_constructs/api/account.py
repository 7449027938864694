"""The account-level CloudWatch Logs role of API Gateway, as an explicit opt-in (one per account and region).

REST API access and execution logs are written with ONE role per account and region
(``AWS::ApiGateway::Account``). CDK's ``RestApi(cloud_watch_role=True)`` makes that role in every stack, so
the last deployed stack wins and deleting it breaks logging for the others (aws/aws-cdk#10878), and it
attaches the AWS managed policy ``AmazonAPIGatewayPushToCloudWatchLogs``. ``SecureRestApi`` never does that;
deploy this construct once per account and region instead (e.g. in a bootstrap or shared-services stack).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from constructs import Construct

from ..acknowledgments import acknowledge_all
from ..nag._template import flatten
from ..policy import analyse, our_findings

#: Execution logs go to groups that API Gateway names and creates itself.
EXECUTION_LOG_GROUP_PREFIX = "API-Gateway-Execution-Logs_"


class ApiGatewayCloudWatchRole(Construct):
    """The account's API Gateway CloudWatch Logs role, with an inline least-privilege policy.

    Attributes: ``role`` (``iam.Role``), ``account`` (``apigateway.CfnAccount``). Both are retained when the
    stack is deleted, so that the account setting keeps pointing at a role that exists.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        access_log_group_arns: Sequence[str] | None = None,
    ) -> None:
        """
        :param access_log_group_arns: ARNs of the log groups that receive access logs of the REST APIs of
            this account and region (``log_group.log_group_arn``). Default: every log group of this account
            and region (the access-log groups belong to other stacks and are not known here).
        """
        super().__init__(scope, id)
        stack = Stack.of(self)
        prefix = f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:"
        execution = [f"{prefix}{EXECUTION_LOG_GROUP_PREFIX}*", f"{prefix}{EXECUTION_LOG_GROUP_PREFIX}*:*"]
        if access_log_group_arns is None:
            access = [f"{prefix}*"]
        else:
            access = [a for arn in access_log_group_arns for a in (arn, f"{arn}:*")]
        policy = iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    sid="ExecutionLogGroups",
                    actions=[
                        "logs:CreateLogGroup",
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogStreams",
                    ],
                    resources=execution,
                ),
                iam.PolicyStatement(
                    sid="AccessLogGroups",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    resources=access,
                ),
                iam.PolicyStatement(
                    sid="FindLogGroups",
                    actions=["logs:DescribeLogGroups"],
                    resources=[f"{prefix}*"],
                ),
            ]
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "apigateway.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            ),
            description="API Gateway writes REST API access and execution logs to CloudWatch Logs",
            inline_policies={"PushToCloudWatchLogs": policy},
        )
        self.role.apply_removal_policy(RemovalPolicy.RETAIN)
        self.account = apigw.CfnAccount(self, "Account", cloud_watch_role_arn=self.role.role_arn)
        self.account.apply_removal_policy(RemovalPolicy.RETAIN)
        # The wildcards the role needs, each with why it cannot be narrower (one acknowledgment per finding).
        reasons: dict[str, list[str]] = {}
        for resource in execution:
            reasons.setdefault(resource, []).append(
                "execution logs of every REST API of this account and region go to groups API Gateway names "
                "itself (API-Gateway-Execution-Logs_<api id>/<stage>)"
            )
        reasons.setdefault(f"{prefix}*", []).append(
            "logs:DescribeLogGroups cannot be scoped to one group; the role stays in this account and region"
        )
        for resource in access:
            if resource.endswith("*"):
                reasons.setdefault(resource, []).append(
                    "access logs of the account's REST APIs go to log groups of other stacks and to log "
                    "streams that API Gateway names itself"
                )
        # Each wildcard as cdk-nag and as our pack report it, acknowledged with why it cannot be narrower.
        for statement in policy.to_json()["Statement"]:
            actions = _as_list(statement["Action"])
            for resource in _as_list(statement["Resource"]):
                if resource not in reasons:
                    continue
                why = "API Gateway's account-level CloudWatch role: " + "; ".join(reasons[resource])
                template_arn = flatten(stack.resolve(resource)) or resource
                ours = [finding for finding, _ in our_findings(analyse(actions, [template_arn]))]
                nag = f"AwsSolutions-IAM5[Resource::{_nag_arn(self, resource)}]"
                acknowledge_all(self.role, [nag, *ours], why)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _nag_arn(scope: Construct, arn: str) -> str:
    """An ARN as cdk-nag prints it in IAM5 findings (``<AWS::Partition>``, ``<LogicalId.Attr>``)."""
    resolved = Stack.of(scope).resolve(arn)
    if isinstance(resolved, str):
        return resolved
    parts = resolved.get("Fn::Join", ["", [resolved]])[1] if isinstance(resolved, dict) else [resolved]
    text = ""
    for part in parts:
        if isinstance(part, str):
            text += part
        elif isinstance(part, dict) and "Ref" in part:
            text += f"<{part['Ref']}>"
        elif isinstance(part, dict) and "Fn::GetAtt" in part:
            logical_id, attribute = part["Fn::GetAtt"]
            text += f"<{logical_id}.{attribute}>"
        else:
            text += json.dumps(part, sort_keys=True)
    return text
