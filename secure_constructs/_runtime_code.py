"""Lambda code made of a handler folder plus helpers of ``secure_constructs.runtime`` (the RDS IAM
connector, the ALB identity verifier), bundled with the handler's pinned requirements without Docker."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from aws_cdk import aws_lambda as lambda_

from .compute.bundling import DEFAULT_EXCLUDES, python_code
from .errors import SecureConstructsError

RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"
#: Helpers a function may ship: each is a package of ``secure_constructs.runtime`` that imports no CDK.
HELPERS = ("rds_iam", "alb_oidc")


def handler_code(
    path: str | os.PathLike[str],
    *,
    helpers: Sequence[str] = (),
    requirements: str | os.PathLike[str] | Sequence[str] | None = None,
    runtime: lambda_.Runtime | None = None,
    architecture: lambda_.Architecture | None = None,
) -> lambda_.Code:
    """The handler folder ``path`` with ``helpers`` copied beside it as top-level packages (``import
    rds_iam``), bundled by :func:`secure_constructs.python_code` with the pinned ``requirements``.

    :param path: the folder with the handler module(s). Default: none (required).
    :param helpers: names from :data:`HELPERS` (SC-FN-010 otherwise). Default: none.
    :param requirements: as for ``python_code``; the helpers' own dependencies must be pinned here
        (``pg8000`` for ``rds_iam``, ``PyJWT`` and ``cryptography`` for ``alb_oidc``). Default: ``path``'s
        ``requirements.txt``.
    :param runtime: as for ``python_code``. Default: the newest Python runtime.
    :param architecture: as for ``python_code``. Default: ``Architecture.ARM_64``.
    """
    source = Path(path).resolve()
    unknown = [h for h in helpers if h not in HELPERS] if not isinstance(helpers, str) else [helpers]
    if unknown or not source.is_dir():
        raise SecureConstructsError(
            "SC-FN-010",
            f"handler_code({path})",
            "the handler folder must exist and helpers must be names of secure_constructs.runtime helpers",
            received=unknown or str(path),
            fix=f"Pass an existing folder and helpers from {list(HELPERS)}",
        )
    with tempfile.TemporaryDirectory(prefix="handler-code-") as staging:
        root = Path(staging) / "code"
        shutil.copytree(source, root, ignore=shutil.ignore_patterns(*DEFAULT_EXCLUDES))
        for helper in helpers:
            target = root / helper
            if target.exists():
                raise SecureConstructsError(
                    "SC-FN-010",
                    f"handler_code({path})",
                    f"the handler folder already has {helper}/",
                    received=str(target),
                    fix=f"Rename your {helper} module; the helper is copied there",
                )
            shutil.copytree(RUNTIME_DIR / helper, target, ignore=shutil.ignore_patterns(*DEFAULT_EXCLUDES))
        if requirements is None and (source / "requirements.txt").is_file():
            requirements = str(source / "requirements.txt")
        return python_code(root, requirements=requirements, runtime=runtime, architecture=architecture)
