"""Every rule of the SecureServerless pack on raw CloudFormation templates: non-compliant and compliant."""

from __future__ import annotations

from typing import Any

import pytest
from nag_fixtures import template_of
from openapi_cases import OPENAPI_CASES
from raw_resources import (
    KEY_ARN,
    TABLE,
    P,
    alarm,
    anomaly_alarm,
    client,
    fn,
    method,
    open_statement,
    policy,
    pool,
    trail,
)
from rule_cases_properties import CASES as PROPERTY_CASES
from rule_cases_properties import CONDITION_SECTIONS, CONDITIONAL, MORE_CASES

from secure_constructs.nag import RULES, evaluate

# rule name -> (non-compliant resources, expected ids of that rule, compliant resources)
LP_CODE = """
import os
import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def handler(event, context):
    TABLE.put_item(Item={"pk": event["id"]})
"""


DYNAMIC_CALL = "import boto3\ndef handler(e, c):\n    getattr(boto3.client('s3'), e['m'])()\n"


def _lp_stack(actions: list[str], code: str | None = LP_CODE) -> list[Any]:
    """A Python function whose inline code puts items into Table, and a role allowing ``actions`` on it;
    with ``code=None`` the code is an S3 object the template cannot show."""
    table = {"Fn::GetAtt": ["Table", "Arn"]}
    statements = [{"Effect": "Allow", "Action": a, "Resource": table} for a in actions]
    statements.append({"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"})
    return [
        ("Table", "AWS::DynamoDB::Table", {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}),
        (
            "Role",
            "AWS::IAM::Role",
            {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                        }
                    ]
                },
                "Policies": [{"PolicyName": "Fn", "PolicyDocument": {"Statement": statements}}],
            },
        ),
        fn(
            **({} if code is None else {"Code": {"ZipFile": code}}),
            Environment={"Variables": {"TABLE": {"Ref": "Table"}}},
        ),
    ]


CASES: dict[str, list[tuple[list[Any], list[str], list[Any]]]] = {
    "ApiRouteAuth": [
        (
            [method(AuthorizationType="NONE")],
            ["ApiRouteAuth"],
            [method(), method("OPTIONS", AuthorizationType="NONE")],
        ),
        (
            [
                ("Route", "AWS::ApiGatewayV2::Route", {"ApiId": {"Ref": "Http"}, "RouteKey": "GET /items"}),
                ("Http", "AWS::ApiGatewayV2::Api", {"ProtocolType": "HTTP"}),
            ],
            ["ApiRouteAuth"],
            [
                (
                    "Route",
                    "AWS::ApiGatewayV2::Route",
                    {"ApiId": {"Ref": "Http"}, "RouteKey": "GET /items", "AuthorizationType": "JWT"},
                ),
                (
                    "Pre",
                    "AWS::ApiGatewayV2::Route",
                    {"ApiId": {"Ref": "Http"}, "RouteKey": "OPTIONS /{proxy+}"},
                ),
                ("Http", "AWS::ApiGatewayV2::Api", {"ProtocolType": "HTTP"}),
            ],
        ),
        (
            [
                ("Route", "AWS::ApiGatewayV2::Route", {"ApiId": {"Ref": "Ws"}, "RouteKey": "$connect"}),
                ("Ws", "AWS::ApiGatewayV2::Api", {"ProtocolType": "WEBSOCKET"}),
            ],
            ["ApiRouteAuth"],
            [
                ("Route", "AWS::ApiGatewayV2::Route", {"ApiId": {"Ref": "Ws"}, "RouteKey": "sendMessage"}),
                ("Ws", "AWS::ApiGatewayV2::Api", {"ProtocolType": "WEBSOCKET"}),
            ],
        ),
    ],
    "ApiKeyNotAuthorization": [
        (
            [method(AuthorizationType="NONE", ApiKeyRequired=True)],
            ["ApiKeyNotAuthorization", "ApiRouteAuth"],
            [method(ApiKeyRequired=True)],
        ),
    ],
    "ApiAuthorizerCacheTtl": [
        (
            [
                (
                    "Auth",
                    "AWS::ApiGateway::Authorizer",
                    {
                        "Name": "auth",
                        "RestApiId": "api",
                        "Type": "TOKEN",
                        "AuthorizerResultTtlInSeconds": 3600,
                        "IdentitySource": "method.request.header.Authorization",
                    },
                )
            ],
            ["ApiAuthorizerCacheTtl"],
            [
                (
                    "Auth",
                    "AWS::ApiGateway::Authorizer",
                    {
                        "Name": "auth",
                        "RestApiId": "api",
                        "Type": "TOKEN",
                        "IdentitySource": "method.request.header.Authorization",
                    },
                )
            ],
        ),
    ],
    "ApiAuthorizerQueryToken": [
        (
            [
                (
                    "Auth",
                    "AWS::ApiGatewayV2::Authorizer",
                    {
                        "Name": "auth",
                        "AuthorizerType": "REQUEST",
                        "ApiId": "a",
                        "IdentitySource": ["$request.querystring.token"],
                    },
                )
            ],
            ["ApiAuthorizerQueryToken[QueryString::token]"],
            [
                (
                    "Auth",
                    "AWS::ApiGatewayV2::Authorizer",
                    {
                        "Name": "auth",
                        "AuthorizerType": "REQUEST",
                        "ApiId": "a",
                        "IdentitySource": ["$request.header.Authorization"],
                    },
                )
            ],
        ),
    ],
    "ApiJwtAudience": [
        (
            [
                (
                    "Auth",
                    "AWS::ApiGatewayV2::Authorizer",
                    {
                        "Name": "auth",
                        "AuthorizerType": "JWT",
                        "ApiId": "a",
                        "IdentitySource": ["$request.header.Authorization"],
                        "JwtConfiguration": {"Issuer": "https://issuer"},
                    },
                )
            ],
            ["ApiJwtAudience[NoAudience]"],
            [
                (
                    "Auth",
                    "AWS::ApiGatewayV2::Authorizer",
                    {
                        "Name": "auth",
                        "AuthorizerType": "JWT",
                        "ApiId": "a",
                        "IdentitySource": ["$request.header.Authorization"],
                        "JwtConfiguration": {"Issuer": "https://issuer", "Audience": ["client-id"]},
                    },
                )
            ],
        ),
    ],
    "LambdaPermissionPublic": [
        (
            [
                (
                    "Perm",
                    "AWS::Lambda::Permission",
                    {"Action": "lambda:InvokeFunction", "FunctionName": "f", "Principal": "*"},
                )
            ],
            ["LambdaPermissionPublic[Principal::*]"],
            [
                (
                    "Perm",
                    "AWS::Lambda::Permission",
                    {
                        "Action": "lambda:InvokeFunction",
                        "FunctionName": "f",
                        "Principal": "apigateway.amazonaws.com",
                        "SourceArn": "arn:x",
                    },
                ),
                (  # a public function URL's own permission: reported once, by LambdaUrlAuth
                    "UrlPerm",
                    "AWS::Lambda::Permission",
                    {
                        "Action": "lambda:InvokeFunctionUrl",
                        "FunctionName": "f",
                        "Principal": "*",
                        "FunctionUrlAuthType": "NONE",
                    },
                ),
            ],
        ),
        (
            [
                (
                    "Perm",
                    "AWS::Lambda::Permission",
                    {
                        "Action": "lambda:InvokeFunction",
                        "FunctionName": "f",
                        "Principal": "sns.amazonaws.com",
                    },
                )
            ],
            ["LambdaPermissionPublic[NoSource::sns.amazonaws.com]"],
            [
                (
                    "Perm",
                    "AWS::Lambda::Permission",
                    {
                        "Action": "lambda:InvokeFunction",
                        "FunctionName": "f",
                        "Principal": "sns.amazonaws.com",
                        "SourceAccount": "111122223333",
                    },
                )
            ],
        ),
    ],
    "LambdaUrlAuth": [
        (
            [("Url", "AWS::Lambda::Url", {"AuthType": "NONE", "TargetFunctionArn": "arn"})],
            ["LambdaUrlAuth"],
            [("Url", "AWS::Lambda::Url", {"AuthType": "AWS_IAM", "TargetFunctionArn": "arn"})],
        ),
    ],
    "IamNoWildcardAction": [
        (
            [
                policy(
                    {
                        "Effect": "Allow",
                        "Action": ["*", "s3:*", "s3:GetObject"],
                        "Resource": "arn:aws:s3:::b/*",
                    }
                )
            ],
            ["IamNoWildcardAction[Action::*]", "IamNoWildcardAction[Action::s3:*]"],
            [
                policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}),
                policy({"Effect": "Deny", "Action": "*", "Resource": "*", "Principal": "*"}, "DenyAll"),
            ],
        ),
        (
            [policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::b"})],
            ["IamNoWildcardAction[NotAction]"],
            [],
        ),
        (
            [
                (
                    "RolePolicy",
                    "AWS::IAM::RolePolicy",
                    {
                        "PolicyName": "p",
                        "RoleName": "r",
                        "PolicyDocument": {
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "sqs:*",
                                    "Resource": "arn:aws:sqs:eu-west-1:1:q",
                                }
                            ]
                        },
                    },
                )
            ],
            ["IamNoWildcardAction[Action::sqs:*]"],
            [],
        ),
    ],
    "IamNoWildcardResource": [
        (
            [
                policy(
                    {
                        "Effect": "Allow",
                        "Action": ["xray:PutTraceSegments", "dynamodb:GetItem"],
                        "Resource": "*",
                    }
                )
            ],
            ["IamNoWildcardResource[Action::dynamodb:GetItem]"],
            [
                policy(
                    {
                        "Effect": "Allow",
                        "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                        "Resource": "*",
                    }
                )
            ],
        ),
    ],
    "IamAdminManagedPolicy": [
        (
            [
                (
                    "Role",
                    "AWS::IAM::Role",
                    {
                        "AssumeRolePolicyDocument": {"Statement": []},
                        "ManagedPolicyArns": [
                            {
                                "Fn::Join": [
                                    "",
                                    [
                                        "arn:",
                                        {"Ref": "AWS::Partition"},
                                        ":iam::aws:policy/AdministratorAccess",
                                    ],
                                ]
                            },
                            "arn:aws:iam::aws:policy/AmazonS3FullAccess",
                        ],
                    },
                )
            ],
            [
                "IamAdminManagedPolicy[Policy::AdministratorAccess]",
                "IamAdminManagedPolicy[Policy::AmazonS3FullAccess]",
            ],
            [
                (
                    "Role",
                    "AWS::IAM::Role",
                    {
                        "AssumeRolePolicyDocument": {"Statement": []},
                        "ManagedPolicyArns": [
                            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
                        ],
                    },
                )
            ],
        ),
    ],
    "IamSharedRole": [
        (
            [fn("A"), fn("B"), ("Role", "AWS::IAM::Role", {"AssumeRolePolicyDocument": {"Statement": []}})],
            ["IamSharedRole[Role::Role]", "IamSharedRole[Role::Role]"],
            [
                fn("A"),
                fn("B", Role={"Fn::GetAtt": ["RoleB", "Arn"]}),
                ("Role", "AWS::IAM::Role", {"AssumeRolePolicyDocument": {"Statement": []}}),
                ("RoleB", "AWS::IAM::Role", {"AssumeRolePolicyDocument": {"Statement": []}}),
            ],
        ),
    ],
    "IamTrustAnyPrincipal": [
        (
            [
                (
                    "Role",
                    "AWS::IAM::Role",
                    {
                        "AssumeRolePolicyDocument": {
                            "Statement": [
                                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
                            ]
                        }
                    },
                )
            ],
            ["IamTrustAnyPrincipal"],
            [
                (
                    "Role",
                    "AWS::IAM::Role",
                    {
                        "AssumeRolePolicyDocument": {
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Principal": {"Service": "lambda.amazonaws.com"},
                                    "Action": "sts:AssumeRole",
                                }
                            ]
                        }
                    },
                )
            ],
        ),
    ],
    "ResourcePolicyAnyPrincipal": [
        (
            [
                (
                    "QP",
                    "AWS::SQS::QueuePolicy",
                    {"Queues": ["q"], "PolicyDocument": {"Statement": [open_statement()]}},
                ),
                (
                    "TP",
                    "AWS::SNS::TopicPolicy",
                    {"Topics": ["t"], "PolicyDocument": {"Statement": [open_statement()]}},
                ),
                (
                    "SP",
                    "AWS::SecretsManager::ResourcePolicy",
                    {"SecretId": "s", "ResourcePolicy": {"Statement": [open_statement()]}},
                ),
            ],
            ["ResourcePolicyAnyPrincipal"] * 3,
            [
                (
                    "QP",
                    "AWS::SQS::QueuePolicy",
                    {
                        "Queues": ["q"],
                        "PolicyDocument": {
                            "Statement": [
                                open_statement(
                                    Condition={
                                        "ArnEquals": {"aws:SourceArn": "arn:aws:sns:eu-west-1:111122223333:t"}
                                    }
                                )
                            ]
                        },
                    },
                ),
                (
                    "Deny",
                    "AWS::SQS::QueuePolicy",
                    {
                        "Queues": ["q"],
                        "PolicyDocument": {
                            "Statement": [
                                {
                                    **open_statement(Effect="Deny"),
                                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                                }
                            ]
                        },
                    },
                ),
            ],
        ),
    ],
    "LambdaEnvKms": [
        (
            [fn(Environment={"Variables": {"STAGE": "prod"}})],
            ["LambdaEnvKms"],
            [fn(Environment={"Variables": {"STAGE": "prod"}}, KmsKeyArn=KEY_ARN), fn("NoEnv")],
        ),
    ],
    "KmsKeyRotation": [
        (
            [("Key", "AWS::KMS::Key", {"KeyPolicy": {"Statement": []}})],
            ["KmsKeyRotation"],
            [
                ("Key", "AWS::KMS::Key", {"KeyPolicy": {"Statement": []}, "EnableKeyRotation": True}),
                ("Rsa", "AWS::KMS::Key", {"KeyPolicy": {"Statement": []}, "KeySpec": "RSA_2048"}),
            ],
        ),
    ],
    "LogGroupKms": [
        (
            [("Lg", "AWS::Logs::LogGroup", {"RetentionInDays": 30})],
            ["LogGroupKms"],
            [("Lg", "AWS::Logs::LogGroup", {"RetentionInDays": 30, "KmsKeyId": KEY_ARN})],
        ),
    ],
    "SqsQueueKms": [
        (
            [("Q", "AWS::SQS::Queue", {"SqsManagedSseEnabled": True})],
            ["SqsQueueKms"],
            [("Q", "AWS::SQS::Queue", {"KmsMasterKeyId": KEY_ARN})],
        ),
    ],
    "SnsTopicKms": [
        (
            [("T", "AWS::SNS::Topic", {})],
            ["SnsTopicKms"],
            [("T", "AWS::SNS::Topic", {"KmsMasterKeyId": KEY_ARN})],
        )
    ],
    "SecretKms": [
        (
            [("S", "AWS::SecretsManager::Secret", {})],
            ["SecretKms"],
            [("S", "AWS::SecretsManager::Secret", {"KmsKeyId": KEY_ARN})],
        )
    ],
    "TrailKms": [([trail(KMSKeyId=None)], ["TrailKms"], [trail()])],
    "DynamoDbKms": [
        (
            [("T", "AWS::DynamoDB::Table", {**TABLE, "SSESpecification": {"SSEEnabled": True}})],
            ["DynamoDbKms"],
            [
                (
                    "T",
                    "AWS::DynamoDB::Table",
                    {
                        **TABLE,
                        "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": KEY_ARN},
                    },
                )
            ],
        ),
    ],
    "LambdaEnvPlaintextSecret": [
        (
            [fn(KmsKeyArn=KEY_ARN, Environment={"Variables": {"DB_PASSWORD": "Zx9!qT4#vLp2@Wm8"}})],
            ["LambdaEnvPlaintextSecret[Env::DB_PASSWORD]"],
            [
                fn(
                    KmsKeyArn=KEY_ARN,
                    Environment={
                        "Variables": {"DB_PASSWORD_SECRET_ARN": {"Ref": "Secret"}, "TABLE_NAME": "orders"}
                    },
                )
            ],
        ),
        (  # a literal part of a joined value; a resolved secret is SecretValueExposed's finding only
            [
                fn(
                    KmsKeyArn=KEY_ARN,
                    Environment={
                        "Variables": {
                            "DB_URL": {
                                "Fn::Join": ["", ["postgres://app:Zx9qT4vLp2Wm8@", {"Ref": "Db"}, "/x"]]
                            },
                            "DB_PASSWORD": {
                                "Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": "S"}, "}}"]]
                            },
                        }
                    },
                )
            ],
            ["LambdaEnvPlaintextSecret[Env::DB_URL]"],
            [],
        ),
    ],
    "SecretValueExposed": [
        (
            [
                fn(
                    KmsKeyArn=KEY_ARN,
                    Environment={
                        "Variables": {
                            "TOKEN": {
                                "Fn::Join": [
                                    "",
                                    ["{{resolve:secretsmanager:", {"Ref": "Secret"}, ":SecretString:::}}"],
                                ]
                            }
                        }
                    },
                )
            ],
            ["SecretValueExposed[Env::TOKEN]"],
            [fn(KmsKeyArn=KEY_ARN, Environment={"Variables": {"TOKEN_ARN": {"Ref": "Secret"}}})],
        ),
    ],
    "LambdaInlineCodeSecret": [
        (
            [fn(Code={"ZipFile": "AWS_KEY = 'AKIAIOSFODNN7EXAMPLQ'\ndef handler(e, c):\n    return 1\n"})],
            ["LambdaInlineCodeSecret[Code::*]"],
            [fn(Code={"ZipFile": "import os\ndef handler(e, c):\n    return os.environ['TABLE']\n"})],
        ),
    ],
    "ApiAccessLogs": [
        (
            [
                ("Stage", "AWS::ApiGateway::Stage", {"RestApiId": "a", "StageName": "prod"}),
                ("HStage", "AWS::ApiGatewayV2::Stage", {"ApiId": "a", "StageName": "$default"}),
            ],
            ["ApiAccessLogs", "ApiAccessLogs"],
            [
                (
                    "HStage",
                    "AWS::ApiGatewayV2::Stage",
                    {"ApiId": "a", "StageName": "$default", "AccessLogSettings": {"DestinationArn": KEY_ARN}},
                )
            ],
        ),
    ],
    "ApiDataTrace": [
        (
            [
                (
                    "HStage",
                    "AWS::ApiGatewayV2::Stage",
                    {
                        "ApiId": "a",
                        "StageName": "s",
                        "AccessLogSettings": {"DestinationArn": "arn"},
                        "DefaultRouteSettings": {"DataTraceEnabled": True},
                    },
                )
            ],
            ["ApiDataTrace"],
            [
                (
                    "HStage",
                    "AWS::ApiGatewayV2::Stage",
                    {
                        "ApiId": "a",
                        "StageName": "s",
                        "AccessLogSettings": {"DestinationArn": "arn"},
                        "DefaultRouteSettings": {"DataTraceEnabled": False},
                    },
                )
            ],
        ),
    ],
    "LogGroupRetention": [
        (
            [("Lg", "AWS::Logs::LogGroup", {"KmsKeyId": KEY_ARN})],
            ["LogGroupRetention"],
            [("Lg", "AWS::Logs::LogGroup", {"KmsKeyId": KEY_ARN, "RetentionInDays": 365})],
        ),
    ],
    "TrailLogging": [([trail(IsLogging=False)], ["TrailLogging"], [trail()])],
    "TrailManagementEvents": [
        (
            [
                trail(
                    EventSelectors=[
                        {
                            "IncludeManagementEvents": False,
                            "DataResources": [
                                {"Type": "AWS::Lambda::Function", "Values": ["arn:aws:lambda"]}
                            ],
                        }
                    ]
                )
            ],
            ["TrailManagementEvents[NoManagementEvents]"],
            [trail()],
        ),
        (
            [
                trail(
                    EventSelectors=[
                        {
                            "ReadWriteType": "WriteOnly",
                            "DataResources": [
                                {"Type": "AWS::Lambda::Function", "Values": ["arn:aws:lambda"]}
                            ],
                        }
                    ]
                )
            ],
            ["TrailLambdaDataEvents[ReadWriteType]", "TrailManagementEvents[ReadWriteType]"],
            [],
        ),
    ],
    "TrailGlobalServiceEvents": [
        (
            [trail(IncludeGlobalServiceEvents=False)],
            ["TrailGlobalServiceEvents"],
            [trail(IncludeGlobalServiceEvents=None)],
        )
    ],
    "TrailMultiRegion": [([trail(IsMultiRegionTrail=False)], ["TrailMultiRegion"], [trail()])],
    "TrailLogFileValidation": [
        ([trail(EnableLogFileValidation=None)], ["TrailLogFileValidation"], [trail()])
    ],
    "TrailLambdaDataEvents": [
        ([trail(EventSelectors=None)], ["TrailLambdaDataEvents[NoLambdaDataEvents]"], [trail()]),
        (
            [
                trail(
                    EventSelectors=[
                        {
                            "DataResources": [
                                {"Type": "AWS::Lambda::Function", "Values": [{"Fn::GetAtt": ["A", "Arn"]}]}
                            ]
                        }
                    ]
                ),
                fn("A", KmsKeyArn=KEY_ARN),
                fn("B", KmsKeyArn=KEY_ARN, Role="arn:aws:iam::1:role/b"),
            ],
            ["TrailLambdaDataEvents[Function::B]"],
            [],
        ),
    ],
    "LambdaAlarms": [
        (
            [fn(), alarm("Err", "Errors", "FunctionName", {"Ref": "Fn"})],
            [
                "LambdaAlarms[Missing::ConcurrentExecutions]",
                "LambdaAlarms[Missing::Duration]",
                "LambdaAlarms[Missing::InvocationAnomaly]",
                "LambdaAlarms[Missing::Throttles]",
            ],
            [
                fn(),
                alarm("Err", "Errors", "FunctionName", {"Ref": "Fn"}),
                alarm("Thr", "Throttles", "FunctionName", {"Ref": "Fn"}),
                alarm("Con", "ConcurrentExecutions", "FunctionName", {"Ref": "Fn"}),
                alarm("Dur", "Duration", "FunctionName", {"Ref": "Fn"}),
                anomaly_alarm("Inv", "Invocations", "FunctionName", {"Ref": "Fn"}),
            ],
        ),
    ],
    "ApiServerErrorAlarm": [
        (
            [("Api", "AWS::ApiGateway::RestApi", {"Name": "shop"})],
            ["ApiServerErrorAlarm"],
            [
                ("Api", "AWS::ApiGateway::RestApi", {"Name": "shop"}),
                alarm("A5", "5XXError", "ApiName", "shop", "AWS/ApiGateway"),
            ],
        ),
        (
            [("Http", "AWS::ApiGatewayV2::Api", {"ProtocolType": "HTTP"})],
            ["ApiServerErrorAlarm"],
            [
                ("Http", "AWS::ApiGatewayV2::Api", {"ProtocolType": "HTTP"}),
                alarm("A5", "5xx", "ApiId", {"Ref": "Http"}, "AWS/ApiGateway"),
            ],
        ),
    ],
    "AlarmActions": [
        (
            [("Al", "AWS::CloudWatch::Alarm", {"MetricName": "m", "Namespace": "n"})],
            ["AlarmActions[NoAlarmAction]"],
            [
                (
                    "Al",
                    "AWS::CloudWatch::Alarm",
                    {"MetricName": "m", "Namespace": "n", "AlarmActions": [{"Ref": "Topic"}]},
                )
            ],
        ),
    ],
    "ApiTls12": [
        (
            [
                (
                    "Dn",
                    "AWS::ApiGateway::DomainName",
                    {"DomainName": "api.example.com", "SecurityPolicy": "TLS_1_0"},
                )
            ],
            ["ApiTls12"],
            [
                (
                    "Dn",
                    "AWS::ApiGateway::DomainName",
                    {"DomainName": "api.example.com", "SecurityPolicy": "TLS_1_2"},
                ),
                (
                    "Dn2",
                    "AWS::ApiGatewayV2::DomainName",
                    {"DomainName": "h.example.com", "DomainNameConfigurations": [{"CertificateArn": "arn"}]},
                ),
            ],
        ),
    ],
    "ApiCorsCredentials": [
        (
            [
                (
                    "Http",
                    "AWS::ApiGatewayV2::Api",
                    {
                        "ProtocolType": "HTTP",
                        "CorsConfiguration": {"AllowOrigins": ["*"], "AllowCredentials": True},
                    },
                ),
                alarm("A5", "5xx", "ApiId", {"Ref": "Http"}, "AWS/ApiGateway"),
            ],
            ["ApiCorsCredentials"],
            [
                (
                    "Http",
                    "AWS::ApiGatewayV2::Api",
                    {
                        "ProtocolType": "HTTP",
                        "CorsConfiguration": {
                            "AllowOrigins": ["https://app.example.com"],
                            "AllowCredentials": True,
                        },
                    },
                ),
                alarm("A5", "5xx", "ApiId", {"Ref": "Http"}, "AWS/ApiGateway"),
            ],
        ),
        (
            [
                method(
                    "OPTIONS",
                    AuthorizationType="NONE",
                    Integration={
                        "Type": "MOCK",
                        "IntegrationResponses": [
                            {
                                "StatusCode": "204",
                                "ResponseParameters": {
                                    "method.response.header.Access-Control-Allow-Origin": "'*'",
                                    "method.response.header.Access-Control-Allow-Credentials": "'true'",
                                },
                            }
                        ],
                    },
                )
            ],
            ["ApiCorsCredentials"],
            [],
        ),
    ],
    "ApiRequestValidation": [
        (
            [method("POST")],
            ["ApiRequestValidation[NoValidator]"],
            [
                method("POST", RequestValidatorId={"Ref": "V"}, RequestModels={"application/json": "Item"}),
                ("V", "AWS::ApiGateway::RequestValidator", {"RestApiId": "a", "ValidateRequestBody": True}),
            ],
        ),
    ],
    "ApiStageWaf": [
        (
            [
                (
                    "Stage",
                    "AWS::ApiGateway::Stage",
                    {
                        "RestApiId": {"Ref": "Api"},
                        "StageName": "prod",
                        "AccessLogSetting": {"DestinationArn": "arn"},
                    },
                )
            ],
            ["ApiStageWaf"],
            [
                (
                    "Stage",
                    "AWS::ApiGateway::Stage",
                    {
                        "RestApiId": {"Ref": "Api"},
                        "StageName": "prod",
                        "AccessLogSetting": {"DestinationArn": "arn"},
                    },
                ),
                (
                    "Assoc",
                    "AWS::WAFv2::WebACLAssociation",
                    {
                        "WebACLArn": "arn",
                        "ResourceArn": {
                            "Fn::Join": [
                                "",
                                [
                                    "arn:aws:apigateway:eu-west-1::/restapis/",
                                    {"Ref": "Api"},
                                    "/stages/",
                                    {"Ref": "Stage"},
                                ],
                            ]
                        },
                    },
                ),
            ],
        ),
    ],
    "CognitoSelfSignUp": [([pool(AdminCreateUserConfig={})], ["CognitoSelfSignUp"], [pool()])],
    "CognitoMfa": [([pool(MfaConfiguration="OPTIONAL")], ["CognitoMfa[Mfa::OPTIONAL]"], [pool()])],
    "CognitoPasswordPolicy": [
        (
            [pool(Policies={"PasswordPolicy": {"MinimumLength": 8, "TemporaryPasswordValidityDays": 30}})],
            ["CognitoPasswordPolicy[TemporaryPasswordValidity]", "CognitoPasswordPolicy[Weak]"],
            [
                pool(
                    Policies={
                        "PasswordPolicy": {
                            "MinimumLength": 8,
                            "RequireLowercase": True,
                            "RequireUppercase": True,
                            "RequireNumbers": True,
                            "RequireSymbols": True,
                        }
                    }
                )
            ],
        ),
    ],
    "CognitoThreatProtection": [
        (
            [pool(UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"})],
            ["CognitoThreatProtection[Mode::AUDIT]"],
            [pool()],
        )
    ],
    "CognitoPasswordAuthFlow": [
        (
            [client(ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])],
            ["CognitoPasswordAuthFlow[Flow::ALLOW_USER_PASSWORD_AUTH]"],
            [client(), client(ExplicitAuthFlows=None)],
        )
    ],
    "CognitoImplicitGrant": [
        ([client(AllowedOAuthFlows=["implicit"])], ["CognitoImplicitGrant"], [client()])
    ],
    "CognitoTokenLifetime": [
        (
            [
                client(
                    AccessTokenValidity=1,
                    IdTokenValidity=None,
                    TokenValidityUnits={"AccessToken": "days"},
                    RefreshTokenValidity=90,
                )
            ],
            ["CognitoTokenLifetime[AccessTokenValidity]", "CognitoTokenLifetime[RefreshTokenValidity]"],
            [client(), client(AccessTokenValidity=None, IdTokenValidity=None, RefreshTokenValidity=None)],
        ),
    ],
    "CognitoTokenRevocation": [
        ([client(EnableTokenRevocation=False)], ["CognitoTokenRevocation"], [client()])
    ],
    "CognitoUserExistenceErrors": [
        ([client(PreventUserExistenceErrors="LEGACY")], ["CognitoUserExistenceErrors"], [client()])
    ],
    "IdentityPoolUnauthenticated": [
        (
            [("Ip", "AWS::Cognito::IdentityPool", {"AllowUnauthenticatedIdentities": True})],
            ["IdentityPoolUnauthenticated"],
            [("Ip", "AWS::Cognito::IdentityPool", {"AllowUnauthenticatedIdentities": False})],
        ),
    ],
    "TransformedResource": [
        (
            [("Fn", "AWS::Serverless::Function", {"Handler": "index.handler", "InlineCode": "x"})],
            ["TransformedResource"],
            [],
        ),
    ],
    "LambdaUnusedPermission": [
        (
            _lp_stack(["dynamodb:PutItem", "dynamodb:DeleteItem"]),
            ["LambdaUnusedPermission[Action::dynamodb:DeleteItem@Table]"],
            _lp_stack(["dynamodb:PutItem"]),
        ),
        (
            _lp_stack([], code=DYNAMIC_CALL),
            ["LambdaUnusedPermission[UnresolvedCalls]"],
            [],
        ),
        (
            _lp_stack(["dynamodb:PutItem"], code=None),
            ["LambdaUnusedPermission[CodeNotRead]"],
            _lp_stack([], code=None),
        ),
    ],
    "LambdaMissingPermission": [
        (
            _lp_stack([]),
            ["LambdaMissingPermission[Action::dynamodb:PutItem@Table]"],
            _lp_stack(["dynamodb:PutItem"]),
        ),
    ],
}
CASES.update(OPENAPI_CASES)


for _cases in (PROPERTY_CASES, MORE_CASES):
    for _rule, _more in _cases.items():
        CASES.setdefault(_rule, []).extend(_more)
SECTIONS = {"Parameter": "Parameters", "Output": "Outputs"}


def _template(resources: list[Any], **sections: Any) -> dict[str, Any]:
    """A template of ``(logical id, type, properties[, attributes])``; the pseudo types ``Parameter`` and
    ``Output`` are entries of those sections. Top-level properties that are None are left out."""
    plain, attributes = [], {}
    sections = {name: dict(value) for name, value in sections.items()}
    for lid, kind, props, *attrs in resources:
        if kind in SECTIONS:
            sections.setdefault(SECTIONS[kind], {})[lid] = props
            continue
        plain.append((lid, kind, {k: v for k, v in props.items() if v is not None}))
        if attrs:
            attributes[lid] = attrs[0]
    template = template_of(*plain, **sections)
    for lid, attrs in attributes.items():
        template["Resources"][lid].update(attrs)
    return template


def _ids(resources: list[Any], rule: str | None = None, **sections: Any) -> list[str]:
    found = sorted(f.rule.removeprefix(P) for f in evaluate(_template(resources, **sections)))
    if rule is None:
        return found
    return [r for r in found if r.split("[", 1)[0] == rule]


def test_every_rule_has_cases():
    assert sorted(CASES) == sorted(spec.name for spec in RULES)


@pytest.mark.parametrize(("rule", "index"), [(r, i) for r, cases in CASES.items() for i in range(len(cases))])
def test_rule_noncompliant_and_compliant(rule: str, index: int):
    bad, expected, good = CASES[rule][index]
    expected_rules = {e.split("[", 1)[0] for e in expected}
    got = [r for r in _ids(bad) if r.split("[", 1)[0] in expected_rules]
    if expected and expected[0].endswith("[Code::*]"):
        assert len(got) == 1 and got[0].startswith(f"{rule}[Code::"), got
        assert "AKIA" not in got[0]  # the finding says why, never the value
    else:
        assert got == sorted(expected)
    if good:
        assert _ids(good, rule) == [], f"{rule} should pass on the compliant case"


def test_every_declared_finding_id_has_a_noncompliant_case():
    expected = {rule_id for cases in CASES.values() for _, ids, _ in cases for rule_id in ids}
    missing = [
        f"{spec.name}[{finding}]"
        for spec in RULES
        for finding in spec.finding_ids
        if not any(_matches(rule_id, spec.name, finding) for rule_id in expected)
    ]
    assert missing == []


def _matches(rule_id: str, rule: str, pattern: str) -> bool:
    """Whether ``rule_id`` (``Rule[Finding]``) is a finding of ``rule`` that ``pattern`` describes
    (``Missing::Duration`` exactly, ``Env::<variable>`` by its prefix)."""
    prefix = f"{rule}["
    if not rule_id.startswith(prefix):
        return False
    finding = rule_id[len(prefix) : -1]
    return finding == pattern or ("<" in pattern and finding.startswith(pattern.split("<")[0]))


def test_every_rule_with_a_conditional_weakening_has_a_conditional_case():
    declared = {spec.name for spec in RULES if any(m.kind == "if" for m in spec.mutations)}
    assert declared <= set(CONDITIONAL)
    assert set(CONDITIONAL) <= {spec.name for spec in RULES}


@pytest.mark.parametrize(
    ("rule", "index"), [(r, i) for r, cases in CONDITIONAL.items() for i in range(len(cases))]
)
def test_an_insecure_fn_if_branch_is_the_rule_s_finding_and_names_the_condition(rule: str, index: int):
    resources, expected, condition = CONDITIONAL[rule][index]
    findings = [
        f for f in evaluate(_template(resources, **CONDITION_SECTIONS)) if f.rule.startswith(f"{P}{rule}")
    ]
    assert [f.rule.removeprefix(P) for f in findings] == [expected], [f.message for f in findings]
    assert condition in findings[0].message
    # and with the condition's secure branch everywhere, the rule has nothing to say
    secure = _template(_branch(resources, 1), **CONDITION_SECTIONS)
    assert [f.rule for f in evaluate(secure) if f.rule.startswith(f"{P}{rule}")] == []


def _branch(value: Any, index: int) -> Any:
    """``value`` with every Fn::If replaced by its ``index`` branch (1: the true one), the others dropped."""
    if isinstance(value, dict):
        if set(value) == {"Fn::If"}:
            return _branch(value["Fn::If"][index], index)
        return {k: _branch(v, index) for k, v in value.items() if v != {"Ref": "AWS::NoValue"}}
    if isinstance(value, (list, tuple)):
        items = [_branch(v, index) for v in value if v != {"Ref": "AWS::NoValue"}]
        return type(value)(items) if isinstance(value, tuple) else items
    return value


def test_secret_dynamic_reference_in_output_is_reported():
    outputs = {
        "Leak": {"Value": {"Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": "S"}, ":SecretString}}"]]}},
        "Arn": {"Value": {"Ref": "S"}},
    }
    findings = [
        f for f in evaluate(template_of(Outputs=outputs)) if f.rule.startswith(P + "SecretValueExposed")
    ]
    assert [(f.rule, f.logical_id, f.location) for f in findings] == [
        (P + "SecretValueExposed", "Leak", "Outputs/Leak")
    ]


def test_plaintext_secret_message_says_why_and_never_the_value():
    value = "Zx9!qT4#vLp2@Wm8"
    (finding,) = [
        f
        for f in evaluate(
            template_of(fn(KmsKeyArn=KEY_ARN, Environment={"Variables": {"DB_PASSWORD": value}}))
        )
        if "PlaintextSecret" in f.rule
    ]
    assert value not in finding.message and value not in finding.rule
    assert finding.message.startswith("An environment variable holds") and "(" in finding.message


def test_an_insecure_fn_if_branch_is_the_rule_s_own_finding_naming_the_condition():
    resources = [
        (
            "Url",
            "AWS::Lambda::Url",
            {"TargetFunctionArn": "arn", "AuthType": {"Fn::If": ["IsProd", "AWS_IAM", "NONE"]}},
        )
    ]
    (finding,) = evaluate(template_of(*resources))
    assert finding.rule == P + "LambdaUrlAuth"
    assert "when not IsProd" in finding.message


def test_condition_with_same_compliance_on_both_branches_is_decided():
    resources = [
        (
            "Url",
            "AWS::Lambda::Url",
            {"TargetFunctionArn": "arn", "AuthType": {"Fn::If": ["IsProd", "AWS_IAM", {"Ref": "Auth"}]}},
        )
    ]
    params = {"Auth": {"Type": "String", "AllowedValues": ["AWS_IAM"]}}
    assert evaluate(template_of(*resources, Parameters=params)) == []


def test_parameter_where_a_literal_is_needed_fails_closed():
    resources = [method(AuthorizationType={"Ref": "AuthType"})]
    ids = _ids(resources, "ApiRouteAuth", Parameters={"AuthType": {"Type": "String"}})
    assert ids == ["ApiRouteAuth[Unresolved::AuthorizationType]"]


def test_fn_if_around_a_policy_statement_checks_both_branches():
    statement = {
        "Fn::If": ["Admin", {"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Ref": "AWS::NoValue"}]
    }
    ids = _ids(
        [("Policy", "AWS::IAM::Policy", {"PolicyName": "p", "PolicyDocument": {"Statement": [statement]}})],
        "IamNoWildcardAction",
    )
    assert ids == ["IamNoWildcardAction[Action::*]"]


def test_a_rule_that_crashes_fails_closed():
    pool_ = pool(Policies={"PasswordPolicy": {"MinimumLength": "twelve"}})
    assert _ids([pool_], "CognitoPasswordPolicy") == ["CognitoPasswordPolicy[RuleError]"]


def test_reported_finding_ids_are_documented():
    from secure_constructs.nag._pack import FINDING_IDS

    assert set(FINDING_IDS) <= {spec.name for spec in RULES}
    for cases in CASES.values():
        for _, expected, _ in cases:
            for rule_id in expected:
                if "[" not in rule_id or rule_id.endswith("[Code::*]"):
                    continue
                name, finding = rule_id[:-1].split("[", 1)
                patterns = FINDING_IDS[name]
                assert any(
                    finding == p or ("<" in p and finding.startswith(p.split("<")[0])) for p in patterns
                ), rule_id


def test_finding_ids_keep_at_most_one_double_colon_and_no_brackets():
    from secure_constructs.nag._pack import finding_id

    assert finding_id("Role::arn:aws:iam::1:role/x") == "Role::arn:aws:iam:1:role/x"
    assert finding_id("Code::line 2: key [a]\nnext") == "Code::line 2: key (a) next"
    assert finding_id("NoAudience") == "NoAudience"
