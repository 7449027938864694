"""At synth: creation sites of our constructs beside the templates, SARIF from add_checks, and OpenAPI
Body routes (CDK's SpecRestApi) checked by the plugin."""

from __future__ import annotations

import json
import pathlib

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_kms as kms

from secure_constructs import SecureUserPool, add_checks
from secure_constructs.nag._scan import SOURCES_FILE
from secure_constructs.testing import synth_and_validate

HERE = pathlib.Path(__file__).resolve()


def _line(pattern: str) -> int:
    lines = HERE.read_text().splitlines()
    return next(i for i, text in enumerate(lines, 1) if pattern in text and "_line(" not in text)


def test_creation_site_beside_the_templates_and_in_sarif(app, stack, tmp_path, monkeypatch):
    monkeypatch.chdir(HERE.parents[2])  # the app's directory: paths are relative to it
    users = SecureUserPool(stack, "Users")  # SITE-1
    users.user_pool.node.default_child.add_property_override("MfaConfiguration", "OFF")
    kms.Key(stack, "Plain", enable_key_rotation=False)  # not our construct: no site
    sarif = tmp_path / "synth.sarif"
    add_checks(app, stock_packs=(), sarif=str(sarif))
    result = synth_and_validate(app)
    assert "SecureServerless-CognitoMfa[Mfa::OFF]" in {f.rule for f in result.violations}
    outdir = pathlib.Path(app.outdir)
    sources = json.loads((outdir / SOURCES_FILE).read_text())["constructs"]
    assert sources == {"Test/Users": f"tests/nag/test_nag_synth_sources.py:{_line('# SITE-1')}"}
    templates = "".join(p.read_text() for p in outdir.glob("*.template.json"))
    assert "test_nag_synth_sources" not in templates  # kept out of the templates (and snapshots)
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    mfa = next(r for r in results if r["properties"]["findingId"] == "SecureServerless-CognitoMfa[Mfa::OFF]")
    related = mfa["relatedLocations"][0]["physicalLocation"]
    assert related == {
        "artifactLocation": {"uri": "tests/nag/test_nag_synth_sources.py"},
        "region": {"startLine": _line("# SITE-1")},
    }
    key = next(r for r in results if r["properties"]["findingId"] == "SecureServerless-KmsKeyRotation")
    assert "relatedLocations" not in key


def test_spec_rest_api_routes_are_checked_at_synth(app, stack):
    definition = {
        "openapi": "3.0.1",
        "info": {"title": "spec", "version": "1"},
        "paths": {"/open": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}},
    }
    apigw.SpecRestApi(stack, "Spec", api_definition=apigw.ApiDefinition.from_inline(definition), deploy=False)
    add_checks(app, stock_packs=())
    result = synth_and_validate(app)
    assert "SecureServerless-ApiSpecRouteAuth[GET /open]" in {f.rule for f in result.violations}


def test_creation_sites_of_another_app_in_the_process_are_not_written(tmp_path, monkeypatch):
    from aws_cdk import App, Stack

    monkeypatch.chdir(HERE.parents[2])
    app = App(outdir=str(tmp_path / "cdk.out"))
    SecureUserPool(Stack(app, "Test"), "Users")  # SITE-2
    other = App(outdir=str(tmp_path / "other"))
    SecureUserPool(Stack(other, "Test"), "Users")  # same path in another app, recorded later
    add_checks(app, stock_packs=())
    synth_and_validate(app)
    sources = json.loads((tmp_path / "cdk.out" / SOURCES_FILE).read_text())["constructs"]
    assert sources == {"Test/Users": f"tests/nag/test_nag_synth_sources.py:{_line('# SITE-2')}"}
