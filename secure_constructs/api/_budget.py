"""The 500-resources-per-stack budget: fail at synth with how many routes fit and how to split the service.

CloudFormation refuses a stack of more than 500 resources, and CDK's own error only gives the count. Each
API construct counts its routes in the stack's context; one check per stack turns an overflow into an
actionable message.
"""

from __future__ import annotations

from aws_cdk import CfnResource
from constructs import IConstruct

from .._context import StackContext
from ..errors import SecureConstructsError

#: CloudFormation's quota of resources in one stack.
STACK_RESOURCE_LIMIT = 500


def count_route(scope: IConstruct) -> None:
    """Count one route of ``scope``'s stack; the first route adds the stack's budget check."""
    context = StackContext.of(scope)
    if context.routes == 0:
        context.add_check(lambda: _check_budget(context))
    context.routes += 1


def _check_budget(context: StackContext) -> list[str]:
    """SC-API-013 when the stack has more resources than CloudFormation accepts."""
    resources = [c for c in context.stack.node.find_all() if isinstance(c, CfnResource)]
    count, routes = len(resources), context.routes
    if count <= STACK_RESOURCE_LIMIT:
        return []
    per_route = _resources_per_route(resources, routes)
    fixed = max(round(count - per_route * routes), 0)
    fit = max(int((STACK_RESOURCE_LIMIT - fixed) / per_route), 0)
    stacks = -(-routes // max(fit, 1))
    error = SecureConstructsError(
        "SC-API-013",
        context.stack,
        f"the stack has {count} CloudFormation resources, over the quota of {STACK_RESOURCE_LIMIT}: "
        f"its {routes} routes take about {per_route:.1f} resources each (function, role, log "
        f"group, alarms, method, permission) besides {fixed} shared ones, so about {fit} routes fit "
        "in one stack",
        received=f"{routes} routes",
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
