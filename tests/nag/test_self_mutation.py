"""Every declared weakening, applied to every example app through the L1 escape hatch, fails a real synth
with the property's own rule on the weakened resource (tests/nag/mutation.py derives them)."""

from __future__ import annotations

import pathlib

import pytest
from examples_support import cdk_examples
from mutation import Baseline, baseline, batches, caught, derive, synth

from secure_constructs.nag import RULES

EXAMPLES = cdk_examples()
EXAMPLE_IDS = [p.stem for p in EXAMPLES]


def _mutants(base: Baseline, rules=RULES):
    return [m for stack, template in base.templates.items() for m in derive(stack, template, base, rules)]


def _missed(path: pathlib.Path, tmp_path: pathlib.Path, mutants) -> list[str]:
    missed = []
    for index, group in enumerate(batches(mutants)):
        result, _ = synth(path, tmp_path / f"batch{index}", group)
        missed += [f"{m.key}: {why}" for m in group if (why := caught(m, result))]
    return missed


@pytest.mark.parametrize("path", EXAMPLES, ids=EXAMPLE_IDS)
def test_every_declared_weakening_of_the_example_fails_the_synth(path, tmp_path, record_property):
    base = baseline(path, tmp_path / "base")
    mutants = _mutants(base)
    assert mutants, "no declared weakening applies to this example"
    missed = _missed(path, tmp_path, mutants)
    record_property("mutants", len(mutants))
    record_property("caught", len(mutants) - len(missed))
    record_property(
        "weakenings", sorted({f"{m.spec.name}:{m.spec.mutations.index(m.mutation)}" for m in mutants})
    )
    assert missed == []


def test_the_harness_fails_when_a_declared_rule_is_removed(tmp_path):
    """The weakenings of one property go unreported once its rule is taken out of the pack."""
    path = next(p for p in EXAMPLES if p.stem == "iam_api")
    base = baseline(path, tmp_path / "base")
    tracing = [m for m in _mutants(base) if m.spec.name == "LambdaTracing"]
    assert tracing
    without = tuple(spec for spec in RULES if spec.name != "LambdaTracing")
    missed = []
    for index, group in enumerate(batches(tracing)):
        result, _ = synth(path, tmp_path / f"batch{index}", group, rules=without)
        missed += [why for m in group if (why := caught(m, result))]
    assert missed == ["not reported"] * len(tracing)


def test_every_declared_weakening_applies_to_some_example(tmp_path):
    """No declaration carries a weakening that no example can show (a declared mutation nobody runs)."""
    applied = set()
    for path in EXAMPLES:
        base = baseline(path, tmp_path / path.stem)
        applied |= {(m.spec.name, m.spec.mutations.index(m.mutation)) for m in _mutants(base)}
    never = [
        f"{spec.name}: {m.kind} {m.path}"
        for spec in RULES
        for index, m in enumerate(spec.mutations)
        if (spec.name, index) not in applied
    ]
    assert never == []


#: Properties whose weakening no example can carry, and why (the rest all declare weakenings).
WITHOUT_MUTATIONS = {
    "TransformedResource": "a SAM resource cannot come from an example through a property override",
}


def test_every_property_declares_weakenings_or_says_why_not():
    assert {spec.name for spec in RULES if not spec.mutations} == set(WITHOUT_MUTATIONS)
