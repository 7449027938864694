"""python_code: real pip downloads of manylinux wheels (PyJWT + cryptography), cache, hash, errors."""

import hashlib
import pathlib
import time

import pytest
from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from secure_constructs import SecureConstructsError
from secure_constructs.compute import bundling
from secure_constructs.compute.bundling import python_code

LOCK = ["PyJWT==2.15.1", "cryptography==50.0.2", "cffi==2.1.1", "pycparser==3.12"]
ELF_MACHINE = {"aarch64": 183, "x86_64": 62}


@pytest.fixture(scope="module")
def pip_cache(tmp_path_factory):
    """Wheels downloaded once for the module; every test still builds its bundle from scratch."""
    return tmp_path_factory.mktemp("pip")


@pytest.fixture
def cache(tmp_path, pip_cache):
    root = tmp_path / "cache"
    (root / "bundles").mkdir(parents=True)
    (root / "pip").symlink_to(pip_cache)
    return root


@pytest.fixture
def src(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "app.py").write_text("import jwt\n\ndef handler(event, context):\n    return jwt.__version__\n")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "app.cpython-312.pyc").write_bytes(b"local bytecode")
    return folder


def _bundle_dir(cache):
    (bundle,) = [p for p in (cache / "bundles").iterdir() if not p.name.startswith(".")]
    return bundle


def _elf_machine(path: pathlib.Path) -> int:
    return int.from_bytes(path.read_bytes()[18:20], "little")


@pytest.mark.parametrize(
    ("architecture", "arch"),
    [(lambda_.Architecture.ARM_64, "aarch64"), (lambda_.Architecture.X86_64, "x86_64")],
)
def test_wheels_are_for_the_function_architecture(src, cache, architecture, arch):
    python_code(
        src,
        requirements=LOCK,
        runtime=lambda_.Runtime.PYTHON_3_12,
        architecture=architecture,
        cache_dir=cache,
    )
    bundle = _bundle_dir(cache)
    assert (bundle / "app.py").is_file() and (bundle / "jwt" / "__init__.py").is_file()
    assert not (bundle / "__pycache__").exists()
    rust = next((bundle / "cryptography" / "hazmat" / "bindings").glob("_rust*.so"))
    assert _elf_machine(rust) == ELF_MACHINE[arch]
    cffi = next(bundle.glob("_cffi_backend*.so"))
    assert "cpython-312" in cffi.name and _elf_machine(cffi) == ELF_MACHINE[arch]


def test_asset_hash_is_deterministic_and_the_cache_makes_repeats_fast(src, tmp_path, pip_cache, app):
    hashes = []
    for n in (1, 2):
        cache = tmp_path / f"cache{n}"
        (cache / "bundles").mkdir(parents=True)
        (cache / "pip").symlink_to(pip_cache)
        hashes.append(
            bundling.asset_hash(
                src,
                bundling._source_files(src, bundling.DEFAULT_EXCLUDES),
                LOCK,
                lambda_.Runtime.PYTHON_3_12,
                "arm64",
            )
        )
        python_code(src, requirements=LOCK, runtime=lambda_.Runtime.PYTHON_3_12, cache_dir=cache)
        assert (cache / "bundles" / hashes[-1]).is_dir()
    assert hashes[0] == hashes[1]
    first, second = (tmp_path / f"cache{n}" / "bundles" / hashes[0] for n in (1, 2))
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)  # byte-identical builds
    started = time.monotonic()
    code = python_code(
        src, requirements=LOCK, runtime=lambda_.Runtime.PYTHON_3_12, cache_dir=tmp_path / "cache1"
    )
    assert time.monotonic() - started < 2.0  # a cache hit does not run pip
    stack = Stack(app, "Bundled")
    lambda_.Function(stack, "Fn", code=code, handler="app.handler", runtime=lambda_.Runtime.PYTHON_3_12)
    (function,) = Template.from_stack(stack).find_resources("AWS::Lambda::Function").values()
    # CDK names a custom-hash asset by the SHA-256 of that hash.
    assert function["Properties"]["Code"]["S3Key"] == hashlib.sha256(hashes[0].encode()).hexdigest() + ".zip"


def test_hash_changes_with_source_pins_runtime_and_architecture(src):
    files = bundling._source_files(src, bundling.DEFAULT_EXCLUDES)
    base = bundling.asset_hash(src, files, LOCK, lambda_.Runtime.PYTHON_3_12, "arm64")
    assert base != bundling.asset_hash(src, files, LOCK, lambda_.Runtime.PYTHON_3_13, "arm64")
    assert base != bundling.asset_hash(src, files, LOCK, lambda_.Runtime.PYTHON_3_12, "x86_64")
    assert base != bundling.asset_hash(
        src, files, LOCK[:-1] + ["pycparser==2.22"], lambda_.Runtime.PYTHON_3_12, "arm64"
    )
    (src / "app.py").write_text("changed = True\n")
    assert base != bundling.asset_hash(src, files, LOCK, lambda_.Runtime.PYTHON_3_12, "arm64")
    assert files == ["app.py"]  # __pycache__ is excluded from bundle and hash


def test_no_requirements_copies_the_source_only(src, cache):
    code = python_code(src, cache_dir=cache)
    assert isinstance(code, lambda_.Code)
    assert [p.name for p in _bundle_dir(cache).iterdir()] == ["app.py"]


def test_requirements_txt_in_the_folder_is_the_default(src, cache):
    (src / "requirements.txt").write_text("# pinned\nPyJWT==2.15.1  # tokens\n")
    python_code(src, runtime=lambda_.Runtime.PYTHON_3_12, cache_dir=cache)
    assert (_bundle_dir(cache) / "jwt").is_dir()


@pytest.mark.parametrize(
    "line",
    [
        "PyJWT",
        "PyJWT>=2",
        "PyJWT~=2.15",
        "-e .",
        "--index-url https://x",
        "git+https://github.com/jpadilla/pyjwt",
        "./local.whl",
        "-r other.txt",
    ],
)
def test_unpinned_requirements_raise(src, cache, line):
    with pytest.raises(SecureConstructsError, match="SC-FN-010"):
        python_code(src, requirements=[line], cache_dir=cache)


def test_incomplete_lock_raises_and_names_the_missing_pins(src, cache):
    with pytest.raises(SecureConstructsError, match="SC-FN-010") as error:
        python_code(
            src, requirements=["cryptography==50.0.2"], runtime=lambda_.Runtime.PYTHON_3_12, cache_dir=cache
        )
    assert "cffi==2.1.1" in str(error.value) and "pycparser==" in str(error.value)


def test_pip_failure_without_docker_raises(src, cache, monkeypatch):
    monkeypatch.setattr(bundling, "_docker_answers", lambda: False)
    with pytest.raises(SecureConstructsError, match="SC-FN-010") as error:
        python_code(src, requirements=["pyjwt==0.0.0.0.1"], cache_dir=cache)
    assert "pip could not install" in str(error.value)
    assert list((cache / "bundles").iterdir()) == []  # nothing half-built is left behind


def test_pip_failure_falls_back_to_docker_only_when_an_engine_answers(src, cache, monkeypatch):
    calls = []
    monkeypatch.setattr(bundling, "_docker_answers", lambda: True)
    monkeypatch.setattr(bundling, "_docker_code", lambda *args: calls.append(args) or "docker-code")
    assert python_code(src, requirements=["pyjwt==0.0.0.0.1"], cache_dir=cache) == "docker-code"
    assert calls and calls[0][1] == ["pyjwt==0.0.0.0.1"]


def test_docker_code_uses_the_runtime_build_image(src):
    code = bundling._docker_code(
        src,
        LOCK,
        lambda_.Runtime.PYTHON_3_12,
        lambda_.Architecture.ARM_64,
        "ab" * 32,
        bundling.DEFAULT_EXCLUDES,
    )
    assert isinstance(code, lambda_.AssetCode)


def test_non_python_runtime_raises(src, cache):
    with pytest.raises(SecureConstructsError, match="SC-FN-010"):
        python_code(src, runtime=lambda_.Runtime.NODEJS_22_X, cache_dir=cache)


def test_missing_folder_and_missing_requirements_file_raise(tmp_path, src):
    with pytest.raises(SecureConstructsError, match="SC-FN-010"):
        python_code(tmp_path / "nope")
    with pytest.raises(SecureConstructsError, match="SC-FN-010"):
        python_code(src, requirements=tmp_path / "missing.txt")


def test_platform_tags_follow_the_runtime_glibc():
    new = bundling._platform_tags(lambda_.Runtime.PYTHON_3_12, lambda_.Architecture.ARM_64)
    old = bundling._platform_tags(lambda_.Runtime.PYTHON_3_11, lambda_.Architecture.X86_64)
    assert new[0] == "manylinux_2_34_aarch64" and "manylinux2014_aarch64" in new
    assert old[0] == "manylinux_2_26_x86_64" and "manylinux_2_28_x86_64" not in old


def test_default_cache_dir_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECURE_CONSTRUCTS_CACHE", str(tmp_path))
    assert bundling.default_cache_dir() == tmp_path
    monkeypatch.delenv("SECURE_CONSTRUCTS_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert bundling.default_cache_dir() == tmp_path / "xdg" / "secure-constructs"
