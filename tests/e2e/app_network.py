#!/usr/bin/env python3
"""The network and load balancer app that `make e2e` deploys: ``SecureConstructsE2ENetwork``.

A ``SecureNetwork`` with public subnets for a load balancer. In it:
- a function granted one secret, so the network derives a Secrets Manager interface endpoint;
- a ``SecureAlbRoutes`` with an OIDC machine route (unauthenticated requests get 401);
- a public health route, with its reason.

Relaxed for the emulator, each with its reason:
- the load balancer's WAF is off: the emulator has no WAF logging configuration, and it applies no web ACL
  to load balancer traffic anyway;
- the certificate is an imported ARN: nothing in the emulator validates it.

RDS is not deployed: the emulator's database would listen on all interfaces (docs/local-deploy.md).
"""

from __future__ import annotations

import os

from aws_cdk import App, CfnOutput, Environment, SecretValue, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from secure_constructs import AlbAuth, SecureAlbRoutes, SecureFunction, SecureNetwork, WafOptions, add_checks
from secure_constructs.acknowledgments import acknowledge

STACK_NAME = "SecureConstructsE2ENetwork"
IDP = "https://idp.example.com"

READER = """
import os
import boto3

SECRETS = boto3.client("secretsmanager")


def handler(event, context):
    SECRETS.get_secret_value(SecretId=os.environ["API_KEY_SECRET_ARN"])
    return {"ok": True}
"""

ORDERS = """
import json


def handler(event, context):
    body = json.dumps({"orders": []})
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": body}
"""

HEALTH = """
def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "ok"}
"""


class NetworkStack(Stack):
    def __init__(self, scope: Construct, id: str, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        network = SecureNetwork(self, "Network", public_subnets=True)
        api_key = secretsmanager.Secret(self, "ApiKey", description="An API key the reader reads")
        acknowledge(
            api_key, "AwsSolutions-SMG4", "Test secret of the e2e stack, deleted with it after each run"
        )
        acknowledge(
            api_key,
            "SecureServerless-SecretKms",
            "Test secret of the e2e stack; it holds a generated value and is deleted with the stack",
        )
        reader = SecureFunction(
            self,
            "Reader",
            code=lambda_.Code.from_inline(READER),
            handler="index.handler",
            secrets={"API_KEY": api_key},
            network=network,
        )
        routes = SecureAlbRoutes(
            self,
            "Alb",
            network=network,
            certificate=acm.Certificate.from_certificate_arn(
                self, "Certificate", f"arn:aws:acm:{self.region}:{self.account}:certificate/e2e"
            ),
            domain_name="orders.example.com",
            default_auth=AlbAuth.oidc(
                issuer=IDP,
                authorization_endpoint=f"{IDP}/authorize",
                token_endpoint=f"{IDP}/token",
                user_info_endpoint=f"{IDP}/userinfo",
                client_id="alb",
                client_secret=SecretValue.secrets_manager(api_key.secret_arn),
                machine=True,
            ),
            waf=WafOptions.disabled(
                "The local emulator has no WAF logging and applies no web ACL to load balancer traffic"
            ),
        )
        orders = SecureFunction(
            self, "Orders", code=lambda_.Code.from_inline(ORDERS), handler="index.handler"
        )
        health = SecureFunction(
            self, "Health", code=lambda_.Code.from_inline(HEALTH), handler="index.handler"
        )
        routes.add_route("/api/orders", orders, priority=10)
        routes.add_route(
            "/status",
            health,
            priority=20,
            auth=AlbAuth.public("Health probe of the e2e checks; returns a constant"),
        )

        def out(name: str, value: str) -> None:
            CfnOutput(self, name, value=value)

        out("VpcId", network.vpc.vpc_id)
        out("EndpointSecurityGroupId", network.endpoint_security_group.security_group_id)
        out("ReaderSecurityGroupId", reader.function.connections.security_groups[0].security_group_id)
        out("ReaderFunctionName", reader.function.function_name)
        out("FlowLogGroupName", network.flow_log_group.log_group_name)
        out("LoadBalancerArn", routes.load_balancer.load_balancer_arn)
        out("LoadBalancerName", routes.load_balancer.load_balancer_name)
        out("HttpsListenerArn", routes.https_listener.listener_arn)
        out("HttpListenerArn", routes.http_listener.listener_arn)
        out("OrdersFunctionArn", orders.function.function_arn)


def main() -> None:
    app = App()
    NetworkStack(
        app,
        STACK_NAME,
        env=Environment(
            account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")
        ),
    )
    add_checks(app)
    app.synth()


if __name__ == "__main__":
    main()
