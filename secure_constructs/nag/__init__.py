"""SecureServerlessChecks: the rule pack that verifies, at synth, the properties our constructs promise.

Why a template plugin and not a ``cdk_nag.NagPack`` subclass: a NagPack written in Python is called back
from Node for every CfnResource (jsii round trips of 0.3-0.8 ms each), which measured about 4 ms per
CloudFormation resource (8-16 ms when every rule goes through cdk-nag). This pack is a plain
``aws_cdk.IPolicyValidationPlugin`` that reads each synthesized template JSON once and evaluates pure
Python rules on dicts: a handful of round trips per synth, whatever its size. Measured with
``benchmarks/bench_pack.py`` (2 shared cores, 141 and 441 resources, CPU time of the synth, two runs):
the pack adds 0.27-1.06 ms per resource to a synth, most of it CDK core's validation machinery that any
plugin (cdk-nag's included) triggers (0.24-0.75 ms with a plugin that does nothing); ``validate()``
itself takes 0.05-0.21 ms per resource. Reading the template also means the rules see what
CloudFormation will see: escape-hatch property overrides and resources brought in with ``CfnInclude``.

It runs beside cdk-nag's packs in the same way, and CDK core handles its acknowledgments::

    Validations.of(app).add_plugins(SecureServerlessChecks(), AwsSolutionsChecks(app))
    secure_constructs.acknowledge(fn, "SecureServerless-LambdaAlarms[Missing::Throttles]", "reason ...")

(the audited id ``SecureServerless::SecureServerless-...``; the reason lands under
``suppressedViolations`` in ``cdk.out/validation-report.json``). ``secure_constructs.add_checks(app)``
registers it with the stock packs. Rules: ``RULES.md``. The same rules scan existing templates (JSON,
YAML, SAM, a ``cdk.out``, a directory) in pure Python, without Node:
``python -m secure_constructs.nag check PATH [...] [--format text|json|sarif|junit]`` (``docs/scanner.md``).
The plugin is imported on first use, so that the scanner never starts the jsii runtime.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._model import PACK_NAME, Compliance, Finding, Level, RuleSpec, Undecidable
from ._pack import NOT_SECURITY_RELEVANT, RULES, evaluate
from ._template import TemplateContext

if TYPE_CHECKING:
    from ._plugin import SecureServerlessChecks


def __getattr__(name: str) -> Any:
    # The plugin needs aws_cdk (and so the jsii runtime); the scanner CLI and the rules do not.
    if name == "SecureServerlessChecks":
        from ._plugin import SecureServerlessChecks

        return SecureServerlessChecks
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "NOT_SECURITY_RELEVANT",
    "PACK_NAME",
    "RULES",
    "Compliance",
    "Finding",
    "Level",
    "RuleSpec",
    "SecureServerlessChecks",
    "TemplateContext",
    "Undecidable",
    "evaluate",
]
