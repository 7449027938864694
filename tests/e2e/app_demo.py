#!/usr/bin/env python3
"""The demo service (``app.py``'s ``OrdersService``) for `make e2e`: in the account and region the CLI
targets (the emulator's, or a real one) instead of the fixed example environment, with every check on."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: `examples` is there

from aws_cdk import App, Environment  # noqa: E402

from examples.orders_service import OrdersService  # noqa: E402
from secure_constructs import add_checks  # noqa: E402

DEMO_STACK = "Orders"


def main() -> None:
    app = App()
    account, region = os.environ.get("CDK_DEFAULT_ACCOUNT"), os.environ.get("CDK_DEFAULT_REGION")
    OrdersService(app, DEMO_STACK, env=Environment(account=account, region=region))
    add_checks(app)
    app.synth()


if __name__ == "__main__":
    main()
