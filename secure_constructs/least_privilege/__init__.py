"""Least privilege computed from a Python handler's code: find every AWS SDK call statically, map it to
IAM actions with AWS's Service Authorization Reference, and bind it to the resource named by the
environment variable the code reads. See docs/least-privilege.md.

- :func:`analyze_directory` / :func:`analyze_code`: the SDK calls of a handler (and the unresolved ones);
- :func:`grant_from_code`: what ``SecureFunction.grant_from_code()`` does;
- ``python -m secure_constructs.least_privilege DIR [--env NAME=ARN ...]``: the policy document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._plan import Statement, Target, Unresolved, plan
from ._scan import SdkCall, UnresolvedCall
from ._sources import Analysis, analyze_code, analyze_directory, handler_files

if TYPE_CHECKING:
    from ._grant import CodeGrant, grant_from_code


def __getattr__(name: str) -> Any:  # the CDK side is imported only when used (the CLI needs no jsii)
    if name in ("CodeGrant", "grant_from_code"):
        from . import _grant

        return getattr(_grant, name)
    raise AttributeError(name)


__all__ = [
    "Analysis",
    "CodeGrant",
    "SdkCall",
    "Statement",
    "Target",
    "Unresolved",
    "UnresolvedCall",
    "analyze_code",
    "analyze_directory",
    "grant_from_code",
    "handler_files",
    "plan",
]
