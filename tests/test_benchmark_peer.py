"""The benchmark's hand-hardened peer (benchmarks/peers/hardened.py) has the protection of secure_constructs.

The synth benchmark compares secure_constructs with plain aws-cdk-lib hardened by hand; the comparison is
fair only while the peer passes every rule of our pack, and cdk-nag's AwsSolutions and Serverless packs
with reasoned acknowledgments only. As the pack grows, this test fails until the peer is brought level.
"""

from __future__ import annotations

import pathlib
import sys

import pytest
from aws_cdk import App

from secure_constructs import add_checks
from secure_constructs.testing import synth_and_validate

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "benchmarks"))

from peers.hardened import build_hardened  # noqa: E402

#: Every acknowledgment the peer makes (rule id -> construct paths). A new one needs a reason that holds
#: equally for secure_constructs, and a line here.
ACKNOWLEDGED = {
    "AwsSolutions-SMG4": ["Orders0/PaymentApiKey/Resource"],  # the scenario's data, the same in both
    "AwsSolutions-COG4": [f"Orders0/Api/Default/{path}/Resource" for path in (
        "orders/GET", "orders/POST", "orders/{id}/GET", "orders/{id}/DELETE", "reports/r4/GET")],
    "AwsSolutions-IAM5[Resource::*]": [f"Orders0/Fn{i}Role/DefaultPolicy/Resource" for i in range(5)],
    "Serverless-SQSRedrivePolicy": ["Orders0/DeadLetterQueue/Resource"],
}


def _peer(tmp_path, routes: int = 5) -> tuple[App, object]:
    app = App(outdir=str(tmp_path / "cdk.out"))
    stack = build_hardened(app, "Orders0", range(routes))
    add_checks(app)
    return app, stack


def test_peer_passes_our_pack_and_the_stock_packs(tmp_path):
    # five routes: GET, POST (secret, body model), GET with a path parameter, DELETE, and a /reports route
    app, _ = _peer(tmp_path)
    result = synth_and_validate(app)
    assert result.violations == [], result.format()
    assert {f["plugin"] for f in result.suppressed} <= {"AwsSolutions", "Serverless"}
    acknowledged: dict[str, list[str]] = {}
    for finding in result.suppressed:
        assert len((finding["reason"] or "").strip()) >= 40, finding
        acknowledged.setdefault(finding.rule, []).append(finding.path)
    assert {rule: sorted(paths) for rule, paths in acknowledged.items()} == {
        rule: sorted(paths) for rule, paths in ACKNOWLEDGED.items()
    }


@pytest.mark.parametrize(
    ("weaken", "finding"),
    [
        (lambda fn: fn.node.default_child.add_property_deletion_override("TracingConfig"), "LambdaTracing"),
        (lambda fn: fn.node.default_child.add_property_deletion_override("KmsKeyArn"), "LambdaEnvKms"),
    ],
)
def test_our_pack_runs_on_the_peer(tmp_path, weaken, finding):
    """The zero above is our pack's verdict, not its absence: one property removed is reported."""
    app, stack = _peer(tmp_path, routes=1)
    weaken(stack.node.find_child("Fn0"))
    ours = [(f.rule, f.path) for f in synth_and_validate(app).violations if f["plugin"] == "SecureServerless"]
    assert ours == [(f"SecureServerless-{finding}", "Orders0/Fn0/Resource")]
