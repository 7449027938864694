"""Secure defaults for Lambda routes behind an Application Load Balancer, as plain data; the security settings
among them are the declared defaults of their properties (``secure_constructs.nag.rules.alb``)."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_elasticloadbalancingv2 as elbv2

from ..nag.declarations import defaults_of

#: TLS 1.3 with TLS 1.2 for older clients (ELBSecurityPolicy-TLS13-1-2-2021-06), AWS's recommended policy.
SSL_POLICY = elbv2.SslPolicy.RECOMMENDED_TLS
#: How long the load balancer's session cookie is valid after a sign-in (the ALB default is 7 days).
SESSION_TIMEOUT = Duration.hours(1)
#: Access logs, and the access logs of their bucket, are kept a year and a month, like the trail's.
LOGS_EXPIRE_AFTER = Duration.days(400)
#: The environment variable that tells a route's function the load balancer's ARN (for alb_oidc).
ALB_ARN_ENV = "ALB_ARN"

#: ``elbv2.ApplicationLoadBalancer`` kwargs the construct sets itself.
LOAD_BALANCER_MANAGED = frozenset({"vpc", "vpc_subnets", "internet_facing"})


@cache
def _declared() -> dict[str, Any]:
    return defaults_of("SecureAlbRoutes")


def load_balancer_props() -> dict[str, Any]:
    """``elbv2.ApplicationLoadBalancer`` kwargs: the declared secure defaults (invalid header fields dropped,
    strictest desync mitigation) and HTTP/2."""
    return {"http2_enabled": True, **_declared()}
