"""Turn on every check for an app: SecureServerless plus cdk-nag's AwsSolutions and Serverless packs."""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Validations

STOCK_PACKS = ("AwsSolutions", "Serverless")


def add_checks(
    app: App, *, stock_packs: tuple[str, ...] = STOCK_PACKS, nist: bool = False, sarif: str | None = None
) -> None:
    """Register the validation plugins that ``cdk synth`` runs on ``app``.

    Our pack (:class:`secure_constructs.nag.SecureServerlessChecks`) always runs. ``stock_packs`` names
    cdk-nag packs to run besides it (default: AwsSolutions and Serverless); ``nist=True`` adds NIST 800-53
    R5. Findings fail the synth unless acknowledged with a reason (:func:`secure_constructs.acknowledge`).
    ``sarif`` is a file to which our pack writes its findings (acknowledged ones with their reasons) as
    SARIF 2.1.0, e.g. for GitHub code scanning. Default: none.
    """
    import cdk_nag

    from .nag import SecureServerlessChecks

    factories: dict[str, Any] = {
        "AwsSolutions": cdk_nag.AwsSolutionsChecks,
        "Serverless": cdk_nag.ServerlessChecks,
        "NIST.800.53.R5": cdk_nag.NIST80053R5Checks,
        "HIPAA.Security": cdk_nag.HIPAASecurityChecks,
        "PCI.DSS.321": cdk_nag.PCIDSS321Checks,
    }
    names = list(stock_packs) + (["NIST.800.53.R5"] if nist else [])
    plugins = [SecureServerlessChecks(app, sarif=sarif), *(factories[name](app) for name in names)]
    Validations.of(app).add_plugins(*plugins)
