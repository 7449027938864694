"""The meta-test's verdict: every e2e check must fail against a weakened stack.

``make e2e`` runs the checks of the e2e stack a second time, against ``SecureConstructsE2EWeak``
(tests/e2e/app_weak.py), and the demo's checks against ``OrdersWeak`` (tests/e2e/app_demo_weak.py), each
with a JUnit XML report; :func:`judge` reads them. A check that passes there could not tell the real stack
from one whose guarantees were undone, so the run fails, unless the check is listed in ``MAY_PASS`` with
the reason it cannot fail against a weakening. A check that was skipped, or whose fixture failed, fails the
verdict too: it proved nothing.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

#: The test files whose checks run against the weakened e2e stack, and against the weakened demo.
FILES = ("test_e2e_api_auth.py", "test_e2e_jwt.py", "test_e2e_least_privilege.py", "test_e2e_readback.py")
DEMO_FILES = ("test_e2e_demo.py",)
#: ``"file::test[param]"`` -> why it cannot fail against a weakened stack. Every other check must fail.
MAY_PASS: dict[str, str] = {
    "test_e2e_demo.py::test_every_resource_of_the_demo_stack_was_created": (
        "it guards that the deployment completed, which a weakened template does too; it fails when a "
        "resource fails to create"
    ),
}


def outcomes(junit_xml: Path) -> dict[str, str]:
    """``{"file::test[param]": "failed" | "error" | "passed" | "skipped"}`` from pytest's JUnit XML report.

    "failed" is a failed assertion or call in the test itself; "error" is a failure of a fixture's setup or
    teardown, which says nothing about the property the test checks.
    """
    found = {}
    for case in ET.parse(junit_xml).getroot().iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)[-1]
        name = f"{module}.py::{case.get('name')}"
        if case.find("error") is not None:
            found[name] = "error"
        elif case.find("failure") is not None:
            found[name] = "failed"
        elif case.find("skipped") is not None:
            found[name] = "skipped"
        else:
            found[name] = "passed"
    return found


def judge(junit_xml: Path) -> tuple[bool, list[str]]:
    """(every check failed or may pass, one line per check)."""
    found = outcomes(junit_xml)
    lines, ok = [], bool(found)
    for name, outcome in sorted(found.items()):
        if outcome == "failed":
            lines.append(f"  failed as it must: {name}")
        elif outcome == "passed" and name in MAY_PASS:
            lines.append(f"  passed (allowed: {MAY_PASS[name]}): {name}")
        else:
            ok = False
            lines.append(f"  {outcome.upper()} AGAINST THE WEAKENED STACK: {name}")
    if not found:
        lines.append("  no check ran against the weakened stack")
    return ok, lines


if __name__ == "__main__":
    verdict, report = judge(Path(sys.argv[1]))
    print("\n".join(report))
    sys.exit(0 if verdict else 1)
