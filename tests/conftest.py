"""Test-session setup; runs before any test module imports aws_cdk.

jsii starts its Node process at the first ``import aws_cdk`` and copies ``os.environ`` then, so the
environment must be right before that: CDK_VALIDATION=false switches off aws-cdk-lib's built-in
CloudFormation validator (10-20 s per process; the examples are synthesized once with it on, in
test_examples_validate.py), and node_modules/.bin comes first on PATH so jsii runs on the project's
Node 22 even when pytest is started by hand.
"""

import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
os.environ.setdefault("CDK_VALIDATION", "false")
# the tests' analyses of handler code stay in memory (tests/least_privilege checks the disk cache itself)
os.environ.setdefault("SECURE_CONSTRUCTS_NO_ANALYSIS_CACHE", "1")
_node_bin = ROOT / "node_modules" / ".bin"
if _node_bin.is_dir() and not os.environ.get("PATH", "").startswith(str(_node_bin)):
    os.environ["PATH"] = f"{_node_bin}{os.pathsep}{os.environ.get('PATH', '')}"

import pytest  # noqa: E402


@pytest.fixture
def app(tmp_path):
    """A fresh App writing to a temporary cloud assembly directory."""
    from aws_cdk import App

    return App(outdir=str(tmp_path / "cdk.out"))


@pytest.fixture
def stack(app):
    """A stack with a fixed environment, so that ARNs in templates are stable."""
    from aws_cdk import Environment, Stack

    return Stack(app, "Test", env=Environment(account="111122223333", region="eu-west-1"))


# --- the self-mutation test's counts, printed in the summary (test_self_mutation.py records them) ---------

_MUTATION_COUNTS: dict[str, dict] = {}


def pytest_runtest_logreport(report):
    props = dict(report.user_properties)
    if report.when == "call" and "mutants" in props:
        _MUTATION_COUNTS[report.nodeid] = props


def pytest_terminal_summary(terminalreporter):
    if not _MUTATION_COUNTS:
        return
    from secure_constructs.nag import RULES

    mutants = sum(p["mutants"] for p in _MUTATION_COUNTS.values())
    caught = sum(p["caught"] for p in _MUTATION_COUNTS.values())
    kinds = {w for p in _MUTATION_COUNTS.values() for w in p["weakenings"]}
    terminalreporter.write_line(
        f"self-mutation: {len(RULES)} properties declared, {sum(1 for s in RULES if s.mutations)} with "
        f"weakenings ({len(kinds)} distinct weakenings run); {mutants} mutants derived from "
        f"{len(_MUTATION_COUNTS)} example apps, {caught} caught"
    )
