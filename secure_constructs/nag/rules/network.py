"""Networks of Lambda functions: VPC endpoint policies limited to the account, flow logs, and functions that
reach no further than declared (no open egress in a network without egress, no undeclared route to a NAT or
internet gateway)."""

from __future__ import annotations

import json
from typing import Any

from ...policy import may_allow, restricting_keys, wildcard_arn
from .._model import Compliance, RuleResult, RuleSpec, Setting, Undecidable, if_, remove, set_
from .._template import MISSING, NO_VALUE, TemplateContext, as_list, flatten, get_path, props, show, when
from ._common import E, per_scenario

ENDPOINT = "AWS::EC2::VPCEndpoint"
VPC = "AWS::EC2::VPC"
FLOW_LOG = "AWS::EC2::FlowLog"
SG = "AWS::EC2::SecurityGroup"
SG_EGRESS = "AWS::EC2::SecurityGroupEgress"
SUBNET = "AWS::EC2::Subnet"
ROUTE = "AWS::EC2::Route"
LAMBDA = "AWS::Lambda::Function"
#: The subnet tag that declares, with its reason, that functions in the subnet may reach the internet.
EGRESS_TAG = "secure-constructs:egress"
OPEN_CIDRS = frozenset({"0.0.0.0/0", "::/0"})
PRINCIPAL_KEYS = frozenset(
    k.lower()
    for k in ("aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalArn")
)
RESOURCE_KEYS = frozenset(
    k.lower() for k in ("aws:ResourceAccount", "aws:ResourceOrgID", "aws:ResourceOrgPaths")
)
#: Route targets that reach beyond the VPC: internet and egress-only gateways, NAT gateways and instances.
_EGRESS_TARGETS = ("NatGatewayId", "GatewayId", "EgressOnlyInternetGatewayId", "InstanceId")


# --- endpoint policies -----------------------------------------------------------------------------------


def _document(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as error:
            raise Undecidable(
                "Unresolved::PolicyDocument", "the policy document is not valid JSON"
            ) from error
    return value


def _open_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any(v == "*" or (isinstance(v, list) and "*" in v) for v in principal.values())
    return False


def _open_resources(statement: dict[str, Any]) -> bool:
    if "NotResource" in statement:
        return True
    for resource in as_list(statement.get("Resource")):
        text = flatten(resource)
        if text is None or text == "*" or wildcard_arn(text) in ("account", "partition", "resource"):
            return True
        if text.startswith("arn:") and wildcard_arn(text) == "resource name" and text.split(":")[4] == "":
            return True  # arn:aws:s3:::* names every bucket of every account
    return False


def _endpoint_policy(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    p = props(resource)
    if p.get("VpcEndpointType") == "GatewayLoadBalancer":
        return Compliance.NOT_APPLICABLE  # no policy exists for this endpoint type
    document = _document(p.get("PolicyDocument", MISSING))
    if document is MISSING or document is None:
        return [
            (
                "NoPolicy",
                "no PolicyDocument: the endpoint allows every action on every resource of every account",
            )
        ]
    statements = as_list(document.get("Statement")) if isinstance(document, dict) else []
    findings: list[str | tuple[str | None, str]] = []
    for statement in statements:
        if not isinstance(statement, dict) or not may_allow(statement):
            continue
        condition = statement.get("Condition")
        if _open_principal(statement.get("Principal", "*")) and not restricting_keys(
            condition, PRINCIPAL_KEYS
        ):
            findings.append(
                (
                    "AnyPrincipalAccount",
                    "an Allow statement does not limit the caller's account (aws:PrincipalAccount)",
                )
            )
        if _open_resources(statement) and not restricting_keys(condition, RESOURCE_KEYS):
            findings.append(
                (
                    "AnyResourceAccount",
                    "an Allow statement does not limit the resources' account (aws:ResourceAccount)",
                )
            )
    return findings


vpc_endpoint_policy = per_scenario(_endpoint_policy)


# --- flow logs -------------------------------------------------------------------------------------------


def vpc_flow_logs(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The VPC has a flow log of all its traffic (an AWS::EC2::FlowLog of the VPC, TrafficType ALL)."""
    logs = [
        flow
        for _, flow in ctx.of_type(FLOW_LOG)
        if logical_id in ctx.references(props(flow).get("ResourceId"))
    ]
    if not logs:
        return [("NoFlowLog", "no flow log names this VPC")]
    partial: list[str | tuple[str | None, str]] = []
    for flow in logs:
        traffic = props(flow).get("TrafficType", "ALL")
        for value, conds in ctx.conditional(traffic):
            literal = ctx.literal(value, "TrafficType")
            if literal != "ALL":
                partial.append(
                    (
                        f"TrafficType::{literal}",
                        f"the flow log records {show(literal)} traffic only{when(conds)}",
                    )
                )
                break
        else:
            return []  # one flow log records everything
    return partial[:1]


# --- functions in a VPC ----------------------------------------------------------------------------------


def _function_refs(resource: dict[str, Any], ctx: TemplateContext, key: str, kind: str) -> list[str] | None:
    """Logical ids of ``kind`` resources named by ``VpcConfig.<key>`` (None when the function has no VPC)."""
    config = get_path(props(resource), "VpcConfig")
    if not isinstance(config, dict) or config.get(key) is None:
        return None
    return sorted(
        ref for value in as_list(config.get(key)) for ref in ctx.references(value) if ctx.type_of(ref) == kind
    )


def _declares_egress(ctx: TemplateContext, subnet: str) -> list[tuple[bool, tuple[str, ...]]]:
    """Whether the subnet's tags declare egress (a non-empty ``secure-constructs:egress`` tag), per branch."""
    out = []
    for tags, conds in ctx.conditional(props(ctx.resources[subnet]).get("Tags", MISSING)):
        declared = any(
            isinstance(tag, dict)
            and tag.get("Key") == EGRESS_TAG
            and isinstance(tag.get("Value"), str)
            and tag["Value"].strip()
            for tag in (tags if isinstance(tags, list) else [])
        )
        out.append((declared, conds))
    return out


def _egress_routes(ctx: TemplateContext, subnet: str) -> list[str]:
    """Logical ids of the routes of the subnet's route tables that reach beyond the VPC."""
    found = []
    for _, association in ctx.of_type("AWS::EC2::SubnetRouteTableAssociation"):
        ap = props(association)
        if subnet not in ctx.references(ap.get("SubnetId")):
            continue
        tables = ctx.references(ap.get("RouteTableId"))
        for lid, route in ctx.of_type("AWS::EC2::Route"):
            rp = props(route)
            if tables & ctx.references(rp.get("RouteTableId")) and any(rp.get(t) for t in _EGRESS_TARGETS):
                gateway = rp.get("GatewayId")
                if gateway is not None and not rp.get("NatGatewayId"):
                    target = ctx.target(gateway)
                    kind = ctx.type_of(target) if target else None
                    text = gateway if isinstance(gateway, str) else ""
                    if kind not in ("AWS::EC2::InternetGateway", None) or (
                        kind is None and not text.startswith("igw-")
                    ):
                        continue  # a virtual private gateway (vgw-) is not the internet
                found.append(lid)
    return found


def lambda_undeclared_egress(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """A function's subnets reach the internet (a route to a NAT or internet gateway) only where that is
    declared: the subnet carries the tag ``secure-constructs:egress`` with the reason."""
    subnets = _function_refs(resource, ctx, "SubnetIds", SUBNET)
    if subnets is None:
        return Compliance.NOT_APPLICABLE
    routed = [(subnet, routes) for subnet in subnets if (routes := _egress_routes(ctx, subnet))]
    if not routed:
        return Compliance.NOT_APPLICABLE  # nothing leaves the VPC: there is nothing to declare
    findings: list[str | tuple[str | None, str]] = []
    for subnet, routes in routed:
        for declared, conds in _declares_egress(ctx, subnet):
            if not declared:
                findings.append(
                    (
                        f"Subnet::{subnet}",
                        f"route {routes[0]} leaves the VPC and the subnet has no "
                        f"{EGRESS_TAG} tag{when(conds)}",
                    )
                )
                break
    return findings


def _open_rules(ctx: TemplateContext, group: str) -> list[tuple[str, tuple[str, ...]]]:
    """What opens the group's egress to any address, each with the conditions that lead to it."""
    found: list[tuple[str, tuple[str, ...]]] = []
    inline = props(ctx.resources[group]).get("SecurityGroupEgress", MISSING)
    standalone = [
        lid for lid, res in ctx.of_type(SG_EGRESS) if group in ctx.references(props(res).get("GroupId"))
    ]
    for rules, conds in ctx.conditional(inline):
        if rules is MISSING or rules is None:
            # A group without egress rules keeps the allow-all rule EC2 gives every new group; CloudFormation
            # removes it when the first AWS::EC2::SecurityGroupEgress of the group is created.
            if not standalone:
                found.append(("no egress rule at all: EC2's default allow-all rule stays", conds))
            continue
        for rule in as_list(rules):
            if isinstance(rule, dict) and (
                rule.get("CidrIp") in OPEN_CIDRS or rule.get("CidrIpv6") in OPEN_CIDRS
            ):
                found.append((f"egress to {rule.get('CidrIp') or rule.get('CidrIpv6')}", conds))
                break
    for lid in standalone:
        rule = props(ctx.resources[lid])
        if rule.get("CidrIp") in OPEN_CIDRS or rule.get("CidrIpv6") in OPEN_CIDRS:
            found.append((f"{lid} allows egress to {rule.get('CidrIp') or rule.get('CidrIpv6')}", ()))
    return found


def lambda_security_group_open_egress(
    logical_id: str, resource: dict[str, Any], ctx: TemplateContext
) -> RuleResult:
    """In a network declared without egress (no subnet of the function carries the egress tag), the
    function's security groups allow no egress to any address (0.0.0.0/0, ::/0)."""
    subnets = _function_refs(resource, ctx, "SubnetIds", SUBNET)
    groups = _function_refs(resource, ctx, "SecurityGroupIds", SG)
    if not subnets or groups is None:
        return Compliance.NOT_APPLICABLE  # no VPC, or subnets this template does not define
    if any(declared for subnet in subnets for declared, _ in _declares_egress(ctx, subnet)):
        return Compliance.NOT_APPLICABLE  # egress declared with a reason: LambdaUndeclaredEgress judges it
    findings: list[str | tuple[str | None, str]] = []
    for group in groups:
        for why, conds in _open_rules(ctx, group):
            findings.append((f"SecurityGroup::{group}", f"{why}{when(conds)}"))
            break
    return findings


_NET = "SecureNetwork"
_EGRESS_RULES = [{"CidrIp": "0.0.0.0/0", "IpProtocol": "-1", "Description": "everything"}]
_FULL_ACCESS = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
_PRINCIPALS_ONLY = {
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalAccount": "111122223333"}},
        }
    ]
}

#: What SecureNetwork changes that is not a security property, and why.
NOT_SECURITY_RELEVANT = {
    (VPC, "CidrBlock"): "addressing: the range holds two /22 function subnets per zone; it grants nothing",
    (VPC, "EnableDnsHostnames"): "needed by the private DNS names of the interface endpoints",
    (VPC, "EnableDnsSupport"): "needed by the private DNS names of the interface endpoints",
    (SUBNET, "CidrBlock"): "addressing inside the VPC's range",
    (SUBNET, "AvailabilityZone"): "placement: which zones the subnets are in",
    ("AWS::EC2::RouteTable", "VpcId"): "wiring between resources the construct made",
    ("AWS::EC2::SubnetRouteTableAssociation", "RouteTableId"): "wiring; the routes are judged themselves",
    ("AWS::EC2::SubnetRouteTableAssociation", "SubnetId"): "wiring; the routes are judged themselves",
    (ENDPOINT, "RouteTableIds"): "which route tables reach the gateway endpoint (the function subnets')",
    (ENDPOINT, "SubnetIds"): "where the interface endpoint's network interfaces are (the function subnets)",
    (ENDPOINT, "ServiceName"): "which AWS service the endpoint reaches (derived from the functions' grants)",
    (ENDPOINT, "VpcEndpointType"): "Gateway or Interface follows from the service",
    (ENDPOINT, "VpcId"): "wiring between resources the construct made",
    (
        ENDPOINT,
        "PrivateDnsEnabled",
    ): "the SDK's default endpoint names resolve to the endpoint (no code change)",
    (
        ENDPOINT,
        "SecurityGroupIds",
    ): "the endpoints' security group, itself judged (ingress from the VPC only)",
    (SG, "GroupDescription"): "a description: it says what the group is for and grants nothing",
    (SG, "VpcId"): "wiring between resources the construct made",
    (SG, "SecurityGroupIngress"): "ingress to the endpoints' group from the VPC's own range on 443 only; "
    "function groups have no ingress rule",
    (SG_EGRESS, "GroupId"): "wiring; egress rules to the endpoints, judged by LambdaSecurityGroupOpenEgress",
    (SG_EGRESS, "DestinationSecurityGroupId"): "egress to the endpoints' security group only",
    (SG_EGRESS, "DestinationPrefixListId"): "egress to the S3 and DynamoDB prefix lists (gateway endpoints)",
    (SG_EGRESS, "FromPort"): "443 only (HTTPS to the endpoints)",
    (SG_EGRESS, "ToPort"): "443 only (HTTPS to the endpoints)",
    (SG_EGRESS, "IpProtocol"): "tcp only (HTTPS to the endpoints)",
    (SG_EGRESS, "Description"): "a description: it says what the rule is for and grants nothing",
    (FLOW_LOG, "ResourceType"): "the VPC as a whole (declared by VpcFlowLogs through ResourceId)",
    (FLOW_LOG, "LogDestinationType"): "CloudWatch Logs, whose group is judged by the log group rules",
    (FLOW_LOG, "LogGroupName"): "wiring to the encrypted log group the construct made",
    (
        FLOW_LOG,
        "DeliverLogsPermissionArn",
    ): "the role CloudWatch Logs delivery assumes, judged by the IAM rules",
    (SUBNET, "VpcId"): "wiring between resources the construct made",
    (ROUTE, "RouteTableId"): "wiring; what the route reaches is declared by LambdaUndeclaredEgress",
    (
        "AWS::EC2::NatGateway",
        "AllocationId",
    ): "only a VPC with egress has a NAT gateway; its routes are judged",
    ("AWS::EC2::NatGateway", "SubnetId"): "only a VPC with egress has a NAT gateway; its routes are judged",
    ("AWS::EC2::EIP", "Domain"): "the NAT gateway's address; its routes are judged by LambdaUndeclaredEgress",
    ("AWS::EC2::VPCGatewayAttachment", "InternetGatewayId"): "only a VPC with public subnets has one; the "
    "routes to it are judged by LambdaPublicSubnet and LambdaUndeclaredEgress",
    ("AWS::EC2::VPCGatewayAttachment", "VpcId"): "wiring of the internet gateway (its routes are judged)",
    (LAMBDA, "Handler"): "which function of the code runs (the network adds its prefix-list reader)",
    (LAMBDA, "Runtime"): "the newest Python runtime (cdk-nag's AwsSolutions-L1 judges it)",
    **{
        (kind, "Tags"): "names (Name, aws-cdk:subnet-type): they grant nothing"
        for kind in (
            VPC,
            "AWS::EC2::RouteTable",
            FLOW_LOG,
            "AWS::EC2::InternetGateway",
            "AWS::EC2::NatGateway",
            "AWS::EC2::EIP",
            ENDPOINT,
            "AWS::IAM::Role",
        )
    },
    (
        "AWS::CloudFormation::CustomResource",
        "ServiceToken",
    ): "the stack's prefix-list reader (a SecureFunction)",
    ("AWS::CloudFormation::CustomResource", "PrefixListName"): "which AWS-managed prefix list is read",
}

RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "VpcEndpointPolicy",
        "network",
        (ENDPOINT,),
        "The VPC endpoint's policy does not limit callers and resources to this account.",
        "Give the endpoint a policy whose Allow statements require aws:PrincipalAccount and "
        "aws:ResourceAccount (or name exact resources): without it, a stolen credential of another account, "
        "or this account's own credentials, can copy data to another account through the endpoint, and the "
        "endpoint's default policy allows everything.",
        E,
        vpc_endpoint_policy,
        paths=("PolicyDocument",),
        finding_ids=("NoPolicy", "AnyPrincipalAccount", "AnyResourceAccount"),
        settings=(Setting(_NET, "the endpoints' policy", via="wired"),),
        mutations=(
            remove("PolicyDocument"),
            set_("PolicyDocument", _FULL_ACCESS),
            set_("PolicyDocument", _PRINCIPALS_ONLY),
            if_("PolicyDocument", NO_VALUE),
        ),
    ),
    RuleSpec(
        "VpcFlowLogs",
        "logging",
        (VPC,),
        "The VPC has no flow log of all its traffic.",
        "Add an AWS::EC2::FlowLog for the VPC with TrafficType ALL to an encrypted log group with a "
        "retention: flow logs show which addresses a compromised function tried to reach.",
        E,
        vpc_flow_logs,
        paths=((FLOW_LOG, "ResourceId"), (FLOW_LOG, "TrafficType")),
        finding_ids=("NoFlowLog", "TrafficType::<ACCEPT or REJECT>"),
        settings=(Setting(_NET, "its flow log", via="wired"),),
        stock_ids=("AwsSolutions-VPC7",),
        mutations=(
            set_("ResourceId", "vpc-0123456789abcdef0", target=FLOW_LOG),
            set_("TrafficType", "REJECT", target=FLOW_LOG),
        ),
    ),
    RuleSpec(
        "LambdaSecurityGroupOpenEgress",
        "network",
        (LAMBDA,),
        "A function's security group allows egress to any address in a network declared without egress.",
        "Allow egress only to the VPC endpoints' security group and the gateway endpoints' prefix lists "
        "(SecureNetwork does), or declare egress with a reason (NetworkEgress.nat, the "
        f"{EGRESS_TAG} subnet tag). An open group lets the function reach the internet the day a route "
        "appears, and hides what it was meant to reach.",
        E,
        lambda_security_group_open_egress,
        paths=((SG, "SecurityGroupEgress"), (SG_EGRESS, "CidrIp"), (SG_EGRESS, "CidrIpv6")),
        finding_ids=("SecurityGroup::<logical id>",),
        settings=(Setting("SecureFunction", "network", via="parameter"),),
        mutations=(
            set_("SecurityGroupEgress", _EGRESS_RULES, target=SG),
            if_("SecurityGroupEgress", _EGRESS_RULES, target=SG),
        ),
    ),
    RuleSpec(
        "LambdaUndeclaredEgress",
        "network",
        (LAMBDA,),
        "A function's subnet routes to a NAT or internet gateway that was not declared.",
        "Keep functions in isolated subnets, or declare the egress with its reason "
        "(NetworkEgress.nat(reason) "
        f"in SecureNetwork, which tags the subnets {EGRESS_TAG}=<reason>): a function that reaches the "
        "internet can send its credentials anywhere.",
        E,
        lambda_undeclared_egress,
        paths=(
            (SUBNET, "Tags"),
            *((ROUTE, target) for target in _EGRESS_TARGETS),
            (ROUTE, "DestinationCidrBlock"),
        ),
        finding_ids=("Subnet::<logical id>",),
        settings=(Setting(_NET, "egress", default=None, via="parameter"),),
        mutations=(
            set_("Tags", [{"Key": "Name", "Value": "functions"}], target=SUBNET),
            if_("Tags", [{"Key": "Name", "Value": "functions"}], target=SUBNET),
        ),
    ),
)
