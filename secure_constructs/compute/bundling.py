"""Python Lambda code with its pinned requirements, bundled locally with pip (no Docker needed).

pip downloads binary wheels for the function's platform (manylinux, the runtime's glibc, its CPU
architecture and Python version) into a content-addressed cache; the asset hash is computed from the
inputs (source files, requirement pins, runtime, architecture), so it is identical on every machine and
every synth, and a repeated synth reuses the cached bundle. Docker bundling is used only when local
bundling fails and a Docker engine answers.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from aws_cdk import AssetHashType, BundlingOptions, DockerImage
from aws_cdk import aws_lambda as lambda_

from .._cache import default_cache_dir
from .._defaults.lambda_ import latest_python_runtime
from ..errors import SecureConstructsError

#: Part of every asset hash: bump when the bundle layout changes so that old cache entries are not reused.
BUNDLER_VERSION = "1"
DEFAULT_EXCLUDES = (
    "__pycache__",
    "*.pyc",
    ".git",
    ".venv",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "cdk.out",
    "node_modules",
    ".DS_Store",
)
_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(?:\[[A-Za-z0-9._,\s-]*\])?\s*==\s*"
    r"(?P<version>[A-Za-z0-9.+!_-]+)\s*(?:;[^#]*?)?(?:\s+--hash=[a-z0-9]+:[0-9a-f]+)*\s*$"
)
_PY_RUNTIME = re.compile(r"^python(\d+)\.(\d+)$")
PIP_TIMEOUT_SECONDS = 900


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirements(where: str, lines: Sequence[str]) -> list[str]:
    """The requirement lines, each checked to be an exact ``name==version`` pin (SC-FN-010 otherwise)."""
    pins: list[str] = []
    joined = "\n".join(lines).replace("\\\n", " ")
    for raw in joined.splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        if not _PIN.match(line):
            raise SecureConstructsError(
                "SC-FN-010",
                where,
                "every requirement must be pinned to one exact version (name==version); options, URLs, "
                "paths and ranges make the bundle differ between machines",
                received=line,
                fix="Pin it, e.g. 'PyJWT==2.15.1' (pip freeze prints the pins of a working environment)",
            )
        pins.append(line)
    return pins


def _platform_tags(runtime: lambda_.Runtime, architecture: lambda_.Architecture) -> list[str]:
    """manylinux tags the function's OS accepts: glibc 2.17 up to the runtime's (2.26 on Amazon Linux 2
    for Python <= 3.11, 2.34 on Amazon Linux 2023 for Python >= 3.12). pip does not expand them itself."""
    arch = "aarch64" if architecture.name == lambda_.Architecture.ARM_64.name else "x86_64"
    major, minor = _python_version(runtime)
    newest = 34 if (major, minor) >= (3, 12) else 26
    tags = [f"manylinux_2_{glibc}_{arch}" for glibc in range(newest, 16, -1)]
    tags.append(f"manylinux2014_{arch}")
    return tags


def _python_version(runtime: lambda_.Runtime) -> tuple[int, int]:
    match = _PY_RUNTIME.match(runtime.name)
    if not match:
        raise SecureConstructsError(
            "SC-FN-010",
            "python_code",
            "local Python bundling needs a Python runtime",
            received=runtime.name,
            fix="Pass runtime=lambda_.Runtime.PYTHON_3_x (or omit it for the newest Python runtime)",
        )
    return int(match.group(1)), int(match.group(2))


def _excluded(relative: str, patterns: Sequence[str]) -> bool:
    parts = relative.split("/")
    return any(fnmatch.fnmatch(part, pattern) for part in parts for pattern in patterns)


def _source_files(root: Path, excludes: Sequence[str]) -> list[str]:
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        dirnames[:] = sorted(d for d in dirnames if not _excluded(d, excludes))
        for name in filenames:
            relative = f"{rel_dir}/{name}" if rel_dir != "." else name
            if not _excluded(relative, excludes):
                files.append(relative)
    return sorted(files)


def asset_hash(
    source: Path, files: Sequence[str], pins: Sequence[str], runtime: lambda_.Runtime, arch: str
) -> str:
    """SHA-256 over everything that decides the bundle's content (and nothing machine-specific)."""
    digest = hashlib.sha256()
    for part in (BUNDLER_VERSION, runtime.name, arch, *sorted(pins)):
        digest.update(part.encode() + b"\0")
    for relative in files:
        digest.update(relative.encode() + b"\0")
        digest.update(hashlib.sha256((source / relative).read_bytes()).digest())
    return digest.hexdigest()


def _docker_answers() -> bool:
    """True when a Docker engine responds (``docker info``) within a few seconds."""
    docker = shutil.which(os.environ.get("CDK_DOCKER", "docker"))
    if not docker:
        return False
    try:
        return subprocess.run([docker, "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _pip_install(
    pins: Sequence[str], target: Path, tags: Sequence[str], version: tuple[int, int], pip_cache: Path
):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(pins) + "\n")
        requirements = handle.name
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-input",
        "--disable-pip-version-check",
        "--target",
        str(target),
        "--only-binary=:all:",
        "--no-compile",
        "--implementation",
        "cp",
        "--python-version",
        f"{version[0]}.{version[1]}",
        "--cache-dir",
        str(pip_cache),
        "-r",
        requirements,
    ]
    for tag in tags:
        command += ["--platform", tag]
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT_SECONDS)
    finally:
        os.unlink(requirements)


def _installed(target: Path) -> dict[str, str]:
    found = {}
    for entry in target.glob("*.dist-info"):
        name, _, version = entry.name[: -len(".dist-info")].rpartition("-")
        found[_normalize(name)] = version
    return found


def _build(
    where: str,
    source: Path,
    files: Sequence[str],
    pins: Sequence[str],
    runtime: lambda_.Runtime,
    architecture: lambda_.Architecture,
    final: Path,
    cache: Path,
) -> str | None:
    """Build the bundle into ``final``; returns None, or pip's error text when pip failed."""
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=final.parent))
    try:
        if pins:
            result = _pip_install(
                pins, staging, _platform_tags(runtime, architecture), _python_version(runtime), cache / "pip"
            )
            if result.returncode != 0:
                return (result.stderr or result.stdout).strip()[-1500:]
            pinned = {_normalize(_PIN.match(p).group("name")) for p in pins}  # type: ignore[union-attr]
            unpinned = sorted(f"{n}=={v}" for n, v in _installed(staging).items() if n not in pinned)
            if unpinned:
                raise SecureConstructsError(
                    "SC-FN-010",
                    where,
                    "the requirements are not a complete lock: pip also installed unpinned dependencies",
                    received=", ".join(unpinned),
                    fix="Add these pins to the requirements (pip freeze prints them), so every build "
                    "installs the same versions",
                )
            # Console scripts carry this machine's interpreter path and are useless in Lambda.
            shutil.rmtree(staging / "bin", ignore_errors=True)
        for relative in files:
            destination = staging / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / relative, destination)
        try:
            os.replace(staging, final)
        except OSError:
            if not final.is_dir():  # another process did not win the race: a real error
                raise
        return None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def python_code(
    path: str | os.PathLike[str],
    *,
    requirements: str | os.PathLike[str] | Sequence[str] | None = None,
    runtime: lambda_.Runtime | None = None,
    architecture: lambda_.Architecture | None = None,
    exclude: Sequence[str] = DEFAULT_EXCLUDES,
    cache_dir: str | os.PathLike[str] | None = None,
) -> lambda_.Code:
    """Lambda code from a Python source folder plus its pinned requirements, bundled without Docker.

    :param path: the folder with the handler module(s); copied into the bundle. Default: none (required).
    :param requirements: a requirements file, or its lines; every line must be ``name==version`` and the set
        must be complete (transitive dependencies pinned too), otherwise SC-FN-010. Default: ``path``'s
        ``requirements.txt`` if it exists, else no dependencies.
    :param runtime: the function's runtime (decides the Python version and the glibc of the wheels).
        Default: the newest Python runtime, as ``SecureFunction`` uses.
    :param architecture: the function's architecture (decides aarch64 or x86_64 wheels). Default:
        ``Architecture.ARM_64``, as ``SecureFunction`` uses.
    :param exclude: file and folder name patterns left out of the bundle and the hash. Default:
        caches, VCS and virtualenv folders (``DEFAULT_EXCLUDES``).
    :param cache_dir: where bundles (by asset hash) and downloaded wheels are kept. Default:
        :func:`default_cache_dir` (``$SECURE_CONSTRUCTS_CACHE`` or ``~/.cache/secure-constructs``).
    """
    source = Path(path).resolve()
    where = f"python_code({path})"
    if not source.is_dir():
        raise SecureConstructsError(
            "SC-FN-010",
            where,
            "the source folder does not exist",
            received=str(path),
            fix="Pass the folder that holds the handler module",
        )
    runtime = runtime or latest_python_runtime()
    architecture = architecture or lambda_.Architecture.ARM_64
    _python_version(runtime)
    if requirements is None:
        default = source / "requirements.txt"
        lines = default.read_text().splitlines() if default.is_file() else []
    elif isinstance(requirements, str | os.PathLike):
        try:
            lines = Path(requirements).read_text().splitlines()
        except OSError as error:
            raise SecureConstructsError(
                "SC-FN-010",
                where,
                f"the requirements file cannot be read ({error.strerror})",
                received=str(requirements),
                fix="Pass an existing requirements file, or its lines as a list",
            ) from error
    else:
        lines = list(requirements)
    pins = parse_requirements(where, lines)
    files = _source_files(source, exclude)
    digest = asset_hash(source, files, pins, runtime, architecture.name)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    final = cache / "bundles" / digest
    if not final.is_dir():
        pip_error = _build(where, source, files, pins, runtime, architecture, final, cache)
        if pip_error is not None:
            if _docker_answers():
                return _docker_code(source, pins, runtime, architecture, digest, exclude)
            raise SecureConstructsError(
                "SC-FN-010",
                where,
                f"pip could not install the requirements for {runtime.name} on "
                f"{architecture.name} (binary wheels only, no Docker engine to fall back to): {pip_error}",
                received=pins,
                fix="Pick versions that publish manylinux wheels for this Python and architecture",
            )
    return lambda_.Code.from_asset(str(final), asset_hash=digest, asset_hash_type=AssetHashType.CUSTOM)


def _docker_code(
    source: Path,
    pins: Sequence[str],
    runtime: lambda_.Runtime,
    architecture: lambda_.Architecture,
    digest: str,
    exclude: Sequence[str],
) -> lambda_.Code:
    """The same bundle built by CDK in the runtime's build image (only where a Docker engine answers)."""
    requirements = " ".join(f"'{p}'" for p in pins)
    command = (
        f"pip install --no-cache-dir --only-binary=:all: --target /asset-output {requirements} && "
        "cp -R /asset-input/. /asset-output/"
    )
    return lambda_.Code.from_asset(
        str(source),
        asset_hash=digest,
        asset_hash_type=AssetHashType.CUSTOM,
        exclude=list(exclude),
        bundling=BundlingOptions(
            image=DockerImage.from_registry(runtime.bundling_image.image),
            command=["bash", "-c", command],
            platform="linux/arm64"
            if architecture.name == lambda_.Architecture.ARM_64.name
            else "linux/amd64",
        ),
    )
