"""Call the orders API of ``examples/iam_api.py`` with SigV4-signed requests (a plain script, not a CDK app).

    python examples/signed_client.py https://<api-id>.execute-api.eu-west-1.amazonaws.com/prod [--profile P]

Credentials come from the standard chain (environment, profile, SSO, role); the region is read from the
URL. A 403 is printed with its likely cause (unsigned, wrong region, clock skew, missing
``execute-api:Invoke`` grant). Without a URL it prints this help. The same calls from the shell:
``python -m secure_constructs.client GET <url>/orders``.
"""

from __future__ import annotations

import argparse
import sys

from secure_constructs import SecureConstructsError
from secure_constructs.client import Response, SigV4Client


def _show(label: str, response: Response) -> None:
    print(f"{label}: HTTP {response.status} {response.text.strip()[:300]}")
    if response.explanation:
        print(f"  why: {response.explanation}")


def call_orders_api(base_url: str, *, profile: str | None = None, region: str | None = None) -> int:
    """List orders, create one, read it back; returns 0 when every call succeeded."""
    client = SigV4Client(profile=profile, region=region, timeout=15)
    base = base_url.rstrip("/")
    listed = client.get(f"{base}/orders")
    _show("GET /orders", listed)
    created = client.post(f"{base}/orders", body={"sku": "BOOK-42", "quantity": 1})
    _show("POST /orders", created)
    fetched = client.get(f"{base}/orders/BOOK-42")
    _show("GET /orders/BOOK-42", fetched)
    return 0 if all(r.ok for r in (listed, created, fetched)) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url", nargs="?", help="the stage URL printed by cdk deploy (OrdersApiEndpoint...)")
    parser.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    parser.add_argument("--region", help="only for a custom domain: the API's region")
    args = parser.parse_args(argv)
    if not args.url:
        parser.print_help()
        return 0
    try:
        return call_orders_api(args.url, profile=args.profile, region=args.region)
    except SecureConstructsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: the API could not be reached: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
