"""The 500-resources-per-stack budget: fail at synth with how many routes fit and how to split the service.

CloudFormation refuses a stack of more than 500 resources, and CDK's own error only gives the count. Each
API construct counts its routes here; one validation per stack turns an overflow into an actionable message.
"""

from __future__ import annotations

import contextlib

import jsii
from aws_cdk import CfnResource, Stack
from constructs import IValidation

from ..errors import SecureConstructsError

#: CloudFormation's quota of resources in one stack.
STACK_RESOURCE_LIMIT = 500


@jsii.implements(IValidation)
class _StackBudget:
    def __init__(self, stack: Stack) -> None:
        self._stack = stack
        self.routes = 0

    def validate(self) -> list[str]:
        resources = [c for c in self._stack.node.find_all() if isinstance(c, CfnResource)]
        count = len(resources)
        if count <= STACK_RESOURCE_LIMIT or self.routes == 0:
            return []
        per_route = _resources_per_route(resources, self.routes)
        fixed = max(round(count - per_route * self.routes), 0)
        fit = max(int((STACK_RESOURCE_LIMIT - fixed) / per_route), 0)
        stacks = -(-self.routes // max(fit, 1))
        error = SecureConstructsError(
            "SC-API-013",
            self._stack,
            f"the stack has {count} CloudFormation resources, over the quota of {STACK_RESOURCE_LIMIT}: "
            f"its {self.routes} routes take about {per_route:.1f} resources each (function, role, log "
            f"group, alarms, method, permission) besides {fixed} shared ones, so about {fit} routes fit "
            "in one stack",
            received=f"{self.routes} routes",
            fix=(
                f"Split the service into at least {stacks} stacks of at most {fit} routes, e.g. one stack "
                "per resource group (orders, inventory, ...), each with its own SecureRestApi or "
                "SecureHttpApi; put them behind one custom domain with a base path per stack "
                "(apigateway.BasePathMapping), and keep shared resources (tables, user pool, trail) in a "
                "stack of their own"
            ),
        )
        return [str(error)]


def _resources_per_route(resources: list[CfnResource], routes: int) -> float:
    # What grows with routes: methods/routes, permissions, functions, roles, log groups and alarms.
    growing = {
        "AWS::ApiGateway::Method",
        "AWS::ApiGatewayV2::Route",
        "AWS::ApiGatewayV2::Integration",
        "AWS::Lambda::Permission",
        "AWS::Lambda::Function",
        "AWS::IAM::Role",
        "AWS::Logs::LogGroup",
        "AWS::CloudWatch::Alarm",
        "AWS::ApiGateway::Resource",
    }
    grown = sum(1 for r in resources if r.cfn_resource_type in growing)
    return max(grown / routes, 1.0)


_ATTRIBUTE = "_secure_constructs_budget"


def count_route(scope: object) -> None:
    """Count one route of ``scope``'s stack (registers the stack's budget check on first use)."""
    # Also kept on the API construct, so that its next routes need no stack lookup (a call into jsii).
    budget = getattr(scope, _ATTRIBUTE, None)
    if budget is None:
        stack = Stack.of(scope)  # type: ignore[arg-type]
        # Kept on the stack object itself (jsii hands back the same Python object for the same stack), not
        # in a module dict keyed by path: two apps in one process can both have a stack called "Orders".
        budget = getattr(stack, _ATTRIBUTE, None)
        if budget is None:
            budget = _StackBudget(stack)
            setattr(stack, _ATTRIBUTE, budget)
            stack.node.add_validation(budget)
        with contextlib.suppress(AttributeError):  # an object that takes no attributes: look up each time
            setattr(scope, _ATTRIBUTE, budget)
    budget.routes += 1
