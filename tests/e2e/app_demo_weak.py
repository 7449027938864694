#!/usr/bin/env python3
"""The meta-test's deliberately weakened demo service: ``OrdersWeak``, the demo with its guarantees undone.

The demo service of ``app.py`` after L1 escape hatches undo what the demo's checks guard, synthesized
without ``add_checks`` (which would refuse it):

- every route of the three APIs is public, except the health route, which needs IAM;
- the functions look for an orders table that does not exist, so no route can serve a caller.

The demo's checks run against it in ``make e2e`` and each must fail (tests/e2e/weakened.py), except the
one that only says every resource was created.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: `examples` is there

from aws_cdk import App, Environment  # noqa: E402
from aws_cdk import aws_apigateway as apigw  # noqa: E402
from aws_cdk import aws_apigatewayv2 as apigwv2  # noqa: E402

from examples.orders_service import OrdersService  # noqa: E402

WEAK_DEMO_STACK = "OrdersWeak"


def weaken(service: OrdersService) -> None:
    for api in (service.internal_api, service.public_api):
        for method in api.rest_api.methods:
            cfn = method.node.default_child
            assert isinstance(cfn, apigw.CfnMethod)
            if method.resource.path == "/health":
                cfn.add_property_override("AuthorizationType", "AWS_IAM")
                continue
            cfn.add_property_override("AuthorizationType", "NONE")
            cfn.add_property_deletion_override("AuthorizerId")
            cfn.add_property_deletion_override("AuthorizationScopes")
    for route in service.mobile_api.http_api.node.find_all():
        if isinstance(route, apigwv2.CfnRoute):
            route.add_property_override("AuthorizationType", "NONE")
            route.add_property_deletion_override("AuthorizerId")
            route.add_property_deletion_override("AuthorizationScopes")
    for name, fn in service.functions.items():
        if name != "Health":  # every other function reads the orders table
            fn.function.node.default_child.add_property_override(  # type: ignore[union-attr]
                "Environment.Variables.ORDERS_TABLE", "no-such-table"
            )


def main() -> None:
    app = App()
    account, region = os.environ.get("CDK_DEFAULT_ACCOUNT"), os.environ.get("CDK_DEFAULT_REGION")
    service = OrdersService(app, WEAK_DEMO_STACK, env=Environment(account=account, region=region))
    weaken(service)
    app.synth()  # no add_checks: they would refuse this stack


if __name__ == "__main__":
    main()
