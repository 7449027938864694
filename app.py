#!/usr/bin/env python3
"""Demo app (the main job of `make synth`): placeholder until the demo service lands."""

from aws_cdk import App

from secure_constructs import add_checks

app = App()
add_checks(app)
app.synth()
