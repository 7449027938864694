"""``python -m secure_constructs.least_privilege DIR [--env NAME=ARN ...]``: the IAM policy document that
allows exactly what the handler code in DIR calls. Unresolved calls are listed on stderr."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from ..errors import SecureConstructsError
from ._plan import Target, plan
from ._sources import analyze_directory

#: ARN service -> (resource kind, pattern of the resource part)
_ARN_KINDS = (
    ("s3", "bucket", re.compile(r"^[^/]+$")),
    ("dynamodb", "table", re.compile(r"^table/[^/]+$")),
    ("sqs", "queue", re.compile(r"^[^/]+$")),
    ("sns", "topic", re.compile(r"^[^/]+$")),
    ("secretsmanager", "secret", re.compile(r"^secret:.+$")),
    ("ssm", "parameter", re.compile(r"^parameter/.+$")),
    ("kms", "key", re.compile(r"^key/.+$")),
    ("lambda", "function", re.compile(r"^function:.+$")),
    ("states", "statemachine", re.compile(r"^stateMachine:.+$")),
    ("kinesis", "stream", re.compile(r"^stream/.+$")),
    ("events", "event-bus", re.compile(r"^event-bus/.+$")),
    ("logs", "log-group", re.compile(r"^log-group:.+$")),
)


def target_of(arn: str) -> Target | None:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    for service, kind, pattern in _ARN_KINDS:
        if parts[2] == service and pattern.match(parts[5]):
            return Target(kind, arn)
    return None


def _fail(where: str, problem: str, received: str, fix: str) -> None:
    error = SecureConstructsError("SC-LP-002", where, problem, received=received, fix=fix)
    print(str(error), file=sys.stderr)
    raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m secure_constructs.least_privilege",
        description="Print the IAM policy document that allows exactly the AWS SDK calls of a handler.",
    )
    parser.add_argument("directory", help="the handler's code folder")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=ARN",
        help="the ARN (or, for an index, the name) an environment variable names; repeatable",
    )
    parser.add_argument("--region", default="us-east-1", help="region for kms:ViaService conditions")
    args = parser.parse_args(argv)
    root = Path(args.directory)
    if not root.is_dir():
        _fail(
            "least_privilege CLI",
            "the handler directory does not exist",
            args.directory,
            "Pass the folder that holds the handler's .py files",
        )
    env: dict[str, str] = {}
    for item in args.env:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            _fail("--env", "expected NAME=ARN", item, "Write e.g. --env ORDERS_TABLE=arn:aws:dynamodb:...")
        env[name] = value
    for name, value in env.items():
        if value.startswith("arn:") and target_of(value) is None:
            _fail(
                f"--env {name}",
                "the ARN is not one of a bucket, table, queue, topic, secret, parameter, key, "
                "function, state machine, stream, event bus or log group",
                value,
                "Pass the resource's own ARN (e.g. arn:aws:s3:::my-bucket, not an object ARN)",
            )
    analysis = analyze_directory(root)
    if not analysis.files:
        _fail(
            "least_privilege CLI",
            "the directory holds no Python file of the handler",
            args.directory,
            "Pass the folder that holds the handler's .py files",
        )

    def resolve(name: str) -> Target | str:
        value = env.get(name)
        if value is None:
            return f"no --env {name}=ARN was given"
        target = target_of(value)
        return target if target is not None else f"--env {name} is not an ARN"

    statements, unresolved = plan(analysis, resolve, env.get, args.region)
    document = {"Version": "2012-10-17", "Statement": [s.to_json() for s in statements]}
    print(json.dumps(document, indent=2))
    for item in unresolved:
        print(f"unresolved: {item.file}:{item.line}: {item.why}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
