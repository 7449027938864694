"""``python -m secure_constructs.client GET https://<api>.execute-api.<region>.amazonaws.com/prod/orders``.

Prints the response body on stdout and the status (and, for a 403, the likely cause) on stderr.
Exit status: 0 for 2xx, 1 for any other HTTP status, 2 for bad usage or a refused input.
"""

from __future__ import annotations

import argparse
import re
import sys
import urllib.error
from collections.abc import Sequence

from ..errors import SecureConstructsError
from . import SigV4Client


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m secure_constructs.client",
        description="Send a SigV4-signed request to an IAM-authorized API Gateway API.",
    )
    parser.add_argument("method", help="HTTP method, e.g. GET or POST")
    parser.add_argument(
        "url", help="invoke URL, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/prod/x"
    )
    parser.add_argument("--data", "-d", help="request body: a string, @file to read a file, or @- for stdin")
    parser.add_argument(
        "--header",
        "-H",
        action="append",
        default=[],
        metavar="'Name: value'",
        help="extra header (repeatable)",
    )
    parser.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    parser.add_argument("--region", help="the API's region (required for custom domains)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds (default: 30)")
    parser.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="print the canonical request and string to sign (never the secret) on stderr",
    )
    return parser


def _read_data(value: str | None) -> bytes | None:
    if value is None:
        return None
    if value == "@-":
        return sys.stdin.buffer.read()
    if value.startswith("@"):
        try:
            with open(value[1:], "rb") as handle:
                return handle.read()
        except OSError as error:
            raise SecureConstructsError(
                "SC-CLI-005",
                "secure_constructs.client",
                f"cannot read the body file: {error.strerror}",
                received=value[1:],
                fix="Check the path after @",
            ) from error
    return value.encode("utf-8")


def _headers(values: Sequence[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for value in values:
        name, sep, content = value.partition(":")
        if not sep or not name.strip():
            raise SecureConstructsError(
                "SC-CLI-005",
                "secure_constructs.client",
                "a header must be written 'Name: value'",
                received=value,
                fix="Write e.g. -H 'Content-Type: application/json'",
            )
        headers[name.strip()] = content.strip()
    return headers


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        client = SigV4Client(region=args.region, profile=args.profile, timeout=args.timeout)
        body = _read_data(args.data)
        headers = _headers(args.header)
        if args.verbose:
            _, parts = client.prepare(args.method, args.url, body=body, headers=headers)
            # The session token is a credential: it is signed, but never printed.
            canonical = re.sub(r"(?m)^(x-amz-security-token:).*$", r"\1<redacted>", parts.canonical_request)
            print(
                f"--- canonical request\n{canonical}\n--- string to sign\n"
                f"{parts.string_to_sign}\n---",
                file=sys.stderr,
            )
        response = client.request(args.method, args.url, body=body, headers=headers)
    except SecureConstructsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (urllib.error.URLError, OSError) as error:
        print(f"error: the request could not be sent: {error}", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(response.body)
    if response.body and not response.body.endswith(b"\n"):
        sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()
    print(f"HTTP {response.status}" + (" (body truncated)" if response.truncated else ""), file=sys.stderr)
    if response.explanation:
        print(response.explanation, file=sys.stderr)
    return 0 if response.ok else 1


if __name__ == "__main__":
    sys.exit(main())
