"""SecureUserPool and SecureIdentityPool wired into the API constructs, without hand-written issuer URLs."""

from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from secure_constructs import SecureHttpApi, SecureRestApi
from secure_constructs.api import Auth
from secure_constructs.identity import SecureIdentityPool, SecureUserPool


def fn(scope, name="Handler"):
    return lambda_.Function(scope, name, runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                            code=lambda_.Code.from_inline("def handler(event, context):\n    return {}\n"))


def test_http_jwt_authorizer_takes_issuer_and_audience_from_the_pool(stack):
    users = SecureUserPool(stack, "Users")
    web, mobile = users.add_client("Web"), users.add_client("Mobile")
    api = SecureHttpApi(stack, "Api")
    api.add_route("GET", "/me", fn(stack), auth=Auth.jwt(users))
    pool_id = stack.get_logical_id(users.user_pool.node.default_child)
    Template.from_stack(stack).has_resource_properties("AWS::ApiGatewayV2::Authorizer", {
        "AuthorizerType": "JWT",
        "JwtConfiguration": {
            "Issuer": {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [pool_id, "ProviderURL"]}]]},
            "Audience": [{"Ref": stack.get_logical_id(c.node.default_child)} for c in (web, mobile)],
        },
    })


def test_rest_cognito_authorizer_takes_the_pool(stack):
    users = SecureUserPool(stack, "Users")
    users.add_client("Web")
    api = SecureRestApi(stack, "Api")
    api.add_route("GET", "/me", fn(stack), auth=Auth.cognito(users))
    pool_id = stack.get_logical_id(users.user_pool.node.default_child)
    Template.from_stack(stack).has_resource_properties("AWS::ApiGateway::Authorizer", {
        "Type": "COGNITO_USER_POOLS", "ProviderARNs": [{"Fn::GetAtt": [pool_id, "Arn"]}]})


def test_group_role_may_invoke_exactly_one_iam_route(stack):
    users = SecureUserPool(stack, "Users")
    users.add_client("Web")
    ids = SecureIdentityPool(stack, "Ids", user_pool=users, groups=["Staff"])
    api = SecureRestApi(stack, "Api")
    api.add_route("GET", "/orders", fn(stack))
    api.add_route("POST", "/orders", fn(stack, "Other"))
    api.grant_invoke(ids.roles["Staff"], "GET", "/orders")
    policies = Template.from_stack(stack).find_resources("AWS::IAM::Policy", {"Properties": {
        "Roles": [{"Ref": stack.get_logical_id(ids.roles["Staff"].node.default_child)}]}})
    [statement] = [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    assert statement["Action"] == "execute-api:Invoke"
    assert stack.resolve(statement["Resource"])["Fn::Join"][1][-1].endswith("/GET/orders")
