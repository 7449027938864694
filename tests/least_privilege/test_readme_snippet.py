"""The README's "Permissions from the code" snippet runs as printed, and grants what it says it grants.

The snippet is read from README.md and executed with ``stack`` and its imports provided, next to a
``handlers/place_order`` folder whose handler does what the snippet's comment says (``put_item`` on the
table named by ``ORDERS_TABLE``).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_dynamodb as dynamodb

from secure_constructs import SecureFunction, python_code

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Permissions from the code"
HANDLER = '''import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def handler(event, context):
    TABLE.put_item(Item={"pk": event["id"], "sku": event["sku"]})
    return {"id": event["id"]}
'''


def readme_snippet() -> str:
    section = README.read_text(encoding="utf-8").split(SECTION, 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_snippet_is_ten_lines_that_grant_exactly_the_put(stack, tmp_path, monkeypatch):
    code = readme_snippet()
    assert len(code.strip().splitlines()) <= 10, code
    handlers = tmp_path / "handlers" / "place_order"
    handlers.mkdir(parents=True)
    (handlers / "index.py").write_text(HANDLER)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SECURE_CONSTRUCTS_CACHE", str(tmp_path / "cache"))  # python_code's bundles

    namespace = dict(stack=stack, dynamodb=dynamodb, SecureFunction=SecureFunction, python_code=python_code)
    exec(compile(code, str(README), "exec"), namespace)  # the project's own README

    grant, table = namespace["grant"], namespace["table"]
    table_arn = stack.resolve(table.table_arn)
    assert [(s.actions, stack.resolve(list(s.resources))) for s in grant.statements] == [
        (("dynamodb:PutItem",), [table_arn])
    ]
    assert grant.unresolved == ()
