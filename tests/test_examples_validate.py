"""Two clean synths of every example, in fresh processes: once with aws-cdk-lib's built-in CloudFormation
validator on (the one place the suite pays its 10-20 s start-up), once with it off. Both pass every check and
write byte-identical templates."""

import os
import subprocess
import sys

from examples_support import ROOT, cdk_examples


def _synth(outdir, validation: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CDK_VALIDATION": validation}
    return subprocess.run(
        [sys.executable, str(ROOT / "tests" / "synth_examples.py"), str(outdir)],
        cwd=ROOT / "tests", env=env, capture_output=True, text=True, timeout=900,
    )


def test_examples_pass_builtin_validation_and_synthesize_identically(tmp_path):
    assert cdk_examples(), "no examples found"
    with_validation = _synth(tmp_path / "a", "true")
    assert with_validation.returncode == 0, with_validation.stdout + with_validation.stderr
    without = _synth(tmp_path / "b", "false")
    assert without.returncode == 0, without.stdout + without.stderr
    first = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.template.json"))
    second = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.template.json"))
    assert first and first == second
    for rel in first:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), f"{rel} differs"
