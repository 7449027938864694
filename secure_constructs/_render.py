"""A just-built CloudFormation resource as the template will hold it (for the override guard)."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnDeletionPolicy, CfnResource, Stack
from constructs import IConstruct

_POLICIES = {
    CfnDeletionPolicy.DELETE: "Delete",
    CfnDeletionPolicy.RETAIN: "Retain",
    CfnDeletionPolicy.SNAPSHOT: "Snapshot",
    CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE: "RetainExceptOnCreate",
}


def render_resources(scopes: tuple[IConstruct, ...]) -> list[tuple[IConstruct, str, dict[str, Any]]]:
    """``(construct, logical id, {"Type", "Properties", "DeletionPolicy"})`` for each scope: an L1, or an L2
    whose ``node.default_child`` is one. Escape-hatch overrides are not included (the pack judges those
    at synth)."""
    out = []
    for scope in scopes:
        cfn = scope if isinstance(scope, CfnResource) else scope.node.default_child
        if not isinstance(cfn, CfnResource):
            continue
        stack = Stack.of(cfn)
        resource: dict[str, Any] = {
            "Type": cfn.cfn_resource_type,
            # resolved first: a Lazy value (the identity pool's providers) fails the renderer's type checks
            "Properties": stack.resolve(cfn._render_properties(stack.resolve(cfn._cfn_properties))),  # noqa: SLF001
        }
        policy = cfn.cfn_options.deletion_policy
        if policy is not None:
            resource["DeletionPolicy"] = _POLICIES.get(policy, str(policy))
        out.append((scope, stack.get_logical_id(cfn), resource))
    return out
