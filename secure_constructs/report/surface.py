"""The network, database and load balancer parts of the security report, read from the templates. Each
verdict is the verdict of the pack's own rule for that property (one implementation), so the report and the
synth never disagree."""

from __future__ import annotations

from typing import Any

from ..nag._model import Compliance, Undecidable
from ..nag._template import TemplateContext, as_list, flatten, props
from ..nag.rules import alb, network, rds
from ._names import construct_path, display_name, public_reason
from .intrinsics import references, render
from .model import Database, Endpoint, Finding, LoadBalancerRoute, Network

Resources = dict[str, dict[str, Any]]


def _holds(fn: Any, logical_id: str, ctx: TemplateContext) -> bool:
    """Whether a rule reports nothing for the resource (a rule that cannot decide counts as not holding)."""
    try:
        result = fn(logical_id, ctx.resources[logical_id], ctx)
    except Undecidable:
        return False
    if isinstance(result, Compliance):
        return result is not Compliance.NON_COMPLIANT
    return not result


def _name(logical_id: str, resource: dict[str, Any]) -> str:

    return display_name(logical_id, resource)


def networks_of(stack: str, template: dict[str, Any]) -> list[Network]:
    """Every VPC: its endpoints (kind, zones, policy limited to the account), NAT gateways, declared egress,
    flow logs and the functions placed in it."""
    ctx = TemplateContext(template)
    out = []
    for vpc_id, vpc in ctx.of_type(network.VPC):
        endpoints = []
        for lid, endpoint in ctx.of_type(network.ENDPOINT):
            p = props(endpoint)
            if vpc_id not in ctx.references(p.get("VpcId")):
                continue
            kind = str(p.get("VpcEndpointType", "Gateway"))
            zones = len(as_list(p.get("SubnetIds"))) if kind == "Interface" else 0
            service = (flatten(p.get("ServiceName")) or "?").rsplit(".", 1)[-1]
            endpoints.append(Endpoint(service, kind, zones, _holds(network.vpc_endpoint_policy, lid, ctx)))
        subnets = [
            lid for lid, s in ctx.of_type(network.SUBNET) if vpc_id in ctx.references(props(s).get("VpcId"))
        ]
        reasons = sorted(
            {
                str(tag.get("Value"))
                for lid in subnets
                for tag in as_list(props(ctx.resources[lid]).get("Tags"))
                if isinstance(tag, dict) and tag.get("Key") == network.EGRESS_TAG
            }
        )
        nats = [
            lid
            for lid, nat in ctx.of_type("AWS::EC2::NatGateway")
            if ctx.references(props(nat).get("SubnetId")) & set(subnets)
        ]
        functions = sorted(
            _name(lid, fn)
            for lid, fn in ctx.of_type(network.LAMBDA)
            if ctx.references((props(fn).get("VpcConfig") or {}).get("SubnetIds")) & set(subnets)
        )
        out.append(
            Network(
                stack,
                _name(vpc_id, vpc),
                tuple(sorted(endpoints, key=lambda e: e.service)),
                len(nats),
                tuple(reasons),
                _holds(network.vpc_flow_logs, vpc_id, ctx),
                tuple(functions),
            )
        )
    return out


_DB_CHECKS = (
    ("IAM authentication", rds.rds_iam_auth, (rds.INSTANCE, rds.CLUSTER, rds.PROXY)),
    ("TLS required", rds.rds_proxy_tls, (rds.PROXY,)),
    ("Encrypted with a customer managed key", rds.rds_storage_encrypted, (rds.INSTANCE, rds.CLUSTER)),
    ("Not publicly accessible", rds.rds_not_public, (rds.INSTANCE,)),
    ("Master secret rotated", rds.rds_master_secret_rotated, (rds.INSTANCE, rds.CLUSTER)),
    ("Deletion protection", rds.rds_deletion_protection, (rds.INSTANCE, rds.CLUSTER)),
)
_KINDS = {rds.INSTANCE: "instance", rds.CLUSTER: "cluster", rds.PROXY: "proxy"}


def databases_of(stack: str, template: dict[str, Any]) -> list[Database]:
    """Every RDS instance, cluster and proxy with the verdict of each access property that applies."""
    ctx = TemplateContext(template)
    out = []
    for lid, resource in ctx.of_type(rds.INSTANCE, rds.CLUSTER, rds.PROXY):
        if rds._cluster_member(resource):
            continue
        kind = str(resource.get("Type"))
        checks = tuple((label, _holds(fn, lid, ctx)) for label, fn, kinds in _DB_CHECKS if kind in kinds)
        out.append(Database(stack, _name(lid, resource), _KINDS[kind], checks))
    return out


def load_balancer_routes_of(
    stack: str, template: dict[str, Any], acknowledgments: list[Finding]
) -> list[LoadBalancerRoute]:
    """Every listener default action and listener rule of the templates' load balancers: what it does and
    how it authenticates (the reason of a public forwarding route)."""

    ctx = TemplateContext(template)
    resources: Resources = ctx.resources
    listeners = dict(ctx.of_type(alb.LISTENER))
    lbs = dict(ctx.of_type(alb.LB))
    out: list[LoadBalancerRoute] = []

    def add(lid: str, listener_id: str, priority: str, paths: str, actions: Any) -> None:
        items = sorted(
            (a for a in as_list(actions) if isinstance(a, dict)), key=lambda a: int(a.get("Order", 0) or 0)
        )
        gates = [a for a in items if a.get("Type") in alb._AUTH_TYPES]
        final = next((str(a.get("Type")) for a in items if a.get("Type") not in alb._AUTH_TYPES), "?")
        auth = "NONE"
        unauthenticated = ""
        if gates:
            gate = gates[0]
            auth = "Cognito" if gate.get("Type") == "authenticate-cognito" else "OIDC"
            config = gate.get(alb._AUTH_TYPES[str(gate.get("Type"))]) or {}
            unauthenticated = str(config.get("OnUnauthenticatedRequest", "authenticate"))
        listener = listeners.get(listener_id, {})
        lb_ids = [r for r in references(props(listener).get("LoadBalancerArn")) if r in lbs]
        lb_name = _name(lb_ids[0], lbs[lb_ids[0]]) if lb_ids else "?"
        protocol = (
            f"{render(props(listener).get('Protocol', '?'))}:{render(props(listener).get('Port', '?'))}"
        )
        path = construct_path(resources[lid])
        reason = public_reason(path, acknowledgments) if final == "forward" and auth == "NONE" else ""
        out.append(
            LoadBalancerRoute(stack, lb_name, protocol, priority, paths, final, auth, unauthenticated, reason)
        )

    for lid, listener in listeners.items():
        add(lid, lid, "default", "*", props(listener).get("DefaultActions"))
    for lid, rule in ctx.of_type(alb.RULE):
        p = props(rule)
        listener_ids = [r for r in references(p.get("ListenerArn")) if r in listeners]
        paths = ", ".join(
            render(v)
            for c in as_list(p.get("Conditions"))
            if isinstance(c, dict)
            for v in as_list((c.get("PathPatternConfig") or {}).get("Values") or c.get("Values"))
        )
        add(
            lid,
            listener_ids[0] if listener_ids else "",
            render(p.get("Priority", "?")),
            paths or "*",
            p.get("Actions"),
        )
    return sorted(out, key=lambda r: (r.load_balancer, r.listener, r.priority))
