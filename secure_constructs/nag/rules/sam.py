"""AWS SAM resources: expanded by CloudFormation at deploy time, so no rule can see what they become."""

from __future__ import annotations

from typing import Any

from .._model import Compliance, RuleResult, RuleSpec
from .._template import TemplateContext
from ._common import E

#: AWS SAM resource types: CloudFormation expands them at deploy time, after the rules have run.
SAM_TYPES = tuple(
    f"AWS::Serverless::{name}"
    for name in (
        "Function",
        "Api",
        "HttpApi",
        "SimpleTable",
        "LayerVersion",
        "StateMachine",
        "Application",
        "Connector",
        "GraphQLApi",
    )
)


def transformed_resource(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Fail closed on a resource that only the SAM transform turns into CloudFormation resources."""
    return Compliance.NON_COMPLIANT


RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "TransformedResource",
        "general",
        SAM_TYPES,
        "The resource is expanded by the SAM transform at deploy time: no rule can check what it becomes.",
        "Define the resources with aws-cdk-lib (or secure_constructs) instead, or check the processed "
        "template (`aws cloudformation get-template --template-stage Processed`) with "
        "`python -m secure_constructs.nag check`, then acknowledge with that as the reason.",
        E,
        transformed_resource,
    ),
)
