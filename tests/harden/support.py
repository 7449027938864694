"""Shared by the harden tests: build and synthesize the plain test app, with or without ``harden(app)``."""

from __future__ import annotations

import json
import pathlib
import sys
from dataclasses import dataclass
from typing import Any

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import plain_app  # noqa: E402
from examples_support import app_context  # noqa: E402

PACK = "SecureServerless"
HARDEN = "SecureServerlessHarden"
STOCK = ("AwsSolutions", "Serverless")
#: Rules about the permissions of the app's own roles: what its code calls against what its grants allow,
#: and wildcards in what it granted. harden() cannot know what the app needs.
LEAST_PRIVILEGE = {
    "SecureServerless-LambdaUnusedPermission",
    "SecureServerless-LambdaMissingPermission",
    "SecureServerless-IamNoWildcardAction",
    "SecureServerless-IamNoWildcardResource",
    "SecureServerless-IamWildcardArn",
}


@dataclass
class Synth:
    result: Any  # secure_constructs.testing.ValidationResult
    templates: dict[str, dict[str, Any]]
    hardening: Any  # secure_constructs.hardening.Hardening, or None
    outdir: pathlib.Path

    def ours(self) -> list[Any]:
        """Our pack's open findings."""
        return [f for f in self.result.violations if f["plugin"] == PACK]

    def of(self, plugin: str) -> list[Any]:
        return [f for f in self.result.violations if f["plugin"] == plugin]


def base_rule(rule: str) -> str:
    return rule.split("[", 1)[0]


def synth(
    outdir: pathlib.Path,
    *,
    harden: dict[str, Any] | None = None,
    stock: bool = True,
    build: Any = None,
) -> Synth:
    """Build the plain app (or ``build(app)``) in a fresh App with cdk.json's feature flags and the asset
    metadata ``cdk synth`` writes, ``harden(app, **harden)`` first when given, and synthesize it with our
    pack (and cdk-nag's AwsSolutions and Serverless packs with ``stock``)."""
    from aws_cdk import App, Validations

    from secure_constructs import SecureServerlessChecks, add_checks
    from secure_constructs import harden as harden_app
    from secure_constructs.testing import synth_and_validate

    app = App(outdir=str(outdir), context={**app_context(), "aws:cdk:enable-asset-metadata": True})
    hardening = harden_app(app, **harden) if harden is not None else None
    (build or plain_app.build)(app)
    if stock:
        add_checks(app)
    else:
        Validations.of(app).add_plugins(SecureServerlessChecks(app))
    result = synth_and_validate(app)
    templates = {
        p.name.removesuffix(".template.json"): json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(outdir.glob("*.template.json"))
    }
    return Synth(result, templates, hardening, outdir)
