"""JwtLambdaAuthorizer: the function's configuration, the bounded authorizer cache, every refusal."""

import json
import pathlib

import pytest
from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match, Template

from secure_constructs import SecureConstructsError
from secure_constructs.api.jwt_lambda import TOKEN_PATTERN, JwtLambdaAuthorizer
from secure_constructs.runtime.jwt_authorizer import handler as runtime

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE"
ROUTES = {"orders/read": [("GET", "/orders"), "GET /orders/{id}"], "orders/write": [("post", "/orders")]}
INLINE = lambda_.Code.from_inline("def handler(event, context):\n    raise Exception('Unauthorized')\n")


def build(stack, code=INLINE, **kwargs):
    props = {"issuer": ISSUER, "audience": ["client-1"], "scopes_to_routes": ROUTES, "code": code, **kwargs}
    authorizer = JwtLambdaAuthorizer(stack, "Jwt", **props)
    api = apigw.RestApi(stack, "Api", deploy=False)
    orders = api.root.add_resource("orders")
    orders.add_method("GET", apigw.MockIntegration(), authorizer=authorizer.authorizer)
    orders.add_resource("{id}").add_method("GET", apigw.MockIntegration(), authorizer=authorizer.authorizer)
    return authorizer


def env_of(stack):
    (fn,) = [
        r
        for r in Template.from_stack(stack).find_resources("AWS::Lambda::Function").values()
        if r["Properties"].get("Handler") == "handler.handler"
    ]
    return fn["Properties"]["Environment"]["Variables"]


def test_defaults_configure_the_handler_from_environment(stack):
    build(stack)
    env = env_of(stack)
    assert env["JWT_ISSUER"] == ISSUER
    assert env["JWKS_URL"] == ISSUER + "/.well-known/jwks.json"
    assert json.loads(env["JWT_AUDIENCE"]) == ["client-1"]
    assert json.loads(env["JWT_ALGORITHMS"]) == ["ES256", "RS256"]
    assert json.loads(env["JWT_SCOPES_TO_ROUTES"]) == {
        "orders/read": [["GET", "/orders"], ["GET", "/orders/{id}"]],
        "orders/write": [["POST", "/orders"]],
    }
    # The handler accepts exactly what the construct writes.
    config = runtime.Config.from_env(env)
    assert config.scopes_to_routes["orders/write"] == (("POST", "/orders"),)
    assert config.leeway_seconds == 60 and config.jwks_min_refresh_seconds == 60
    # Access tokens only, and keys due for a refresh are used at most one more hour while the issuer is down.
    assert (env["JWT_TOKEN_USE"], config.token_use) == ("access", "access")
    assert (env["JWKS_MAX_STALE_SECONDS"], config.jwks_max_stale_seconds) == ("3600", 3600.0)


@pytest.mark.parametrize(("token_use", "written", "read"), [("id", "id", "id"), (None, "", None)])
def test_token_use_and_stale_limit_are_passed_on(stack, token_use, written, read):
    build(stack, token_use=token_use, jwks_max_stale=Duration.minutes(10))
    env = env_of(stack)
    assert env["JWT_TOKEN_USE"] == written and env["JWKS_MAX_STALE_SECONDS"] == "600"
    assert runtime.Config.from_env(env).token_use == read


def test_token_authorizer_with_bounded_cache_and_validation_pattern(stack):
    jwt_auth = build(stack)
    assert isinstance(jwt_auth.authorizer, apigw.TokenAuthorizer)
    Template.from_stack(stack).has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        {
            "Type": "TOKEN",
            "IdentitySource": "method.request.header.Authorization",
            "AuthorizerResultTtlInSeconds": 300,
            "IdentityValidationExpression": TOKEN_PATTERN,
        },
    )


def test_api_gateway_may_invoke_the_function(stack):
    build(stack)
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::Permission",
        {"Action": "lambda:InvokeFunction", "Principal": "apigateway.amazonaws.com"},
    )


def test_request_authorizer_and_custom_header(stack):
    jwt_auth = build(
        stack, request_authorizer=True, identity_source="X-Token", result_cache_ttl=Duration.seconds(0)
    )
    assert isinstance(jwt_auth.authorizer, apigw.RequestAuthorizer)
    Template.from_stack(stack).has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        {
            "Type": "REQUEST",
            "IdentitySource": "method.request.header.X-Token",
            "AuthorizerResultTtlInSeconds": 0,
        },
    )


def test_inverse_route_to_scopes_form_is_accepted(stack):
    jwt_auth = build(
        stack, scopes_to_routes={"GET /orders": ["orders/read", "admin"], "DELETE /x/{id}": ["admin"]}
    )
    assert jwt_auth.scopes_to_routes == {
        "admin": [("DELETE", "/x/{id}"), ("GET", "/orders")],
        "orders/read": [("GET", "/orders")],
    }


def test_groups_leeway_jwks_url_and_algorithms_are_passed_on(stack):
    build(
        stack,
        scope_claims=("cognito:groups",),
        leeway=Duration.seconds(30),
        algorithms=["PS256"],
        jwks_url="https://keys.example.com/jwks.json",
        jwks_min_refresh=Duration.minutes(5),
    )
    env = env_of(stack)
    assert json.loads(env["JWT_SCOPE_CLAIMS"]) == ["cognito:groups"]
    assert env["JWT_LEEWAY_SECONDS"] == "30" and env["JWKS_MIN_REFRESH_SECONDS"] == "300"
    assert env["JWKS_URL"] == "https://keys.example.com/jwks.json"
    assert json.loads(env["JWT_ALGORITHMS"]) == ["PS256"]


def test_default_code_is_the_bundled_handler_with_pyjwt(app, stack):
    jwt_auth = build(stack, code=None)
    assert jwt_auth.function.function.runtime.name.startswith("python")
    assembly = app.synth()
    (asset,) = [p for p in pathlib.Path(assembly.directory).glob("asset.*") if (p / "handler.py").is_file()]
    assert (asset / "limits.py").is_file() and (asset / "jwt" / "__init__.py").is_file()
    assert list((asset / "cryptography" / "hazmat" / "bindings").glob("_rust*.so"))


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"issuer": "http://issuer.example.com"}, "SC-JWT-001"),
        ({"jwks_url": "http://keys.example.com/jwks.json"}, "SC-JWT-001"),
        ({"audience": []}, "SC-JWT-002"),
        ({"audience": [""]}, "SC-JWT-002"),
        ({"scopes_to_routes": {}}, "SC-JWT-003"),
        ({"scopes_to_routes": {"s": [("GET", "/*")]}}, "SC-JWT-003"),
        ({"scopes_to_routes": {"s": [("FETCH", "/x")]}}, "SC-JWT-003"),
        ({"scopes_to_routes": {"s": ["orders"]}}, "SC-JWT-003"),
        ({"scopes_to_routes": {"s": []}}, "SC-JWT-003"),
        ({"scopes_to_routes": {"GET /x": [""]}}, "SC-JWT-003"),
        ({"algorithms": ["HS256"]}, "SC-JWT-004"),
        ({"algorithms": ["none"]}, "SC-JWT-004"),
        ({"algorithms": []}, "SC-JWT-004"),
        ({"result_cache_ttl": Duration.hours(2)}, "SC-JWT-005"),
        ({"leeway": Duration.minutes(10)}, "SC-JWT-005"),
        ({"identity_source": "method.request.header.Authorization"}, "SC-GEN-005"),
        ({"token_use": "refresh"}, "SC-GEN-005"),
        ({"token_use": "Access"}, "SC-GEN-005"),
        ({"jwks_max_stale": Duration.days(2)}, "SC-GEN-005"),
    ],
)
def test_refusals(stack, kwargs, code):
    props = {"issuer": ISSUER, "audience": ["client-1"], "scopes_to_routes": ROUTES, "code": INLINE, **kwargs}
    with pytest.raises(SecureConstructsError, match=code):
        JwtLambdaAuthorizer(stack, "Jwt", **props)


def test_function_is_a_secure_function(stack):
    jwt_auth = build(stack)
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::Function",
        {"Handler": "handler.handler", "TracingConfig": {"Mode": "Active"}, "KmsKeyArn": Match.any_value()},
    )
    assert jwt_auth.function.role is not None


def test_every_route_using_the_authorizer_must_be_mapped(stack):
    jwt_auth = build(stack)
    api = jwt_auth.authorizer.node.scope.node.scope.node.find_child("Api")
    invoices = api.root.get_resource("orders").get_resource("{id}").add_resource("invoices")
    invoices.add_method("GET", apigw.MockIntegration(), authorizer=jwt_auth.authorizer)
    api.root.add_method("GET", apigw.MockIntegration())  # another authorizer (none): not our business
    with pytest.raises(Exception, match=r"SC-JWT-006.*GET /orders/\{id\}/invoices") as error:
        Template.from_stack(stack)
    assert "GET /:" not in str(error.value)
