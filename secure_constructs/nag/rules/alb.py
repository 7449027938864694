"""Application Load Balancers in front of Lambda functions: HTTPS only with a TLS 1.2+ policy, HTTP only
redirecting, every forwarding route authenticated, strict header handling, access logs, WAF, and Lambda
permissions scoped to a target group."""

from __future__ import annotations

import re
from typing import Any

from .._model import Cdk, Compliance, RuleResult, RuleSpec, Setting, if_, remove, set_
from .._template import MISSING, TemplateContext, as_list, flatten, props, show, when
from ._common import E, per_scenario

LB = "AWS::ElasticLoadBalancingV2::LoadBalancer"
LISTENER = "AWS::ElasticLoadBalancingV2::Listener"
RULE = "AWS::ElasticLoadBalancingV2::ListenerRule"
TARGET_GROUP = "AWS::ElasticLoadBalancingV2::TargetGroup"
WEB_ACL_ASSOCIATION = "AWS::WAFv2::WebACLAssociation"
PERMISSION = "AWS::Lambda::Permission"
ELB_PRINCIPAL = "elasticloadbalancing.amazonaws.com"
_AUTH_TYPES = {
    "authenticate-cognito": "AuthenticateCognitoConfig",
    "authenticate-oidc": "AuthenticateOidcConfig",
}
#: Security policies whose oldest protocol is TLS 1.2 or 1.3 (TLS13-1-2, TLS13-1-3, TLS-1-2, FS-1-2, FIPS...).
_TLS12_POLICY = re.compile(r"^ELBSecurityPolicy-(TLS13-1-[23]|TLS-1-2|FS-1-2)(-|$)")
_TG_ARN = re.compile(r":targetgroup/([^/*?]+)/")
_ALB = "SecureAlbRoutes"


def _application(resource: dict[str, Any]) -> bool:
    kind = props(resource).get("Type", "application")
    return kind in ("application", MISSING)


def _attributes(
    resource: dict[str, Any], ctx: TemplateContext
) -> list[tuple[dict[str, Any], tuple[str, ...]]]:
    out = []
    for value, conds in ctx.conditional(props(resource).get("LoadBalancerAttributes", MISSING)):
        items = (
            [] if value is MISSING or value is None else as_list(ctx.literal(value, "LoadBalancerAttributes"))
        )
        out.append(({str(i.get("Key")): i.get("Value") for i in items if isinstance(i, dict)}, conds))
    return out


def _attribute_rule(key: str, ok: Any, wanted: str) -> Any:
    def check(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
        if not _application(resource):
            return Compliance.NOT_APPLICABLE
        for attributes, conds in _attributes(resource, ctx):
            value = attributes.get(key, MISSING)
            value = value if value is MISSING else ctx.literal(value, key)
            if not ok(value):
                return [(None, f"{key} is {show(value)}, not {wanted}{when(conds)}")]
        return []

    check.__doc__ = f"The load balancer's attribute {key} is {wanted}."
    return check


alb_drop_invalid_headers = _attribute_rule(
    "routing.http.drop_invalid_header_fields.enabled", lambda v: str(v).lower() == "true", "true"
)
alb_desync_mitigation = _attribute_rule(
    "routing.http.desync_mitigation_mode", lambda v: v == "strictest", "strictest"
)


def alb_access_logs(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The load balancer writes access logs to a bucket (access_logs.s3.enabled and .bucket)."""
    if not _application(resource):
        return Compliance.NOT_APPLICABLE
    for attributes, conds in _attributes(resource, ctx):
        enabled = attributes.get("access_logs.s3.enabled", MISSING)
        enabled = enabled if enabled is MISSING else ctx.literal(enabled, "access_logs.s3.enabled")
        if str(enabled).lower() != "true" or attributes.get("access_logs.s3.bucket") in (None, "", MISSING):
            return [(None, f"access_logs.s3.enabled is {show(enabled)}{when(conds)}")]
    return []


def load_balancer_log_buckets(ctx: TemplateContext) -> set[str]:
    """Logical ids of the buckets that receive a load balancer's access logs (ALB delivers with SSE-S3)."""

    def find() -> set[str]:
        out: set[str] = set()
        for _, lb in ctx.of_type(LB):
            for item in as_list(props(lb).get("LoadBalancerAttributes")):
                if isinstance(item, dict) and item.get("Key") == "access_logs.s3.bucket":
                    out |= ctx.references(item.get("Value"))
        return out

    return ctx.memo("load-balancer-log-buckets", find)


def alb_waf(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """A WAF web ACL is associated with the load balancer (AWS::WAFv2::WebACLAssociation)."""
    if not _application(resource):
        return Compliance.NOT_APPLICABLE
    for _, association in ctx.of_type(WEB_ACL_ASSOCIATION):
        if logical_id in ctx.references(props(association).get("ResourceArn")):
            return []
    return [(None, "no web ACL association names this load balancer")]


def _listener_protocol(resource: dict[str, Any], ctx: TemplateContext) -> Any:
    return ctx.literal(props(resource).get("Protocol"), "Protocol")


def alb_listener_tls(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """An HTTPS listener uses a security policy whose oldest protocol is TLS 1.2 (absent: the 2016 policy
    with TLS 1.0)."""
    if _listener_protocol(resource, ctx) != "HTTPS":
        return Compliance.NOT_APPLICABLE
    for value, conds in ctx.conditional(props(resource).get("SslPolicy", MISSING)):
        policy = value if value is MISSING else ctx.literal(value, "SslPolicy")
        if not isinstance(policy, str) or not _TLS12_POLICY.match(policy):
            return [
                (
                    f"Policy::{policy if isinstance(policy, str) else 'absent'}",
                    f"SslPolicy {show(policy)} allows protocols older than TLS 1.2{when(conds)}",
                )
            ]
    return []


def _redirects_to_https(actions: Any) -> bool:
    items = [a for a in as_list(actions) if isinstance(a, dict)]
    return bool(items) and all(
        a.get("Type") == "redirect"
        and str((a.get("RedirectConfig") or {}).get("Protocol")).upper() == "HTTPS"
        for a in items
    )


def alb_http_redirect(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """A plain HTTP listener only redirects to HTTPS: its default action is a redirect and no rule of it
    serves anything."""
    if _listener_protocol(resource, ctx) != "HTTP":
        return Compliance.NOT_APPLICABLE
    for actions, conds in ctx.conditional(props(resource).get("DefaultActions", MISSING)):
        if not _redirects_to_https(ctx.literal(actions, "DefaultActions") if actions is not MISSING else []):
            return [
                ("Plaintext", f"the default action serves plain HTTP instead of redirecting{when(conds)}")
            ]
    for lid, rule in ctx.of_type(RULE):
        if logical_id in ctx.references(props(rule).get("ListenerArn")) and not _redirects_to_https(
            props(rule).get("Actions")
        ):
            return [("Plaintext", f"rule {lid} serves plain HTTP")]
    return []


def _route_auth(actions: Any) -> RuleResult:
    items = [a for a in as_list(actions) if isinstance(a, dict)]
    forwards = [a for a in items if a.get("Type") == "forward"]
    if not forwards:
        return Compliance.NOT_APPLICABLE  # a redirect or a fixed response reaches no function
    first_forward = min(int(a.get("Order", 50000) or 50000) for a in forwards)
    gates = [a for a in items if a.get("Type") in _AUTH_TYPES and int(a.get("Order", 0) or 0) < first_forward]
    if not gates:
        return [("NoAuth", "the route forwards without an authenticate-cognito or authenticate-oidc action")]
    for gate in gates:
        config = gate.get(_AUTH_TYPES[str(gate.get("Type"))]) or {}
        if str(config.get("OnUnauthenticatedRequest", "authenticate")).lower() == "allow":
            return [
                ("AllowUnauthenticated", "OnUnauthenticatedRequest is allow: unauthenticated requests pass")
            ]
    return []


def _alb_route_auth(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """A listener rule (or a listener's default action) that forwards authenticates first: an
    authenticate-cognito or authenticate-oidc action before the forward, that does not let
    unauthenticated requests through (OnUnauthenticatedRequest deny or authenticate). A public route is
    acknowledged with its reason."""
    key = "Actions" if resource.get("Type") == RULE else "DefaultActions"
    if resource.get("Type") == LISTENER and _listener_protocol(resource, ctx) not in ("HTTP", "HTTPS"):
        return Compliance.NOT_APPLICABLE
    return _route_auth(props(resource).get(key))


alb_route_auth = per_scenario(_alb_route_auth)


def alb_lambda_permission(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """A permission for Elastic Load Balancing names one target group in SourceArn (a reference to it, or
    its ARN with the target group's name)."""
    p = props(resource)
    if ctx.literal(p.get("Principal"), "Principal") != ELB_PRINCIPAL:
        return Compliance.NOT_APPLICABLE
    source = p.get("SourceArn")
    if source is None:
        return [("NoTargetGroup", "no SourceArn: any target group of any account may invoke the function")]
    if any(ctx.type_of(ref) == TARGET_GROUP for ref in ctx.references(source)):
        return []
    text = flatten(source) or ""
    match = _TG_ARN.search(text + "/")
    names = {str(props(tg).get("Name")) for _, tg in ctx.of_type(TARGET_GROUP)}
    if match and "*" not in match.group(1) and (match.group(1) in names or not names):
        return []
    return [("NoTargetGroup", f"SourceArn {text[:100]} names no one target group")]


_LB_ATTRIBUTES = [{"Key": "deletion_protection.enabled", "Value": "false"}]
_FORWARD = [
    {
        "Type": "forward",
        "Order": 1,
        "TargetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/x/0123456789",
    }
]
_ALLOWING = [
    {
        "Type": "authenticate-oidc",
        "Order": 1,
        "AuthenticateOidcConfig": {
            "Issuer": "https://idp.example.com",
            "AuthorizationEndpoint": "https://idp.example.com/authorize",
            "TokenEndpoint": "https://idp.example.com/token",
            "UserInfoEndpoint": "https://idp.example.com/userinfo",
            "ClientId": "client",
            "ClientSecret": "{{resolve:secretsmanager:idp:SecretString:secret}}",
            "OnUnauthenticatedRequest": "allow",
        },
    },
    {**_FORWARD[0], "Order": 2},
]

#: What SecureAlbRoutes changes that is not a security property, and why.
NOT_SECURITY_RELEVANT = {
    (LB, "Scheme"): "internet-facing: the point of the routes (every route authenticates or is public with a "
    "reason)",
    (LB, "Subnets"): "the network's public subnets (a load balancer needs them to face the internet)",
    (LB, "SecurityGroups"): "the load balancer's own group (443 and 80 in, 443 out to the identity provider)",
    (LB, "Type"): "an application load balancer (HTTP routing)",
    (LISTENER, "Certificates"): "the listener's certificate",
    (LISTENER, "Port"): "443 for HTTPS, 80 for the redirect",
    (LISTENER, "LoadBalancerArn"): "wiring between resources the construct made",
    (RULE, "ListenerArn"): "wiring between resources the construct made",
    (RULE, "Priority"): "the order of the routes",
    (RULE, "Conditions"): "which paths the route serves",
    (TARGET_GROUP, "TargetType"): "lambda: the targets are the route's functions",
    (TARGET_GROUP, "Targets"): "the route's function",
    (TARGET_GROUP, "Name"): "a name, fixed so that the Lambda permission can name the target group",
    (TARGET_GROUP, "TargetGroupAttributes"): "Lambda target settings",
    (WEB_ACL_ASSOCIATION, "WebACLArn"): "the web ACL, itself judged by the WAF rules",
    (
        "AWS::EC2::SecurityGroup",
        "SecurityGroupEgress",
    ): "the load balancer reaches the identity provider on 443",
}

RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "AlbListenerTls",
        "encryption",
        (LISTENER,),
        "The HTTPS listener's security policy allows protocols older than TLS 1.2.",
        "Set SslPolicy to a TLS 1.2+ policy (ELBSecurityPolicy-TLS13-1-2-2021-06, or TLS13-1-3 for TLS 1.3 "
        "only); without one the listener uses ELBSecurityPolicy-2016-08, which accepts TLS 1.0.",
        E,
        alb_listener_tls,
        paths=("SslPolicy", "Protocol"),
        finding_ids=("Policy::<policy name or absent>",),
        settings=(Setting(_ALB, "its HTTPS listener", via="wired"),),
        mutations=(
            set_("SslPolicy", "ELBSecurityPolicy-2016-08"),
            remove("SslPolicy"),
            if_("SslPolicy", "ELBSecurityPolicy-TLS-1-1-2017-01"),
        ),
    ),
    RuleSpec(
        "AlbHttpRedirect",
        "encryption",
        (LISTENER,),
        "A plain HTTP listener serves requests instead of only redirecting them to HTTPS.",
        "Give the HTTP listener one default action, a redirect to HTTPS (port 443), and no rules: tokens and "
        "session cookies must never travel in plain text.",
        E,
        alb_http_redirect,
        paths=("DefaultActions",),
        finding_ids=("Plaintext",),
        settings=(Setting(_ALB, "its HTTP listener", via="wired"),),
        mutations=(
            set_(
                "DefaultActions", [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200"}}]
            ),
        ),
    ),
    RuleSpec(
        "AlbRouteAuth",
        "auth",
        (RULE, LISTENER),
        "A load balancer route forwards to its targets without authenticating the caller first.",
        "Put an authenticate-cognito or authenticate-oidc action before the forward "
        "(OnUnauthenticatedRequest "
        "deny for machine clients, authenticate for browsers, never allow), and verify the signed "
        "x-amzn-oidc-data header in the function; a public route is acknowledged with its reason "
        "(AlbAuth.public). An ALB has no API Gateway authorizers: the listener is the only gate.",
        E,
        alb_route_auth,
        paths=("Actions", ("AWS::ElasticLoadBalancingV2::Listener", "DefaultActions")),
        finding_ids=("NoAuth", "AllowUnauthenticated"),
        settings=(
            Setting(_ALB, "default_auth", via="parameter"),
            Setting(_ALB + ".add_route", "auth", via="parameter"),
        ),
        mutations=(set_("Actions", _FORWARD), set_("Actions", _ALLOWING), if_("Actions", _FORWARD)),
    ),
    RuleSpec(
        "AlbDropInvalidHeaders",
        "network",
        (LB,),
        "The load balancer passes HTTP headers with invalid field names to its targets.",
        "Set routing.http.drop_invalid_header_fields.enabled to true (drop_invalid_header_fields=True in "
        "CDK): malformed headers are a request-smuggling and header-injection vector.",
        E,
        alb_drop_invalid_headers,
        paths=("LoadBalancerAttributes",),
        settings=(Setting(_ALB, "drop_invalid_header_fields", True),),
        mutations=(
            set_(
                "LoadBalancerAttributes",
                [{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "false"}],
            ),
        ),
    ),
    RuleSpec(
        "AlbDesyncMitigation",
        "network",
        (LB,),
        "The load balancer's desync mitigation is not strictest.",
        "Set routing.http.desync_mitigation_mode to strictest (desync_mitigation_mode=STRICTEST in CDK): "
        "requests that could be read differently by the load balancer and the target are refused.",
        E,
        alb_desync_mitigation,
        paths=("LoadBalancerAttributes",),
        settings=(
            Setting(
                _ALB,
                "desync_mitigation_mode",
                Cdk("aws_elasticloadbalancingv2.DesyncMitigationMode.STRICTEST"),
            ),
        ),
        mutations=(
            set_(
                "LoadBalancerAttributes",
                [{"Key": "routing.http.desync_mitigation_mode", "Value": "defensive"}],
            ),
        ),
    ),
    RuleSpec(
        "AlbAccessLogs",
        "logging",
        (LB,),
        "The load balancer does not write access logs.",
        "Set access_logs.s3.enabled to true with a bucket that blocks public access and refuses non-TLS "
        "requests (SecureAlbRoutes makes one): access logs show who called which route, and when.",
        E,
        alb_access_logs,
        paths=("LoadBalancerAttributes",),
        settings=(Setting(_ALB, "its access logs bucket", via="wired"),),
        stock_ids=("AwsSolutions-ELB2",),
        mutations=(set_("LoadBalancerAttributes", _LB_ATTRIBUTES),),
    ),
    RuleSpec(
        "AlbWaf",
        "network",
        (LB,),
        "No WAF web ACL is associated with the load balancer.",
        "Associate a web ACL (AWS::WAFv2::WebACLAssociation) with managed rule groups and a rate limit, the "
        "same as the REST APIs' (SecureAlbRoutes does, unless WafOptions.disabled(reason)).",
        E,
        alb_waf,
        paths=((WEB_ACL_ASSOCIATION, "ResourceArn"),),
        settings=(Setting(_ALB, "waf", via="parameter"),),
        mutations=(
            set_(
                "ResourceArn",
                "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/other/0123456789abcdef",
                target=WEB_ACL_ASSOCIATION,
            ),
        ),
    ),
    RuleSpec(
        "AlbLambdaPermission",
        "auth",
        (PERMISSION,),
        "The function may be invoked by Elastic Load Balancing for any target group.",
        "Set SourceArn to the target group (its ARN, or arn:...:targetgroup/<name>/* with the target group's "
        "fixed name, since the full ARN would make the target group and the permission depend on each "
        "other): "
        "otherwise any load balancer, in any account, can send it requests.",
        E,
        alb_lambda_permission,
        paths=("SourceArn",),
        finding_ids=("NoTargetGroup",),
        settings=(Setting(_ALB + ".add_route", "its target group", via="wired"),),
        mutations=(
            set_("SourceArn", "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/*"),
            remove("SourceArn"),
        ),
    ),
)
