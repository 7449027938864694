"""Every property a Secure* construct sets differently from the plain L2 (built from the same arguments) is
declared by a rule of the pack, or listed as not security-relevant with a reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, Environment, SecretValue, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_cognito_identitypool as identitypool
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_elasticloadbalancingv2_targets as elb_targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from aws_cdk.assertions import Template
from completeness import covered, declared_paths, differing, paths

from secure_constructs import (
    AlbAuth,
    DataEventsTrail,
    SecureAlbRoutes,
    SecureDatabaseInstance,
    SecureDatabaseProxy,
    SecureFunction,
    SecureHttpApi,
    SecureIdentityPool,
    SecureNetwork,
    SecureRestApi,
    SecureUserPool,
)
from secure_constructs._defaults.lambda_ import latest_python_runtime
from secure_constructs.nag import NOT_SECURITY_RELEVANT, RULES

CODE = "def handler(event, context):\n    return {}\n"
HANDLER_NAME = "index.handler"


def _stack() -> Stack:
    return Stack(App(), "Stack", env=Environment(account="111122223333", region="eu-west-1"))


def _handler(stack: Stack) -> lambda_.Function:
    """The plain function both apps route to (left out of the comparison)."""
    return lambda_.Function(
        stack,
        "Handler",
        code=lambda_.Code.from_inline(CODE),
        handler="shared.handler",
        runtime=lambda_.Runtime.PYTHON_3_12,
    )


def _is_shared_handler(resource_type: str, resource: dict[str, Any]) -> bool:
    if resource_type == "AWS::Lambda::Function":
        return resource.get("Properties", {}).get("Handler") == "shared.handler"
    return resource_type == "AWS::IAM::Role" and "HandlerServiceRole" in str(resource)


def secure_function(stack: Stack) -> None:
    SecureFunction(stack, "Fn", code=lambda_.Code.from_inline(CODE), handler=HANDLER_NAME)


def plain_function(stack: Stack) -> None:
    lambda_.Function(
        stack,
        "Fn",
        code=lambda_.Code.from_inline(CODE),
        handler=HANDLER_NAME,
        runtime=latest_python_runtime(),
    )


def secure_rest_api(stack: Stack) -> None:
    SecureRestApi(stack, "Api").add_route("GET", "/items", _handler(stack))


def plain_rest_api(stack: Stack) -> None:
    api = apigw.RestApi(stack, "Api")
    api.root.add_resource("items").add_method("GET", apigw.LambdaIntegration(_handler(stack)))


def secure_http_api(stack: Stack) -> None:
    SecureHttpApi(stack, "Api").add_route("GET", "/items", _handler(stack))


def plain_http_api(stack: Stack) -> None:
    api = apigwv2.HttpApi(stack, "Api")
    api.add_routes(
        path="/items",
        methods=[apigwv2.HttpMethod.GET],
        integration=integrations.HttpLambdaIntegration("Items", _handler(stack)),
    )


def secure_user_pool(stack: Stack) -> None:
    SecureUserPool(stack, "Users").add_client("Web")


def plain_user_pool(stack: Stack) -> None:
    cognito.UserPool(stack, "Users").add_client("ClientWeb")


def secure_identity_pool(stack: Stack) -> None:
    pool = cognito.UserPool(stack, "Users")
    client = pool.add_client("Web")
    SecureIdentityPool(stack, "Ids", user_pool=pool, clients=[client], groups=["Staff"])


def plain_identity_pool(stack: Stack) -> None:
    pool = cognito.UserPool(stack, "Users")
    client = pool.add_client("Web")
    identitypool.IdentityPool(
        stack,
        "Ids",
        authentication_providers=identitypool.IdentityPoolAuthenticationProviders(
            user_pools=[identitypool.UserPoolAuthenticationProvider(user_pool=pool, user_pool_client=client)]
        ),
    )


def secure_trail(stack: Stack) -> None:
    _handler(stack)
    DataEventsTrail(stack, "Audit")


def plain_trail(stack: Stack) -> None:
    _handler(stack)
    cloudtrail.Trail(stack, "Audit")


def secure_network(stack: Stack) -> None:
    network = SecureNetwork(stack, "Net")
    SecureFunction(stack, "Fn", code=lambda_.Code.from_inline(CODE), handler=HANDLER_NAME, network=network)


def plain_network(stack: Stack) -> None:
    lambda_.Function(
        stack,
        "Fn",
        code=lambda_.Code.from_inline(CODE),
        handler=HANDLER_NAME,
        runtime=latest_python_runtime(),
        vpc=ec2.Vpc(stack, "Net"),
    )


POSTGRES = rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_17_9)


def secure_database(stack: Stack) -> None:
    database = SecureDatabaseInstance(stack, "Db", engine=POSTGRES, network=SecureNetwork(stack, "Net"))
    SecureDatabaseProxy(stack, "Proxy", database=database)


def plain_database(stack: Stack) -> None:
    vpc = ec2.Vpc(stack, "Net")
    database = rds.DatabaseInstance(stack, "Db", engine=POSTGRES, vpc=vpc)
    rds.DatabaseProxy(
        stack, "Proxy", proxy_target=rds.ProxyTarget.from_instance(database), vpc=vpc,
        secrets=[database.secret],  # type: ignore[list-item]
    )


CERTIFICATE = "arn:aws:acm:eu-west-1:111122223333:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"


def secure_alb(stack: Stack) -> None:
    network = SecureNetwork(stack, "Net", public_subnets=True)
    routes = SecureAlbRoutes(
        stack,
        "Alb",
        network=network,
        certificate=acm.Certificate.from_certificate_arn(stack, "Cert", CERTIFICATE),
        domain_name="shop.example.com",
        default_auth=AlbAuth.oidc(
            issuer="https://idp.example.com",
            authorization_endpoint="https://idp.example.com/authorize",
            token_endpoint="https://idp.example.com/token",
            user_info_endpoint="https://idp.example.com/userinfo",
            client_id="alb",
            client_secret=SecretValue.secrets_manager("idp-client"),
        ),
    )
    routes.add_route("/items", _handler(stack), priority=1)


def plain_alb(stack: Stack) -> None:
    vpc = ec2.Vpc(stack, "Net")
    alb = elbv2.ApplicationLoadBalancer(stack, "Alb", vpc=vpc, internet_facing=True)
    listener = alb.add_listener(
        "Https", port=443, certificates=[elbv2.ListenerCertificate.from_arn(CERTIFICATE)],
        default_action=elbv2.ListenerAction.fixed_response(404),
    )
    listener.add_targets("Items", targets=[elb_targets.LambdaTarget(_handler(stack))], priority=1,
                         conditions=[elbv2.ListenerCondition.path_patterns(["/items"])])


PAIRS: list[tuple[str, Callable[[Stack], None], Callable[[Stack], None]]] = [
    ("SecureFunction", secure_function, plain_function),
    ("SecureRestApi", secure_rest_api, plain_rest_api),
    ("SecureHttpApi", secure_http_api, plain_http_api),
    ("SecureUserPool", secure_user_pool, plain_user_pool),
    ("SecureIdentityPool", secure_identity_pool, plain_identity_pool),
    ("DataEventsTrail", secure_trail, plain_trail),
    ("SecureNetwork", secure_network, plain_network),
    ("SecureDatabaseProxy", secure_database, plain_database),
    ("SecureAlbRoutes", secure_alb, plain_alb),
]


def _template(build: Callable[[Stack], None]) -> dict[str, Any]:
    stack = _stack()
    build(stack)
    return Template.from_stack(stack).to_json()


def uncovered(name: str, secure: Callable, plain: Callable, rules=RULES) -> list[tuple[str, str]]:
    diff = differing(
        paths(_template(secure), _is_shared_handler), paths(_template(plain), _is_shared_handler)
    )
    declared = declared_paths(rules)
    exempt = set(NOT_SECURITY_RELEVANT)
    return sorted((t, p) for t, p in diff if not covered(t, p, declared) and not covered(t, p, exempt))


@pytest.mark.parametrize(("name", "secure", "plain"), PAIRS, ids=[p[0] for p in PAIRS])
def test_every_property_the_construct_changes_is_declared_or_exempt(name, secure, plain, record_property):
    missing = uncovered(name, secure, plain)
    assert missing == [], f"{name} changes these without a declaration or an exemption: {missing}"


def test_the_completeness_test_fails_when_a_declaration_is_removed():
    without = tuple(spec for spec in RULES if spec.name != "LambdaTracing")
    assert ("AWS::Lambda::Function", "TracingConfig.Mode") in uncovered(
        "SecureFunction", *PAIRS[0][1:], rules=without
    )


def test_every_exemption_gives_a_reason():
    assert all(len(reason) >= 20 for reason in NOT_SECURITY_RELEVANT.values())
