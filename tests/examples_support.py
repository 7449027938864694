"""Shared by the example tests: find the CDK examples and synthesize one with every check on."""

from __future__ import annotations

import importlib.util
import json
import pathlib
from types import ModuleType

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES_DIR = ROOT / "examples"


def load(path: pathlib.Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cdk_examples() -> list[pathlib.Path]:
    """Every examples/*.py that is a CDK app (defines ``build(app)``); plain scripts are skipped."""
    found = []
    for path in sorted(EXAMPLES_DIR.glob("*.py")):
        if path.name.startswith("_"):
            continue
        if "\ndef build(" in path.read_text(encoding="utf-8"):
            found.append(path)
    return found


def app_context() -> dict:
    """The feature flags of the project's cdk.json, so that an example synthesizes here as ``cdk synth``
    synthesizes it."""
    return json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]


def synth_example(path: pathlib.Path, outdir: pathlib.Path):
    """Build the example in a fresh App (with cdk.json's feature flags) with every check on and synthesize it.

    Returns (validation result, {stack artifact id: template dict}).
    """
    from aws_cdk import App

    from secure_constructs import add_checks
    from secure_constructs.testing import synth_and_validate

    app = App(outdir=str(outdir), context=app_context())
    load(path).build(app)
    add_checks(app)
    result = synth_and_validate(app)
    templates = {
        p.name.removesuffix(".template.json"): json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(outdir.glob("*.template.json"))
    }
    return result, templates
