"""SecureAlbRoutes and AlbAuth: defaults and errors."""

from __future__ import annotations

import pytest
from aws_cdk import SecretValue
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from secure_constructs import (
    AlbAuth,
    SecureAlbRoutes,
    SecureConstructsError,
    SecureFunction,
    SecureNetwork,
    SecureUserPool,
    WafOptions,
)

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return None\n")
CERT = "arn:aws:acm:eu-west-1:111122223333:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
OIDC = dict(
    issuer="https://idp.example.com",
    authorization_endpoint="https://idp.example.com/authorize",
    token_endpoint="https://idp.example.com/token",
    user_info_endpoint="https://idp.example.com/userinfo",
    client_id="alb",
)


def oidc(**more):
    return AlbAuth.oidc(**OIDC, client_secret=SecretValue.secrets_manager("idp-client"), **more)


def routes(stack, **kwargs):
    network = kwargs.pop("network", None) or SecureNetwork(stack, "Net", public_subnets=True)
    return SecureAlbRoutes(
        stack,
        "Shop",
        network=network,
        certificate=acm.Certificate.from_certificate_arn(stack, "Cert", CERT),
        domain_name="shop.example.com",
        default_auth=kwargs.pop("default_auth", None) or oidc(),
        **kwargs,
    )


def fn(stack, id="Fn"):
    return SecureFunction(stack, id, code=CODE, handler="index.handler")


def of_type(stack, kind):
    return Template.from_stack(stack).find_resources(kind)


def test_https_only_with_a_tls12_policy_and_http_redirects(stack):
    routes(stack)
    listeners = {
        x["Properties"]["Protocol"]: x["Properties"]
        for x in of_type(stack, "AWS::ElasticLoadBalancingV2::Listener").values()
    }
    assert listeners["HTTPS"]["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert listeners["HTTPS"]["DefaultActions"][0]["Type"] == "fixed-response"
    assert listeners["HTTP"]["DefaultActions"] == [
        {"RedirectConfig": {"Port": "443", "Protocol": "HTTPS", "StatusCode": "HTTP_301"}, "Type": "redirect"}
    ]


def test_headers_desync_logs_and_waf(stack):
    routes(stack)
    (lb,) = of_type(stack, "AWS::ElasticLoadBalancingV2::LoadBalancer").values()
    attributes = {a["Key"]: a["Value"] for a in lb["Properties"]["LoadBalancerAttributes"]}
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert attributes["routing.http.desync_mitigation_mode"] == "strictest"
    assert attributes["access_logs.s3.enabled"] == "true"
    bucket = of_type(stack, "AWS::S3::Bucket")[attributes["access_logs.s3.bucket"]["Ref"]]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
    assert "DestinationBucketName" in bucket["LoggingConfiguration"]
    (association,) = of_type(stack, "AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["ResourceArn"] == {
        "Ref": next(iter(of_type(stack, "AWS::ElasticLoadBalancingV2::LoadBalancer")))
    }
    assert len(of_type(stack, "AWS::WAFv2::LoggingConfiguration")) == 1


def test_routes_authenticate_before_forwarding_and_machines_are_denied(stack):
    shop = routes(stack)
    shop.add_route("/orders", fn(stack, "A"), priority=1)
    shop.add_route("/api/orders", fn(stack, "B"), priority=2, auth=oidc(machine=True))
    rules = sorted(
        (r["Properties"] for r in of_type(stack, "AWS::ElasticLoadBalancingV2::ListenerRule").values()),
        key=lambda r: r["Priority"],
    )
    for rule, on_unauthenticated in zip(rules, ("authenticate", "deny"), strict=True):
        gate, forward = sorted(rule["Actions"], key=lambda a: a["Order"])
        assert gate["Type"] == "authenticate-oidc" and forward["Type"] == "forward"
        assert gate["AuthenticateOidcConfig"]["OnUnauthenticatedRequest"] == on_unauthenticated


def test_each_function_may_be_invoked_by_its_target_group_only_and_knows_the_alb(stack):
    shop = routes(stack)
    handler = fn(stack)
    shop.add_route("/orders", handler, priority=1)
    (permission,) = of_type(stack, "AWS::Lambda::Permission").values()
    (group,) = of_type(stack, "AWS::ElasticLoadBalancingV2::TargetGroup").values()
    name = group["Properties"]["Name"]
    assert len(name) <= 32
    source = permission["Properties"]["SourceArn"]
    text = "".join(p if isinstance(p, str) else "aws" for p in source["Fn::Join"][1])
    assert text == f"arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/{name}/*"
    function = next(
        f
        for f in of_type(stack, "AWS::Lambda::Function").values()
        if "ALB_ARN" in f["Properties"].get("Environment", {}).get("Variables", {})
    )
    assert function["Properties"]["Environment"]["Variables"]["ALB_ARN"] == {
        "Ref": next(iter(of_type(stack, "AWS::ElasticLoadBalancingV2::LoadBalancer")))
    }


def test_cognito_routes_get_a_confidential_client_with_the_alb_callback(stack):
    users = SecureUserPool(stack, "Users")
    domain = users.user_pool.add_domain("Login", cognito_domain={"domain_prefix": "shop-example"})
    shop = routes(stack, default_auth=AlbAuth.cognito(users, domain))
    shop.add_route("/orders", fn(stack), priority=1)
    (client,) = of_type(stack, "AWS::Cognito::UserPoolClient").values()
    assert client["Properties"]["GenerateSecret"] is True
    assert client["Properties"]["CallbackURLs"] == ["https://shop.example.com/oauth2/idpresponse"]


def test_a_public_route_is_accepted_with_its_reason(stack):
    shop = routes(stack)
    shop.add_route("/health", fn(stack), priority=1, auth=AlbAuth.public("Health probe; returns a constant"))
    (rule,) = of_type(stack, "AWS::ElasticLoadBalancingV2::ListenerRule").values()
    assert [a["Type"] for a in rule["Properties"]["Actions"]] == ["forward"]
    with pytest.raises(SecureConstructsError, match="SC-GEN-003"):
        AlbAuth.public("ok")


def test_turning_waf_off_needs_a_reason(stack):
    routes(stack, waf=WafOptions.disabled("Internal tool behind the corporate VPN only"))
    assert of_type(stack, "AWS::WAFv2::WebACLAssociation") == {}


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda s: routes(s, network=SecureNetwork(s, "Private")), "SC-ALB-001"),
        (lambda s: routes(s, default_auth=AlbAuth.public("Everybody may read the catalogue")), "SC-ALB-002"),
        (lambda s: routes(s, default_auth=AlbAuth.cognito(None, None)), "SC-ALB-002"),
        (
            lambda s: routes(
                s,
                default_auth=AlbAuth.oidc(
                    **{**OIDC, "issuer": "http://idp"}, client_secret=SecretValue.unsafe_plain_text("x")
                ),
            ),
            "SC-ALB-002",
        ),
        (
            lambda s: SecureAlbRoutes(
                s,
                "Bad",
                network=SecureNetwork(s, "N", public_subnets=True),
                certificate=acm.Certificate.from_certificate_arn(s, "C", CERT),
                domain_name="not a name",
                default_auth=oidc(),
            ),
            "SC-ALB-003",
        ),
        (lambda s: routes(s).add_route("orders", fn(s), priority=1), "SC-ALB-004"),
        (lambda s: routes(s).add_route("/orders", fn(s), priority=0), "SC-ALB-004"),
        (lambda s: routes(s).add_route("/orders", "handler", priority=1), "SC-ALB-005"),
        (lambda s: routes(s, overrides={"drop_invalid_header_fields": False}), "SC-GEN-002"),
    ],
)
def test_bad_input_is_refused(stack, make, code):
    with pytest.raises(SecureConstructsError, match=code):
        make(stack)


def test_a_priority_or_path_used_twice_is_refused(stack):
    shop = routes(stack)
    shop.add_route("/a", fn(stack, "A"), priority=1)
    with pytest.raises(SecureConstructsError, match="SC-ALB-004"):
        shop.add_route("/b", fn(stack, "B"), priority=1)
    with pytest.raises(SecureConstructsError, match="SC-ALB-004"):
        shop.add_route("/a", fn(stack, "C"), priority=2)
