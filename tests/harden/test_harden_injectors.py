"""Each injector of harden() is needed: taken out in turn, the findings it fixed on the plain app come back.

What an injector fixed is derived, not listed: the findings of our pack on the plain app, on the constructs
of the injector's class, of the rules harden() says it supplied a setting for (its records), that the
hardened app no longer has."""

from __future__ import annotations

import pytest
from support import base_rule, synth

from secure_constructs.hardening._classes import HARDENED


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    return synth(tmp_path_factory.mktemp("plain"), stock=False)


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    return synth(tmp_path_factory.mktemp("full"), harden={"replace": True}, stock=False)


def _findings(result) -> set[tuple[str, str]]:
    return {(base_rule(f.rule), f.path) for f in result.ours()}


def fixed_by(cls: str, plain, full) -> set[tuple[str, str]]:
    records = [r for r in full.hardening.records if r.cls == cls and r.excluded is None]
    rules = {rule for r in records for ids in r.supplied.values() for rule in ids}
    under = tuple(f"{r.path}/" for r in records)
    return {
        (rule, path)
        for rule, path in _findings(plain) - _findings(full)
        if rule in rules and path.startswith(under)
    }


@pytest.mark.parametrize("cls", HARDENED)
def test_taking_an_injector_out_brings_its_findings_back(cls, plain, full, tmp_path, monkeypatch):
    expected = fixed_by(cls, plain, full)
    assert expected, f"harden() fixes nothing on the plain app's {cls} constructs"
    import secure_constructs.hardening as harden_module

    monkeypatch.setattr(harden_module, "HARDENED", tuple(c for c in HARDENED if c != cls))
    without = synth(tmp_path, harden={"replace": True}, stock=False)
    assert all(r.cls != cls for r in without.hardening.records)
    assert sorted(expected - _findings(without)) == []
