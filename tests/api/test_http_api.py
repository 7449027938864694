"""SecureHttpApi: stage defaults, per-route permissions, JWT / Cognito / Lambda / IAM auth, and refusals."""

import json

import pytest
from aws_cdk import App, Duration, Environment, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match, Template

from secure_constructs import SecureConstructsError
from secure_constructs.api import Auth, CorsOptions, DomainOptions, SecureHttpApi

ENV = Environment(account="111122223333", region="eu-west-1")
ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc"


def fn(scope, name="Handler"):
    return lambda_.Function(
        scope,
        name,
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return {}\n"),
    )


class Pool:
    """What SecureUserPool exposes to the API constructs (duck typing)."""

    def __init__(self, issuer_url, client_ids):
        self.issuer_url = issuer_url
        self.client_ids = client_ids


def acks(construct):
    found = {}
    for entry in construct.node.metadata:
        if entry.type == "aws:cdk:acknowledged-rules":
            found.update(entry.data)
    return found


@pytest.fixture(scope="module")
def orders():
    app = App()
    stack = Stack(app, "Orders", env=ENV)
    handler, other, authorizer_fn = fn(stack), fn(stack, "Other"), fn(stack, "AuthorizerFn")
    pool = Pool(ISSUER, ["client-a", "client-b"])
    api = SecureHttpApi(
        stack,
        "Api",
        cors=CorsOptions(allow_origins=["https://shop.example.com"], allow_methods=["GET", "POST"]),
    )
    api.add_route("GET", "/orders", handler)
    api.add_route("GET", "/orders/{id}", handler, auth=Auth.jwt(pool, scopes=["orders/read"]))
    api.add_route("POST", "/orders", handler, auth=Auth.cognito(pool, scopes=["orders/write"]))
    api.add_route("GET", "/items", other, auth=Auth.jwt("https://id.example.com", audience=["shop"]))
    api.add_route(
        "GET",
        "/device",
        other,
        auth=Auth.lambda_request(
            authorizer_fn, identity_sources=["X-Device"], result_cache_ttl=Duration.minutes(1)
        ),
    )
    api.add_route("GET", "/health", other, auth=Auth.public("Health check for the load balancer; no data"))
    caller = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    api.grant_invoke(caller, "GET", "/orders")
    api.deny_invoke(caller, "GET", "/items")
    return api, Template.from_stack(stack)


def route(template, key):
    for props in (r["Properties"] for r in template.find_resources("AWS::ApiGatewayV2::Route").values()):
        if props["RouteKey"] == key:
            return props
    raise AssertionError(key)


def test_stage_is_auto_deployed_throttled_and_meters_routes(orders):
    _, template = orders
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {
            "StageName": "$default",
            "AutoDeploy": True,
            "DefaultRouteSettings": {
                "ThrottlingRateLimit": 100,
                "ThrottlingBurstLimit": 200,
                "DetailedMetricsEnabled": True,
            },
        },
    )


def test_access_logs_are_json_in_an_encrypted_group(orders):
    _, template = orders
    (stage,) = template.find_resources("AWS::ApiGatewayV2::Stage").values()
    settings = stage["Properties"]["AccessLogSettings"]
    assert {"requestId", "ip", "routeKey", "status", "authorizerError"} <= set(json.loads(settings["Format"]))
    (group_id,) = template.find_resources("AWS::Logs::LogGroup")
    assert settings["DestinationArn"] == {"Fn::GetAtt": [group_id, "Arn"]}
    template.has_resource_properties(
        "AWS::Logs::LogGroup", {"RetentionInDays": 365, "KmsKeyId": Match.any_value()}
    )


def test_one_permission_per_route_scoped_to_method_and_path_and_one_integration_per_function(orders):
    api, template = orders
    arns = [
        json.dumps(p["Properties"]["SourceArn"])
        for p in template.find_resources("AWS::Lambda::Permission").values()
    ]
    route_arns = [a for a in arns if "/authorizers/" not in a]
    assert len(route_arns) == len(api.routes) == 6
    assert not any("/*/*" in a for a in arns)
    assert any(a.endswith('"/$default/GET/orders/*"]]}') for a in route_arns)
    template.resource_count_is("AWS::ApiGatewayV2::Integration", 2)


def test_auth_modes_on_routes(orders):
    _, template = orders
    assert route(template, "GET /orders")["AuthorizationType"] == "AWS_IAM"
    get_one = route(template, "GET /orders/{id}")
    post = route(template, "POST /orders")
    assert get_one["AuthorizationType"] == post["AuthorizationType"] == "JWT"
    assert get_one["AuthorizationScopes"] == ["orders/read"] and post["AuthorizationScopes"] == [
        "orders/write"
    ]
    assert (
        get_one["AuthorizerId"] == post["AuthorizerId"]
    )  # Auth.jwt(pool) and Auth.cognito(pool): one authorizer
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Authorizer",
        {
            "AuthorizerType": "JWT",
            "IdentitySource": ["$request.header.Authorization"],
            "JwtConfiguration": {"Issuer": ISSUER, "Audience": ["client-a", "client-b"]},
        },
    )
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Authorizer",
        {"JwtConfiguration": {"Issuer": "https://id.example.com", "Audience": ["shop"]}},
    )
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Authorizer",
        {
            "AuthorizerType": "REQUEST",
            "EnableSimpleResponses": True,
            "AuthorizerPayloadFormatVersion": "2.0",
            "AuthorizerResultTtlInSeconds": 60,
            "IdentitySource": ["$request.header.X-Device"],
        },
    )
    assert route(template, "GET /health")["AuthorizationType"] == "NONE"


def test_public_route_records_its_reason(orders):
    api, _ = orders
    recorded = acks(api.routes["GET /health"])
    assert recorded["AwsSolutions::AwsSolutions-APIG4"].endswith(
        "Health check for the load balancer; no data"
    )
    assert "SecureServerless::SecureServerless-ApiRouteAuth" in recorded


def test_cors_is_answered_by_api_gateway(orders):
    _, template = orders
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Api",
        {
            "CorsConfiguration": {
                "AllowOrigins": ["https://shop.example.com"],
                "AllowMethods": ["GET", "POST"],
                "MaxAge": 600,
            }
        },
    )
    template.resource_properties_count_is(
        "AWS::ApiGatewayV2::Route", {"RouteKey": Match.string_like_regexp("^OPTIONS")}, 0
    )


def test_grant_and_deny_use_the_exact_stage_method_and_path(orders):
    _, template = orders
    (policy,) = template.find_resources("AWS::IAM::Policy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    allow = next(s for s in statements if s["Effect"] == "Allow")
    deny = next(s for s in statements if s["Effect"] == "Deny")
    assert json.dumps(allow["Resource"]).endswith('"/$default/GET/orders"]]}')
    assert json.dumps(deny["Resource"]).endswith('"/$default/GET/items"]]}')


def test_metrics_are_per_stage(stack):
    api = SecureHttpApi(stack, "Api")
    metric = api.metric_server_error()
    assert metric.metric_name == "5xx" and set(metric.dimensions) == {"ApiId", "Stage"}
    assert api.metric_client_error().metric_name == "4xx"
    assert api.metric_latency().metric_name == "Latency"
    assert api.metric_count().metric_name == "Count"
    assert api.metric_integration_latency().metric_name == "IntegrationLatency"


def test_custom_domain_tls12_and_default_endpoint_disabled(stack):
    cert = acm.Certificate.from_certificate_arn(
        stack, "Cert", "arn:aws:acm:eu-west-1:111122223333:certificate/x"
    )
    api = SecureHttpApi(stack, "Api", domain=DomainOptions("api.example.com", cert))
    api.add_route("GET", "/x", fn(stack))
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ApiGatewayV2::DomainName",
        {
            "DomainName": "api.example.com",
            "DomainNameConfigurations": [
                Match.object_like({"SecurityPolicy": "TLS_1_2", "EndpointType": "REGIONAL"})
            ],
        },
    )
    template.has_resource_properties("AWS::ApiGatewayV2::Api", {"DisableExecuteApiEndpoint": True})
    template.resource_count_is("AWS::ApiGatewayV2::ApiMapping", 1)
    assert api.url == "https://api.example.com/"


def test_throttle_removal_needs_a_reason(stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-002"):
        SecureHttpApi(stack, "Api", stage_overrides={"throttle": None})
    SecureHttpApi(
        stack, "Api2", stage_overrides={"throttle": apigwv2.ThrottleSettings(rate_limit=5, burst_limit=10)}
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {"DefaultRouteSettings": Match.object_like({"ThrottlingRateLimit": 5, "ThrottlingBurstLimit": 10})},
    )
    with pytest.raises(SecureConstructsError, match="SC-GEN-004"):
        SecureHttpApi(stack, "Api3", overrides={"default_authorizer": None})


def test_modes_http_apis_do_not_support_are_refused(stack):
    api = SecureHttpApi(stack, "Api")
    handler = fn(stack)
    plain_pool = cognito.UserPool(stack, "Pool")
    for mode in (
        Auth.lambda_token(handler),
        Auth.cognito(plain_pool),
        Auth.jwt_lambda("https://id.example.com", ["shop"]),
    ):
        with pytest.raises(SecureConstructsError, match="SC-API-001"):
            api.add_route("GET", "/x", handler, auth=mode)
    with pytest.raises(SecureConstructsError, match="SC-API-001"):
        SecureHttpApi(stack, "Api2", default_auth=Auth.lambda_token(handler))


def test_plain_user_pool_works_through_jwt_with_an_audience(stack):
    pool = cognito.UserPool(stack, "Pool")
    client = pool.add_client("Web")
    api = SecureHttpApi(stack, "Api")
    api.add_route("GET", "/me", fn(stack), auth=Auth.jwt(pool, audience=[client.user_pool_client_id]))
    (authorizer,) = Template.from_stack(stack).find_resources("AWS::ApiGatewayV2::Authorizer").values()
    issuer = json.dumps(authorizer["Properties"]["JwtConfiguration"]["Issuer"])
    assert (
        issuer.startswith('{"Fn::Join": ["", ["https://", {"Fn::GetAtt": ["Pool') and "ProviderURL" in issuer
    )


def test_duplicate_routes_and_bad_paths_are_refused(stack):
    api = SecureHttpApi(stack, "Api")
    api.add_route("GET", "/x", fn(stack))
    with pytest.raises(SecureConstructsError, match="SC-API-007"):
        api.add_route("GET", "/x", fn(stack, "Other"))
    with pytest.raises(SecureConstructsError, match="SC-API-006"):
        api.add_route("GET", "x", fn(stack, "Third"))
    with pytest.raises(SecureConstructsError, match="SC-API-010"):
        api.add_route("GET", "/y", object())
    with pytest.raises(SecureConstructsError, match="SC-API-008"):
        SecureHttpApi(stack, "Cors", cors=CorsOptions(allow_origins=["*"], allow_credentials=True))


def test_throttle_removal_with_a_reason_is_recorded(stack):
    api = SecureHttpApi(
        stack,
        "Api",
        stage_overrides={"throttle": None},
        accepted_risks={"throttle": "A CloudFront distribution in front throttles per viewer"},
    )
    recorded = acks(api.stage)
    assert recorded["Serverless::Serverless-APIGWDefaultThrottling"].endswith(
        "A CloudFront distribution in front throttles per viewer"
    )
