"""Raw-template cases of the rules that check one declared security property each (stages, functions,
buckets, trails, alarms, web ACLs, user and identity pools), merged into ``test_nag_rules_raw.CASES``.

``CASES``: rule name -> [(non-compliant resources, expected ids of that rule, compliant resources)].
``CONDITIONAL``: rule name -> [(resources, the expected finding id, what its message must say)]: a value that
is an ``Fn::If`` with one insecure branch is the rule's own finding, naming the condition of that branch.
A resource is ``(logical id, type, properties)``, or with a fourth item, its resource attributes
(``DeletionPolicy``); the pseudo types ``Parameter`` and ``Output`` put an entry in those sections.
"""

from __future__ import annotations

import json
from typing import Any

from raw_resources import KEY_ARN, alarm, anomaly_alarm, client, fn, method, policy, pool, trail

Resource = tuple[Any, ...]
Case = tuple[list[Resource], list[str], list[Resource]]

COND = "IsProd"
#: The sections a conditional case's template gets: the condition its Fn::If values name.
CONDITION_SECTIONS: dict[str, Any] = {
    "Parameters": {"Stage": {"Type": "String"}},
    "Conditions": {COND: {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
}
NO_VALUE = {"Ref": "AWS::NoValue"}


def if_(secure: Any, insecure: Any) -> dict[str, Any]:
    """A value that is ``secure`` when IsProd and ``insecure`` otherwise."""
    return {"Fn::If": [COND, secure, insecure]}


def named(lid: str, resource: Resource) -> Resource:
    """``resource`` under another logical id."""
    return (lid, *resource[1:])


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


# --- API Gateway stages ------------------------------------------------------------------------------------


def method_settings(**changes: Any) -> dict[str, Any]:
    """The stage-wide method settings (``*`` on ``/*``) of a hardened REST stage, with ``changes``."""
    base = {
        "HttpMethod": "*",
        "ResourcePath": "/*",
        "LoggingLevel": "ERROR",
        "MetricsEnabled": True,
        "DataTraceEnabled": False,
        "ThrottlingRateLimit": 100,
        "ThrottlingBurstLimit": 200,
    }
    return _without_none({**base, **changes})


def rest_stage(lid: str = "Stage", **changes: Any) -> Resource:
    base = {
        "RestApiId": {"Ref": "Api"},
        "StageName": "prod",
        "AccessLogSetting": {"DestinationArn": {"Fn::GetAtt": ["AccessLogs", "Arn"]}},
        "TracingEnabled": True,
        "MethodSettings": [method_settings()],
    }
    return (lid, "AWS::ApiGateway::Stage", _without_none({**base, **changes}))


def deployment(**description: Any) -> Resource:
    """A REST deployment that creates its stage inline (StageDescription)."""
    stage = {
        "AccessLogSetting": {"DestinationArn": {"Fn::GetAtt": ["AccessLogs", "Arn"]}},
        "TracingEnabled": True,
        "LoggingLevel": "INFO",
        "MetricsEnabled": True,
        "ThrottlingRateLimit": 50,
        "ThrottlingBurstLimit": 100,
    }
    return (
        "Deployment",
        "AWS::ApiGateway::Deployment",
        {
            "RestApiId": {"Ref": "Api"},
            "StageName": "prod",
            "StageDescription": _without_none({**stage, **description}),
        },
    )


#: A deployment whose stage is a separate AWS::ApiGateway::Stage: the stage rules judge that stage.
BARE_DEPLOYMENT: Resource = ("Deployment", "AWS::ApiGateway::Deployment", {"RestApiId": {"Ref": "Api"}})


def http_stage(**route_settings: Any) -> Resource:
    settings = {"DetailedMetricsEnabled": True, "ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 200}
    return (
        "HttpStage",
        "AWS::ApiGatewayV2::Stage",
        {
            "ApiId": {"Ref": "Http"},
            "StageName": "$default",
            "AccessLogSettings": {"DestinationArn": {"Fn::GetAtt": ["AccessLogs", "Arn"]}},
            "DefaultRouteSettings": _without_none({**settings, **route_settings}),
        },
    )


REST_API: Resource = ("Api", "AWS::ApiGateway::RestApi", {"Name": "shop"})
HTTP_API: Resource = ("Http", "AWS::ApiGatewayV2::Api", {"ProtocolType": "HTTP", "Name": "shop"})
BASE_PATH_MAPPING: Resource = (
    "Mapping",
    "AWS::ApiGateway::BasePathMapping",
    {"DomainName": {"Ref": "Domain"}, "RestApiId": {"Ref": "Api"}, "Stage": "prod"},
)
API_MAPPING: Resource = (
    "HttpMapping",
    "AWS::ApiGatewayV2::ApiMapping",
    {"DomainName": {"Ref": "HttpDomain"}, "ApiId": {"Ref": "Http"}, "Stage": "$default"},
)
COGNITO_METHOD = {"AuthorizationType": "COGNITO_USER_POOLS", "AuthorizerId": {"Ref": "PoolAuthorizer"}}


def api_alarms(api: str, dimension: str, value: Any, *metrics: str) -> list[Resource]:
    """Alarms on an API's metrics (a Count metric gets an anomaly band)."""
    return [
        (anomaly_alarm if metric == "Count" else alarm)(
            f"{api}{metric}Alarm", metric, dimension, value, "AWS/ApiGateway"
        )
        for metric in metrics
    ]


# --- buckets and their policies ----------------------------------------------------------------------------

KMS_ENCRYPTION = {
    "ServerSideEncryptionConfiguration": [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN}}
    ]
}
S3_ENCRYPTION = {
    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
}
BLOCK_ALL = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}


def bucket(lid: str = "Bucket", **changes: Any) -> Resource:
    """A hardened bucket that logs its access to the ``Logs`` bucket."""
    base = {
        "PublicAccessBlockConfiguration": BLOCK_ALL,
        "VersioningConfiguration": {"Status": "Enabled"},
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        "LoggingConfiguration": {"DestinationBucketName": {"Ref": "Logs"}, "LogFilePrefix": "data/"},
        "BucketEncryption": KMS_ENCRYPTION,
    }
    return (lid, "AWS::S3::Bucket", _without_none({**base, **changes}))


def table(lid: str = "Table", **changes: Any) -> Resource:
    """A DynamoDB table with point-in-time recovery on."""
    base = {
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
    }
    return (lid, "AWS::DynamoDB::Table", _without_none({**base, **changes}))


def log_bucket(**changes: Any) -> Resource:
    """The bucket that receives the server access logs of ``Bucket``: SSE-S3 (S3 log delivery does not
    support SSE-KMS) and no access logs of its own."""
    return bucket("Logs", LoggingConfiguration=None, BucketEncryption=S3_ENCRYPTION, **changes)


def tls_deny(action: Any, resource: Any, **statement: Any) -> dict[str, Any]:
    """Deny ``action`` to every principal when the request does not use TLS (enforce_ssl in CDK)."""
    return {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": action,
        "Resource": resource,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        **statement,
    }


OLD_TLS_DENY = {
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": "s3:*",
    "Resource": [
        {"Fn::GetAtt": ["Bucket", "Arn"]},
        {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/*"]]},
    ],
    "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}},
}
BUCKET_OBJECTS = [
    {"Fn::GetAtt": ["Bucket", "Arn"]},
    {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/*"]]},
]


def resource_policy(kind: str, target: str, *statements: Any, document: Any = None) -> Resource:
    """A bucket (``"S3"``), queue (``"SQS"``) or topic (``"SNS"``) policy on ``target``."""
    policy_type, prop, many = {
        "S3": ("AWS::S3::BucketPolicy", "Bucket", False),
        "SQS": ("AWS::SQS::QueuePolicy", "Queues", True),
        "SNS": ("AWS::SNS::TopicPolicy", "Topics", True),
    }[kind]
    ref = {"Ref": target}
    doc = document if document is not None else {"Version": "2012-10-17", "Statement": list(statements)}
    return (f"{target}Policy", policy_type, {prop: [ref] if many else ref, "PolicyDocument": doc})


QUEUE: Resource = ("Queue", "AWS::SQS::Queue", {"KmsMasterKeyId": KEY_ARN})
TOPIC: Resource = ("Topic", "AWS::SNS::Topic", {"KmsMasterKeyId": KEY_ARN})
QUEUE_TLS = tls_deny("sqs:*", {"Fn::GetAtt": ["Queue", "Arn"]})
TOPIC_TLS = tls_deny("sns:Publish", {"Ref": "Topic"})


# --- trails -------------------------------------------------------------------------------------------------

TRAIL_LOGS = {
    "CloudWatchLogsLogGroupArn": {"Fn::GetAtt": ["TrailLogs", "Arn"]},
    "CloudWatchLogsRoleArn": {"Fn::GetAtt": ["TrailLogsRole", "Arn"]},
}
TRAIL_LOG_GROUP: Resource = (
    "TrailLogs",
    "AWS::Logs::LogGroup",
    {"RetentionInDays": 365, "KmsKeyId": KEY_ARN},
)
SECURITY_PATTERNS = {
    "UnauthorizedApiCalls": '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    "IamPolicyChanges": "{ ($.eventName = PutRolePolicy) || ($.eventName = AttachRolePolicy) }",
    "KmsKeyDisabledOrScheduledForDeletion": (
        "{ ($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion) }"
    ),
    "CloudTrailConfigChanges": "{ ($.eventName = StopLogging) || ($.eventName = DeleteTrail) }",
    # as DataEventsTrail writes it: the role prefix joined in
    "FunctionCredentialsUsedOutsideLambda": {
        "Fn::Join": [
            "",
            [
                '{ ($.userIdentity.sessionContext.sessionIssuer.userName = "',
                {"Ref": "AWS::StackName"},
                '*") && ($.userAgent != "*exec-env/AWS_Lambda*") }',
            ],
        ]
    },
}


def security_alarms(*families: str, alarmed: bool = True) -> list[Resource]:
    """A metric filter on the trail's log group for each family, each with an alarm (``alarmed``)."""
    out: list[Resource] = []
    for family in families:
        out.append(
            (
                f"{family}Filter",
                "AWS::Logs::MetricFilter",
                {
                    "LogGroupName": {"Ref": "TrailLogs"},
                    "FilterPattern": SECURITY_PATTERNS[family],
                    "MetricTransformations": [
                        {"MetricNamespace": "Security", "MetricName": family, "MetricValue": "1"}
                    ],
                },
            )
        )
        if alarmed:
            out.append(alarm(f"{family}Alarm", family, "None", "none", "Security"))
    return out


# --- functions ----------------------------------------------------------------------------------------------


def vpc_function(*subnets: str) -> Resource:
    return fn(
        VpcConfig={
            "SubnetIds": [{"Ref": s} for s in subnets],
            "SecurityGroupIds": [{"Fn::GetAtt": ["Sg", "GroupId"]}],
        }
    )


def subnet(lid: str, table: str, **props: Any) -> list[Resource]:
    return [
        (lid, "AWS::EC2::Subnet", {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.0.0/24", **props}),
        (
            f"{lid}Association",
            "AWS::EC2::SubnetRouteTableAssociation",
            {"SubnetId": {"Ref": lid}, "RouteTableId": {"Ref": table}},
        ),
        (table, "AWS::EC2::RouteTable", {"VpcId": {"Ref": "Vpc"}}),
    ]


def route(table: str, **target: Any) -> Resource:
    return (
        f"{table}Default",
        "AWS::EC2::Route",
        {"RouteTableId": {"Ref": table}, "DestinationCidrBlock": "0.0.0.0/0", **target},
    )


PUBLIC_SUBNET = [
    *subnet("Public", "PublicRoutes"),
    route("PublicRoutes", GatewayId={"Ref": "Igw"}),
    ("Igw", "AWS::EC2::InternetGateway", {}),
]
PRIVATE_SUBNET = [
    *subnet("Private", "PrivateRoutes"),
    route("PrivateRoutes", NatGatewayId={"Ref": "Nat"}),
    ("Nat", "AWS::EC2::NatGateway", {"SubnetId": {"Ref": "Public"}}),
]
DLQ = {"TargetArn": {"Fn::GetAtt": ["Dlq", "Arn"]}}
LOGGING = {"LogGroup": {"Ref": "FnLogs"}, "LogFormat": "JSON"}


# --- WAF ----------------------------------------------------------------------------------------------------


def managed(
    name: str = "AWSManagedRulesCommonRuleSet", override: str = "None", priority: int = 0
) -> dict[str, Any]:
    return {
        "Name": name,
        "Priority": priority,
        "OverrideAction": {override: {}},
        "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": name}},
        "VisibilityConfig": {
            "CloudWatchMetricsEnabled": True,
            "MetricName": name,
            "SampledRequestsEnabled": True,
        },
    }


def rate_rule(action: str = "Block") -> dict[str, Any]:
    return {
        "Name": "RateLimitPerIp",
        "Priority": 9,
        "Action": {action: {}},
        "Statement": {"RateBasedStatement": {"AggregateKeyType": "IP", "Limit": 1000}},
        "VisibilityConfig": {
            "CloudWatchMetricsEnabled": True,
            "MetricName": "rate",
            "SampledRequestsEnabled": True,
        },
    }


def web_acl(*rules: Any, rules_value: Any = None) -> Resource:
    return (
        "Acl",
        "AWS::WAFv2::WebACL",
        {
            "Name": "shop-acl",
            "Scope": "REGIONAL",
            "DefaultAction": {"Allow": {}},
            "Rules": list(rules) if rules_value is None else rules_value,
            "VisibilityConfig": {
                "CloudWatchMetricsEnabled": True,
                "MetricName": "acl",
                "SampledRequestsEnabled": True,
            },
        },
    )


def waf_logging(*redacted: str) -> Resource:
    return (
        "AclLogging",
        "AWS::WAFv2::LoggingConfiguration",
        {
            "ResourceArn": {"Fn::GetAtt": ["Acl", "Arn"]},
            "LogDestinationConfigs": [{"Fn::GetAtt": ["AclLogs", "Arn"]}],
            "RedactedFields": [{"SingleHeader": {"Name": name}} for name in redacted],
        },
    )


# --- Cognito ------------------------------------------------------------------------------------------------


def risk(action: Any = "BLOCK", client_id: Any = "ALL", **compromised: Any) -> Resource:
    return (
        "Risk",
        "AWS::Cognito::UserPoolRiskConfigurationAttachment",
        {
            "UserPoolId": {"Ref": "Pool"},
            "ClientId": client_id,
            "CompromisedCredentialsRiskConfiguration": {"Actions": {"EventAction": action}, **compromised},
        },
    )


IDENTITY = "cognito-identity.amazonaws.com"


def identity_role(lid: str = "Role", *, aud: Any = None, amr: Any = "authenticated") -> Resource:
    condition: dict[str, Any] = {}
    if aud is not None:
        condition["StringEquals"] = {f"{IDENTITY}:aud": aud}
    if amr is not None:
        condition["ForAnyValue:StringLike"] = {f"{IDENTITY}:amr": amr}
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": IDENTITY},
        "Action": "sts:AssumeRoleWithWebIdentity",
        **({"Condition": condition} if condition else {}),
    }
    return (
        lid,
        "AWS::IAM::Role",
        {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}},
    )


def identity_pool(guests: Any = False, **props: Any) -> Resource:
    return (
        "IdPool",
        "AWS::Cognito::IdentityPool",
        {
            "AllowUnauthenticatedIdentities": guests,
            "AllowClassicFlow": False,
            "CognitoIdentityProviders": [
                {
                    "ClientId": {"Ref": "Client"},
                    "ProviderName": {"Fn::GetAtt": ["Pool", "ProviderName"]},
                    "ServerSideTokenCheck": True,
                }
            ],
            **props,
        },
    )


def provider(check: Any) -> dict[str, Any]:
    return {
        "ClientId": {"Ref": "Client"},
        "ProviderName": {"Fn::GetAtt": ["Pool", "ProviderName"]},
        "ServerSideTokenCheck": check,
    }


def log_group(attributes: dict[str, Any] | None = None) -> Resource:
    group = ("Lg", "AWS::Logs::LogGroup", {"RetentionInDays": 365, "KmsKeyId": KEY_ARN})
    return group if attributes is None else (*group, attributes)


SECRET_VALUE = "correct-Horse7-battery!"


CASES: dict[str, list[Case]] = {
    # --- API Gateway -------------------------------------------------------------------------------------
    "ApiCognitoScopes": [
        (
            [method(**COGNITO_METHOD), named("Empty", method(**COGNITO_METHOD, AuthorizationScopes=[]))],
            ["ApiCognitoScopes", "ApiCognitoScopes"],
            [method(**COGNITO_METHOD, AuthorizationScopes=["orders/read"]), named("Iam", method())],
        ),
    ],
    "ApiExecutionLogging": [
        (
            [
                rest_stage(MethodSettings=[method_settings(LoggingLevel="OFF")]),
                rest_stage("NoSettings", MethodSettings=None),
                rest_stage("NoLevel", MethodSettings=[method_settings(LoggingLevel=None)]),
                rest_stage(
                    "OneMethodOff",
                    MethodSettings=[
                        method_settings(),
                        {"HttpMethod": "POST", "ResourcePath": "/~1orders", "LoggingLevel": "OFF"},
                    ],
                ),
                deployment(LoggingLevel="OFF"),
            ],
            ["ApiExecutionLogging"] * 5,
            [
                rest_stage(),
                rest_stage("Info", MethodSettings=[method_settings(LoggingLevel="INFO")]),
                deployment(),
                BARE_DEPLOYMENT,
            ],
        ),
    ],
    "ApiStageMetrics": [
        (
            [
                rest_stage(MethodSettings=[method_settings(MetricsEnabled=False)]),
                rest_stage("NoSettings", MethodSettings=None),
                deployment(MetricsEnabled=None),
                http_stage(DetailedMetricsEnabled=None),
            ],
            ["ApiStageMetrics"] * 4,
            [rest_stage(), deployment(), BARE_DEPLOYMENT, http_stage()],
        ),
    ],
    "ApiStageTracing": [
        (
            [
                rest_stage(TracingEnabled=None),
                rest_stage("Off", TracingEnabled=False),
                deployment(TracingEnabled=False),
            ],
            ["ApiStageTracing"] * 3,
            [rest_stage(), rest_stage("Text", TracingEnabled="true"), deployment(), BARE_DEPLOYMENT],
        ),
    ],
    "ApiThrottling": [
        (
            [
                rest_stage(MethodSettings=None),
                rest_stage("RateOnly", MethodSettings=[method_settings(ThrottlingBurstLimit=None)]),
                deployment(ThrottlingRateLimit=None, ThrottlingBurstLimit=None),
                http_stage(ThrottlingRateLimit=None),
            ],
            ["ApiThrottling[NoThrottling]"] * 4,
            [
                rest_stage(),
                deployment(),
                BARE_DEPLOYMENT,
                http_stage(),
                # both branches throttle
                rest_stage(
                    "Either",
                    MethodSettings=if_([method_settings()], [method_settings(ThrottlingRateLimit=50)]),
                ),
            ],
        ),
        (
            [
                rest_stage(MethodSettings=[method_settings(ThrottlingRateLimit=1_000_000)]),
                rest_stage("Burst", MethodSettings=[method_settings(ThrottlingBurstLimit=5_001)]),
                rest_stage(  # one method above the quota, the stage default within it
                    "OneMethod",
                    MethodSettings=[
                        method_settings(),
                        {
                            "HttpMethod": "GET",
                            "ResourcePath": "/~1items",
                            "ThrottlingRateLimit": 20_000,
                            "ThrottlingBurstLimit": 100,
                        },
                    ],
                ),
                http_stage(ThrottlingRateLimit=1_000_000),
                (
                    "Route",
                    "AWS::ApiGatewayV2::Stage",
                    {
                        "ApiId": {"Ref": "Http"},
                        "StageName": "$default",
                        "DefaultRouteSettings": {"ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 200},
                        "RouteSettings": {
                            "GET /items": {"ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 50_000}
                        },
                    },
                ),
            ],
            ["ApiThrottling[AboveQuota]"] * 5,
            [
                rest_stage(
                    MethodSettings=[method_settings(ThrottlingRateLimit=10_000, ThrottlingBurstLimit=5_000)]
                ),
            ],
        ),
    ],
    "ApiCacheEncrypted": [
        (
            [
                rest_stage(MethodSettings=[method_settings(CachingEnabled=True)]),
                rest_stage(
                    "Unencrypted",
                    MethodSettings=[method_settings(CachingEnabled=True, CacheDataEncrypted=False)],
                ),
                rest_stage(
                    "OneMethod",
                    MethodSettings=[
                        method_settings(),
                        {"HttpMethod": "GET", "ResourcePath": "/~1items", "CachingEnabled": True},
                    ],
                ),
                deployment(CachingEnabled=True),
                # a stage cache caches GET methods unless the methods turn caching off
                rest_stage("Cluster", CacheClusterEnabled=True, CacheClusterSize="0.5"),
            ],
            ["ApiCacheEncrypted"] * 5,
            [
                rest_stage(),
                rest_stage(
                    "Encrypted",
                    CacheClusterEnabled=True,
                    MethodSettings=[method_settings(CachingEnabled=True, CacheDataEncrypted=True)],
                ),
                rest_stage(
                    "ClusterOff",
                    CacheClusterEnabled=True,
                    MethodSettings=[method_settings(CachingEnabled=False)],
                ),
                deployment(CachingEnabled=True, CacheDataEncrypted=True),
                BARE_DEPLOYMENT,
            ],
        ),
    ],
    "ApiExecuteEndpointDisabled": [
        (
            [REST_API, BASE_PATH_MAPPING, HTTP_API, API_MAPPING],
            ["ApiExecuteEndpointDisabled"] * 2,
            [
                ("Api", "AWS::ApiGateway::RestApi", {"Name": "shop", "DisableExecuteApiEndpoint": True}),
                BASE_PATH_MAPPING,
                (
                    "Http",
                    "AWS::ApiGatewayV2::Api",
                    {"ProtocolType": "HTTP", "DisableExecuteApiEndpoint": "true"},
                ),
                API_MAPPING,
                ("Internal", "AWS::ApiGateway::RestApi", {"Name": "internal"}),  # no custom domain
            ],
        ),
    ],
    "ApiAlarms": [
        (
            [REST_API, *api_alarms("Api", "ApiName", "shop", "5XXError")],
            [
                "ApiAlarms[Missing::4XXError]",
                "ApiAlarms[Missing::CountAnomaly]",
                "ApiAlarms[Missing::Latency]",
            ],
            [REST_API, *api_alarms("Api", "ApiName", "shop", "5XXError", "4XXError", "Latency", "Count")],
        ),
        (
            [  # a Count alarm without an anomaly band is not the anomaly alarm
                HTTP_API,
                *api_alarms("Http", "ApiId", {"Ref": "Http"}, "5xx", "4xx", "Latency"),
                alarm("HttpCountAlarm", "Count", "ApiId", {"Ref": "Http"}, "AWS/ApiGateway"),
            ],
            ["ApiAlarms[Missing::CountAnomaly]"],
            [
                HTTP_API,
                *api_alarms("Http", "ApiId", {"Ref": "Http"}, "5xx", "4xx", "Latency", "Count"),
                ("Ws", "AWS::ApiGatewayV2::Api", {"ProtocolType": "WEBSOCKET"}),  # no such metrics
            ],
        ),
    ],
    # --- Lambda ---------------------------------------------------------------------------------------------
    "LambdaTracing": [
        (
            [fn(), fn("PassThrough", TracingConfig={"Mode": "PassThrough"})],
            ["LambdaTracing"] * 2,
            [fn(TracingConfig={"Mode": "Active"})],
        ),
    ],
    "LambdaDeadLetterQueue": [
        (
            [fn(), fn("Empty", DeadLetterConfig={})],
            ["LambdaDeadLetterQueue"] * 2,
            [
                fn(DeadLetterConfig=DLQ),
                fn("OnFailure"),
                (
                    "InvokeConfig",
                    "AWS::Lambda::EventInvokeConfig",
                    {
                        "FunctionName": {"Ref": "OnFailure"},
                        "Qualifier": "$LATEST",
                        "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["Dlq", "Arn"]}}},
                    },
                ),
            ],
        ),
    ],
    "LambdaLogGroup": [
        (
            [fn(), fn("FormatOnly", LoggingConfig={"LogFormat": "JSON"})],
            ["LambdaLogGroup"] * 2,
            [fn(LoggingConfig=LOGGING), fn("Named", LoggingConfig={"LogGroup": "orders-fn-logs"})],
        ),
    ],
    "LambdaJsonLogs": [
        (
            [fn(), fn("Text", LoggingConfig={**LOGGING, "LogFormat": "Text"})],
            ["LambdaJsonLogs"] * 2,
            [fn(LoggingConfig=LOGGING)],
        ),
    ],
    "LambdaRecursiveLoop": [
        (
            [fn(RecursiveLoop="Allow")],
            ["LambdaRecursiveLoop"],
            [fn(), fn("Terminate", RecursiveLoop="Terminate")],
        ),
    ],
    "LambdaPublicSubnet": [
        (
            [vpc_function("Public", "Private"), *PUBLIC_SUBNET, *PRIVATE_SUBNET],
            ["LambdaPublicSubnet[Subnet::Public]"],
            [vpc_function("Private"), *PUBLIC_SUBNET, *PRIVATE_SUBNET],
        ),
        (  # a subnet that gives instances public addresses is public whatever its routes
            [vpc_function("Mapped"), *subnet("Mapped", "MappedRoutes", MapPublicIpOnLaunch=True)],
            ["LambdaPublicSubnet[Subnet::Mapped]"],
            [fn(), vpc_function("Imported")],  # no VPC; a subnet outside the template is not judged
        ),
        (  # a route to an internet gateway named by its id
            [
                vpc_function("Public"),
                *subnet("Public", "PublicRoutes"),
                route("PublicRoutes", GatewayId="igw-0abc"),
            ],
            ["LambdaPublicSubnet[Subnet::Public]"],
            [],
        ),
    ],
    # --- IAM ------------------------------------------------------------------------------------------------
    "IamWildcardArn": [
        (
            [
                policy(
                    {
                        "Effect": "Allow",
                        "Action": "dynamodb:GetItem",
                        "Resource": "arn:aws-us-gov:dynamodb:*:111122223333:table/Orders",
                    }
                ),
                policy(
                    {
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::*"},
                    },
                    "SubPolicy",
                ),
                policy(
                    {
                        "Effect": "Allow",
                        "Action": ["dynamodb:Query"],
                        "Resource": {
                            "Fn::Join": [
                                "",
                                [
                                    "arn:",
                                    {"Ref": "AWS::Partition"},
                                    ":dynamodb:eu-west-1:",
                                    {"Ref": "AWS::AccountId"},
                                    ":table/*",
                                ],
                            ]
                        },
                    },
                    "JoinPolicy",
                ),
            ],
            [
                # one "::" per finding id: the ARN's own ":::" and "::" are collapsed
                "IamWildcardArn[Resource::arn:${AWS:Partition}:dynamodb:eu-west-1:${AWS:AccountId}:table/*]",
                "IamWildcardArn[Resource::arn:${AWS:Partition}:s3:*]",
                "IamWildcardArn[Resource::arn:aws-us-gov:dynamodb:*:111122223333:table/Orders]",
            ],
            [
                policy(
                    {
                        "Effect": "Allow",
                        "Action": ["s3:GetObject"],
                        "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/*"]]},
                    }
                ),
                policy(
                    {
                        "Effect": "Allow",
                        "Action": "dynamodb:Query",
                        "Resource": "arn:aws-cn:dynamodb:cn-north-1:111122223333:table/Orders/index/*",
                    },
                    "IndexPolicy",
                ),
                policy(
                    {
                        "Effect": "Allow",
                        "Action": "secretsmanager:GetSecretValue",
                        "Resource": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-??????",
                    },
                    "SecretPolicy",
                ),
            ],
        ),
    ],
    # --- transport ------------------------------------------------------------------------------------------
    "S3SslOnly": [
        (
            [
                bucket(),
                bucket("OnlyAllow"),
                resource_policy(
                    "S3",
                    "OnlyAllow",
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                        "Action": "s3:GetObject",
                        "Resource": "*",
                    },
                ),
                bucket("SomePrincipal"),
                resource_policy(  # a deny for one principal leaves every other one on plain HTTP
                    "S3",
                    "SomePrincipal",
                    tls_deny("s3:*", "*", Principal={"AWS": "arn:aws:iam::111122223333:root"}),
                ),
            ],
            ["S3SslOnly"] * 3,
            [bucket(), resource_policy("S3", "Bucket", tls_deny("s3:*", BUCKET_OBJECTS))],
        ),
    ],
    "S3MinimumTls": [
        (
            [bucket(), resource_policy("S3", "Bucket", tls_deny("s3:*", BUCKET_OBJECTS))],
            ["S3MinimumTls"],
            [bucket(), resource_policy("S3", "Bucket", tls_deny("s3:*", BUCKET_OBJECTS), OLD_TLS_DENY)],
        ),
    ],
    "SqsSslOnly": [
        (
            [
                QUEUE,
                ("Other", "AWS::SQS::Queue", {"KmsMasterKeyId": KEY_ARN}),
                resource_policy("SQS", "Other", tls_deny("sqs:*", {"Fn::GetAtt": ["Other", "Arn"]})),
            ],
            ["SqsSslOnly"],
            [QUEUE, resource_policy("SQS", "Queue", QUEUE_TLS)],
        ),
    ],
    "SnsSslOnly": [
        (
            [TOPIC, resource_policy("SNS", "Topic", tls_deny("sns:Subscribe", {"Ref": "Topic"}))],
            ["SnsSslOnly"],
            [TOPIC, resource_policy("SNS", "Topic", TOPIC_TLS)],
        ),
    ],
    # --- S3 -------------------------------------------------------------------------------------------------
    "S3PublicAccessBlock": [
        (
            [bucket(PublicAccessBlockConfiguration=None)],
            [
                "S3PublicAccessBlock[Missing::BlockPublicAcls]",
                "S3PublicAccessBlock[Missing::BlockPublicPolicy]",
                "S3PublicAccessBlock[Missing::IgnorePublicAcls]",
                "S3PublicAccessBlock[Missing::RestrictPublicBuckets]",
            ],
            [bucket()],
        ),
        (
            [bucket(PublicAccessBlockConfiguration={**BLOCK_ALL, "RestrictPublicBuckets": False})],
            ["S3PublicAccessBlock[Missing::RestrictPublicBuckets]"],
            [bucket(PublicAccessBlockConfiguration={k: "true" for k in BLOCK_ALL})],
        ),
    ],
    "S3Versioning": [
        (
            [
                bucket(VersioningConfiguration=None),
                bucket("Suspended", VersioningConfiguration={"Status": "Suspended"}),
            ],
            ["S3Versioning"] * 2,
            [bucket()],
        ),
    ],
    "S3ObjectOwnership": [
        (
            [
                bucket(OwnershipControls=None),
                bucket("Writer", OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}),
                bucket(
                    "Preferred", OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
                ),
            ],
            ["S3ObjectOwnership"] * 3,
            [bucket()],
        ),
    ],
    "S3AccessLogging": [
        (
            [bucket(LoggingConfiguration=None)],
            ["S3AccessLogging"],
            # exempt: the bucket that receives another bucket's access logs does not log to itself
            [
                bucket(),
                log_bucket(),
                # the destination named by its literal name is exempt too
                bucket("Named", LoggingConfiguration={"DestinationBucketName": "orders-access-logs"}),
                named("NamedLogs", log_bucket(BucketName="orders-access-logs")),
            ],
        ),
        (  # without a bucket that logs to it, the log bucket is a bucket like any other
            [log_bucket()],
            ["S3AccessLogging"],
            [],
        ),
    ],
    "DynamoDbPointInTimeRecovery": [
        (
            [
                table(PointInTimeRecoverySpecification=None),
                table("Off", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}),
                table("Empty", PointInTimeRecoverySpecification={}),
            ],
            ["DynamoDbPointInTimeRecovery"] * 3,
            [
                table(),
                table("AsText", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": "true"}),
            ],
        ),
    ],
    "S3Kms": [
        (
            [
                bucket(BucketEncryption=S3_ENCRYPTION),
                bucket("NoEncryption", BucketEncryption=None),
                bucket(
                    "AwsKey",
                    BucketEncryption={
                        "ServerSideEncryptionConfiguration": [
                            {
                                "ServerSideEncryptionByDefault": {
                                    "SSEAlgorithm": "aws:kms",
                                    "KMSMasterKeyID": "arn:aws:kms:eu-west-1:111122223333:alias/aws/s3",
                                }
                            }
                        ]
                    },
                ),
                bucket(
                    "KmsWithoutKey",
                    BucketEncryption={
                        "ServerSideEncryptionConfiguration": [
                            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}
                        ]
                    },
                ),
            ],
            ["S3Kms"] * 4,
            # exempt: S3 delivers access logs only to SSE-S3 buckets (or buckets left on S3's default)
            [
                bucket(),
                log_bucket(),
                bucket("Other", LoggingConfiguration={"DestinationBucketName": {"Ref": "DefaultLogs"}}),
                ("DefaultLogs", "AWS::S3::Bucket", {}),
            ],
        ),
        (  # without a bucket that logs to it, SSE-S3 is not enough
            [log_bucket()],
            ["S3Kms"],
            [],
        ),
    ],
    # --- secrets --------------------------------------------------------------------------------------------
    "TemplatePlaintextSecret": [
        (
            [
                ("Param", "AWS::SSM::Parameter", {"Type": "String", "Value": f"password={SECRET_VALUE}"}),
                (
                    "DbSecret",
                    "AWS::SecretsManager::Secret",
                    {"KmsKeyId": KEY_ARN, "SecretString": SECRET_VALUE},
                ),
                ("DbPassword", "Parameter", {"Type": "String", "NoEcho": True, "Default": SECRET_VALUE}),
                ("ApiToken", "Parameter", {"Type": "String"}),
                ("Leak", "Output", {"Value": "AKIAIOSFODNN7EXAMPLQ"}),
            ],
            [
                "TemplatePlaintextSecret[NoEcho::ApiToken]",
                "TemplatePlaintextSecret[Output::Leak]",
                "TemplatePlaintextSecret[Parameter::DbPassword]",
                "TemplatePlaintextSecret[Property::Value]",
                "TemplatePlaintextSecret[SecretString]",
            ],
            [
                ("Param", "AWS::SSM::Parameter", {"Type": "String", "Value": "orders-table"}),
                (
                    "DbSecret",
                    "AWS::SecretsManager::Secret",
                    {
                        "KmsKeyId": KEY_ARN,
                        "GenerateSecretString": {
                            "SecretStringTemplate": '{"username": "app"}',
                            "GenerateStringKey": "password",
                        },
                    },
                ),
                ("DbPassword", "Parameter", {"Type": "String", "NoEcho": True}),
                ("ApiTokenArn", "Parameter", {"Type": "String"}),
                ("SecretArn", "Output", {"Value": {"Ref": "DbSecret"}}),
            ],
        ),
        (  # a literal part of a joined value is judged; a property named like a secret
            [
                (
                    "Conn",
                    "AWS::Glue::Connection",
                    {
                        "CatalogId": {"Ref": "AWS::AccountId"},
                        "ConnectionInput": {
                            "ConnectionType": "JDBC",
                            "ConnectionProperties": {
                                "JDBC_CONNECTION_URL": {
                                    "Fn::Join": [
                                        "",
                                        ["jdbc:postgresql://app:Zx9qT4vLp2Wm8@", {"Ref": "Db"}, "/x"],
                                    ]
                                },
                                "PASSWORD": "Zx9!qT4#vLp2@Wm8",
                            },
                        },
                    },
                ),
            ],
            [
                "TemplatePlaintextSecret[Property::ConnectionInput.ConnectionProperties.JDBC_CONNECTION_URL]",
                "TemplatePlaintextSecret[Property::ConnectionInput.ConnectionProperties.PASSWORD]",
            ],
            [
                (
                    "Conn",
                    "AWS::Glue::Connection",
                    {
                        "CatalogId": {"Ref": "AWS::AccountId"},
                        "ConnectionInput": {
                            "ConnectionType": "JDBC",
                            "ConnectionProperties": {
                                "JDBC_CONNECTION_URL": {
                                    "Fn::Join": ["", ["jdbc:postgresql://", {"Ref": "Db"}, "/x"]]
                                },
                                "PASSWORD": "{{resolve:secretsmanager:prod/db:SecretString:password}}",
                            },
                        },
                    },
                ),
            ],
        ),
    ],
    # --- logs ----------------------------------------------------------------------------------------------
    "LogGroupRetainedOnDelete": [
        (
            [log_group(), named("Deleted", log_group({"DeletionPolicy": "Delete"}))],
            ["LogGroupRetainedOnDelete"] * 2,
            [
                log_group({"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}),
                named("ExceptOnCreate", log_group({"DeletionPolicy": "RetainExceptOnCreate"})),
            ],
        ),
    ],
    # --- CloudTrail -----------------------------------------------------------------------------------------
    "TrailCloudWatchLogs": [
        (
            [
                trail(),
                named("NoRole", trail(CloudWatchLogsLogGroupArn=TRAIL_LOGS["CloudWatchLogsLogGroupArn"])),
            ],
            ["TrailCloudWatchLogs"] * 2,
            [trail(**TRAIL_LOGS)],
        ),
    ],
    "TrailSecurityAlarms": [
        (
            [trail(**TRAIL_LOGS), TRAIL_LOG_GROUP],
            [f"TrailSecurityAlarms[Missing::{family}]" for family in sorted(SECURITY_PATTERNS)],
            [
                trail(**TRAIL_LOGS),
                TRAIL_LOG_GROUP,
                *security_alarms(*SECURITY_PATTERNS),
                # not applicable without CloudWatch Logs delivery (TrailCloudWatchLogs reports that)
                named("Plain", trail()),
            ],
        ),
        (  # a filter nobody alarms on, and alarms on filters of another log group, do not count
            [
                trail(**TRAIL_LOGS),
                TRAIL_LOG_GROUP,
                *security_alarms("UnauthorizedApiCalls", alarmed=False),
                *security_alarms(
                    "IamPolicyChanges", "KmsKeyDisabledOrScheduledForDeletion", "CloudTrailConfigChanges"
                ),
                *[
                    (lid, t, {**p, "LogGroupName": {"Ref": "OtherLogs"}})
                    if t == "AWS::Logs::MetricFilter"
                    else (lid, t, p)
                    for lid, t, p in security_alarms("FunctionCredentialsUsedOutsideLambda")
                ],
            ],
            [
                "TrailSecurityAlarms[Missing::FunctionCredentialsUsedOutsideLambda]",
                "TrailSecurityAlarms[Missing::UnauthorizedApiCalls]",
            ],
            [],
        ),
    ],
    # --- alarms ---------------------------------------------------------------------------------------------
    "QueueBacklogAlarm": [
        (
            [("Dlq", "AWS::SQS::Queue", {"KmsMasterKeyId": KEY_ARN}), fn(DeadLetterConfig=DLQ)],
            ["QueueBacklogAlarm"],
            [
                ("Dlq", "AWS::SQS::Queue", {"KmsMasterKeyId": KEY_ARN}),
                fn(DeadLetterConfig=DLQ),
                alarm(
                    "Backlog",
                    "ApproximateNumberOfMessagesVisible",
                    "QueueName",
                    {"Fn::GetAtt": ["Dlq", "QueueName"]},
                    "AWS/SQS",
                ),
                QUEUE,  # not a dead-letter queue
            ],
        ),
        (  # the dead-letter queue of a queue (RedrivePolicy), alarmed by its literal name
            [
                ("Dlq", "AWS::SQS::Queue", {"KmsMasterKeyId": KEY_ARN, "QueueName": "orders-dlq"}),
                (
                    "Work",
                    "AWS::SQS::Queue",
                    {
                        "KmsMasterKeyId": KEY_ARN,
                        "RedrivePolicy": {
                            "deadLetterTargetArn": {"Fn::GetAtt": ["Dlq", "Arn"]},
                            "maxReceiveCount": 3,
                        },
                    },
                ),
                alarm(
                    "Backlog", "ApproximateNumberOfMessagesVisible", "QueueName", "someone-else", "AWS/SQS"
                ),
            ],
            ["QueueBacklogAlarm"],
            [
                ("Dlq", "AWS::SQS::Queue", {"KmsMasterKeyId": KEY_ARN, "QueueName": "orders-dlq"}),
                (
                    "Work",
                    "AWS::SQS::Queue",
                    {
                        "KmsMasterKeyId": KEY_ARN,
                        "RedrivePolicy": {
                            "deadLetterTargetArn": {"Fn::GetAtt": ["Dlq", "Arn"]},
                            "maxReceiveCount": 3,
                        },
                    },
                ),
                alarm("Backlog", "ApproximateNumberOfMessagesVisible", "QueueName", "orders-dlq", "AWS/SQS"),
            ],
        ),
    ],
    "WafBlockedRequestsAlarm": [
        (
            [
                web_acl(managed(), rate_rule()),
                alarm("Blocked", "BlockedRequests", "WebACL", "another-acl", "AWS/WAFV2"),
            ],
            ["WafBlockedRequestsAlarm"],
            [
                web_acl(managed(), rate_rule()),
                anomaly_alarm("Blocked", "BlockedRequests", "WebACL", "shop-acl", "AWS/WAFV2"),
            ],
        ),
    ],
    # --- WAF ------------------------------------------------------------------------------------------------
    "WafManagedRules": [
        (
            [web_acl(rate_rule())],
            ["WafManagedRules[NoManagedRules]"],
            [web_acl(managed(), managed("AWSManagedRulesSQLiRuleSet", priority=1), rate_rule())],
        ),
        (
            [
                web_acl(
                    managed(override="Count"), managed("AWSManagedRulesSQLiRuleSet", priority=1), rate_rule()
                )
            ],
            ["WafManagedRules[Count::AWSManagedRulesCommonRuleSet]"],
            [],
        ),
    ],
    "WafRateRule": [
        (
            [web_acl(managed()), named("Counting", web_acl(managed(), rate_rule("Count")))],
            ["WafRateRule[NoRateRule]"] * 2,
            [web_acl(managed(), rate_rule())],
        ),
    ],
    "WafLogging": [
        (
            [web_acl(managed(), rate_rule())],
            ["WafLogging[NoLogging]"],
            [web_acl(managed(), rate_rule()), waf_logging("Authorization")],
        ),
        (
            [web_acl(managed(), rate_rule()), waf_logging("x-request-id")],
            ["WafLogging[NotRedacted::authorization]"],
            [web_acl(managed(), rate_rule()), waf_logging("authorization", "cookie")],
        ),
    ],
    # --- Cognito --------------------------------------------------------------------------------------------
    "CognitoCustomAuthThreatProtection": [
        (
            [
                pool(),
                named(
                    "Audit",
                    pool(
                        UserPoolAddOns={
                            "AdvancedSecurityMode": "ENFORCED",
                            "AdvancedSecurityAdditionalFlows": {"CustomAuthMode": "AUDIT"},
                        }
                    ),
                ),
            ],
            ["CognitoCustomAuthThreatProtection"] * 2,
            [
                pool(
                    UserPoolAddOns={
                        "AdvancedSecurityMode": "ENFORCED",
                        "AdvancedSecurityAdditionalFlows": {"CustomAuthMode": "ENFORCED"},
                    }
                )
            ],
        ),
    ],
    "CognitoCompromisedCredentials": [
        (
            [pool()],
            ["CognitoCompromisedCredentials"],
            [pool(), risk()],
        ),
        (
            [pool(), risk("NO_ACTION")],
            ["CognitoCompromisedCredentials"],
            [pool(), risk(EventFilter=["SIGN_IN", "PASSWORD_CHANGE", "SIGN_UP"])],
        ),
        (  # one client only: the others sign in with breached passwords
            [pool(), risk(client_id={"Ref": "Client"})],
            ["CognitoCompromisedCredentials"],
            [],
        ),
        (  # blocked on password change and sign-up only: sign-ins are not
            [pool(), risk(EventFilter=["PASSWORD_CHANGE", "SIGN_UP"])],
            ["CognitoCompromisedCredentials"],
            [],
        ),
    ],
    "CognitoDeletionProtection": [
        (
            [pool(), named("Inactive", pool(DeletionProtection="INACTIVE"))],
            ["CognitoDeletionProtection"] * 2,
            [pool(DeletionProtection="ACTIVE")],
        ),
    ],
    "CognitoAccountRecovery": [
        (
            [
                pool(),
                named(
                    "Sms",
                    pool(
                        AccountRecoverySetting={
                            "RecoveryMechanisms": [{"Name": "verified_phone_number", "Priority": 1}]
                        }
                    ),
                ),
                named(
                    "EmailThenSms",
                    pool(
                        AccountRecoverySetting={
                            "RecoveryMechanisms": [
                                {"Name": "verified_email", "Priority": 1},
                                {"Name": "verified_phone_number", "Priority": 2},
                            ]
                        }
                    ),
                ),
            ],
            ["CognitoAccountRecovery"] * 3,
            [
                pool(
                    AccountRecoverySetting={"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]}
                ),
                named(
                    "Admin",
                    pool(
                        AccountRecoverySetting={"RecoveryMechanisms": [{"Name": "admin_only", "Priority": 1}]}
                    ),
                ),
            ],
        ),
    ],
    "CognitoVerification": [
        (
            [pool(), named("Empty", pool(AutoVerifiedAttributes=[]))],
            ["CognitoVerification"] * 2,
            [
                pool(AutoVerifiedAttributes=["email"]),
                named("Phone", pool(AutoVerifiedAttributes=["phone_number"])),
            ],
        ),
    ],
    "CognitoKeepOriginal": [
        (
            [
                pool(),
                named(
                    "Empty",
                    pool(UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": []}),
                ),
            ],
            ["CognitoKeepOriginal"] * 2,
            [pool(UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]})],
        ),
    ],
    "CognitoCaseInsensitive": [
        (
            [pool(), named("Sensitive", pool(UsernameConfiguration={"CaseSensitive": True}))],
            ["CognitoCaseInsensitive"] * 2,
            [pool(UsernameConfiguration={"CaseSensitive": False})],
        ),
    ],
    "IdentityPoolClassicFlow": [
        (
            [identity_pool(AllowClassicFlow=True)],
            ["IdentityPoolClassicFlow"],
            [
                identity_pool(),
                ("Absent", "AWS::Cognito::IdentityPool", {"AllowUnauthenticatedIdentities": False}),
            ],
        ),
    ],
    "IdentityPoolServerSideTokenCheck": [
        (
            [identity_pool(CognitoIdentityProviders=[provider(True), provider(None)])],
            ["IdentityPoolServerSideTokenCheck"],
            [
                identity_pool(),
                ("NoProviders", "AWS::Cognito::IdentityPool", {"AllowUnauthenticatedIdentities": False}),
            ],
        ),
    ],
    "IdentityPoolRoleTrust": [
        (
            [
                identity_role(aud=None),
                identity_role("Guests", aud={"Ref": "IdPool"}, amr="unauthenticated"),
                identity_pool(guests=True),
            ],
            ["IdentityPoolRoleTrust[NoAudience]", "IdentityPoolRoleTrust[NotAuthenticated]"],
            [
                identity_role(aud={"Ref": "IdPool"}),
                # exempt: the unauthenticated role of a pool that refuses guests can never be assumed
                identity_role("Guests", aud={"Ref": "IdPool"}, amr="unauthenticated"),
                identity_pool(),
                (
                    "Lambda",
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
                ),
            ],
        ),
        (
            [  # any amr (no condition on it), an aud of "*", and guests of a pool outside the template
                identity_role(aud="*", amr=None),
                identity_role("Guests", aud="eu-west-1:0000-1111", amr="unauthenticated"),
            ],
            [
                "IdentityPoolRoleTrust[NoAudience]",
                "IdentityPoolRoleTrust[NotAuthenticated]",
                "IdentityPoolRoleTrust[NotAuthenticated]",
            ],
            [identity_role(aud="eu-west-1:0000-1111")],
        ),
        (  # a pool that lets guests in under one condition does not refuse them
            [
                identity_role("Guests", aud={"Ref": "IdPool"}, amr="unauthenticated"),
                identity_pool(guests=if_(False, True)),
            ],
            ["IdentityPoolRoleTrust[NotAuthenticated]"],
            [],
        ),
    ],
}

WHEN_NOT = f"when not {COND}"
Conditional = tuple[list[Resource], str, str]

CONDITIONAL: dict[str, list[Conditional]] = {
    "ApiRouteAuth": [([method(AuthorizationType=if_("AWS_IAM", "NONE"))], "ApiRouteAuth", WHEN_NOT)],
    "ApiCognitoScopes": [
        (
            [method(**COGNITO_METHOD, AuthorizationScopes=if_(["orders/read"], NO_VALUE))],
            "ApiCognitoScopes",
            WHEN_NOT,
        )
    ],
    "ApiExecutionLogging": [
        (
            [rest_stage(MethodSettings=[method_settings(LoggingLevel=if_("ERROR", "OFF"))])],
            "ApiExecutionLogging",
            WHEN_NOT,
        ),
        (
            [rest_stage(MethodSettings=if_([method_settings()], NO_VALUE))],
            "ApiExecutionLogging",
            WHEN_NOT,
        ),
    ],
    "ApiStageMetrics": [
        (
            [rest_stage(MethodSettings=[method_settings(MetricsEnabled=if_(True, False))])],
            "ApiStageMetrics",
            WHEN_NOT,
        ),
        ([http_stage(DetailedMetricsEnabled=if_(True, False))], "ApiStageMetrics", WHEN_NOT),
    ],
    "ApiStageTracing": [([rest_stage(TracingEnabled=if_(True, False))], "ApiStageTracing", WHEN_NOT)],
    "ApiDataTrace": [
        (  # the whole settings list is an Fn::If
            [rest_stage(MethodSettings=if_([method_settings()], [method_settings(DataTraceEnabled=True)]))],
            "ApiDataTrace",
            WHEN_NOT,
        )
    ],
    "ApiThrottling": [
        (
            [rest_stage(MethodSettings=[method_settings(ThrottlingRateLimit=if_(100, 1_000_000))])],
            "ApiThrottling[AboveQuota]",
            WHEN_NOT,
        ),
        ([http_stage(ThrottlingBurstLimit=if_(200, NO_VALUE))], "ApiThrottling[NoThrottling]", WHEN_NOT),
        (  # a setting that is itself an Fn::If
            [rest_stage(MethodSettings=[if_(method_settings(), method_settings(ThrottlingRateLimit=None))])],
            "ApiThrottling[NoThrottling]",
            WHEN_NOT,
        ),
    ],
    "ApiCacheEncrypted": [
        (
            [
                rest_stage(
                    MethodSettings=[method_settings(CachingEnabled=True, CacheDataEncrypted=if_(True, False))]
                )
            ],
            "ApiCacheEncrypted",
            WHEN_NOT,
        )
    ],
    "ApiExecuteEndpointDisabled": [
        (
            [
                ("Api", "AWS::ApiGateway::RestApi", {"DisableExecuteApiEndpoint": if_(True, False)}),
                BASE_PATH_MAPPING,
            ],
            "ApiExecuteEndpointDisabled",
            WHEN_NOT,
        )
    ],
    "LambdaUrlAuth": [
        (
            [("Url", "AWS::Lambda::Url", {"TargetFunctionArn": "arn", "AuthType": if_("AWS_IAM", "NONE")})],
            "LambdaUrlAuth",
            WHEN_NOT,
        )
    ],
    "LambdaEnvKms": [
        (
            [fn(Environment={"Variables": {"STAGE": "prod"}}, KmsKeyArn=if_(KEY_ARN, NO_VALUE))],
            "LambdaEnvKms",
            WHEN_NOT,
        )
    ],
    "LambdaTracing": [
        ([fn(TracingConfig={"Mode": if_("Active", "PassThrough")})], "LambdaTracing", WHEN_NOT)
    ],
    "LambdaDeadLetterQueue": [
        ([fn(DeadLetterConfig=if_(DLQ, NO_VALUE))], "LambdaDeadLetterQueue", WHEN_NOT),
        (  # an on-failure destination in one branch only: the finding is the dead-letter target's
            [
                fn(DeadLetterConfig=if_(DLQ, NO_VALUE)),
                (
                    "InvokeConfig",
                    "AWS::Lambda::EventInvokeConfig",
                    {
                        "FunctionName": {"Ref": "Fn"},
                        "Qualifier": "$LATEST",
                        "DestinationConfig": {
                            "OnFailure": {"Destination": if_({"Fn::GetAtt": ["Dlq", "Arn"]}, NO_VALUE)}
                        },
                    },
                ),
            ],
            "LambdaDeadLetterQueue",
            WHEN_NOT,
        ),
    ],
    "LambdaLogGroup": [
        (
            [fn(LoggingConfig={**LOGGING, "LogGroup": if_({"Ref": "FnLogs"}, NO_VALUE)})],
            "LambdaLogGroup",
            WHEN_NOT,
        )
    ],
    "LambdaJsonLogs": [
        ([fn(LoggingConfig={**LOGGING, "LogFormat": if_("JSON", "Text")})], "LambdaJsonLogs", WHEN_NOT)
    ],
    "LambdaRecursiveLoop": [([fn(RecursiveLoop=if_("Terminate", "Allow"))], "LambdaRecursiveLoop", WHEN_NOT)],
    "IamNoWildcardAction": [
        (
            [policy({"Effect": if_("Deny", "Allow"), "Action": "*", "Resource": "*"})],
            "IamNoWildcardAction[Action::*]",
            WHEN_NOT,
        )
    ],
    "KmsKeyRotation": [
        (
            [
                (
                    "Key",
                    "AWS::KMS::Key",
                    {"KeyPolicy": {"Statement": []}, "EnableKeyRotation": if_(True, False)},
                )
            ],
            "KmsKeyRotation",
            WHEN_NOT,
        )
    ],
    "LogGroupKms": [
        (
            [("Lg", "AWS::Logs::LogGroup", {"RetentionInDays": 30, "KmsKeyId": if_(KEY_ARN, NO_VALUE)})],
            "LogGroupKms",
            WHEN_NOT,
        )
    ],
    "SqsQueueKms": [
        (
            [("Q", "AWS::SQS::Queue", {"KmsMasterKeyId": if_(KEY_ARN, "alias/aws/sqs")})],
            "SqsQueueKms",
            WHEN_NOT,
        )
    ],
    "SnsTopicKms": [
        ([("T", "AWS::SNS::Topic", {"KmsMasterKeyId": if_(KEY_ARN, NO_VALUE)})], "SnsTopicKms", WHEN_NOT)
    ],
    "SecretKms": [
        (
            [("S", "AWS::SecretsManager::Secret", {"KmsKeyId": if_(KEY_ARN, "alias/aws/secretsmanager")})],
            "SecretKms",
            WHEN_NOT,
        )
    ],
    "TrailKms": [([trail(KMSKeyId=if_(KEY_ARN, NO_VALUE))], "TrailKms", WHEN_NOT)],
    "S3SslOnly": [
        (  # a TLS deny that is an allow in one branch protects nothing in that branch
            [
                bucket(),
                resource_policy(
                    "S3", "Bucket", tls_deny("s3:*", BUCKET_OBJECTS, Effect=if_("Deny", "Allow"))
                ),
            ],
            "S3SslOnly",
            WHEN_NOT,
        ),
        (
            [bucket(), resource_policy("S3", "Bucket", if_(tls_deny("s3:*", BUCKET_OBJECTS), NO_VALUE))],
            "S3SslOnly",
            WHEN_NOT,
        ),
    ],
    "SqsSslOnly": [
        (
            [
                QUEUE,
                resource_policy(
                    "SQS",
                    "Queue",
                    document=if_({"Version": "2012-10-17", "Statement": [QUEUE_TLS]}, {"Statement": []}),
                ),
            ],
            "SqsSslOnly",
            WHEN_NOT,
        )
    ],
    "S3PublicAccessBlock": [
        (
            [bucket(PublicAccessBlockConfiguration={**BLOCK_ALL, "BlockPublicPolicy": if_(True, False)})],
            "S3PublicAccessBlock[Missing::BlockPublicPolicy]",
            WHEN_NOT,
        )
    ],
    "S3Versioning": [
        ([bucket(VersioningConfiguration={"Status": if_("Enabled", "Suspended")})], "S3Versioning", WHEN_NOT)
    ],
    "S3ObjectOwnership": [
        (
            [
                bucket(
                    OwnershipControls=if_({"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}, NO_VALUE)
                )
            ],
            "S3ObjectOwnership",
            WHEN_NOT,
        )
    ],
    "S3AccessLogging": [
        (
            [
                bucket(LoggingConfiguration=if_({"DestinationBucketName": {"Ref": "Logs"}}, NO_VALUE)),
                log_bucket(),
            ],
            "S3AccessLogging",
            WHEN_NOT,
        )
    ],
    "S3Kms": [([bucket(BucketEncryption=if_(KMS_ENCRYPTION, S3_ENCRYPTION))], "S3Kms", WHEN_NOT)],
    "DynamoDbPointInTimeRecovery": [
        (
            [table(PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": if_(True, False)})],
            "DynamoDbPointInTimeRecovery",
            WHEN_NOT,
        )
    ],
    "LogGroupRetention": [
        (
            [("Lg", "AWS::Logs::LogGroup", {"KmsKeyId": KEY_ARN, "RetentionInDays": if_(365, NO_VALUE)})],
            "LogGroupRetention",
            WHEN_NOT,
        )
    ],
    "LogGroupRetainedOnDelete": [
        (  # AWS::LanguageExtensions allows intrinsics in DeletionPolicy
            [log_group({"DeletionPolicy": if_("Retain", "Delete")})],
            "LogGroupRetainedOnDelete",
            WHEN_NOT,
        )
    ],
    "TrailLogging": [([trail(IsLogging=if_(True, False))], "TrailLogging", WHEN_NOT)],
    "TrailLogFileValidation": [
        ([trail(EnableLogFileValidation=if_(True, False))], "TrailLogFileValidation", WHEN_NOT)
    ],
    "TrailCloudWatchLogs": [
        (
            [
                trail(
                    **{
                        **TRAIL_LOGS,
                        "CloudWatchLogsLogGroupArn": if_(TRAIL_LOGS["CloudWatchLogsLogGroupArn"], NO_VALUE),
                    }
                )
            ],
            "TrailCloudWatchLogs",
            WHEN_NOT,
        )
    ],
    "WafManagedRules": [
        (
            [web_acl(rules_value=if_([managed(), rate_rule()], []))],
            "WafManagedRules[NoManagedRules]",
            WHEN_NOT,
        ),
        (  # a rule that is itself an Fn::If is absent in one branch
            [web_acl(rules_value=[if_(managed(), NO_VALUE), rate_rule()])],
            "WafManagedRules[NoManagedRules]",
            WHEN_NOT,
        ),
        (
            [
                web_acl(
                    rules_value=[
                        {**managed(), "OverrideAction": if_({"None": {}}, {"Count": {}})},
                        rate_rule(),
                    ]
                )
            ],
            "WafManagedRules[Count::AWSManagedRulesCommonRuleSet]",
            WHEN_NOT,
        ),
    ],
    "WafRateRule": [
        (
            [web_acl(rules_value=[managed(), if_(rate_rule(), NO_VALUE)])],
            "WafRateRule[NoRateRule]",
            WHEN_NOT,
        ),
        (
            [web_acl(rules_value=[managed(), {**rate_rule(), "Action": if_({"Block": {}}, {"Count": {}})}])],
            "WafRateRule[NoRateRule]",
            WHEN_NOT,
        ),
    ],
    "CognitoSelfSignUp": [
        (
            [pool(AdminCreateUserConfig={"AllowAdminCreateUserOnly": if_(True, False)})],
            "CognitoSelfSignUp",
            WHEN_NOT,
        )
    ],
    "CognitoMfa": [([pool(MfaConfiguration=if_("ON", "OFF"))], "CognitoMfa[Mfa::OFF]", WHEN_NOT)],
    "CognitoCustomAuthThreatProtection": [
        (
            [
                pool(
                    UserPoolAddOns={
                        "AdvancedSecurityMode": "ENFORCED",
                        "AdvancedSecurityAdditionalFlows": {"CustomAuthMode": if_("ENFORCED", "AUDIT")},
                    }
                )
            ],
            "CognitoCustomAuthThreatProtection",
            WHEN_NOT,
        )
    ],
    "CognitoCompromisedCredentials": [
        ([pool(), risk(if_("BLOCK", "NO_ACTION"))], "CognitoCompromisedCredentials", WHEN_NOT)
    ],
    "CognitoDeletionProtection": [
        ([pool(DeletionProtection=if_("ACTIVE", "INACTIVE"))], "CognitoDeletionProtection", WHEN_NOT)
    ],
    "CognitoAccountRecovery": [
        (
            [
                pool(
                    AccountRecoverySetting={
                        "RecoveryMechanisms": if_(
                            [{"Name": "verified_email", "Priority": 1}],
                            [{"Name": "verified_phone_number", "Priority": 1}],
                        )
                    }
                )
            ],
            "CognitoAccountRecovery",
            WHEN_NOT,
        )
    ],
    "CognitoVerification": [
        ([pool(AutoVerifiedAttributes=if_(["email"], NO_VALUE))], "CognitoVerification", WHEN_NOT)
    ],
    "CognitoKeepOriginal": [
        (
            [
                pool(
                    UserAttributeUpdateSettings=if_(
                        {"AttributesRequireVerificationBeforeUpdate": ["email"]}, NO_VALUE
                    )
                )
            ],
            "CognitoKeepOriginal",
            WHEN_NOT,
        )
    ],
    "CognitoCaseInsensitive": [
        (
            [pool(UsernameConfiguration={"CaseSensitive": if_(False, True)})],
            "CognitoCaseInsensitive",
            WHEN_NOT,
        )
    ],
    "CognitoTokenRevocation": [
        ([client(EnableTokenRevocation=if_(True, False))], "CognitoTokenRevocation", WHEN_NOT)
    ],
    "IdentityPoolUnauthenticated": [
        ([identity_pool(guests=if_(False, True))], "IdentityPoolUnauthenticated", WHEN_NOT)
    ],
    "IdentityPoolClassicFlow": [
        ([identity_pool(AllowClassicFlow=if_(False, True))], "IdentityPoolClassicFlow", WHEN_NOT)
    ],
    "IdentityPoolServerSideTokenCheck": [
        (
            [identity_pool(CognitoIdentityProviders=[provider(if_(True, False))])],
            "IdentityPoolServerSideTokenCheck",
            WHEN_NOT,
        ),
        (
            [identity_pool(CognitoIdentityProviders=if_([provider(True)], [provider(False)]))],
            "IdentityPoolServerSideTokenCheck",
            WHEN_NOT,
        ),
    ],
}


def _queue_policy(lid: str, **condition: Any) -> Resource:
    statement = {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return (
        lid,
        "AWS::SQS::QueuePolicy",
        {"Queues": [{"Ref": "Queue"}], "PolicyDocument": {"Statement": [statement]}},
    )


def _validator(body: bool) -> Resource:
    return ("Validator", "AWS::ApiGateway::RequestValidator", {"RestApiId": "a", "ValidateRequestBody": body})


def _jwt_authorizer(**config: Any) -> Resource:
    return (
        "Auth",
        "AWS::ApiGatewayV2::Authorizer",
        {
            "Name": "auth",
            "AuthorizerType": "JWT",
            "ApiId": "a",
            "IdentitySource": ["$request.header.Authorization"],
            "JwtConfiguration": config,
        },
    )


UNITS = {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"}
LAMBDA_DATA = {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]}
SOURCE_ARN = "arn:aws:sns:eu-west-1:111122223333:orders"

#: Cases of rules that already had some: the finding ids, and the policy shapes, they were missing.
MORE_CASES: dict[str, list[Case]] = {
    "ApiJwtAudience": [
        (
            [_jwt_authorizer(Audience=["client-id"])],
            ["ApiJwtAudience[NoIssuer]"],
            [
                _jwt_authorizer(
                    Audience=["client-id"], Issuer="https://cognito-idp.eu-west-1.amazonaws.com/pool"
                )
            ],
        ),
    ],
    "ApiRequestValidation": [
        (
            [
                method(
                    "POST", RequestValidatorId={"Ref": "Validator"}, RequestModels={"application/json": "M"}
                ),
                _validator(False),
            ],
            ["ApiRequestValidation[BodyNotValidated]"],
            [],
        ),
        (
            [method("PUT", RequestValidatorId={"Ref": "Validator"}), _validator(True)],
            ["ApiRequestValidation[NoModel]"],
            [method("GET"), _validator(True)],
        ),
    ],
    "IamNoWildcardAction": [
        (  # an Effect that is not a literal Deny may allow: judged as an Allow
            [policy({"Effect": {"Fn::If": ["IsProd", "Deny", "Allow"]}, "Action": "*", "Resource": "*"})],
            ["IamNoWildcardAction[Action::*]"],
            [policy({"Effect": "Deny", "Action": "*", "Resource": "*"})],
        ),
        (  # actions are matched without regard to case, as IAM does
            [policy({"Effect": "Allow", "Action": ["s3:get*", "S3:*"], "Resource": "arn:aws:s3:::b/*"})],
            ["IamNoWildcardAction[Action::S3:*]", "IamNoWildcardAction[Action::s3:get*]"],
            [
                policy(
                    {
                        "Effect": "Allow",
                        "Action": ["s3:getobject*", "kms:GenerateDataKey*"],
                        "Resource": "arn:aws:s3:::b/*",
                    }
                )
            ],
        ),
    ],
    "IamNoWildcardResource": [
        (
            [
                policy(
                    {
                        "Effect": "Allow",
                        "Action": "s3:DeleteObject",
                        "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::*"},
                    }
                ),
                policy(
                    {
                        "Effect": "Allow",
                        "Action": "dynamodb:PutItem",
                        "Resource": {
                            "Fn::Join": [
                                "",
                                [
                                    "arn:",
                                    {"Ref": "AWS::Partition"},
                                    ":dynamodb:eu-west-1:111122223333:table/*",
                                ],
                            ]
                        },
                    },
                    "JoinPolicy",
                ),
                policy(
                    {
                        "Effect": "Allow",
                        "Action": "s3:putobject",
                        "Resource": "arn:aws-cn:s3:::orders-*/*",
                    },
                    "CasePolicy",
                ),
                policy(
                    {
                        "Effect": "Allow",
                        "Action": "execute-api:Invoke",
                        "Resource": "arn:aws:execute-api:eu-west-1:111122223333:*/*/GET/*",
                    },
                    "ApiPolicy",
                ),
            ],
            [
                "IamNoWildcardResource[Resource::arn:${AWS:Partition}:dynamodb:eu-west-1:111122223333:table/*]",
                "IamNoWildcardResource[Resource::arn:${AWS:Partition}:s3:*]",
                "IamNoWildcardResource[Resource::arn:aws-cn:s3:orders-*/*]",
            ],
            [
                policy(
                    {
                        "Effect": "Allow",
                        "Action": ["s3:DeleteObject", "s3:PutObject"],
                        "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/*"]]},
                    }
                ),
                policy(
                    {
                        "Effect": "Allow",
                        "Action": "dynamodb:PutItem",
                        "Resource": {
                            "Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:"
                            "table/${Table}"
                        },
                    },
                    "SubPolicy",
                ),
            ],
        ),
        (  # a management API's ARN has no account: its resource path starts at the API id
            [
                policy(
                    {
                        "Effect": "Allow",
                        "Action": "apigateway:DELETE",
                        "Resource": "arn:aws:apigateway:eu-west-1::/restapis/*",
                    }
                ),
            ],
            ["IamNoWildcardResource[Resource::arn:aws:apigateway:eu-west-1:/restapis/*]"],
            [
                policy(
                    {
                        "Effect": "Allow",
                        "Action": "apigateway:DELETE",
                        "Resource": {
                            "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::"
                            "/restapis/${Api}/stages/*"
                        },
                    }
                ),
            ],
        ),
    ],
    "ResourcePolicyAnyPrincipal": [
        (  # conditions that match every caller narrow nothing
            [
                _queue_policy("SourceArnStar", ArnLike={"aws:SourceArn": "*"}),
                _queue_policy("AnyIp", IpAddress={"aws:SourceIp": "0.0.0.0/0"}),
                _queue_policy("NotEquals", StringNotEquals={"aws:SourceAccount": "111122223333"}),
                _queue_policy("IfExists", ArnEqualsIfExists={"aws:SourceArn": SOURCE_ARN}),
                _queue_policy("AnyAccount", ArnLike={"aws:SourceArn": "arn:aws:sns:eu-west-1:*:orders"}),
                _queue_policy(
                    "JoinedAnyAccount",
                    ArnLike={
                        "aws:SourceArn": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sns:*:*:*"]]}
                    },
                ),
                _queue_policy(
                    "OneBranch", ArnEquals={"aws:SourceArn": {"Fn::If": ["IsProd", SOURCE_ARN, "*"]}}
                ),
            ],
            ["ResourcePolicyAnyPrincipal"] * 7,
            [
                _queue_policy("SourceArn", ArnEquals={"aws:SourceArn": SOURCE_ARN}),
                _queue_policy("SourceTopic", ArnEquals={"aws:SourceArn": {"Ref": "Topic"}}),
                _queue_policy(
                    "JoinedTopic",
                    ArnEquals={
                        "aws:SourceArn": {
                            "Fn::Join": [
                                "",
                                [
                                    "arn:",
                                    {"Ref": "AWS::Partition"},
                                    ":sns:eu-west-1:",
                                    {"Ref": "AWS::AccountId"},
                                    ":orders",
                                ],
                            ]
                        }
                    },
                ),
                _queue_policy("Vpc", StringEquals={"aws:SourceVpce": "vpce-0abc"}),
            ],
        ),
    ],
    "TrailManagementEvents": [
        (
            [
                trail(
                    EventSelectors=[
                        {
                            "ExcludeManagementEventSources": ["kms.amazonaws.com"],
                            "DataResources": [
                                {"Type": "AWS::Lambda::Function", "Values": ["arn:aws:lambda"]}
                            ],
                        }
                    ]
                )
            ],
            ["TrailManagementEvents[ExcludedSources]"],
            [],
        ),
    ],
    "TrailLambdaDataEvents": [
        (
            [
                trail(
                    EventSelectors=None,
                    AdvancedEventSelectors=[
                        {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
                        {
                            "FieldSelectors": [
                                {"Field": "eventCategory", "Equals": ["Data"]},
                                LAMBDA_DATA,
                                {
                                    "Field": "resources.ARN",
                                    "NotStartsWith": ["arn:aws:lambda:eu-west-1:111122223333:function:audit"],
                                },
                            ]
                        },
                    ],
                )
            ],
            ["TrailLambdaDataEvents[ArnExclusion]"],
            [
                trail(
                    EventSelectors=None,
                    AdvancedEventSelectors=[
                        {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
                        {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}, LAMBDA_DATA]},
                    ],
                )
            ],
        ),
    ],
    "LambdaAlarms": [
        (
            [
                fn(),
                alarm("Thr", "Throttles", "FunctionName", {"Ref": "Fn"}),
                alarm("Con", "ConcurrentExecutions", "FunctionName", {"Ref": "Fn"}),
                alarm("Dur", "Duration", "FunctionName", {"Ref": "Fn"}),
                anomaly_alarm("Inv", "Invocations", "FunctionName", {"Ref": "Fn"}),
                alarm("Other", "Errors", "FunctionName", "another-function"),
            ],
            ["LambdaAlarms[Missing::Errors]"],
            [],
        ),
    ],
    "AlarmActions": [
        (
            [
                (
                    "Al",
                    "AWS::CloudWatch::Alarm",
                    {
                        "MetricName": "m",
                        "Namespace": "n",
                        "AlarmActions": [{"Ref": "Topic"}],
                        "ActionsEnabled": False,
                    },
                )
            ],
            ["AlarmActions[ActionsDisabled]"],
            [
                (
                    "Al",
                    "AWS::CloudWatch::Alarm",
                    {
                        "MetricName": "m",
                        "Namespace": "n",
                        "AlarmActions": [{"Ref": "Topic"}],
                        "ActionsEnabled": True,
                    },
                )
            ],
        ),
    ],
    "CognitoMfa": [
        (
            [pool(MfaConfiguration=None), named("Sms", pool(EnabledMfas=["SOFTWARE_TOKEN_MFA", "SMS_MFA"]))],
            ["CognitoMfa[Factor::SMS_MFA]", "CognitoMfa[Mfa::OFF]"],
            [pool(EnabledMfas=["SOFTWARE_TOKEN_MFA"])],
        ),
        (
            [pool(EnabledMfas=["EMAIL_OTP"])],
            ["CognitoMfa[Factor::EMAIL_OTP]", "CognitoMfa[Factor::NoSOFTWARE_TOKEN_MFA]"],
            [],
        ),
    ],
    "CognitoThreatProtection": [
        ([pool(UserPoolAddOns=None)], ["CognitoThreatProtection[Mode::OFF]"], [pool()])
    ],
    "CognitoTokenLifetime": [
        (
            [client(IdTokenValidity=2, TokenValidityUnits={**UNITS, "IdToken": "hours"})],
            ["CognitoTokenLifetime[IdTokenValidity]"],
            [client(IdTokenValidity=1, TokenValidityUnits={**UNITS, "IdToken": "hours"})],
        ),
    ],
}


def _role_attachment(*resolutions: str) -> Resource:
    """An identity pool role attachment with one token-based role mapping per resolution."""
    mappings = {
        f"Web{i}": {"Type": "Token", "AmbiguousRoleResolution": r, "IdentityProvider": f"idp/{i}"}
        for i, r in enumerate(resolutions)
    }
    return (
        "Roles",
        "AWS::Cognito::IdentityPoolRoleAttachment",
        {
            "IdentityPoolId": {"Ref": "IdPool"},
            "Roles": {"authenticated": {"Fn::GetAtt": ["Role", "Arn"]}},
            "RoleMappings": mappings,
        },
    )


MORE_CASES["IdentityPoolAmbiguousRole"] = [
    (
        [_role_attachment("Deny", "AuthenticatedRole")],
        ["IdentityPoolAmbiguousRole[Mapping::Web1]"],
        [_role_attachment("Deny", "Deny")],
    )
]


# --- networks of functions ------------------------------------------------------------------------------

ACCOUNT = "111122223333"
ACCOUNT_ONLY = {"StringEquals": {"aws:PrincipalAccount": ACCOUNT, "aws:ResourceAccount": ACCOUNT}}
CALLER_ACCOUNT_ONLY = {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}


def endpoint(document: Any = None, lid: str = "Endpoint", **more: Any) -> Resource:
    """An S3 gateway endpoint with ``document`` as its policy (None: no policy)."""
    return (
        lid,
        "AWS::EC2::VPCEndpoint",
        {
            "VpcId": {"Ref": "Vpc"},
            "ServiceName": "com.amazonaws.eu-west-1.s3",
            "PolicyDocument": document,
            **more,
        },
    )


def endpoint_statement(condition: Any = None, **more: Any) -> dict[str, Any]:
    return _without_none(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "*",
            "Resource": "*",
            "Condition": condition,
            **more,
        }
    )


VPC: Resource = ("Vpc", "AWS::EC2::VPC", {"CidrBlock": "10.0.0.0/16"})


def flow_log(resource_id: Any = None, traffic: str = "ALL", lid: str = "FlowLog") -> Resource:
    return (
        lid,
        "AWS::EC2::FlowLog",
        {
            "ResourceId": resource_id if resource_id is not None else {"Ref": "Vpc"},
            "ResourceType": "VPC",
            "TrafficType": traffic,
            "LogGroupName": {"Ref": "FlowLogs"},
        },
    )


def security_group(egress: Any = None, lid: str = "Sg") -> Resource:
    return (lid, "AWS::EC2::SecurityGroup", {"GroupDescription": "fn", "VpcId": {"Ref": "Vpc"},
                                             "SecurityGroupEgress": egress})


NO_TRAFFIC = [{"CidrIp": "255.255.255.255/32", "IpProtocol": "icmp", "FromPort": 252, "ToPort": 86}]
OPEN_EGRESS = [{"CidrIp": "0.0.0.0/0", "IpProtocol": "-1"}]
TO_ENDPOINTS: Resource = (
    "SgToEndpoints",
    "AWS::EC2::SecurityGroupEgress",
    {"GroupId": {"Fn::GetAtt": ["Sg", "GroupId"]}, "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
     "DestinationSecurityGroupId": {"Fn::GetAtt": ["EndpointSg", "GroupId"]}},
)
ISOLATED_SUBNET = subnet("Isolated", "IsolatedRoutes")
EGRESS_TAGS = [{"Key": "secure-constructs:egress", "Value": "Calls the payment provider's public API"}]
NAME_TAG = {"Key": "Name", "Value": "functions"}

MORE_CASES.update(
    {
        "VpcEndpointPolicy": [
            (
                [endpoint()],
                ["VpcEndpointPolicy[NoPolicy]"],
                [endpoint({"Statement": [endpoint_statement(ACCOUNT_ONLY)]})],
            ),
            (  # every principal, every resource: both findings
                [endpoint({"Statement": [endpoint_statement()]})],
                ["VpcEndpointPolicy[AnyPrincipalAccount]", "VpcEndpointPolicy[AnyResourceAccount]"],
                [  # exact buckets of this account and an account principal need no condition
                    endpoint(
                        {
                            "Statement": [
                                endpoint_statement(
                                    Principal={"AWS": "arn:aws:iam::111122223333:root"},
                                    Resource=["arn:aws:s3:::orders-111122223333/*"],
                                )
                            ]
                        }
                    ),
                    # a Gateway Load Balancer endpoint has no policy at all
                    endpoint(VpcEndpointType="GatewayLoadBalancer", ServiceName="com.amazonaws.vpce.x"),
                ],
            ),
            (  # the caller's account only: this account's credentials can still write to another account
                [
                    endpoint({"Statement": [endpoint_statement(CALLER_ACCOUNT_ONLY)]}),
                    endpoint(  # a condition that names every account restricts nothing
                        {"Statement": [endpoint_statement({"StringLike": {"aws:ResourceAccount": "*",
                                                                          "aws:PrincipalAccount": "*"}})]},
                        lid="Starred",
                    ),
                ],
                [
                    "VpcEndpointPolicy[AnyPrincipalAccount]",
                    "VpcEndpointPolicy[AnyResourceAccount]",
                    "VpcEndpointPolicy[AnyResourceAccount]",
                ],
                [endpoint(json.dumps({"Statement": [endpoint_statement(ACCOUNT_ONLY)]}))],  # a JSON string
            ),
        ],
        "VpcFlowLogs": [
            (
                [VPC, flow_log("vpc-0123456789abcdef0")],
                ["VpcFlowLogs[NoFlowLog]"],
                [VPC, flow_log()],
            ),
            (
                [VPC, flow_log(traffic="REJECT")],
                ["VpcFlowLogs[TrafficType::REJECT]"],
                [VPC, flow_log(traffic="REJECT", lid="Rejects"), flow_log()],
            ),
        ],
        "LambdaSecurityGroupOpenEgress": [
            (
                [vpc_function("Isolated"), *ISOLATED_SUBNET, security_group(OPEN_EGRESS)],
                ["LambdaSecurityGroupOpenEgress[SecurityGroup::Sg]"],
                [vpc_function("Isolated"), *ISOLATED_SUBNET, security_group(NO_TRAFFIC)],
            ),
            (  # no egress rule at all keeps EC2's allow-all rule; a standalone rule replaces it
                [vpc_function("Isolated"), *ISOLATED_SUBNET, security_group()],
                ["LambdaSecurityGroupOpenEgress[SecurityGroup::Sg]"],
                [vpc_function("Isolated"), *ISOLATED_SUBNET, security_group(), TO_ENDPOINTS],
            ),
            (  # a standalone rule to anywhere
                [
                    vpc_function("Isolated"),
                    *ISOLATED_SUBNET,
                    security_group(NO_TRAFFIC),
                    ("Anywhere", "AWS::EC2::SecurityGroupEgress",
                     {"GroupId": {"Ref": "Sg"}, "IpProtocol": "-1", "CidrIpv6": "::/0"}),
                ],
                ["LambdaSecurityGroupOpenEgress[SecurityGroup::Sg]"],
                [  # egress declared on the subnet: LambdaUndeclaredEgress judges the route instead
                    vpc_function("Private"),
                    *subnet("Private", "PrivateRoutes", Tags=EGRESS_TAGS),
                    security_group(OPEN_EGRESS),
                ],
            ),
        ],
        "LambdaUndeclaredEgress": [
            (
                [vpc_function("Private"), *PRIVATE_SUBNET, *PUBLIC_SUBNET, security_group(NO_TRAFFIC)],
                ["LambdaUndeclaredEgress[Subnet::Private]"],
                [
                    vpc_function("Private"),
                    *subnet("Private", "PrivateRoutes", Tags=EGRESS_TAGS),
                    route("PrivateRoutes", NatGatewayId={"Ref": "Nat"}),
                    security_group(OPEN_EGRESS),
                ],
            ),
            (  # an internet gateway by its id; an empty declaration declares nothing
                [
                    vpc_function("Tagged"),
                    *subnet("Tagged", "TaggedRoutes", Tags=[{"Key": EGRESS_TAGS[0]["Key"], "Value": " "}]),
                    route("TaggedRoutes", GatewayId="igw-0abc"),
                ],
                ["LambdaUndeclaredEgress[Subnet::Tagged]"],
                [  # a route to a virtual private gateway is not the internet; isolated subnets route nowhere
                    vpc_function("Vpn", "Isolated"),
                    *subnet("Vpn", "VpnRoutes"),
                    route("VpnRoutes", GatewayId="vgw-0abc"),
                    *ISOLATED_SUBNET,
                ],
            ),
        ],
    }
)

CONDITIONAL.update(
    {
        "VpcEndpointPolicy": [
            (
                [endpoint(if_({"Statement": [endpoint_statement(ACCOUNT_ONLY)]}, NO_VALUE))],
                "VpcEndpointPolicy[NoPolicy]",
                WHEN_NOT,
            )
        ],
        "LambdaSecurityGroupOpenEgress": [
            (
                [vpc_function("Isolated"), *ISOLATED_SUBNET, security_group(if_(NO_TRAFFIC, OPEN_EGRESS))],
                "LambdaSecurityGroupOpenEgress[SecurityGroup::Sg]",
                WHEN_NOT,
            )
        ],
        "LambdaUndeclaredEgress": [
            (
                [
                    vpc_function("Private"),
                    *subnet("Private", "PrivateRoutes", Tags=if_(EGRESS_TAGS, [NAME_TAG])),
                    route("PrivateRoutes", NatGatewayId={"Ref": "Nat"}),
                ],
                "LambdaUndeclaredEgress[Subnet::Private]",
                WHEN_NOT,
            )
        ],
    }
)


# --- databases ------------------------------------------------------------------------------------------

DB_KEY = {"Fn::GetAtt": ["DbKey", "Arn"]}
CLUSTER = "AWS::RDS::DBCluster"


def db_instance(lid: str = "Db", **changes: Any) -> Resource:
    """A hardened PostgreSQL instance (RDS-managed master secret), with ``changes``."""
    base = {
        "Engine": "postgres",
        "DBInstanceClass": "db.t4g.micro",
        "AllocatedStorage": "20",
        "MasterUsername": "dbadmin",
        "ManageMasterUserPassword": True,
        "EnableIAMDatabaseAuthentication": True,
        "StorageEncrypted": True,
        "KmsKeyId": DB_KEY,
        "PubliclyAccessible": False,
        "DeletionProtection": True,
    }
    return (lid, "AWS::RDS::DBInstance", _without_none({**base, **changes}))


def db_proxy(**changes: Any) -> Resource:
    base = {
        "DBProxyName": "orders",
        "EngineFamily": "POSTGRESQL",
        "RoleArn": {"Fn::GetAtt": ["ProxyRole", "Arn"]},
        "VpcSubnetIds": ["subnet-1", "subnet-2"],
        "DefaultAuthScheme": "IAM_AUTH",
        "RequireTLS": True,
    }
    return ("Proxy", "AWS::RDS::DBProxy", _without_none({**base, **changes}))


DB_SECRET: Resource = ("DbSecret", "AWS::SecretsManager::Secret", {"GenerateSecretString": {}})
DB_ROTATION: Resource = (
    "DbRotation",
    "AWS::SecretsManager::RotationSchedule",
    {"SecretId": {"Ref": "DbSecret"}, "RotationRules": {"ScheduleExpression": "rate(30 days)"}},
)
RESOLVED_PASSWORD = {"Fn::Sub": "{{resolve:secretsmanager:${DbSecret}:SecretString:password}}"}
SECRETS_AUTH = {"AuthScheme": "SECRETS", "SecretArn": {"Ref": "DbSecret"}}

MORE_CASES.update(
    {
        "RdsIamAuth": [
            (
                [
                    db_instance(EnableIAMDatabaseAuthentication=None),
                    db_proxy(DefaultAuthScheme=None, Auth=[{**SECRETS_AUTH, "IAMAuth": "DISABLED"}]),
                    ("Cluster", "AWS::RDS::DBCluster", {"Engine": "aurora-postgresql"}),
                ],
                ["RdsIamAuth", "RdsIamAuth", "RdsIamAuth"],
                [
                    db_instance(),
                    db_proxy(),
                    db_proxy(DefaultAuthScheme="NONE", Auth=[{**SECRETS_AUTH, "IAMAuth": "REQUIRED"}]),
                    # an Aurora member instance: its cluster decides
                    ("Member", "AWS::RDS::DBInstance", {"DBClusterIdentifier": {"Ref": "Cluster"},
                                                        "Engine": "aurora-postgresql"}),
                ],
            )
        ],
        "RdsProxyTls": [([db_proxy(RequireTLS=None)], ["RdsProxyTls"], [db_proxy()])],
        "RdsStorageEncrypted": [
            (
                [db_instance(StorageEncrypted=False, KmsKeyId=None)],
                ["RdsStorageEncrypted[NotEncrypted]"],
                [db_instance()],
            ),
            (
                [db_instance(KmsKeyId="arn:aws:kms:eu-west-1:111122223333:alias/aws/rds")],
                ["RdsStorageEncrypted[AwsManagedKey]"],
                [],
            ),
            ([db_instance(KmsKeyId=None)], ["RdsStorageEncrypted[AwsManagedKey]"], []),
        ],
        "RdsNotPublic": [
            (  # absent: public by default in a default VPC
                [db_instance(PubliclyAccessible=None), db_instance("Public", PubliclyAccessible="true")],
                ["RdsNotPublic", "RdsNotPublic"],
                [db_instance(PubliclyAccessible="false")],
            )
        ],
        "RdsMasterSecretRotated": [
            (
                [db_instance(ManageMasterUserPassword=None)],
                ["RdsMasterSecretRotated[NotRotated]"],
                [
                    db_instance(),
                    # restored from a snapshot: the credentials come with it
                    db_instance("Restored", ManageMasterUserPassword=None, MasterUsername=None,
                                DBSnapshotIdentifier="snap"),
                ],
            ),
            (
                [db_instance(ManageMasterUserPassword=None, MasterUserPassword="correct-Horse7-battery!")],
                ["RdsMasterSecretRotated[PlaintextPassword]"],
                [DB_SECRET, DB_ROTATION, db_instance(ManageMasterUserPassword=None,
                                                     MasterUserPassword=RESOLVED_PASSWORD)],
            ),
            (  # resolved from a secret nobody rotates
                [DB_SECRET, db_instance(ManageMasterUserPassword=None, MasterUserPassword=RESOLVED_PASSWORD)],
                ["RdsMasterSecretRotated[NotRotated]"],
                [],
            ),
        ],
        "RdsDeletionProtection": [
            (
                [db_instance(DeletionProtection=None), ("Cluster", CLUSTER, {"Engine": "aurora"})],
                ["RdsDeletionProtection", "RdsDeletionProtection"],
                [db_instance(), ("Cluster", CLUSTER, {"Engine": "aurora", "DeletionProtection": True})],
            )
        ],
    }
)

CONDITIONAL.update(
    {
        "RdsIamAuth": [
            ([db_instance(EnableIAMDatabaseAuthentication=if_(True, False))], "RdsIamAuth", WHEN_NOT)
        ],
        "RdsProxyTls": [([db_proxy(RequireTLS=if_(True, False))], "RdsProxyTls", WHEN_NOT)],
        "RdsStorageEncrypted": [
            ([db_instance(KmsKeyId=if_(DB_KEY, NO_VALUE))], "RdsStorageEncrypted[AwsManagedKey]", WHEN_NOT)
        ],
        "RdsNotPublic": [([db_instance(PubliclyAccessible=if_(False, True))], "RdsNotPublic", WHEN_NOT)],
        "RdsDeletionProtection": [
            ([db_instance(DeletionProtection=if_(True, False))], "RdsDeletionProtection", WHEN_NOT)
        ],
    }
)


# --- load balancers in front of functions ---------------------------------------------------------------

LB_TYPE = "AWS::ElasticLoadBalancingV2::LoadBalancer"
OLD_POLICY = "ELBSecurityPolicy-TLS-1-1-2017-01"
LISTENER_TYPE = "AWS::ElasticLoadBalancingV2::Listener"
RULE_TYPE = "AWS::ElasticLoadBalancingV2::ListenerRule"
HARDENED_ATTRIBUTES = [
    {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
    {"Key": "routing.http.desync_mitigation_mode", "Value": "strictest"},
    {"Key": "access_logs.s3.enabled", "Value": "true"},
    {"Key": "access_logs.s3.bucket", "Value": {"Ref": "AlbLogs"}},
]


def load_balancer(attributes: Any = None, lid: str = "Lb", **more: Any) -> Resource:
    return (
        lid,
        LB_TYPE,
        {"Scheme": "internet-facing", "Subnets": ["subnet-1", "subnet-2"],
         "LoadBalancerAttributes": HARDENED_ATTRIBUTES if attributes is None else attributes, **more},
    )


def without(key: str) -> list[dict[str, Any]]:
    return [a for a in HARDENED_ATTRIBUTES if a["Key"] != key]


def listener(protocol: str = "HTTPS", lid: str = "Https", **more: Any) -> Resource:
    base: dict[str, Any] = {"LoadBalancerArn": {"Ref": "Lb"}, "Protocol": protocol}
    if protocol == "HTTPS":
        base.update(
            Port=443,
            SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
            DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
        )
    else:
        base.update(
            Port=80,
            DefaultActions=[{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443",
                                                                     "StatusCode": "HTTP_301"}}],
        )
    return (lid, LISTENER_TYPE, _without_none({**base, **more}))


FORWARD = {"Type": "forward", "Order": 2, "TargetGroupArn": {"Ref": "Targets"}}


def cognito_gate(on_unauthenticated: Any = "deny", order: int = 1) -> dict[str, Any]:
    return {
        "Type": "authenticate-cognito",
        "Order": order,
        "AuthenticateCognitoConfig": {
            "UserPoolArn": {"Fn::GetAtt": ["Pool", "Arn"]},
            "UserPoolClientId": {"Ref": "Client"},
            "UserPoolDomain": {"Ref": "Domain"},
            "OnUnauthenticatedRequest": on_unauthenticated,
        },
    }


def listener_rule(actions: Any, lid: str = "Route", listener_id: str = "Https") -> Resource:
    return (
        lid,
        RULE_TYPE,
        {
            "ListenerArn": {"Ref": listener_id},
            "Priority": 10,
            "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/orders"]}}],
            "Actions": actions,
        },
    )


def elb_permission(source: Any = None, lid: str = "Invoke") -> Resource:
    return (
        lid,
        "AWS::Lambda::Permission",
        _without_none(
            {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Fn::GetAtt": ["Fn", "Arn"]},
                "Principal": "elasticloadbalancing.amazonaws.com",
                "SourceArn": source,
            }
        ),
    )


TARGETS: Resource = (
    "Targets",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    {"Name": "orders-route1", "TargetType": "lambda", "Targets": [{"Id": {"Fn::GetAtt": ["Fn", "Arn"]}}]},
)
TG_PREFIX = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup"
ASSOCIATION: Resource = (
    "WafAssociation",
    "AWS::WAFv2::WebACLAssociation",
    {"ResourceArn": {"Ref": "Lb"}, "WebACLArn": {"Fn::GetAtt": ["Acl", "Arn"]}},
)

MORE_CASES.update(
    {
        "AlbListenerTls": [
            (
                [listener(SslPolicy=None), listener(lid="Old", SslPolicy=OLD_POLICY)],
                ["AlbListenerTls[Policy::absent]", f"AlbListenerTls[Policy::{OLD_POLICY}]"],
                [
                    listener(),
                    listener(lid="Only13", SslPolicy="ELBSecurityPolicy-TLS13-1-3-2021-06"),
                    listener(lid="Fs", SslPolicy="ELBSecurityPolicy-FS-1-2-Res-2020-10"),
                    listener("HTTP", lid="Http"),  # judged by AlbHttpRedirect
                ],
            )
        ],
        "AlbHttpRedirect": [
            (
                [listener("HTTP", DefaultActions=[FORWARD])],
                ["AlbHttpRedirect[Plaintext]"],
                [listener("HTTP"), listener()],
            ),
            (  # a rule on the HTTP listener serves plain HTTP even when the default redirects
                [listener("HTTP", lid="Http"), listener_rule([cognito_gate(), FORWARD], listener_id="Http")],
                ["AlbHttpRedirect[Plaintext]"],
                [],
            ),
        ],
        "AlbRouteAuth": [
            (
                [listener_rule([FORWARD]), listener(DefaultActions=[FORWARD], lid="Open")],
                ["AlbRouteAuth[NoAuth]", "AlbRouteAuth[NoAuth]"],
                [
                    listener_rule([cognito_gate(), FORWARD]),
                    listener_rule([cognito_gate("authenticate"), FORWARD], lid="Browser"),
                    listener(),  # a fixed response reaches no function
                ],
            ),
            (  # a gate after the forward, or one that lets unauthenticated requests through, gates nothing
                [
                    listener_rule([{**FORWARD, "Order": 1}, cognito_gate(order=2)]),
                    listener_rule([cognito_gate("allow"), FORWARD], lid="Allowing"),
                ],
                ["AlbRouteAuth[AllowUnauthenticated]", "AlbRouteAuth[NoAuth]"],
                [],
            ),
        ],
        "AlbDropInvalidHeaders": [
            (
                [load_balancer(without("routing.http.drop_invalid_header_fields.enabled"))],
                ["AlbDropInvalidHeaders"],
                [load_balancer(), load_balancer([], lid="Network", Type="network")],
            )
        ],
        "AlbDesyncMitigation": [
            (
                [load_balancer([*without("routing.http.desync_mitigation_mode"),
                                {"Key": "routing.http.desync_mitigation_mode", "Value": "defensive"}])],
                ["AlbDesyncMitigation"],
                [load_balancer()],
            )
        ],
        "AlbAccessLogs": [
            (
                [load_balancer(without("access_logs.s3.enabled")), load_balancer(
                    without("access_logs.s3.bucket"), lid="NoBucket")],
                ["AlbAccessLogs", "AlbAccessLogs"],
                [load_balancer()],
            )
        ],
        "AlbWaf": [
            (
                [load_balancer()],
                ["AlbWaf"],
                [load_balancer(), ASSOCIATION],
            )
        ],
        "AlbLambdaPermission": [
            (
                [elb_permission(), elb_permission(f"{TG_PREFIX}/*", lid="AnyGroup"), TARGETS],
                ["AlbLambdaPermission[NoTargetGroup]", "AlbLambdaPermission[NoTargetGroup]"],
                [
                    elb_permission({"Ref": "Targets"}),
                    elb_permission(f"{TG_PREFIX}/orders-route1/*", lid="ByName"),
                    TARGETS,
                ],
            ),
            (  # a name no target group of the template has
                [elb_permission(f"{TG_PREFIX}/someone-else/*"), TARGETS],
                ["AlbLambdaPermission[NoTargetGroup]"],
                [],
            ),
        ],
    }
)

CONDITIONAL.update(
    {
        "AlbListenerTls": [
            (
                [listener(SslPolicy=if_("ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-2016-08"))],
                "AlbListenerTls[Policy::ELBSecurityPolicy-2016-08]",
                WHEN_NOT,
            )
        ],
        "AlbRouteAuth": [
            ([listener_rule(if_([cognito_gate(), FORWARD], [FORWARD]))], "AlbRouteAuth[NoAuth]", WHEN_NOT)
        ],
    }
)
