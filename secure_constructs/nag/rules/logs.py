"""CloudWatch Logs rules: log groups keep logs for a bounded, chosen time."""

from __future__ import annotations

from typing import Any

from .._model import Compliance, RuleResult
from .._template import TemplateContext, props


def log_group_retention(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Log groups set RetentionInDays (without it, logs, and any data in them, are kept forever)."""
    missing = ctx.decide(props(resource).get("RetentionInDays"), lambda v: v in (None, ""), "RetentionInDays")
    return Compliance.NON_COMPLIANT if missing else Compliance.COMPLIANT
