"""``python -m secure_constructs.nag check PATH [...]``: run the pack on existing templates.

PATH is a template (JSON or YAML, plain CloudFormation or SAM), a directory tree of templates, or a
``cdk.out``. Pure Python: no Node, no jsii (see ``_scan``). Exit codes: 0 no finding at the failing level
(error, or warning with ``--fail-on warning``), 1 findings, 2 bad input or usage (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys

from ._model import Level

EXIT_CLEAN, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # one line, exit 2 (argparse would print the whole usage first)
        self.exit(EXIT_BAD_INPUT, f"error: [usage] {message}. See `{self.prog} --help`.\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m secure_constructs.nag",
        description="Run the SecureServerless rules on CloudFormation and SAM templates (no Node needed).",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    check = commands.add_parser(
        "check",
        help="check templates; exit 1 on findings, 2 on bad input",
        description="Check templates, directories of templates and cdk.out assemblies.",
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help="template file, directory or cdk.out")
    check.add_argument(
        "--format",
        choices=("text", "json", "sarif", "junit"),
        default="text",
        help="output format (default text)",
    )
    check.add_argument("--output", "-o", metavar="FILE", help="write the output to FILE instead of stdout")
    check.add_argument("--sarif", metavar="FILE", help="also write SARIF 2.1.0 to FILE (for code scanning)")
    check.add_argument("--junit", metavar="FILE", help="also write JUnit XML to FILE")
    check.add_argument(
        "--fail-on",
        choices=("error", "warning"),
        default="error",
        help="lowest level that makes the exit code 1 (default error)",
    )
    check.add_argument(
        "--region",
        help="region the SAM translator assumes (default: AWS_REGION, else us-east-1); never called",
    )
    check.add_argument(
        "--skip-non-templates",
        action="store_true",
        help="skip named files that are not templates instead of exiting 2 (for pre-commit)",
    )
    check.add_argument(
        "--jobs", type=int, metavar="N", help="worker processes (default: one per core for 8+ files)"
    )
    return parser


def _write(path: str, content: str) -> None:
    from ..errors import SecureConstructsError

    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(content + "\n")
    except OSError as error:
        raise SecureConstructsError(
            "SC-NAG-010",
            path,
            "the output file cannot be written",
            received=f"{type(error).__name__}: {error.strerror or error}",
            fix="Pass a writable path",
        ) from error


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as done:  # --help (0) or a usage error (2, already printed)
        return int(done.code or 0)
    from ..errors import SecureConstructsError
    from . import _output
    from ._scan import ScanError, scan

    fail_on = Level.WARNING if args.fail_on == "warning" else Level.ERROR
    try:
        if args.jobs is not None and args.jobs < 1:
            raise ScanError(f"error: [usage] --jobs must be at least 1, received {args.jobs}.")
        report = scan(
            args.paths, region=args.region, jobs=args.jobs, skip_non_templates=args.skip_non_templates
        )
        rendered = _output.render(report, args.format, fail_on)
        if args.output:
            _write(args.output, rendered)
        else:
            print(rendered)
        if args.sarif:
            _write(args.sarif, _output.sarif(report))
        if args.junit:
            _write(args.junit, _output.junit(report, fail_on))
    except ScanError as error:
        print(
            error.message if error.message.startswith("error:") else f"error: {error.message}",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    except SecureConstructsError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_FINDINGS if report.failed(fail_on) else EXIT_CLEAN
