"""Our constructs are not hardened twice: every example app, built after ``harden(app)``, synthesizes to the
template of its snapshot (tests/__snapshots__/test_examples), with every check passing.

Only the plain aws-cdk-lib constructs an example builds itself may differ, and only where harden() says it
supplied something (one bucket of identity_pool_api gets access logs, to the stack's access-log bucket)."""

from __future__ import annotations

import json
import pathlib

import pytest
from examples_support import app_context, cdk_examples, load

from secure_constructs.hardening import ACCESS_LOGS_ID, DATA_KEY_PURPOSE
from secure_constructs.testing import normalize

EXAMPLES = cdk_examples()
SNAPSHOTS = pathlib.Path(__file__).resolve().parents[1] / "__snapshots__" / "test_examples"
#: Stack-level resources harden() makes for the plain constructs it hardens (logical id prefixes).
HARDEN_MADE = (ACCESS_LOGS_ID, f"SecureConstructsKey{DATA_KEY_PURPOSE}")


def _synth(path: pathlib.Path, outdir: pathlib.Path):
    from aws_cdk import App

    from secure_constructs import add_checks, harden
    from secure_constructs.testing import synth_and_validate

    app = App(outdir=str(outdir), context=app_context())
    hardening = harden(app)
    load(path).build(app)
    add_checks(app)
    result = synth_and_validate(app)
    templates = {
        p.name.removesuffix(".template.json"): json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(outdir.glob("*.template.json"))
    }
    return result, templates, hardening


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_an_example_under_harden_synthesizes_as_its_snapshot(path, tmp_path):
    result, templates, hardening = _synth(path, tmp_path / "cdk.out")
    found = [f"{f.rule} at {f.path}" for f in result.violations if f["plugin"] != "SecureServerlessHarden"]
    assert found == []
    supplied = {r.logical_id for r in hardening.records if r.supplied}
    assert templates
    for name, template in templates.items():
        test = f"test_example_passes_every_check_and_matches_snapshot[{path.stem}][{name}]"
        snapshot = SNAPSHOTS / f"{test}.json"
        expected = json.loads(snapshot.read_text(encoding="utf-8"))["Resources"]
        actual = json.loads(json.dumps(normalize(template)))["Resources"]
        differing = {lid for lid in set(expected) | set(actual) if expected.get(lid) != actual.get(lid)}
        unexplained = {lid for lid in differing if lid not in supplied and not lid.startswith(HARDEN_MADE)}
        assert unexplained == set(), f"{name}: resources changed by harden() that it did not harden"
        if not supplied:
            assert differing == set(), f"{name}: harden() supplied nothing, yet the template changed"
