"""``make e2e``: deploy the e2e app to a local AWS emulator, check what it does, tear everything down.

Steps (each bounded in time; the whole run by ``--deadline``):
  1. install MiniStack (pinned in ``emulator-requirements.txt``) into its own venv (cached);
  2. make a throwaway TLS certificate for localhost / 127.0.0.1 (deleted at the end);
  3. start the emulator with ``launcher.py`` on 127.0.0.1 only, and fail if any socket of its process tree
     listens beyond loopback (checked again after the tests, when Lambda workers exist);
  4. ``cdk bootstrap``, then ``cdk deploy`` of ``tests/e2e/app_e2e.py`` (our constructs, checked in depth),
     of ``tests/e2e/app_demo.py`` (the demo service of ``app.py``), and of ``tests/e2e/app_weak.py`` and
     ``tests/e2e/app_demo_weak.py`` (both with their guarantees undone, for the meta-test);
  5. ``pytest -m e2e tests/e2e`` against the deployed stacks; the tests serve the JWT issuer's JWKS on a
     loopback port the harness picked (``SC_E2E_JWKS_BASE``);
  6. the meta-test: the checks again, against the weakened stacks; each must fail
     (``tests/e2e/weakened.py``);
  7. always: ``cdk destroy`` of each stack, then stop the emulator by its PID (SIGTERM, then SIGKILL to its
     process group).

No traffic leaves loopback: every AWS endpoint points at the emulator, credentials and config files are
dummies, the instance-metadata lookup is off, and HTTP(S)_PROXY points at a closed loopback port so that
any client that would reach another host fails instead.

Run from the repository root with the project's venv: ``.venv/bin/python tests/e2e/harness.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loopback import assert_loopback_only  # noqa: E402
from weakened import DEMO_FILES, FILES, judge  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
WORK = ROOT / "tmp" / "e2e"  # git-ignored
REQUIREMENTS = HERE / "emulator-requirements.txt"
STACK = "SecureConstructsE2E"  # tests/e2e/app_e2e.py: only our constructs, checked in depth
DEMO_STACK = "Orders"  # tests/e2e/app_demo.py: the demo service of app.py, deployed and smoke-checked
NETWORK_STACK = "SecureConstructsE2ENetwork"  # tests/e2e/app_network.py: SecureNetwork and SecureAlbRoutes
WEAK_STACK = "SecureConstructsE2EWeak"  # tests/e2e/app_weak.py: every e2e check must fail against it
WEAK_DEMO_STACK = "OrdersWeak"  # tests/e2e/app_demo_weak.py: every demo check must fail against it
ACCOUNT, REGION = "000000000000", "us-east-1"
DUMMY_KEY = "test"  # the emulator's root key (admin); the tests make their own IAM users for signed calls
DEAD_PROXY = "http://127.0.0.1:9"  # discard port, closed: a client that ignores the endpoints fails here


class StepFailed(RuntimeError):
    pass


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self, cap: float) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise StepFailed("the run's deadline has passed")
        return min(cap, left)


def log(message: str) -> None:
    print(f"[e2e {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(cmd: Sequence[str], *, env: dict, timeout: float, logfile: Path, cwd: Path = ROOT) -> int:
    """Run ``cmd`` in its own process group, killed on timeout; output to ``logfile`` and stdout."""
    log("$ " + " ".join(cmd))
    with open(logfile, "ab") as out:
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            assert proc.stdout is not None
            end = time.monotonic() + timeout
            os.set_blocking(proc.stdout.fileno(), False)
            while True:
                chunk = proc.stdout.read()
                if chunk:
                    out.write(chunk)
                    sys.stdout.buffer.write(chunk)
                    sys.stdout.flush()
                if proc.poll() is not None and not chunk:
                    return proc.returncode
                if time.monotonic() > end:
                    raise StepFailed(f"timed out after {timeout:.0f} s: {' '.join(cmd[:5])}")
                time.sleep(0.1)
        finally:
            if proc.poll() is None:
                _kill_group(proc.pid)
                proc.wait(timeout=10)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


# --- 1. the emulator's venv ------------------------------------------------------------------------------
def emulator_python() -> Path:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]
    venv = WORK / f"ministack-{digest}"
    stamp = venv / ".installed"
    if not stamp.exists():
        log(f"installing the emulator into {venv.relative_to(ROOT)}")
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True, timeout=120)
        subprocess.run(
            [
                str(venv / "bin/python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "-r",
                str(REQUIREMENTS),
            ],
            check=True,
            timeout=300,
        )
        subprocess.run([str(venv / "bin/python"), "-m", "pip", "check"], check=True, timeout=60)
        stamp.touch()
    return venv / "bin/python"


# --- 2. the throwaway certificate ------------------------------------------------------------------------
def make_certificate(directory: Path) -> tuple[Path, Path]:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "localhost.crt", directory / "localhost.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.touch(mode=0o600)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- environments ----------------------------------------------------------------------------------------
def client_env(port: int, cert: Path, run_dir: Path) -> dict:
    """What the CDK CLI, the app and the tests see: every AWS call goes to the emulator on loopback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_")) and k != "NODE_OPTIONS"}
    endpoint = f"https://127.0.0.1:{port}"
    env.update(
        {
            "PATH": os.pathsep.join([str(ROOT / "node_modules/.bin"), str(ROOT / ".venv/bin"), env["PATH"]]),
            "AWS_ENDPOINT_URL": endpoint,
            # The CLI builds the stack's TemplateURL from this; the emulator parses only "localhost" there.
            "AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION": f"https://localhost:{port}",
            "AWS_ACCESS_KEY_ID": DUMMY_KEY,
            "AWS_SECRET_ACCESS_KEY": DUMMY_KEY,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": str(run_dir / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(run_dir / "no-aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CA_BUNDLE": str(cert),
            "NODE_EXTRA_CA_CERTS": str(cert),
            "SSL_CERT_FILE": str(cert),  # Python's default TLS context (urllib: the API calls)
            "HTTP_PROXY": DEAD_PROXY,
            "HTTPS_PROXY": DEAD_PROXY,
            "http_proxy": DEAD_PROXY,
            "https_proxy": DEAD_PROXY,
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "CDK_DISABLE_CLI_TELEMETRY": "true",
            "CDK_DISABLE_VERSION_CHECK": "1",
            # aws-cdk-lib's built-in template validator (10-20 s); the example tests run it.
            "CDK_VALIDATION": "false",
            "SC_E2E_ENDPOINT": endpoint,
            "SC_E2E_CA_BUNDLE": str(cert),
        }
    )
    return env


def emulator_env(port: int, cert: Path, key: Path, run_dir: Path, max_seconds: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MINISTACK_"))}
    env.update(
        {
            "GATEWAY_PORT": str(port),
            "MINISTACK_HOST": "localhost",
            "MINISTACK_SSL_CERT": str(cert),
            "MINISTACK_SSL_KEY": str(key),
            "MINISTACK_REGION": REGION,
            "MINISTACK_ACCOUNT_ID": ACCOUNT,
            "LOG_LEVEL": "INFO",
            "TMPDIR": str(run_dir),
            # The launcher stops itself if the harness dies, and after this many seconds in any case.
            "SC_E2E_PARENT_PID": str(os.getpid()),
            "SC_E2E_MAX_SECONDS": str(max_seconds),
            "S3_PERSIST": "0",
            # The server's own https calls (the authorizer's JWKS fetch) trust the throwaway cert.
            "SSL_CERT_FILE": str(cert),
            "AWS_CA_BUNDLE": str(cert),
            "NODE_EXTRA_CA_CERTS": str(cert),
            "AWS_ENDPOINT_URL": f"https://127.0.0.1:{port}",
            "AWS_EC2_METADATA_DISABLED": "true",
            "HTTP_PROXY": DEAD_PROXY,
            "HTTPS_PROXY": DEAD_PROXY,
            "NO_PROXY": "127.0.0.1,localhost",
        }
    )
    return env


# --- 3. start, wait, check, stop -------------------------------------------------------------------------
def start_emulator(python: Path, env: dict, logfile: Path) -> subprocess.Popen:
    out = open(logfile, "ab")  # noqa: SIM115 - the server writes to it for its whole life
    proc = subprocess.Popen(
        [str(python), str(HERE / "launcher.py")],
        cwd=env["TMPDIR"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group (id = its PID), so its workers stop with it
    )
    out.close()
    return proc


def wait_ready(proc: subprocess.Popen, port: int, cert: Path, timeout: float, logfile: Path) -> None:
    context = ssl.create_default_context(cafile=str(cert))
    handlers = (urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise StepFailed(f"the emulator exited with {proc.returncode}:\n{tail(logfile)}")
        try:
            with opener.open(f"https://127.0.0.1:{port}/_ministack/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise StepFailed(f"the emulator did not answer within {timeout:.0f} s:\n{tail(logfile)}")


def stop_emulator(proc: subprocess.Popen) -> None:
    """Stop the emulator by its PID: SIGTERM, up to 15 s to shut down, then SIGKILL to its process group."""
    pid = proc.pid
    if proc.poll() is None:
        log(f"stopping the emulator (PID {pid})")
        os.kill(pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            log(f"PID {pid} ignored SIGTERM; killing its process group")
    # Lambda workers and anything else it started share its process group (whose id is its PID).
    _kill_group(pid)
    proc.wait(timeout=10)
    end = time.monotonic() + 10
    while (left := _group_members(pid)) and time.monotonic() < end:
        time.sleep(0.2)
    if left:
        raise StepFailed(f"processes of the emulator's group {pid} survived SIGKILL: {sorted(left)}")
    log(f"emulator PID {pid} stopped (exit {proc.returncode}); nothing of its process group is left")


def _group_members(pgid: int) -> set[int]:
    members = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.add(int(entry.name))
    return members


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- 6. the meta-test -------------------------------------------------------------------------------------
def meta_test(cenv: dict, run_dir: Path, deadline: Deadline, logfile: Path) -> int:
    """Run the checks against the weakened stacks; 0 only if every one of them failed (or may pass)."""
    base = {k: v for k, v in cenv.items() if not k.startswith("SC_E2E_WEAK_")}
    base = {k: v for k, v in base.items() if k not in ("SC_E2E_OUTPUTS", "SC_E2E_DEMO_OUTPUTS")}
    runs = [
        (
            STACK,
            WEAK_STACK,
            FILES,
            {"SC_E2E_OUTPUTS": cenv["SC_E2E_WEAK_OUTPUTS"], "SC_E2E_STACK": WEAK_STACK},
        ),
        (
            DEMO_STACK,
            WEAK_DEMO_STACK,
            DEMO_FILES,
            {"SC_E2E_DEMO_OUTPUTS": cenv["SC_E2E_WEAK_DEMO_OUTPUTS"], "SC_E2E_DEMO_STACK": WEAK_DEMO_STACK},
        ),
    ]
    verdict = 0
    for real, weak, files, variables in runs:
        report = run_dir / f"weakened-{weak}.xml"
        pytest = [str(ROOT / ".venv/bin/python"), "-m", "pytest", "-m", "e2e", "-q", "--tb=no", "-rN"]
        pytest += [str(HERE / name) for name in files] + [f"--junitxml={report}"]
        log(f"meta-test: the checks of {real} against {weak}; each must fail")
        # Its exit code is not the verdict: failing checks are the point.
        run(pytest, env={**base, **variables}, timeout=deadline.left(300), logfile=logfile)
        if not report.exists():
            log(f"meta-test FAILED: pytest wrote no report for {weak}")
            verdict = 1
            continue
        ok, lines = judge(report)
        summary = f"every check failed against {weak} (or may pass, listed)" if ok else f"FAILED for {weak}"
        log(f"meta-test: {summary}\n" + "\n".join(lines))
        verdict = verdict or (0 if ok else 1)
    return verdict


# --- main ------------------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadline", type=float, default=900, help="seconds for the whole run (default 900)")
    parser.add_argument("--pytest-args", default="", help="extra arguments for pytest, e.g. '-k iam -x'")
    parser.add_argument(
        "--app",
        type=Path,
        help="deploy only this CDK app (its outputs go to SC_E2E_OUTPUTS), e.g. a negative control",
    )
    parser.add_argument("--stack", default=STACK, help=f"the stack of --app (default {STACK})")
    parser.add_argument(
        "--no-meta", action="store_true", help="skip the meta-test (the weakened stack and its checks)"
    )
    args = parser.parse_args(argv)

    def _on_signal(signum, _frame):
        for other in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(other, signal.SIG_IGN)  # once cleaning up, let the cleanup finish
        log(f"interrupted by signal {signum}: destroying the stacks and stopping the emulator")
        raise SystemExit(128 + signum)  # unwinds through the finally blocks below: destroy, stop

    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, _on_signal)

    started = time.monotonic()
    deadline = Deadline(args.deadline)
    timings: dict[str, float] = {}

    def timed(name: str, func, *a, **kw):
        t0 = time.monotonic()
        try:
            return func(*a, **kw)
        finally:
            timings[name] = time.monotonic() - t0

    WORK.mkdir(parents=True, exist_ok=True)
    for old in WORK.glob("run-*"):  # earlier runs' logs, unless that run is still going
        if not _alive(int(old.name.split("-")[1])):
            shutil.rmtree(old, ignore_errors=True)
    run_dir = WORK / f"run-{os.getpid()}"  # logs, certificate, outputs, cloud assembly of this run only
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir()
    cli_log, server_log = run_dir / "cli.log", run_dir / "emulator.log"
    python = timed("install emulator", emulator_python)
    # The JWT authorizer's bundle (pip, from the package index, cached): the deploy below cannot reach the
    # index, because every route but loopback is closed for it.
    bundle = [str(ROOT / ".venv/bin/python"), str(HERE / "app_e2e.py"), "--bundle"]
    bundle_env = {**os.environ, "CDK_VALIDATION": "false"}
    try:
        failed = timed("bundle JWT authorizer", run, bundle, env=bundle_env, timeout=300, logfile=cli_log)
    except StepFailed as error:
        failed, _ = 1, log(f"FAILED: {error}")
    if failed:
        log("FAILED: the JWT authorizer could not be bundled (see above)")
        return 1
    cert, key = make_certificate(run_dir)
    port = free_loopback_port()
    cenv = client_env(port, cert, run_dir)
    # The tests serve the JWT issuer's JWKS here (tests/e2e/jwks_https.py); the e2e app points its JWT
    # authorizers at it. The authorizer functions, which run inside the emulator, trust the same certificate.
    cenv["SC_E2E_JWKS_BASE"] = f"https://127.0.0.1:{free_loopback_port()}"
    cenv["SC_E2E_TLS_KEY"] = str(key)
    # (stack, app, the variable that tells the tests where its outputs are)
    if args.app is not None:
        variable = "SC_E2E_NETWORK_OUTPUTS" if args.stack == NETWORK_STACK else "SC_E2E_OUTPUTS"
        deployments = [(args.stack, args.app.resolve(), variable)]
    else:
        deployments = [
            (STACK, HERE / "app_e2e.py", "SC_E2E_OUTPUTS"),
            (DEMO_STACK, HERE / "app_demo.py", "SC_E2E_DEMO_OUTPUTS"),
            (NETWORK_STACK, HERE / "app_network.py", "SC_E2E_NETWORK_OUTPUTS"),
        ]
        if not args.no_meta:
            deployments.append((WEAK_STACK, HERE / "app_weak.py", "SC_E2E_WEAK_OUTPUTS"))
            deployments.append((WEAK_DEMO_STACK, HERE / "app_demo_weak.py", "SC_E2E_WEAK_DEMO_OUTPUTS"))
    for stack, _app, variable in deployments:
        cenv[variable] = str(run_dir / f"outputs-{stack}.json")

    def cdk(app: Path, stack: str) -> list[str]:
        assembly = run_dir / f"cdk.out-{stack}"
        return [
            "cdk",
            "--app",
            f"{ROOT / '.venv/bin/python'} {app}",
            "--output",
            str(assembly),
            "--no-notices",
            "--ci",
        ]

    verdict = 1
    proc = None
    deployed: list[str] = []
    try:
        lifetime = int(args.deadline) + 300  # the run, then destroy and stop
        proc = start_emulator(python, emulator_env(port, cert, key, run_dir, lifetime), server_log)
        log(f"emulator PID {proc.pid} on https://127.0.0.1:{port} (log: {server_log.relative_to(ROOT)})")
        timed("start emulator", wait_ready, proc, port, cert, deadline.left(60), server_log)
        sockets = assert_loopback_only(proc.pid)
        log("listeners: " + ", ".join(map(str, sockets)) + " (all loopback)")

        def cdk_step(name: str, command: list[str], cap: float, cwd: Path = ROOT) -> None:
            code = timed(name, run, command, env=cenv, timeout=deadline.left(cap), logfile=cli_log, cwd=cwd)
            if code != 0:
                raise StepFailed(f"{name} failed with exit code {code} (see {cli_log.relative_to(ROOT)})")

        # Run where there is no cdk.json and without --app: bootstrapping an explicit environment then
        # needs no synth of any app.
        bootstrap = ["cdk", "bootstrap", f"aws://{ACCOUNT}/{REGION}", "--no-notices", "--ci"]
        cdk_step("cdk bootstrap", bootstrap, 240, cwd=run_dir)
        # Deploy from the run's directory with the feature flags of the project's cdk.json: the lookups the
        # emulator answers (availability zones of its account) are cached there, never in the checkout.
        flags = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
        (run_dir / "cdk.json").write_text(json.dumps({"context": flags}), encoding="utf-8")
        for stack, app, variable in deployments:
            deployed.append(stack)  # a failed deploy can leave a half-made stack: destroy it too
            deploy = ["deploy", stack, "--require-approval", "never", "--outputs-file", cenv[variable]]
            cdk_step(f"cdk deploy {stack}", cdk(app, stack) + deploy, 300, cwd=run_dir)
        test_env = {k: v for k, v in cenv.items() if not k.startswith("SC_E2E_WEAK_")}
        pytest = [str(ROOT / ".venv/bin/python"), "-m", "pytest", str(HERE), "-m", "e2e", "--durations=5"]
        pytest += args.pytest_args.split()
        verdict = timed(
            "checks (pytest)", run, pytest, env=test_env, timeout=deadline.left(300), logfile=cli_log
        )
        if "SC_E2E_WEAK_OUTPUTS" in cenv:
            verdict = timed("meta-test", meta_test, cenv, run_dir, deadline, cli_log) or verdict
        sockets = assert_loopback_only(proc.pid)
        log("listeners after the checks: " + ", ".join(map(str, sockets)) + " (all loopback)")
    except StepFailed as error:
        log(f"FAILED: {error}")
        verdict = 1
    finally:
        try:
            for stack in reversed(deployed if proc is not None and proc.poll() is None else []):
                assembly = run_dir / f"cdk.out-{stack}"
                if not (assembly / "manifest.json").exists():
                    log(f"{stack} was never synthesized, so never deployed: nothing to destroy")
                    continue
                try:
                    # From the cloud assembly the deploy used: no second synth, the very stack deployed.
                    destroy = ["cdk", "--app", str(assembly), "--no-notices", "--ci", "destroy", stack]
                    destroy.append("--force")
                    code = timed(f"cdk destroy {stack}", run, destroy, env=cenv, timeout=180, logfile=cli_log)
                except StepFailed as error:
                    log(f"cdk destroy {stack}: {error}")
                    code = 1
                if code != 0:
                    log(f"cdk destroy {stack} failed with exit code {code}")
                    verdict = verdict or 1
        finally:
            key.unlink(missing_ok=True)
            if proc is not None:
                try:
                    timed("stop emulator", stop_emulator, proc)
                except StepFailed as error:
                    log(f"FAILED: {error}")
                    verdict = verdict or 1
    timings["total"] = time.monotonic() - started
    summary = {name: round(seconds, 1) for name, seconds in timings.items()}
    (run_dir / "timings.json").write_text(json.dumps(summary, indent=2))
    log("timings (s): " + ", ".join(f"{name} {seconds}" for name, seconds in summary.items()))
    if verdict == 0:
        for assembly in run_dir.glob("cdk.out-*"):
            shutil.rmtree(assembly, ignore_errors=True)
        log(f"PASSED (logs: {run_dir.relative_to(ROOT)})")
    else:
        log(f"FAILED (exit {verdict}; logs: {run_dir.relative_to(ROOT)})")
    return verdict


if __name__ == "__main__":
    sys.exit(main())
