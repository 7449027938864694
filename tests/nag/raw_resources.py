"""Raw CloudFormation resources the rule tests start from: ``(logical id, type, properties)`` triples, with
keyword arguments to change a property (``None`` removes it)."""

from __future__ import annotations

from typing import Any

P = "SecureServerless-"
ROLE_ARN = {"Fn::GetAtt": ["Role", "Arn"]}
KEY_ARN = {"Fn::GetAtt": ["Key", "Arn"]}
TABLE = {
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
}


def fn(lid: str = "Fn", **props: Any) -> tuple[str, str, dict[str, Any]]:
    base = {
        "Role": ROLE_ARN,
        "Runtime": "python3.12",
        "Handler": "index.handler",
        "Code": {"S3Bucket": "b", "S3Key": "k"},
    }
    base.update(props)
    return (lid, "AWS::Lambda::Function", base)


def policy(statement: dict[str, Any], lid: str = "Policy") -> tuple[str, str, dict[str, Any]]:
    return (
        lid,
        "AWS::IAM::Policy",
        {
            "PolicyName": "p",
            "Roles": [{"Ref": "Role"}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]},
        },
    )


def method(http: str = "GET", **props: Any) -> tuple[str, str, dict[str, Any]]:
    base = {
        "HttpMethod": http,
        "RestApiId": {"Ref": "Api"},
        "ResourceId": "r",
        "AuthorizationType": "AWS_IAM",
    }
    base.update(props)
    return ("Method", "AWS::ApiGateway::Method", base)


def alarm(
    lid: str, metric: str, dim: str, value: Any, ns: str = "AWS/Lambda"
) -> tuple[str, str, dict[str, Any]]:
    return (
        lid,
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": ns,
            "MetricName": metric,
            "Dimensions": [{"Name": dim, "Value": value}],
            "AlarmActions": [{"Ref": "Topic"}],
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": 0,
            "EvaluationPeriods": 1,
        },
    )


def anomaly_alarm(
    lid: str, metric: str, dim: str, value: Any, ns: str = "AWS/Lambda"
) -> tuple[str, str, dict[str, Any]]:
    """An anomaly-detection alarm (a metric and its band), as CloudWatch anomaly alarms are written."""
    return (
        lid,
        "AWS::CloudWatch::Alarm",
        {
            "Metrics": [
                {"Id": "band", "Expression": "ANOMALY_DETECTION_BAND(m0, 3)"},
                {
                    "Id": "m0",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": ns,
                            "MetricName": metric,
                            "Dimensions": [{"Name": dim, "Value": value}],
                        },
                        "Period": 300,
                        "Stat": "Sum",
                    },
                },
            ],
            "ThresholdMetricId": "band",
            "AlarmActions": [{"Ref": "Topic"}],
            "ComparisonOperator": "GreaterThanUpperThreshold",
            "EvaluationPeriods": 2,
        },
    )


def open_statement(**extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*", **extra}


def trail(**props: Any) -> tuple[str, str, dict[str, Any]]:
    base = {
        "IsLogging": True,
        "IsMultiRegionTrail": True,
        "EnableLogFileValidation": True,
        "IncludeGlobalServiceEvents": True,
        "S3BucketName": "b",
        "KMSKeyId": KEY_ARN,
        "EventSelectors": [
            {"DataResources": [{"Type": "AWS::Lambda::Function", "Values": ["arn:aws:lambda"]}]}
        ],
    }
    base.update(props)
    return ("Trail", "AWS::CloudTrail::Trail", base)


POOL_OK = {
    "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
    "MfaConfiguration": "ON",
    "UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"},
    "Policies": {"PasswordPolicy": {"MinimumLength": 14}},
}
CLIENT_OK = {
    "UserPoolId": {"Ref": "Pool"},
    "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    "AllowedOAuthFlows": ["code"],
    "PreventUserExistenceErrors": "ENABLED",
    "AccessTokenValidity": 30,
    "IdTokenValidity": 30,
    "RefreshTokenValidity": 7,
    "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
}


def pool(**changes: Any) -> tuple[str, str, dict[str, Any]]:
    return ("Pool", "AWS::Cognito::UserPool", {**POOL_OK, **changes})


def client(**changes: Any) -> tuple[str, str, dict[str, Any]]:
    return ("Client", "AWS::Cognito::UserPoolClient", {**CLIENT_OK, **changes})
