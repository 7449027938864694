"""SecureRestApi: every default, every refusal, and the exact ARNs of permissions and grants."""

import json

import pytest
from aws_cdk import App, Duration, Environment, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match, Template

from secure_constructs import SecureConstructsError
from secure_constructs.api import (
    ApiGatewayCloudWatchRole,
    Auth,
    CorsOptions,
    DomainOptions,
    SecureRestApi,
    WafOptions,
)

ENV = Environment(account="111122223333", region="eu-west-1")
HEALTH = "Health check for the load balancer; returns no data"


def fn(scope, name="Handler"):
    return lambda_.Function(
        scope,
        name,
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return {}\n"),
    )


def acks(construct):
    """The audited acknowledgments recorded on a construct: {id: reason}."""
    found = {}
    for entry in construct.node.metadata:
        if entry.type == "aws:cdk:acknowledged-rules":
            found.update(entry.data)
    return found


def by_type(template, cfn_type):
    return template.find_resources(cfn_type)


class Fake:
    """Any object with the attributes SecureUserPool exposes (duck typing, no import of identity)."""

    def __init__(self, **attrs):
        self.__dict__.update(attrs)


@pytest.fixture(scope="module")
def shop():
    """One API with every auth mode, synthesized once for the default checks."""
    app = App()
    stack = Stack(app, "Shop", env=ENV)
    handler = fn(stack)
    authorizer_fn = fn(stack, "AuthorizerFn")
    pool = cognito.UserPool(stack, "Pool")
    api = SecureRestApi(stack, "Api", cors=CorsOptions(allow_origins=["https://shop.example.com"]))
    api.add_route("GET", "/orders", handler)
    api.add_route("GET", "/orders/{id}", handler)
    api.add_route("POST", "/orders", handler, request_schema={"type": "object", "required": ["sku"]})
    api.add_route("GET", "/me", handler, auth=Auth.cognito(pool, scopes=["shop/read"]))
    api.add_route(
        "PUT",
        "/me",
        handler,
        auth=Auth.cognito(Fake(user_pool=pool), scopes=["shop/write"]),
        request_schema=apigw.JsonSchema(type=apigw.JsonSchemaType.OBJECT),
    )
    api.add_route("GET", "/partner", handler, auth=Auth.lambda_token(authorizer_fn))
    api.add_route("GET", "/partner/items", handler, auth=Auth.lambda_token(authorizer_fn))
    api.add_route(
        "GET", "/device", handler, auth=Auth.lambda_request(authorizer_fn, identity_sources=["X-Device"])
    )
    api.add_route("GET", "/health", handler, auth=Auth.public(HEALTH))
    caller = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    api.grant_invoke(caller, "GET", "/orders")
    api.deny_invoke(caller, "POST", "/orders")
    return api, Template.from_stack(stack)


def method(template, http_method, path_part):
    """The CfnMethod properties of ``http_method`` on the resource whose PathPart is ``path_part``."""
    resources = {k: v for k, v in by_type(template, "AWS::ApiGateway::Resource").items()}
    for props in (r["Properties"] for r in by_type(template, "AWS::ApiGateway::Method").values()):
        resource_id = props["ResourceId"].get("Ref")
        part = resources[resource_id]["Properties"]["PathPart"] if resource_id else None
        if props["HttpMethod"] == http_method and part == path_part:
            return props
    raise AssertionError(f"no {http_method} {path_part}")


# --- stage defaults -----------------------------------------------------------------------------------


def test_stage_logs_traces_meters_and_throttles(shop):
    _, template = shop
    template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "prod",
            "TracingEnabled": True,
            "MethodSettings": [
                {
                    "HttpMethod": "*",
                    "ResourcePath": "/*",
                    "LoggingLevel": "ERROR",
                    "DataTraceEnabled": False,
                    "MetricsEnabled": True,
                    "ThrottlingRateLimit": 100,
                    "ThrottlingBurstLimit": 200,
                }
            ],
        },
    )


def test_access_logs_are_json_in_an_encrypted_group_with_retention(shop):
    _, template = shop
    (stage,) = by_type(template, "AWS::ApiGateway::Stage").values()
    setting = stage["Properties"]["AccessLogSetting"]
    fields = json.loads(setting["Format"])
    assert {"requestId", "ip", "caller", "httpMethod", "resourcePath", "status", "authorizerError"} <= set(
        fields
    )
    groups = by_type(template, "AWS::Logs::LogGroup")
    # the access-log group (the web ACL's log group has the name WAF requires)
    (group_id,) = [lid for lid, group in groups.items() if "LogGroupName" not in group["Properties"]]
    assert setting["DestinationArn"] == {"Fn::GetAtt": [group_id, "Arn"]}
    template.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {"RetentionInDays": 365, "KmsKeyId": Match.any_value()},
            "DeletionPolicy": "Retain",
        },
    )


def test_regional_endpoint_and_no_account_role_from_cdk(shop):
    _, template = shop
    template.has_resource_properties(
        "AWS::ApiGateway::RestApi", {"EndpointConfiguration": {"Types": ["REGIONAL"]}}
    )
    template.resource_count_is("AWS::ApiGateway::Account", 0)
    for role in by_type(template, "AWS::IAM::Role").values():
        assert "apigateway" not in json.dumps(role["Properties"]["AssumeRolePolicyDocument"])


def test_waf_with_managed_rule_groups_and_rate_limit_is_associated_with_the_stage(shop):
    _, template = shop
    (acl,) = by_type(template, "AWS::WAFv2::WebACL").values()
    rules = acl["Properties"]["Rules"]
    managed = [
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for r in rules
        if "ManagedRuleGroupStatement" in r["Statement"]
    ]
    assert managed == [
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesSQLiRuleSet",
    ]
    rate = [r for r in rules if "RateBasedStatement" in r["Statement"]]
    assert rate[0]["Statement"]["RateBasedStatement"] == {"AggregateKeyType": "IP", "Limit": 1000}
    assert rate[0]["Action"] == {"Block": {}}
    assert acl["Properties"]["Scope"] == "REGIONAL" and acl["Properties"]["DefaultAction"] == {"Allow": {}}
    (association,) = by_type(template, "AWS::WAFv2::WebACLAssociation").values()
    (stage_id,) = by_type(template, "AWS::ApiGateway::Stage")
    arn = json.dumps(association["Properties"]["ResourceArn"])
    assert f'"/stages/", {{"Ref": "{stage_id}"}}' in arn


# --- routes -------------------------------------------------------------------------------------------


def test_one_lambda_permission_per_route_scoped_to_stage_method_and_path(shop):
    api, template = shop
    arns = [
        json.dumps(p["Properties"]["SourceArn"])
        for p in by_type(template, "AWS::Lambda::Permission").values()
    ]
    route_arns = [a for a in arns if "/authorizers/" not in a]
    assert len(route_arns) == len(api.methods) == 9  # no test-invoke permission, no API-wide permission
    assert not any("/*/*" in a or "test-invoke-stage" in a for a in arns)
    assert any(a.endswith('"/GET/orders/*"]]}') for a in route_arns)  # {id} matches any value
    assert all('{"Ref": "ApiDeploymentStageprod' in a for a in route_arns)


def test_iam_is_the_default_and_cognito_scopes_share_one_authorizer(shop):
    _, template = shop
    assert method(template, "GET", "orders")["AuthorizationType"] == "AWS_IAM"
    me = method(template, "GET", "me")
    assert me["AuthorizationType"] == "COGNITO_USER_POOLS" and me["AuthorizationScopes"] == ["shop/read"]
    assert method(template, "PUT", "me")["AuthorizationScopes"] == ["shop/write"]
    template.resource_properties_count_is("AWS::ApiGateway::Authorizer", {"Type": "COGNITO_USER_POOLS"}, 1)


def test_lambda_authorizers_are_shared_cached_at_most_five_minutes_and_read_headers(shop):
    _, template = shop
    template.resource_properties_count_is(
        "AWS::ApiGateway::Authorizer",
        {
            "Type": "TOKEN",
            "IdentitySource": "method.request.header.Authorization",
            "AuthorizerResultTtlInSeconds": 300,
        },
        1,
    )
    template.has_resource_properties(
        "AWS::ApiGateway::Authorizer", {"Type": "REQUEST", "IdentitySource": "method.request.header.X-Device"}
    )
    assert method(template, "GET", "partner")["AuthorizationType"] == "CUSTOM"


def test_requests_are_validated_with_one_shared_validator(shop):
    # One validator for bodies and parameters on every route: API Gateway validates a body only against
    # the method's model for the request's content type, so a route without a schema gets its
    # parameters checked and nothing else.
    _, template = shop
    validators = by_type(template, "AWS::ApiGateway::RequestValidator")
    ((validator_id, validator),) = validators.items()
    assert validator["Properties"]["ValidateRequestBody"] is True
    assert validator["Properties"]["ValidateRequestParameters"] is True
    post = method(template, "POST", "orders")
    assert post["RequestValidatorId"] == {"Ref": validator_id}
    assert "application/json" in post["RequestModels"]
    get_one = method(template, "GET", "{id}")
    assert get_one["RequestValidatorId"] == {"Ref": validator_id}
    assert "RequestModels" not in get_one
    assert get_one["RequestParameters"] == {"method.request.path.id": True}
    (model,) = [
        m
        for m in by_type(template, "AWS::ApiGateway::Model").values()
        if m["Properties"]["Schema"].get("required") == ["sku"]
    ]
    assert model["Properties"]["Schema"]["$schema"].startswith("http://json-schema.org/draft-04")


def test_cors_preflight_is_unauthenticated_but_real_methods_keep_auth(shop):
    _, template = shop
    preflight = method(template, "OPTIONS", "orders")
    assert preflight["AuthorizationType"] == "NONE"
    assert preflight["Integration"]["Type"] == "MOCK"
    headers = preflight["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
    assert headers["method.response.header.Access-Control-Allow-Origin"] == "'https://shop.example.com'"
    assert method(template, "GET", "orders")["AuthorizationType"] == "AWS_IAM"
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]["ResponseParameters"]
        for r in by_type(template, "AWS::ApiGateway::GatewayResponse").values()
    }
    assert set(responses) == {"DEFAULT_4XX", "DEFAULT_5XX"}
    assert responses["DEFAULT_4XX"]["gatewayresponse.header.Access-Control-Allow-Origin"] == (
        "'https://shop.example.com'"
    )


def test_public_route_records_its_reason_as_audited_acknowledgments(shop):
    api, template = shop
    assert method(template, "GET", "health")["AuthorizationType"] == "NONE"
    recorded = acks(api.methods["GET /health"])
    for rule in (
        "AwsSolutions::AwsSolutions-APIG4",
        "AwsSolutions::AwsSolutions-COG4",
        "SecureServerless::SecureServerless-ApiRouteAuth",
    ):
        assert recorded[rule] == f"Public route on purpose: {HEALTH}"
    assert "AwsSolutions::AwsSolutions-COG4" in acks(api.methods["GET /orders"])  # IAM: by design
    assert "AwsSolutions::AwsSolutions-APIG4" not in acks(api.methods["GET /orders"])


def test_grant_and_deny_invoke_use_the_exact_stage_method_and_path(shop):
    _, template = shop
    (policy,) = by_type(template, "AWS::IAM::Policy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    allow = next(s for s in statements if s["Effect"] == "Allow")
    deny = next(s for s in statements if s["Effect"] == "Deny")
    assert allow["Action"] == deny["Action"] == "execute-api:Invoke"
    assert json.dumps(allow["Resource"]).endswith('"/GET/orders"]]}')
    assert json.dumps(deny["Resource"]).endswith('"/POST/orders"]]}')
    assert "Ref" in json.dumps(allow["Resource"]) and "Stageprod" in json.dumps(allow["Resource"])


def test_wildcards_only_where_the_caller_asks(stack):
    api = SecureRestApi(stack, "Api")
    assert api.arn_for("*", "/*").endswith("/*/*") or "/*/*" in api.arn_for("*", "/*")
    assert "/GET/orders/*" in stack.resolve(api.arn_for("GET", "/orders/{id}"))["Fn::Join"][1][-1]
    with pytest.raises(SecureConstructsError, match="SC-API-006"):
        api.add_route("*", "/x", fn(stack))


def test_metrics_are_per_stage(stack):
    api = SecureRestApi(stack, "Api")
    metric = api.metric_server_error(period=Duration.minutes(1))
    assert metric.metric_name == "5XXError" and metric.namespace == "AWS/ApiGateway"
    assert set(metric.dimensions) == {"ApiName", "Stage"}
    assert api.metric_client_error().metric_name == "4XXError"
    assert api.metric_latency().metric_name == "Latency"
    assert api.metric_count().metric_name == "Count"
    assert api.metric_integration_latency().metric_name == "IntegrationLatency"


# --- options ------------------------------------------------------------------------------------------


def test_custom_domain_requires_tls12_and_disables_the_default_endpoint(stack):
    cert = acm.Certificate.from_certificate_arn(
        stack, "Cert", "arn:aws:acm:eu-west-1:111122223333:certificate/x"
    )
    api = SecureRestApi(stack, "Api", domain=DomainOptions("api.example.com", cert))
    api.add_route("GET", "/orders", fn(stack))
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ApiGateway::DomainName",
        {
            "DomainName": "api.example.com",
            "SecurityPolicy": "TLS_1_2",
            "EndpointConfiguration": {"Types": ["REGIONAL"]},
        },
    )
    template.has_resource_properties("AWS::ApiGateway::RestApi", {"DisableExecuteApiEndpoint": True})
    template.resource_count_is("AWS::ApiGateway::BasePathMapping", 1)
    assert api.url == "https://api.example.com/"


def test_waf_opt_out_needs_a_reason_and_records_it(stack):
    api = SecureRestApi(
        stack, "Api", waf=WafOptions.disabled("CloudFront with its own web ACL fronts this API")
    )
    api.add_route("GET", "/x", fn(stack))
    Template.from_stack(stack).resource_count_is("AWS::WAFv2::WebACL", 0)
    assert "SecureServerless::SecureServerless-ApiStageWaf" in acks(api.stage)
    assert acks(api.stage)["AwsSolutions::AwsSolutions-APIG3"].endswith(
        "CloudFront with its own web ACL fronts this API"
    )
    with pytest.raises(SecureConstructsError, match="SC-API-009"):
        SecureRestApi(stack, "NoWaf", waf=None)
    with pytest.raises(SecureConstructsError, match="SC-GEN-003"):
        WafOptions.disabled("n/a")


def test_existing_web_acl_is_associated_instead_of_a_new_one(stack):
    api = SecureRestApi(
        stack, "Api", waf=WafOptions(web_acl_arn="arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/x/1")
    )
    api.add_route("GET", "/x", fn(stack))
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::WAFv2::WebACL", 0)
    template.has_resource_properties(
        "AWS::WAFv2::WebACLAssociation",
        {"WebACLArn": "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/x/1"},
    )


def test_waf_rate_limit_is_checked(stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-005"):
        SecureRestApi(stack, "Api", waf=WafOptions(rate_limit=5))


def test_account_role_is_opt_in_inline_and_retained(stack):
    role = ApiGatewayCloudWatchRole(stack, "ApiGatewayLogs")
    SecureRestApi(stack, "Api", cloud_watch_role=role).add_route("GET", "/x", fn(stack))
    template = Template.from_stack(stack)
    template.has_resource("AWS::ApiGateway::Account", {"DeletionPolicy": "Retain"})
    (iam_role,) = [
        r
        for r in by_type(template, "AWS::IAM::Role").values()
        if "apigateway.amazonaws.com" in json.dumps(r["Properties"]["AssumeRolePolicyDocument"])
    ]
    assert "ManagedPolicyArns" not in iam_role["Properties"]
    assert iam_role["DeletionPolicy"] == "Retain"
    actions = {
        a
        for p in iam_role["Properties"]["Policies"]
        for s in p["PolicyDocument"]["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert actions == {
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:DescribeLogStreams",
        "logs:DescribeLogGroups",
    }
    (account_id,) = by_type(template, "AWS::ApiGateway::Account")
    (stage,) = by_type(template, "AWS::ApiGateway::Stage").values()
    assert account_id in stage["DependsOn"]


def test_stage_overrides_weakening_needs_a_reason(stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-002"):
        SecureRestApi(stack, "Api", stage_overrides={"logging_level": apigw.MethodLoggingLevel.OFF})
    with pytest.raises(SecureConstructsError, match="SC-GEN-002"):
        SecureRestApi(stack, "Api2", stage_overrides={"data_trace_enabled": True})
    api = SecureRestApi(
        stack,
        "Api3",
        stage_overrides={"logging_level": apigw.MethodLoggingLevel.OFF, "throttling_rate_limit": 10},
        accepted_risks={"logging_level": "The account has no API Gateway CloudWatch role yet"},
    )
    assert "AwsSolutions::AwsSolutions-APIG6" in acks(api.stage)
    api.add_route("GET", "/x", fn(stack))
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {"MethodSettings": [Match.object_like({"LoggingLevel": "OFF", "ThrottlingRateLimit": 10})]},
    )


def test_managed_and_misspelt_overrides_are_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-004"):
        SecureRestApi(stack, "Api", overrides={"cloud_watch_role": True})
    with pytest.raises(SecureConstructsError, match="SC-GEN-001"):
        SecureRestApi(stack, "Api2", stage_overrides={"loging_level": apigw.MethodLoggingLevel.INFO})


# --- refusals -----------------------------------------------------------------------------------------


def test_jwt_on_rest_is_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-API-001"):
        SecureRestApi(stack, "Api", default_auth=Auth.jwt("https://issuer.example.com", ["client"]))
    api = SecureRestApi(stack, "Api2")
    with pytest.raises(SecureConstructsError, match="SC-API-001"):
        api.add_route("GET", "/x", fn(stack), auth=Auth.jwt("https://issuer.example.com", ["client"]))


def test_bad_methods_and_paths_are_refused(stack):
    api = SecureRestApi(stack, "Api")
    handler = fn(stack)
    for bad_method, bad_path in (
        ("FETCH", "/x"),
        ("GET", "x"),
        ("GET", "/a//b"),
        ("GET", "/{proxy+}/x"),
        ("GET", "/a b"),
    ):
        with pytest.raises(SecureConstructsError, match="SC-API-006"):
            api.add_route(bad_method, bad_path, handler)


def test_duplicate_route_is_refused(stack):
    api = SecureRestApi(stack, "Api")
    api.add_route("get", "/orders/", fn(stack))
    with pytest.raises(SecureConstructsError, match="SC-API-007"):
        api.add_route("GET", "/orders", fn(stack, "Other"))


def test_cors_any_origin_with_credentials_is_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-API-008"):
        SecureRestApi(stack, "Api", cors=CorsOptions(allow_origins=["*"], allow_credentials=True))
    with pytest.raises(SecureConstructsError, match="SC-API-008"):
        SecureRestApi(stack, "Api2", cors=CorsOptions(allow_origins=["https://a.example.com/path"]))
    with pytest.raises(SecureConstructsError, match="SC-API-008"):
        SecureRestApi(stack, "Api3", cors=CorsOptions(allow_origins=[]))


def test_handler_must_be_a_function(stack):
    api = SecureRestApi(stack, "Api")
    with pytest.raises(SecureConstructsError, match="SC-API-010"):
        api.add_route("GET", "/x", "arn:aws:lambda:eu-west-1:111122223333:function:f")


def test_secure_function_like_handler_is_unwrapped(stack):
    api = SecureRestApi(stack, "Api")
    inner = fn(stack)
    api.add_route("GET", "/x", Fake(function=inner, role=inner.role))
    Template.from_stack(stack).resource_count_is("AWS::Lambda::Permission", 1)


def test_bad_domains_are_refused(stack):
    cert = acm.Certificate.from_certificate_arn(
        stack, "Cert", "arn:aws:acm:eu-west-1:111122223333:certificate/x"
    )
    for n, domain in enumerate(
        (
            DomainOptions("api.example.com", cert, security_policy=apigw.SecurityPolicy.TLS_1_0),
            DomainOptions("not a domain", cert),
            DomainOptions("api.example.com", None),
        )
    ):
        with pytest.raises(SecureConstructsError, match="SC-API-011"):
            SecureRestApi(stack, f"Api{n}", domain=domain)


def test_api_key_never_replaces_auth(stack):
    api = SecureRestApi(stack, "Api")
    with pytest.raises(SecureConstructsError, match="SC-API-012"):
        api.add_route("GET", "/x", fn(stack), auth=Auth.public(HEALTH), api_key_required=True)
    api.add_route("GET", "/y", fn(stack, "Y"), api_key_required=True)
    Template.from_stack(stack).has_resource_properties(
        "AWS::ApiGateway::Method", {"ApiKeyRequired": True, "AuthorizationType": "AWS_IAM"}
    )


def test_bad_request_parameters_and_schemas_are_refused(stack):
    api = SecureRestApi(stack, "Api")
    with pytest.raises(SecureConstructsError, match="SC-GEN-005"):
        api.add_route("GET", "/x", fn(stack), request_parameters={"limit": True})
    with pytest.raises(SecureConstructsError, match="SC-GEN-005"):
        api.add_route("POST", "/y", fn(stack, "Y"), request_schema={})


def test_routes_with_the_same_schema_share_one_model(stack):
    api = SecureRestApi(stack, "Api")
    schema = {"type": "object", "required": ["sku"]}
    api.add_route("POST", "/a", fn(stack), request_schema=schema)
    api.add_route("PUT", "/a", fn(stack, "B"), request_schema=dict(schema))
    api.add_route("PATCH", "/a", fn(stack, "C"), request_schema={"type": "object"})
    Template.from_stack(stack).resource_count_is("AWS::ApiGateway::Model", 2)


def test_usage_plan_throttles_keys_on_the_stage(stack):
    api = SecureRestApi(stack, "Api")
    api.add_route("GET", "/x", fn(stack), api_key_required=True)
    plan = api.add_usage_plan("Partners", rate_limit=10, burst_limit=20, quota_limit=10000)
    plan.add_api_key(api.rest_api.add_api_key("PartnerKey"))
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ApiGateway::UsagePlan",
        {
            "Throttle": {"RateLimit": 10, "BurstLimit": 20},
            "Quota": {"Limit": 10000, "Period": "DAY"},
            "ApiStages": [Match.object_like({"Stage": Match.any_value()})],
        },
    )
    template.resource_count_is("AWS::ApiGateway::UsagePlanKey", 1)
    with pytest.raises(SecureConstructsError, match="SC-GEN-005"):
        api.add_usage_plan("Bad", rate_limit=0, burst_limit=20)
    with pytest.raises(SecureConstructsError, match="SC-GEN-005"):
        api.add_usage_plan("Bad2", rate_limit=1, burst_limit=2, quota_limit=-1)


def test_resource_policy_log_options_root_and_any_routes(stack):
    from aws_cdk import RemovalPolicy
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_logs as logs

    key = kms.Key(stack, "MyKey", enable_key_rotation=True)
    policy = iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["execute-api:Invoke"],
                resources=["execute-api:/*"],
                conditions={"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}},
            )
        ]
    )
    api = SecureRestApi(
        stack,
        "Api",
        resource_policy=policy,
        log_retention=logs.RetentionDays.ONE_MONTH,
        log_removal_policy=RemovalPolicy.DESTROY,
        log_key=key,
        accepted_risks={"log_removal_policy": "Short-lived preview stack: its logs hold nothing to keep"},
    )
    api.add_route("GET", "/", fn(stack))
    api.add_route("ANY", "/proxy/{proxy+}", fn(stack, "Proxy"))
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ApiGateway::RestApi",
        {"Policy": Match.object_like({"Statement": [Match.object_like({"Effect": "Deny"})]})},
    )
    template.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {
                "RetentionInDays": 30,
                "KmsKeyId": {"Fn::GetAtt": [Match.string_like_regexp("^MyKey"), "Arn"]},
            },
            "DeletionPolicy": "Delete",
        },
    )
    arns = [
        json.dumps(p["Properties"]["SourceArn"])
        for p in by_type(template, "AWS::Lambda::Permission").values()
    ]
    assert any(a.endswith('"/GET/"]]}') for a in arns)
    assert any(a.endswith('"/*/proxy/*"]]}') for a in arns)
    assert set(api.methods) == {"GET /", "ANY /proxy/{proxy+}"}


def test_jwt_lambda_builds_one_authorizer_per_api_configuration(stack):
    auth = Auth.jwt_lambda(
        "https://id.example.com",
        ["shop"],
        scopes_to_routes={"orders/read": ["GET /orders", "GET /orders/{id}"]},
    )
    api = SecureRestApi(stack, "Api", default_auth=auth)
    api.add_route("GET", "/orders", fn(stack))
    api.add_route(
        "GET",
        "/orders/{id}",
        fn(stack, "One"),
        auth=Auth.jwt_lambda(
            "https://id.example.com",
            ["shop"],
            scopes_to_routes={"orders/read": ["GET /orders", "GET /orders/{id}"]},
        ),
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::ApiGateway::Authorizer", 1)
    assert method(template, "GET", "orders")["AuthorizationType"] == "CUSTOM"
    assert len(api.authorizers) == 1
    assert "AwsSolutions::AwsSolutions-COG4" in acks(api.methods["GET /orders/{id}"])
    with pytest.raises(SecureConstructsError, match="SC-API-001"):
        from secure_constructs.api import SecureHttpApi

        SecureHttpApi(stack, "Http", default_auth=auth)


def test_jwt_lambda_passes_token_use_runtime_and_architecture_on(stack):
    auth = Auth.jwt_lambda(
        "https://id.example.com",
        ["shop"],
        scopes_to_routes={"orders/read": ["GET /orders"]},
        token_use="id",
        runtime=lambda_.Runtime.PYTHON_3_12,
        architecture=lambda_.Architecture.X86_64,
    )
    api = SecureRestApi(stack, "Api", default_auth=auth)
    api.add_route("GET", "/orders", fn(stack))
    (function,) = [
        r["Properties"]
        for r in Template.from_stack(stack).find_resources("AWS::Lambda::Function").values()
        if r["Properties"].get("Handler") == "handler.handler"
    ]
    assert (function["Runtime"], function["Architectures"]) == ("python3.12", ["x86_64"])
    assert function["Environment"]["Variables"]["JWT_TOKEN_USE"] == "id"
    routes = {"orders/read": ["GET /orders"]}
    other = Auth.jwt_lambda("https://id.example.com", ["shop"], scopes_to_routes=routes)
    assert other.authorizer_key() != auth.authorizer_key()
