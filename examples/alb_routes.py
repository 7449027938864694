"""Lambda functions behind an Application Load Balancer: cheaper per request than API Gateway, but without
its authorizers, so the listener authenticates every route and the function verifies the result.

``SecureAlbRoutes`` listens on HTTPS only (TLS 1.2+, HTTP redirects), signs browsers in with the user pool
before forwarding, answers machine clients without a session with 401 instead of a login redirect, keeps one
health route public with its reason, drops invalid headers, uses the strictest desync mitigation, logs access
to a hardened bucket and puts the REST APIs' WAF in front. Each function may be invoked by its own target
group only and verifies the signed ``x-amzn-oidc-data`` header with ``alb_oidc``. The functions' network
declares its egress: the load balancer's signing keys are published on the internet, with no VPC endpoint.
Run it with every check on: ``python examples/alb_routes.py``.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import App, Environment, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

import secure_constructs
from secure_constructs import (
    AlbAuth,
    NetworkEgress,
    SecureAlbRoutes,
    SecureFunction,
    SecureNetwork,
    SecureUserPool,
    handler_code,
)

HANDLER_DIR = Path(__file__).resolve().parent / "handlers" / "orders_alb"
DOMAIN = "orders.example.com"
HEALTH = """
def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "ok"}
"""


def build(app: App) -> Stack:
    stack = Stack(app, "AlbRoutes", env=Environment(account="111122223333", region="eu-west-1"))
    network = SecureNetwork(
        stack,
        "Network",
        public_subnets=True,  # the internet-facing load balancer lives there; functions never do
        egress=NetworkEgress.nat(
            "The functions fetch the load balancer's signing keys from public-keys.auth.elb.eu-west-1."
            "amazonaws.com, which has no VPC endpoint"
        ),
        flow_log_retention=logs.RetentionDays.ONE_MONTH,  # example stack: short retention
    )
    users = SecureUserPool(stack, "Customers")
    domain = users.user_pool.add_domain(
        "LoginDomain", cognito_domain={"domain_prefix": "orders-example-111122223333"}
    )
    certificate = acm.Certificate.from_certificate_arn(
        stack,
        "Certificate",
        "arn:aws:acm:eu-west-1:111122223333:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
    )
    routes = SecureAlbRoutes(
        stack,
        "Orders",
        network=network,
        certificate=certificate,
        domain_name=DOMAIN,
        default_auth=AlbAuth.cognito(users, domain),
        log_retention=logs.RetentionDays.ONE_MONTH,  # example stack: short retention
    )

    def function(id: str, code: lambda_.Code) -> SecureFunction:
        return SecureFunction(
            stack,
            id,
            code=code,
            handler="index.handler",
            network=network,
            log_retention=logs.RetentionDays.ONE_MONTH,  # example stack: short retention
        )

    orders_code = handler_code(HANDLER_DIR, helpers=["alb_oidc"])
    routes.add_route("/orders", function("BrowserOrders", orders_code), priority=10)
    routes.add_route(
        "/api/orders",
        function("MachineOrders", orders_code),
        priority=20,
        auth=AlbAuth.cognito(users, domain, machine=True),  # 401 without a session, no login redirect
    )
    routes.add_route(
        "/health",
        function("Health", lambda_.Code.from_inline(HEALTH)),
        priority=30,
        auth=AlbAuth.public(
            "Health probe of the load balancer's monitoring; returns a constant, reads no data"
        ),
    )
    return stack


if __name__ == "__main__":
    app = App()
    build(app)
    secure_constructs.add_checks(app)
    app.synth()
