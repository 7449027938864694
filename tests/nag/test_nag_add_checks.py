"""add_checks(app) runs the SecureServerless pack beside cdk-nag's stock packs."""

from __future__ import annotations

from aws_cdk import aws_kms as kms

from secure_constructs import acknowledge, add_checks
from secure_constructs.testing import synth_and_validate


def test_add_checks_registers_the_pack_beside_the_stock_packs(app, stack):
    kms.Key(stack, "Key")  # rotation off: SecureServerless-KmsKeyRotation and AwsSolutions-KMS5
    add_checks(app)
    result = synth_and_validate(app)
    assert {(f["plugin"], f.rule) for f in result.violations} >= {
        ("SecureServerless", "SecureServerless-KmsKeyRotation"),
        ("AwsSolutions", "AwsSolutions-KMS5"),
    }


def test_add_checks_findings_are_acknowledged_with_the_audited_form(app, stack):
    key = kms.Key(stack, "Key")
    reason = "Imported key material cannot rotate automatically; rotated by hand every year."
    acknowledge(key, "SecureServerless-KmsKeyRotation", reason)
    acknowledge(key, "AwsSolutions-KMS5", reason)
    add_checks(app)
    result = synth_and_validate(app)
    assert not [f for f in result.violations if f.path.startswith("Test/Key")]
    assert {(f.rule, f["reason"]) for f in result.suppressed} >= {("SecureServerless-KmsKeyRotation", reason)}
