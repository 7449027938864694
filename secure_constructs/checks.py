"""Turn on every check for an app: SecureServerless plus cdk-nag's AwsSolutions and Serverless packs."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from aws_cdk import App, Validations

STOCK_PACKS = ("AwsSolutions", "Serverless")


def add_checks(
    app: App,
    *,
    stock_packs: tuple[str, ...] = STOCK_PACKS,
    nist: bool = False,
    sarif: str | None = None,
    report: bool = False,
) -> None:
    """Register the validation plugins that ``cdk synth`` runs on ``app``.

    Our pack (:class:`secure_constructs.nag.SecureServerlessChecks`) always runs. ``stock_packs`` names
    cdk-nag packs to run besides it (default: AwsSolutions and Serverless); ``nist=True`` adds NIST 800-53
    R5. Findings fail the synth unless acknowledged with a reason (:func:`secure_constructs.acknowledge`);
    acknowledgments of these packs that match no finding fail it too.
    ``sarif`` is a file to which our pack writes its findings (acknowledged ones with their reasons) as
    SARIF 2.1.0, e.g. for GitHub code scanning. Default: none.
    ``report=True`` writes ``security-report.md`` and ``.html`` next to the templates after
    ``app.synth()`` (also when the synth fails on findings) and prints where they are and a short summary.
    Default: False (call :func:`secure_constructs.write_security_report` yourself).

    A plain ``python app.py`` whose synth fails on findings then ends with the findings (printed by CDK)
    and one line, without a Python traceback; any other error keeps its traceback.
    """
    import cdk_nag

    from .nag import SecureServerlessChecks
    from .nag._plugin import WatchedPack

    factories: dict[str, Any] = {
        "AwsSolutions": cdk_nag.AwsSolutionsChecks,
        "Serverless": cdk_nag.ServerlessChecks,
        "NIST.800.53.R5": cdk_nag.NIST80053R5Checks,
        "HIPAA.Security": cdk_nag.HIPAASecurityChecks,
        "PCI.DSS.321": cdk_nag.PCIDSS321Checks,
    }
    names = list(stock_packs) + (["NIST.800.53.R5"] if nist else [])
    # The stock packs run first, so that our plugin (last) knows their findings when it judges the
    # acknowledgments given for them.
    watched = [WatchedPack(factories[name](app)) for name in names]
    Validations.of(app).add_plugins(*watched, SecureServerlessChecks(app, sarif=sarif, watch=watched))
    if report:
        _report_after_synth(app)
    _install_excepthook()


def _report_after_synth(app: App) -> None:
    """Make ``app.synth()`` write the security report once the cloud assembly (and the validation report)
    is on disk."""
    synth = app.synth

    def synth_and_report(*args: Any, **kwargs: Any) -> Any:
        try:
            return synth(*args, **kwargs)
        finally:
            _write_report(app.outdir)

    app.synth = synth_and_report  # type: ignore[method-assign]


def _write_report(outdir: str) -> None:
    from pathlib import Path

    from .report import write_security_report

    if not any(Path(outdir).glob("*.template.json")):
        return  # the synth failed before writing templates: nothing to report on
    md_path, html_path, summary = write_security_report(outdir)
    print(f"Security report: {md_path}\n                 {html_path}\n{summary}", file=sys.stderr)


_HOOKED = False


def _install_excepthook() -> None:
    """Print a synth that failed validation as one line (CDK has already printed the findings); leave every
    other exception to the previous hook."""
    global _HOOKED
    if _HOOKED:
        return
    previous = sys.excepthook

    def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        message = validation_failure(error)
        if message:
            print(f"Synthesis failed: {message}", file=sys.stderr)
            return
        previous(kind, error, trace)

    sys.excepthook = hook
    _HOOKED = True


def validation_failure(error: BaseException) -> str | None:
    """The message of CDK's ValidationFailed error as jsii raises it (a ``RuntimeError``), else None: one
    line when CDK printed the findings itself, the findings and that line when it put them in the message
    (CDK's "inmemory" mode, e.g. under a test runner)."""
    text = str(error)
    if not isinstance(error, RuntimeError) or not text.startswith("ValidationFailed: "):
        return None
    return text[len("ValidationFailed: "):].strip() or "validation failed"
