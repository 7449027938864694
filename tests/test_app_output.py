"""A plain ``python app.py``: findings printed without a jsii traceback burying them, any other error with
its traceback, and Node's banner as text (never Python ``b'...'`` reprs)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FINDINGS = '''
from aws_cdk import App, Stack
from aws_cdk import aws_sqs as sqs
from secure_constructs import add_checks

app = App()
sqs.Queue(Stack(app, "Plain"), "Queue")
add_checks(app)
app.synth()
'''

OTHER_ERROR = '''
from aws_cdk import App
from secure_constructs import add_checks

app = App()
add_checks(app)
raise ValueError("a bug in the app, not a finding")
'''


def _run(tmp_path: Path, source: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "app.py").write_text(source)
    return subprocess.run([sys.executable, "app.py"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env={**_plain_env(), "PYTHONPATH": str(ROOT), **(env or {})})


def _plain_env() -> dict[str, str]:
    """The environment of a user's shell: without pytest's variables, which switch CDK to its in-memory
    mode (the report inside the exception instead of printed), and without a developer's settings that
    silence jsii's Node version banner."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "JSII_SILENCE_WARNING"))}


def test_failing_synth_prints_the_findings_and_one_line_without_traceback(tmp_path):
    result = _run(tmp_path, FINDINGS)
    assert result.returncode == 1
    assert "ERROR" in result.stderr and "SecureServerless-SqsQueueKms" in result.stderr
    assert "Traceback" not in result.stderr and "JavaScriptError" not in result.stderr
    # one closing line (Node's copy of the findings may reach stderr just after it: two streams)
    [last] = [line for line in result.stderr.splitlines() if line.startswith("Synthesis failed:")]
    assert "validation-report.json" in last


def test_any_other_error_keeps_its_traceback(tmp_path):
    result = _run(tmp_path, OTHER_ERROR)
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.strip().endswith("ValueError: a bug in the app, not a finding")


def test_node_banner_is_text_not_bytes(tmp_path):
    # Node 20 (a fresh machine's) prints an end-of-life banner; jsii hands it to Python as raw bytes
    node20 = next((p for p in ("/usr/bin/node", "/usr/local/bin/node") if Path(p).exists()), None)
    assert node20 and shutil.which(node20), "a system Node.js is expected (Node 20 on a fresh machine)"
    version = subprocess.run([node20, "--version"], capture_output=True, text=True).stdout
    source = "import secure_constructs\nimport aws_cdk\naws_cdk.App().synth()\n"
    result = _run(tmp_path, source, env={"JSII_NODE": node20})
    assert result.returncode == 0, result.stderr
    assert "b'" not in result.stderr
    if version.startswith("v20."):
        assert "Node 20 is end-of-life" in result.stderr  # the banner is there, as text
