"""The plain aws-cdk-lib classes ``harden()`` gives secure defaults to, and the resource types of the
properties it may set."""

from __future__ import annotations

from ..nag.declarations import class_settings

#: In the order their injectors are registered. ``RestApi`` covers ``LambdaRestApi`` (its subclass: CDK
#: applies the injector of each class in the chain); ``HttpStage`` is also the default stage of an HttpApi.
HARDENED: tuple[str, ...] = (
    "aws_lambda.Function",
    "aws_apigateway.RestApi",
    "aws_apigatewayv2.HttpApi",
    "aws_apigatewayv2.HttpStage",
    "aws_cognito.UserPool",
    "aws_cognito.UserPoolClient",
    "aws_s3.Bucket",
    "aws_sqs.Queue",
    "aws_sns.Topic",
    "aws_dynamodb.Table",
    "aws_dynamodb.TableV2",
    "aws_secretsmanager.Secret",
    "aws_logs.LogGroup",
)


def resource_types() -> list[str]:
    """The resource types of every property ``harden()`` may set (the replacement data covers these)."""
    return sorted(
        {
            resource_type
            for cls in HARDENED
            for entry in class_settings(cls)
            for spec in entry.specs
            for resource_type in spec.resource_types
        }
    )
