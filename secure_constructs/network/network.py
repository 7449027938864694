"""SecureNetwork: a VPC for Lambda functions that keeps them off the internet, with VPC endpoints (policies
limited to this account) to exactly the services their roles are granted, and flow logs."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Aspects, IAspect, RemovalPolicy, Stack, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from .._defaults import network as _d
from .._overrides import Guard
from .._shared import encrypted_log_group
from .._sources import record_creation_site
from ..acknowledgments import check_reason
from ..errors import SecureConstructsError
from .endpoints import endpoint_names, service_prefixes
from .prefix_lists import managed_prefix_list_id

_SERVICE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")


@dataclass(frozen=True)
class NetworkEgress:
    """Internet access for the functions of a :class:`SecureNetwork`, declared with a reason.

    Use :meth:`NetworkEgress.nat`; the reason is written as a tag on the functions' subnets (so it is seen
    in the template, the console and by the rule pack) and acknowledges the egress findings.
    """

    reason: str

    @staticmethod
    def nat(reason: str) -> NetworkEgress:
        """Private subnets behind one NAT gateway (about $33 per month plus $0.045 per GB in us-east-1)."""
        return NetworkEgress(check_reason("NetworkEgress.nat", reason, "Internet egress for functions"))


class SecureNetwork(Construct):
    """A VPC for Lambda functions, secure by default.

    Defaults: isolated subnets in two Availability Zones (no NAT gateway, no route to an internet gateway);
    one security group per function with no inbound rule and outbound only to the interface endpoints'
    security group and the gateway endpoints' prefix lists, on 443; gateway endpoints for S3 and DynamoDB;
    interface endpoints for the services the network's functions are granted (derived at synth from their
    roles' statements), plus those named in ``endpoints``; every endpoint policy limited to this account's
    principals and resources; flow logs of all traffic to a KMS-encrypted log group kept one year.

    Put a function in it with ``SecureFunction(..., network=network)``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        max_azs: int = _d.DEFAULT_MAX_AZS,
        cidr: str = _d.DEFAULT_CIDR,
        egress: NetworkEgress | None = None,
        endpoints: Sequence[str] = (),
        gateway_endpoints: Sequence[str] = _d.GATEWAY_SERVICES,
        public_subnets: bool = False,
        flow_log_retention: logs.RetentionDays = _d.FLOW_LOG_RETENTION,
        flow_log_removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        overrides: Mapping[str, Any] | None = None,
        accepted_risks: Mapping[str, str] | None = None,
    ) -> None:
        """
        :param max_azs: Availability Zones, 1 to 6 (SC-NET-001 outside); each zone adds one network
            interface per interface endpoint ($7.30 per month each in us-east-1). Default: 2.
        :param cidr: the VPC's IPv4 range. Default: ``10.0.0.0/16``.
        :param egress: ``NetworkEgress.nat(reason)`` to let the functions reach the internet through a NAT
            gateway; the reason is tagged on their subnets. Default: none (isolated subnets: no NAT, no
            internet gateway route; only the VPC endpoints are reachable).
        :param endpoints: more interface endpoint services (``"secretsmanager"``, ``"sts"``), besides those
            derived from the functions' grants. Default: none.
        :param gateway_endpoints: gateway endpoint services, a subset of ``("s3", "dynamodb")``
            (SC-NET-002 otherwise). Default: both (gateway endpoints are free).
        :param public_subnets: add public subnets (with an internet gateway) for an internet-facing load
            balancer; functions are never placed there. Default: False.
        :param flow_log_retention: retention of the flow log group. Default: one year.
        :param flow_log_removal_policy: what happens to the flow log group when it leaves the stack.
            Default: ``RemovalPolicy.RETAIN`` (logs are evidence).
        :param overrides: other ``ec2.Vpc`` keyword arguments (misspelt keys: SC-GEN-001; the ones the
            construct manages: SC-GEN-004). Default: none.
        :param accepted_risks: ``{argument: reason}`` for weakening overrides or flow log settings
            (``flow_log_removal_policy``, ``flow_log_retention``); the reason lands in the validation
            report (SC-GEN-002 without one). Default: none.
        """
        super().__init__(scope, id)
        record_creation_site(self)
        # validate
        if isinstance(max_azs, bool) or not isinstance(max_azs, int) or not 1 <= max_azs <= 6:
            raise SecureConstructsError(
                "SC-NET-001",
                self,
                "max_azs must be a whole number from 1 to 6",
                received=max_azs,
                fix="Pass max_azs=2 (two zones keep the functions running when one zone fails)",
            )
        if egress is not None and not isinstance(egress, NetworkEgress):
            raise SecureConstructsError(
                "SC-NET-003",
                self,
                "egress must be NetworkEgress.nat('<why the functions need the internet>')",
                received=type(egress).__name__,
                fix="Pass egress=NetworkEgress.nat('<reason>'), or leave it out for a network without egress",
            )
        gateways = _check_gateways(self, gateway_endpoints)
        self._extra = [_check_service(self, name) for name in endpoints]
        guard = Guard(
            self,
            "SecureNetwork",
            accepted_risks,
            parameters={
                "flow_log_retention": flow_log_retention,
                "flow_log_removal_policy": flow_log_removal_policy,
            },
        )
        props = guard.merge(
            ec2.Vpc,
            _d.vpc_props(max_azs=max_azs, cidr=cidr, egress=egress is not None, public=public_subnets),
            overrides,
            managed=_d.VPC_MANAGED,
        )
        self.egress_reason: str | None = egress.reason if egress is not None else None

        # build
        self.vpc: ec2.Vpc = ec2.Vpc(self, "Vpc", **props)
        self.function_subnets = ec2.SubnetSelection(
            subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS if egress else ec2.SubnetType.PRIVATE_ISOLATED
        )
        if egress is not None:
            for subnet in self.vpc.select_subnets(subnet_group_name="Functions").subnets:
                Tags.of(subnet).add(_d.EGRESS_TAG, egress.reason[: _d.TAG_VALUE_LIMIT])
        self.flow_log_group: logs.LogGroup = encrypted_log_group(
            self, "FlowLogs", retention=flow_log_retention, removal_policy=flow_log_removal_policy
        )
        self.flow_log: ec2.FlowLog = ec2.FlowLog(
            self,
            "FlowLog",
            resource_type=ec2.FlowLogResourceType.from_vpc(self.vpc),
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_log_group),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )
        self.endpoint_security_group = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=self.vpc,
            allow_all_outbound=False,
            description="Interface endpoints: HTTPS from inside the VPC only",
        )
        self.endpoint_security_group.add_ingress_rule(
            ec2.Peer.ipv4(cidr), ec2.Port.tcp(_d.HTTPS), "HTTPS from the VPC"
        )
        policy = _d.endpoint_policy_document(Stack.of(self).account)
        self.gateway_endpoints: dict[str, ec2.GatewayVpcEndpoint] = {}
        self._prefix_lists: dict[str, str] = {}
        for service in gateways:
            endpoint = self.vpc.add_gateway_endpoint(
                f"{service.capitalize()}Endpoint",
                service=ec2.GatewayVpcEndpointAwsService(service),
                subnets=[self.function_subnets],
            )
            _set_policy(endpoint, policy)
            self.gateway_endpoints[service] = endpoint
            self._prefix_lists[service] = managed_prefix_list_id(
                self, f"{service.capitalize()}PrefixList", service
            )
        self.interface_endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        self._policy = policy
        self._functions: list[Any] = []
        for name in self._extra:
            self.add_interface_endpoint(name)
        # The endpoints for the functions' grants are made once every function and grant exists.
        Aspects.of(self).add(_DeriveEndpoints(self))
        guard.check(self.vpc, self.flow_log_group)

    # --- functions ----------------------------------------------------------------------------------------

    def function_props(
        self, function: Construct, overrides: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The ``aws_lambda.Function`` kwargs that place ``function`` (a SecureFunction being built) in this
        network: its subnets, and a security group of its own with no inbound rule and outbound only to the
        endpoints. SecureFunction calls this for ``network=``."""
        clash = sorted(
            set(overrides or {}) & {"vpc", "vpc_subnets", "security_groups", "allow_public_subnet"}
        )
        if clash:
            raise SecureConstructsError(
                "SC-NET-004",
                function,
                f"override {clash[0]!r} is set by network=",
                received=clash,
                fix="Leave the VPC settings to network=SecureNetwork(...)",
            )
        group = ec2.SecurityGroup(
            function,
            "SecurityGroup",
            vpc=self.vpc,
            allow_all_outbound=False,
            description=f"{function.node.path}: no inbound; outbound to the VPC endpoints"[:255],
        )
        group.add_egress_rule(
            self.endpoint_security_group, ec2.Port.tcp(_d.HTTPS), "HTTPS to the VPC endpoints"
        )
        for service, prefix_list in self._prefix_lists.items():
            group.add_egress_rule(
                ec2.Peer.prefix_list(prefix_list), ec2.Port.tcp(_d.HTTPS), f"HTTPS to {service}"
            )
        if self.egress_reason is not None:
            group.add_egress_rule(
                ec2.Peer.any_ipv4(), ec2.Port.tcp(_d.HTTPS), "HTTPS to the internet (declared)"
            )
        return {
            "vpc": self.vpc,
            "vpc_subnets": self.function_subnets,
            "security_groups": [group],
            "allow_public_subnet": False,
        }

    def attach(self, function: Any) -> None:
        """Record a SecureFunction placed in this network: its grants decide the interface endpoints."""
        self._functions.append(function)

    def add_interface_endpoint(self, service: str) -> ec2.InterfaceVpcEndpoint:
        """An interface endpoint for ``service`` (an endpoint service name such as ``"secretsmanager"``), in
        the
        functions' subnets, reachable on 443 from the VPC, with this account's policy; made once."""
        name = _check_service(self, service)
        existing = self.interface_endpoints.get(name)
        if existing is not None:
            return existing
        endpoint = self.vpc.add_interface_endpoint(
            _endpoint_id(name),
            service=ec2.InterfaceVpcEndpointAwsService(name),
            subnets=self.function_subnets,
            security_groups=[self.endpoint_security_group],
            private_dns_enabled=True,
            open=False,
        )
        _set_policy(endpoint, self._policy)
        self.interface_endpoints[name] = endpoint
        return endpoint

    def required_endpoints(self) -> set[str]:
        """The interface endpoint services the network's functions need now (their roles' statements)."""
        stack = Stack.of(self)
        names: set[str] = set()
        for function in self._functions:
            statements, skip = _statements_of(stack, function)
            names |= endpoint_names(service_prefixes(statements, skip_resources=skip))
        return names - set(self.gateway_endpoints)


@jsii.implements(IAspect)
class _DeriveEndpoints:
    """Adds, once, the interface endpoints that the network's functions' grants need."""

    def __init__(self, network: SecureNetwork) -> None:
        self._network = network
        self._done = False

    def visit(self, node: IConstruct) -> None:
        if self._done:  # the first node visited is the network itself
            return
        self._done = True
        for name in sorted(self._network.required_endpoints()):
            self._network.add_interface_endpoint(name)


def _statements_of(stack: Stack, function: Any) -> tuple[list[Any], list[Any]]:
    """The resolved statements of a SecureFunction's role (its inline policies and the policies attached
    to it in the stack), and the resolved ARN of its dead-letter queue (used by Lambda, not by the code)."""
    role = function.role
    documents: list[Any] = []
    cfn_role = role.node.default_child
    if isinstance(cfn_role, iam.CfnRole) and cfn_role.policies is not None:
        # the L1's policies resolve to its struct's own (camelCase) keys
        for policy in stack.resolve(cfn_role.policies) or []:
            documents.append(policy.get("policyDocument") or policy.get("PolicyDocument"))
    for child in role.node.children:
        if isinstance(child, iam.Policy):
            cfn = child.node.default_child
            documents.append(stack.resolve(cfn.policy_document))  # type: ignore[union-attr]
    queue = function.dead_letter_queue
    skip = [stack.resolve(queue.queue_arn)] if queue is not None else []
    statements = [s for doc in documents if isinstance(doc, dict) for s in _list(doc.get("Statement"))]
    return statements, skip


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else ([] if value is None else [value])


def _set_policy(endpoint: ec2.GatewayVpcEndpoint | ec2.InterfaceVpcEndpoint, policy: dict[str, Any]) -> None:
    cfn = endpoint.node.default_child
    assert isinstance(cfn, ec2.CfnVPCEndpoint)
    cfn.policy_document = policy


def _endpoint_id(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name) if part) + "Endpoint"


def _check_service(where: Construct, name: Any) -> str:
    if not isinstance(name, str) or not _SERVICE.match(name):
        raise SecureConstructsError(
            "SC-NET-002",
            where,
            "an endpoint service must be a lower-case service name",
            received=name,
            fix="Pass e.g. 'secretsmanager' or 'sts' (the part after com.amazonaws.<region>.)",
        )
    return name


def _check_gateways(where: Construct, names: Sequence[str]) -> list[str]:
    if isinstance(names, str) or any(n not in _d.GATEWAY_SERVICES for n in names):
        raise SecureConstructsError(
            "SC-NET-002",
            where,
            "gateway endpoints exist only for S3 and DynamoDB",
            received=names,
            fix="Pass a subset of ('s3', 'dynamodb'); other services get interface endpoints (endpoints=)",
        )
    return list(dict.fromkeys(names))


__all__ = ["NetworkEgress", "SecureNetwork"]
