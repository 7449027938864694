"""The meta-test's verdict (tests/e2e/weakened.py) on made-up JUnit reports: only failed checks prove."""

import pytest
from weakened import MAY_PASS, judge

CASE = '<testcase classname="tests.e2e.{module}" name="{name}">{body}</testcase>'


def report(tmp_path, *cases):
    path = tmp_path / "junit.xml"
    body = "".join(CASE.format(module=m, name=n, body=b) for m, n, b in cases)
    path.write_text(f'<testsuites><testsuite name="pytest">{body}</testsuite></testsuites>')
    return path


FAILED = '<failure message="assert 200 == 403"/>'


def test_every_check_failing_is_a_pass(tmp_path):
    cases = [("test_e2e_jwt", "test_a", FAILED), ("test_e2e_jwt", "test_b", FAILED)]
    ok, lines = judge(report(tmp_path, *cases))
    assert ok and len(lines) == 2


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("", id="passed"),
        pytest.param('<skipped message="needs a stack"/>', id="skipped"),
        pytest.param('<error message="fixture failed"/>', id="fixture error"),
    ],
)
def test_a_check_that_did_not_fail_on_its_own_is_a_failure(tmp_path, body):
    ok, lines = judge(report(tmp_path, ("test_e2e_jwt", "test_a", FAILED), ("test_e2e_jwt", "test_b", body)))
    assert not ok
    assert any("test_e2e_jwt.py::test_b" in line and "AGAINST THE WEAKENED STACK" in line for line in lines)


def test_only_listed_checks_may_pass(tmp_path):
    (listed,) = MAY_PASS
    module, name = listed.split(".py::")
    assert judge(report(tmp_path, (module, name, "")))[0]


def test_an_empty_report_is_a_failure(tmp_path):
    assert judge(report(tmp_path)) == (False, ["  no check ran against the weakened stack"])
