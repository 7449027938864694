#!/usr/bin/env python3
"""A weakened ``SecureConstructsE2ENetwork`` (negative control, never deployed by ``make e2e`` itself): the
checks of tests/e2e/test_e2e_network.py must fail against it. Deploy it with
``python tests/e2e/harness.py --app tests/e2e/app_network_weak.py --stack SecureConstructsE2ENetwork
--no-meta --pytest-args "-k test_e2e_network"``.

Weakened through the escape hatches, without the pack (it would refuse every one):
- the function subnets route to an internet gateway;
- the reader's security group lets everything out;
- the HTTPS listener accepts TLS 1.0;
- the machine route forwards without authenticating;
- the function's permission names no target group.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from aws_cdk import App, Environment
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_network import STACK_NAME, NetworkStack  # noqa: E402


def weaken(stack: NetworkStack) -> None:
    network = stack.node.find_child("Network")
    igw = ec2.CfnInternetGateway(stack, "WeakGateway")
    attachment = ec2.CfnVPCGatewayAttachment(stack, "WeakAttachment", vpc_id=network.vpc.vpc_id,
                                             internet_gateway_id=igw.ref)
    for index, subnet in enumerate(network.vpc.isolated_subnets):
        route = ec2.CfnRoute(stack, f"WeakRoute{index}", route_table_id=subnet.route_table.route_table_id,
                             destination_cidr_block="0.0.0.0/0", gateway_id=igw.ref)
        route.add_dependency(attachment)
    reader = stack.node.find_child("Reader")
    group = reader.function.connections.security_groups[0].node.default_child
    group.add_property_override("SecurityGroupEgress", [{"CidrIp": "0.0.0.0/0", "IpProtocol": "-1"}])
    routes = stack.node.find_child("Alb")
    routes.https_listener.node.default_child.add_property_override("SslPolicy", "ELBSecurityPolicy-2016-08")
    rule = routes.routes["/api/orders"].node.default_child
    target_group = routes.target_groups["/api/orders"].node.default_child
    forward = {"Type": "forward", "Order": 1, "TargetGroupArn": target_group.ref}
    rule.add_property_override("Actions", [forward])
    for child in routes.node.children:
        if isinstance(child, lambda_.CfnPermission):
            child.add_property_deletion_override("SourceArn")


def main() -> None:
    app = App()
    stack = NetworkStack(app, STACK_NAME, env=Environment(
        account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")
    ))
    weaken(stack)
    app.synth()


if __name__ == "__main__":
    main()
