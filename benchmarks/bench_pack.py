"""What the SecureServerless pack adds to a synth, per CloudFormation resource.

Builds apps of about N resources (hardened serverless units: function with its own role, policy, KMS log
group, error and throttle alarms, REST method with its permissions, table, queue) and synthesizes each in
a fresh process with CDK_VALIDATION=false, alternately without and with the pack. Reports median synth
times, the paired median difference, and the time the rules themselves take (``evaluate`` on the
synthesized templates, in Python only).

    python benchmarks/bench_pack.py [--sizes 150 450] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODES = ("off", "noop", "on")


def build(n_resources: int, outdir: str):  # noqa: ANN201 - runs in the worker process
    from aws_cdk import App, Environment, Stack
    from aws_cdk import aws_apigateway as apigw
    from aws_cdk import aws_cloudwatch as cloudwatch
    from aws_cdk import aws_cloudwatch_actions as cw_actions
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_logs as logs
    from aws_cdk import aws_sns as sns
    from aws_cdk import aws_sqs as sqs
    from aws_cdk import aws_wafv2 as wafv2

    app = App(outdir=outdir, analytics_reporting=False)
    stack = Stack(app, "Bench", env=Environment(account="111122223333", region="eu-west-1"))
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    topic = sns.Topic(stack, "Alarms", master_key=key)
    access_logs = logs.LogGroup(
        stack, "AccessLogs", retention=logs.RetentionDays.ONE_YEAR, encryption_key=key
    )
    api = apigw.RestApi(
        stack,
        "Api",
        cloud_watch_role=False,
        deploy_options=apigw.StageOptions(access_log_destination=apigw.LogGroupLogDestination(access_logs)),
        default_method_options=apigw.MethodOptions(authorization_type=apigw.AuthorizationType.IAM),
    )
    cloudwatch.Alarm(
        stack, "Api5xx", metric=api.metric_server_error(), threshold=1, evaluation_periods=1
    ).add_alarm_action(cw_actions.SnsAction(topic))
    acl = wafv2.CfnWebACL(
        stack,
        "Acl",
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name="acl", sampled_requests_enabled=True
        ),
    )
    wafv2.CfnWebACLAssociation(
        stack, "AclAssociation", resource_arn=api.deployment_stage.stage_arn, web_acl_arn=acl.attr_arn
    )
    per_unit = 12  # resources each unit below adds
    for index in range(max(1, (n_resources - 10) // per_unit)):
        table = dynamodb.Table(
            stack,
            f"Table{index}",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=key,
        )
        queue = sqs.Queue(
            stack, f"Queue{index}", encryption=sqs.QueueEncryption.KMS, encryption_master_key=key
        )
        fn = lambda_.Function(
            stack,
            f"Fn{index}",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
            environment={"TABLE": table.table_name, "QUEUE": queue.queue_url},
            environment_encryption=key,
            log_group=logs.LogGroup(
                stack, f"Logs{index}", retention=logs.RetentionDays.ONE_MONTH, encryption_key=key
            ),
        )
        table.grant_read_data(fn)
        for name, metric in (("Errors", fn.metric_errors()), ("Throttles", fn.metric_throttles())):
            cloudwatch.Alarm(
                stack, f"Fn{index}{name}", metric=metric, threshold=1, evaluation_periods=1
            ).add_alarm_action(cw_actions.SnsAction(topic))
        api.root.add_resource(f"r{index}").add_method("GET", apigw.LambdaIntegration(fn))
    return app


def _cpu_seconds() -> float:
    """CPU time so far of this process plus its children (the jsii Node process), from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")

    def descendants(pid: str) -> list[str]:
        found: list[str] = []
        for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += [child, *descendants(child)]
        return found

    total = time.process_time()
    for pid in descendants(str(os.getpid())):  # the real node may be a grandchild
        fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def worker(n_resources: int, mode: str) -> dict[str, float]:
    import tempfile

    import jsii
    from aws_cdk import IPolicyValidationPlugin, PolicyValidationPluginReport, Validations

    from secure_constructs.nag import SecureServerlessChecks, evaluate

    @jsii.implements(IPolicyValidationPlugin)
    class NoOp:
        """A plugin that reports nothing: what CDK core's validation machinery costs by itself."""

        @property
        def name(self) -> str:
            return "NoOp"

        @property
        def version(self) -> None:
            return None

        @property
        def rule_ids(self) -> None:
            return None

        def validate(self, context: object) -> PolicyValidationPluginReport:
            return PolicyValidationPluginReport(success=True, violations=[])

    validate_seconds: list[float] = []

    class Timed(SecureServerlessChecks):
        """The pack, timing its own validate() (read templates, run rules, build the report)."""

        def validate(self, context: Any) -> PolicyValidationPluginReport:
            start = time.perf_counter()
            report = super().validate(context)
            validate_seconds.append(time.perf_counter() - start)
            return report

    outdir = tempfile.mkdtemp(prefix="bench-pack-")
    app = build(n_resources, outdir)
    if mode == "on":
        Validations.of(app).add_plugins(Timed())
    elif mode == "noop":
        Validations.of(app).add_plugins(NoOp())
    start, start_cpu = time.perf_counter(), _cpu_seconds()
    try:
        app.synth()
    except RuntimeError as error:  # the pack's findings fail the synth; the templates are written first
        if "ValidationFailed" not in str(error):
            raise
    synth_seconds, synth_cpu = time.perf_counter() - start, _cpu_seconds() - start_cpu
    templates = [json.loads(p.read_text()) for p in sorted(pathlib.Path(outdir).glob("*.template.json"))]
    resources = sum(len(t.get("Resources", {})) for t in templates)
    start = time.perf_counter()
    findings = sum(len(evaluate(t)) for t in templates)
    rules_seconds = time.perf_counter() - start
    return {
        "resources": resources,
        "synth_s": synth_seconds,
        "rules_s": rules_seconds,
        "findings": findings,
        "validate_s": sum(validate_seconds),
        "synth_cpu_s": synth_cpu,
    }


def _run(n_resources: int, mode: str) -> dict[str, float]:
    env = dict(os.environ, CDK_VALIDATION="false")
    env["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        [sys.executable, __file__, "--worker", str(n_resources), "--mode", mode],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[150, 450])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.mode)))
        return 0
    print(f"load average before: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    print("N = CloudFormation resources. Medians over rounds of paired differences, (ms per resource).")
    print("wall = synth wall time; cpu = CPU time of the synth (Python + jsii Node process, from /proc),")
    print("which a loaded machine disturbs far less than wall time;")
    print("validate() = time inside SecureServerlessChecks.validate (read templates, rules, report).")
    print(
        "     N | no plugin: wall, cpu   | wall: pack - none | cpu: no-op - none | cpu: pack - none | "
        "cpu: pack - no-op | validate()"
    )
    for size in args.sizes:
        runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
        for round_ in range(args.rounds):
            for mode in MODES[round_ % 3 :] + MODES[: round_ % 3]:  # rotate the order against drift
                runs[mode].append(_run(size, mode))
        n = int(runs["on"][0]["resources"])

        def diff(a: str, b: str, key: str, runs: dict[str, list[dict[str, float]]] = runs) -> float:
            pairs = zip(runs[a], runs[b], strict=True)
            return statistics.median(y[key] - x[key] for x, y in pairs) * 1000

        def cell(ms: float, n: int = n) -> str:
            return f"{ms:+6.0f} ms ({ms / n:+5.2f})"

        validate = statistics.median(r["validate_s"] for r in runs["on"]) * 1000
        off = statistics.median(r["synth_s"] for r in runs["off"])
        off_cpu = statistics.median(r["synth_cpu_s"] for r in runs["off"])
        print(
            f"{n:6d} | {off:6.3f} s, cpu {off_cpu:5.3f} s | {cell(diff('off', 'on', 'synth_s'))} | "
            f"{cell(diff('off', 'noop', 'synth_cpu_s'))} | {cell(diff('off', 'on', 'synth_cpu_s'))} | "
            f"{cell(diff('noop', 'on', 'synth_cpu_s'))} | {validate:4.0f} ms ({validate / n:4.2f}); "
            f"findings: {int(runs['on'][0]['findings'])}"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
