"""The package as a user installs it: wheel and sdist built from a copy of the sources, the wheel installed
into a clean venv (its dependencies borrowed from the test venv, so that nothing is downloaded), and a tiny
app synthesized there with every check on."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.package
ROOT = Path(__file__).resolve().parent.parent

APP = '''
import secure_constructs
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_
from secure_constructs import SecureFunction, add_checks

app = App()
SecureFunction(Stack(app, "Tiny"), "Hello", handler="index.handler",
               code=lambda_.Code.from_inline("def handler(event, context):\\n    return 'hi'\\n"))
add_checks(app, report=True)
app.synth()
print("installed-from", secure_constructs.__file__)
print("version", secure_constructs.__version__)
'''


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return result


def test_wheel_and_sdist_install_into_a_clean_venv_where_a_tiny_app_synthesizes(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".venv*", "node_modules", "cdk.out", ".git", "tests", "__pycache__", "*.egg-info", "build", "tmp"))
    dist = tmp_path / "dist"
    # sdist first, then the wheel built from the unpacked sdist: a file missing from the sdist breaks it
    _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, src, cwd=src)
    [wheel] = dist.glob("*.whl")
    [sdist] = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    assert any(n.endswith("/LICENSE") for n in names) and any(n.endswith("/CHANGELOG.md") for n in names)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-Expression: Apache-2.0" in metadata and "License-File: LICENSE" in metadata
    assert "secure_constructs/runtime/jwt_authorizer/index.py" in names or any(
        n.startswith("secure_constructs/runtime/") for n in names)

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                     cwd=tmp_path).stdout.strip())
    # The dependencies (aws-cdk-lib & co.) come from the test venv; a path line in a .pth file does not
    # run that venv's own .pth files, so the editable install of the sources stays out of sight.
    (site / "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    app_dir = tmp_path / "app"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(APP)
    env = {**os.environ, "CDK_OUTDIR": str(app_dir / "cdk.out")}
    out = _run(python, "app.py", cwd=app_dir, env=env)
    installed = out.stdout.split("installed-from ", 1)[1].split()[0]
    assert installed.startswith(str(site)), installed
    assert "version 0.1.0" in out.stdout
    assert "Routes: 0" in out.stderr  # add_checks(report=True) printed the summary
    assert (app_dir / "cdk.out" / "security-report.html").exists()
    assert (app_dir / "cdk.out" / "Tiny.template.json").exists()
