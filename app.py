#!/usr/bin/env python3
"""Demo app, the main job of `make synth`: the orders service with every check on, plus its security report.

Checks: our SecureServerless pack and cdk-nag's AwsSolutions and Serverless packs (`add_checks`); any
unacknowledged finding fails the synth. After synthesis, `security-report.md` and `security-report.html`
are written next to the templates.
"""

from aws_cdk import App

from examples.orders_service import OrdersService
from secure_constructs import add_checks, write_security_report

app = App()
OrdersService(app, "Orders")
add_checks(app)
app.synth()
write_security_report(app.outdir)
