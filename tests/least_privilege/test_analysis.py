"""The analysis finds every SDK call of the fixture handlers, with its action and environment variable."""

import json
import os
import subprocess
import sys

import pytest
from corpus import EXPECTED, FIXTURES

from secure_constructs.least_privilege import _iam, analyze_code, analyze_directory, handler_files
from secure_constructs.least_privilege.__main__ import main


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch):
    monkeypatch.setenv("SECURE_CONSTRUCTS_NO_ANALYSIS_CACHE", "1")


def _found(name):
    analysis = analyze_directory(FIXTURES / name)
    return {(a, c.env) for c in analysis.calls for a in c.actions}, analysis


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_calls_are_found_exactly(name):
    found, _ = _found(name)
    assert found == EXPECTED[name]


def test_client_made_in_one_module_is_followed_into_another_with_file_and_line():
    _, analysis = _found("multi_module")
    put = next(c for c in analysis.calls if c.operation == "PutItem")
    assert (put.file, put.line) == ("handler.py", 11)  # inside the helper that received the table


def test_query_on_an_index_names_the_index():
    _, analysis = _found("dynamodb")
    assert {c.index for c in analysis.calls if c.operation == "Query"} == {"byStatus"}


def test_dynamic_calls_are_unresolved_with_the_reason():
    _, analysis = _found("dynamic")
    reasons = {(u.line, u.reason.split(" (")[0]) for u in analysis.unresolved}
    assert any(line == 10 and "chosen at run time" in why for line, why in reasons), reasons
    assert any(line == 11 and "unknown service" in why for line, why in reasons), reasons


def test_vendored_dependencies_are_not_read():
    assert handler_files(FIXTURES / "vendored") == ["index.py"]


def test_reference_mapping_endpoint_prefix_and_table():
    assert _iam.actions_for("cloudwatch", "PutMetricData") == (
        "cloudwatch:PutMetricData",
    )  # endpoint: monitoring
    assert _iam.actions_for("s3", "HeadObject") == ("s3:GetObject",)
    assert isinstance(_iam.actions_for("dynamodb", "ExecuteStatement"), str)  # not guessed
    for actions in [*_iam.TABLE.values(), *_iam.MANAGED.values(), *_iam.KMS_VIA_ENCRYPTION.values()]:
        assert all(_iam.exists(a) for a in actions), actions  # every table entry is a real IAM action


def test_transact_write_items_maps_each_literal_item():
    analysis = analyze_code(
        "import os, boto3\nc = boto3.client('dynamodb')\ndef h(e, x):\n"
        "    c.transact_write_items(TransactItems=[{'Put': {'TableName': os.environ['T'], 'Item': {}}},"
        " {'Delete': {'TableName': os.environ['T'], 'Key': {}}}])\n"
    )
    assert {a for c in analysis.calls for a in c.actions} == {"dynamodb:PutItem", "dynamodb:DeleteItem"}


def test_cli_prints_the_policy_document(capsys):
    table = "arn:aws:dynamodb:eu-west-1:111122223333:table/orders"
    assert main([str(FIXTURES / "dynamodb"), "--env", f"ORDERS_TABLE={table}"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert {(s["Action"], s["Resource"]) for s in document["Statement"]} == {
        ("dynamodb:BatchWriteItem", table),
        ("dynamodb:Query", f"{table}/index/byStatus"),
    }


@pytest.mark.parametrize(
    "argv",
    [
        ["/no/such/dir"],
        [str(FIXTURES / "dynamodb"), "--env", "NOEQUALS"],
        [str(FIXTURES / "dynamodb"), "--env", "T=arn:aws:s3:::b/key"],
    ],
)
def test_cli_bad_input_exits_2_with_one_line(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("[SC-LP-002]") and "\n" not in err


def test_disk_cache_reuses_the_analysis(tmp_path, monkeypatch):
    from secure_constructs.least_privilege import _sources

    monkeypatch.delenv("SECURE_CONSTRUCTS_NO_ANALYSIS_CACHE")
    monkeypatch.setenv("SECURE_CONSTRUCTS_CACHE", str(tmp_path))
    _sources.clear_memory_cache()
    first = analyze_directory(FIXTURES / "aliases")
    _sources.clear_memory_cache()
    monkeypatch.setattr(_sources, "Analyzer", None)  # a second analysis would fail
    assert analyze_directory(FIXTURES / "aliases") == first
    assert len(os.listdir(tmp_path / "least-privilege")) == 1


def test_arithmetic_and_long_concatenations_are_read_without_recursing():
    # a BinOp other than + or % once evaluated itself forever (RecursionError on a JWT library's bundle)
    chain = " + ".join(['"-"'] * 1500)
    code = (
        "import os, boto3\n"
        "SHIFT = 1 << 3\n"
        'PAD = "=" * 4\n'
        f"LONG = {chain}\n"
        "def handler(event, context):\n"
        '    boto3.client("s3").get_object(Bucket="prefix-" + os.environ["BUCKET"], Key="k")\n'
    )
    analysis = analyze_code(code)
    assert analysis.unresolved == ()
    assert [(c.operation, c.env) for c in analysis.calls] == [("GetObject", "BUCKET")]


def test_code_nested_deeper_than_the_interpreter_follows_is_named_unresolved(monkeypatch):
    import inspect
    import sys

    nested = "[" * 90 + "]" * 90
    code = f"import boto3\nDEEP = {nested}\ndef handler(event, context):\n    return DEEP\n"
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 120)  # fewer frames than the nesting needs
    try:
        analysis = analyze_code(code)
    finally:
        sys.setrecursionlimit(limit)
    assert [(u.file, u.reason) for u in analysis.unresolved] == [("index.py", "nested too deeply to follow")]


def test_code_too_deep_to_parse_is_named_unresolved():
    chain = " + ".join(['"-"'] * 20000)
    analysis = analyze_code(f"LONG = {chain}\n")
    assert [(u.file, u.reason) for u in analysis.unresolved] == [("index.py", "nested too deeply to follow")]


def test_cli_never_starts_node_or_imports_aws_cdk(tmp_path):
    # the disk cache is on here: finding its folder once imported the bundler, and with it aws_cdk and jsii
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['least_privilege', sys.argv[1], '--env', 'ORDERS_TABLE=arn:aws:dynamodb:eu-west-1:"
        "111122223333:table/orders']\n"
        "try:\n    runpy.run_module('secure_constructs.least_privilege', run_name='__main__')\n"
        "except SystemExit as exit:\n    code = exit.code\n"
        "print('\\nLOADED', sorted(m for m in ('aws_cdk', 'jsii', 'constructs') if m in sys.modules))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "SECURE_CONSTRUCTS_NO_ANALYSIS_CACHE"}
    env["SECURE_CONSTRUCTS_CACHE"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", probe, str(FIXTURES / "dynamodb")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert done.stdout.rstrip().endswith("LOADED []"), done.stderr[-2000:]
    assert "dynamodb:Query" in done.stdout
