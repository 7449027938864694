"""``python -m secure_constructs.nag check TEMPLATE.json [...]``: run the pack on existing templates.

Each template is loaded with ``CfnInclude`` into a stack of a fresh App (so CDK parses it as it would in an
app) and synthesized with :class:`SecureServerlessChecks`. Exit codes: 0 clean, 1 findings, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from typing import Any

from ..errors import SecureConstructsError

PLUGIN = "SecureServerless"
_STACK_PREFIX = "Template"


def _load(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise SecureConstructsError(
            "SC-NAG-001",
            path,
            "the template file cannot be read",
            received=type(error).__name__ + ": " + str(error.args[-1] if error.args else ""),
            fix="Pass the path of a readable CloudFormation JSON template",
        ) from error
    try:
        template = json.loads(text)
    except json.JSONDecodeError as error:
        raise SecureConstructsError(
            "SC-NAG-002",
            path,
            "the file is not valid JSON",
            received=f"{error.msg} at line {error.lineno} column {error.colno}",
            fix="Pass a CloudFormation template in JSON (convert YAML with cfn-flip)",
        ) from error
    resources = template.get("Resources") if isinstance(template, dict) else None
    if (
        not isinstance(resources, dict)
        or not resources
        or not all(isinstance(r, dict) and isinstance(r.get("Type"), str) for r in resources.values())
    ):
        raise SecureConstructsError(
            "SC-NAG-003",
            path,
            "the file is not a CloudFormation template",
            received="a JSON document without a Resources section of typed resources",
            fix="Pass a template with a non-empty Resources object, each resource with a Type",
        )
    if template.get("Transform") or any(
        str(r["Type"]).startswith("AWS::Serverless::") for r in resources.values()
    ):
        raise SecureConstructsError(
            "SC-NAG-005",
            path,
            "the template needs a Transform (SAM or a macro), so its resources are not CloudFormation "
            "resources yet and the rules would not see them",
            received=f"Transform: {template.get('Transform')!r}",
            fix="Check the processed template instead, e.g. `aws cloudformation get-template --stack-name "
            "<stack> --template-stage Processed`",
        )
    return template


def check(paths: list[str]) -> list[dict[str, str]]:
    """Findings of the pack on the templates at ``paths`` (raises SecureConstructsError on bad input).

    Each finding is ``{"rule", "logical_id", "path", "message", "fix", "level"}`` where ``path`` is the
    template file it was found in.
    """
    for path in paths:
        _load(path)
    from aws_cdk import App, DefaultStackSynthesizer, Stack, Validations
    from aws_cdk import cloudformation_include as cfn_inc

    from ._plugin import SecureServerlessChecks

    with tempfile.TemporaryDirectory(prefix="sc-nag-") as outdir:
        app = App(outdir=outdir, analytics_reporting=False)
        files: dict[str, str] = {}
        for index, path in enumerate(paths, start=1):
            stack_id = f"{_STACK_PREFIX}{index}"
            files[stack_id] = path
            stack = Stack(
                app, stack_id, synthesizer=DefaultStackSynthesizer(generate_bootstrap_version_rule=False)
            )
            try:
                cfn_inc.CfnInclude(stack, "Template", template_file=path)
            except RuntimeError as error:  # jsii surfaces CDK's parse errors as RuntimeError
                raise SecureConstructsError(
                    "SC-NAG-004",
                    path,
                    "CloudFormation include could not load the template",
                    received=str(error).splitlines()[0][:300],
                    fix="Fix the template so that CloudFormation would accept it (see the message)",
                ) from error
        Validations.of(app).add_plugins(SecureServerlessChecks())
        try:
            app.synth()
        except RuntimeError as error:
            if "ValidationFailed" not in str(error):
                raise
        report_path = os.path.join(outdir, "validation-report.json")
        report = {}
        if os.path.exists(report_path):
            with open(report_path, encoding="utf-8") as handle:
                report = json.load(handle)
    findings: list[dict[str, str]] = []
    for plugin in report.get("pluginReports", []):
        if plugin.get("pluginName") != PLUGIN:
            continue
        for violation in plugin.get("violations", []):
            for construct in violation.get("violatingConstructs", []):
                resource = construct.get("cloudFormationResource", {})
                stack_id = str(resource.get("templatePath", "")).split(".", 1)[0]
                findings.append(
                    {
                        "rule": violation.get("ruleName", ""),
                        "logical_id": resource.get("logicalId", ""),
                        "path": files.get(stack_id, resource.get("templatePath", "")),
                        "message": violation.get("description", ""),
                        "fix": violation.get("suggestedFix", ""),
                        "level": violation.get("severity", ""),
                    }
                )
    return sorted(
        findings,
        key=lambda f: (paths.index(f["path"]) if f["path"] in paths else 0, f["logical_id"], f["rule"]),
    )


def _format_text(findings: list[dict[str, str]]) -> str:
    if not findings:
        return "No findings."
    blocks = [
        f"{f['level'].upper()} {f['rule']}\n   {f['path']}: {f['logical_id']}\n   {f['message']}\n"
        f"   Fix: {f['fix']}"
        for f in findings
    ]
    return "\n\n".join(blocks) + f"\n\n{len(findings)} finding(s)."


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m secure_constructs.nag",
        description="Run the SecureServerless rules on CloudFormation templates.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check_cmd = commands.add_parser("check", help="check templates; exit 1 on findings, 2 on bad input")
    check_cmd.add_argument("templates", nargs="+", metavar="TEMPLATE.json")
    check_cmd.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="json: a list of {rule, logical_id, path, message}; path is the template file",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = _parser().parse_args(argv)
    if os.environ.get("CDK_VALIDATION") != "false":
        # aws-cdk-lib's built-in CloudFormation validator (10-20 s, irrelevant here) is switched off only by
        # an environment variable read when the jsii runtime starts: run the check in a child that has it.
        env = dict(os.environ, CDK_VALIDATION="false")
        command = [
            sys.executable,
            "-m",
            "secure_constructs.nag",
            *(argv if argv is not None else sys.argv[1:]),
        ]
        return subprocess.run(command, env=env, check=False).returncode
    try:
        findings = check(args.templates)
    except SecureConstructsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(
            json.dumps(
                [{k: f[k] for k in ("rule", "logical_id", "path", "message")} for f in findings], indent=2
            )
        )
    else:
        print(_format_text(findings))
    return 1 if findings else 0
