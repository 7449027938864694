"""AWS SAM resources: expanded by CloudFormation at deploy time, so no rule can see what they become."""

from __future__ import annotations

from typing import Any

from .._model import Compliance, RuleResult
from .._template import TemplateContext


def transformed_resource(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Fail closed on a resource that only the SAM transform turns into CloudFormation resources."""
    return Compliance.NON_COMPLIANT
