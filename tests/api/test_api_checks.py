"""The API constructs pass AwsSolutions and Serverless with no finding of their own, out of the box.

Handlers here are plain functions (their own findings are SecureFunction's business and are filtered out);
what is asserted is that nothing under the API constructs is reported, and that the reasons users give
(public routes, WAF opt-out) land in the validation report as audited acknowledgments.
"""

from aws_cdk import Environment, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from secure_constructs import add_checks
from secure_constructs.api import ApiGatewayCloudWatchRole, Auth, CorsOptions, SecureHttpApi, SecureRestApi
from secure_constructs.policy import finding_id
from secure_constructs.testing import synth_and_validate

PUBLIC = "Health check for the load balancer; returns no data"


def fn(scope, name):
    return lambda_.Function(
        scope,
        name,
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return {}\n"),
    )


def test_rest_and_http_apis_and_the_account_role_have_no_findings(app):
    stack = Stack(app, "Apis", env=Environment(account="111122223333", region="eu-west-1"))
    agnostic = Stack(app, "Account")  # env-agnostic: the role's ARNs hold pseudo parameters
    ApiGatewayCloudWatchRole(agnostic, "ApiGatewayLogs")
    narrowed = Stack(app, "Narrowed", env=Environment(account="111122223333", region="eu-west-1"))
    group = logs.LogGroup(narrowed, "AccessLogs", retention=logs.RetentionDays.ONE_YEAR)
    ApiGatewayCloudWatchRole(narrowed, "ApiGatewayLogs", access_log_group_arns=[group.log_group_arn])
    handler = fn(stack, "Handler")
    pool = cognito.UserPool(stack, "Pool")
    rest = SecureRestApi(stack, "Rest", cors=CorsOptions(allow_origins=["https://a.example.com"]))
    rest.add_route("GET", "/orders", handler)
    rest.add_route("POST", "/orders", handler, request_schema={"type": "object"})
    rest.add_route("GET", "/me", handler, auth=Auth.cognito(pool, scopes=["shop/read"]))
    rest.add_route("GET", "/partner", handler, auth=Auth.lambda_request(fn(stack, "Authorizer")))
    rest.add_route("GET", "/health", handler, auth=Auth.public(PUBLIC))
    http = SecureHttpApi(stack, "Http")
    http.add_route("GET", "/orders", handler)
    http.add_route("GET", "/items", handler, auth=Auth.jwt("https://id.example.com", ["shop"]))
    http.add_route("GET", "/health", handler, auth=Auth.public(PUBLIC))
    caller = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    rest.grant_invoke(caller, "GET", "/orders")
    add_checks(app)

    result = synth_and_validate(app)

    ours = ("Apis/Rest/", "Apis/Http/", "Account/", "Apis/Caller/", "Narrowed/ApiGatewayLogs/")
    assert [f for f in result.violations if f.path.startswith(ours)] == [], result.format()
    reason = f"Public route on purpose: {PUBLIC}"
    public = {(f.rule, f.path) for f in result.suppressed if f["reason"] == reason}
    assert ("AwsSolutions-APIG4", "Apis/Rest/Api/Default/health/GET/Resource") in public
    assert ("AwsSolutions-COG4", "Apis/Rest/Api/Default/health/GET/Resource") in public
    assert ("AwsSolutions-APIG4", "Apis/Http/Api/GET--health/Resource") in public
    account_acks = [f for f in result.suppressed if f.path.startswith("Account/")]
    suffixes = ("API-Gateway-Execution-Logs_*", "API-Gateway-Execution-Logs_*:*", "*")
    ours = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
    assert {f.rule for f in account_acks} == {
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:"
        + suffix
        + "]"
        for suffix in suffixes
    } | {
        # the same wildcards in our pack: writes (IamNoWildcardResource) and the read (IamWildcardArn)
        f"SecureServerless-IamNoWildcardResource[{finding_id(f'Resource::{ours}{suffix}')}]"
        for suffix in suffixes
    } | {f"SecureServerless-IamWildcardArn[{finding_id(f'Resource::{ours}*')}]"}
    narrowed_acks = {f.rule for f in result.suppressed if f.path.startswith("Narrowed/ApiGatewayLogs/")}
    group_id = narrowed.get_logical_id(group.node.default_child)
    assert f"AwsSolutions-IAM5[Resource::<{group_id}.Arn>:*]" in narrowed_acks
