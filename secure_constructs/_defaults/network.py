"""Secure defaults for a function network (``ec2.Vpc`` kwargs and the endpoint policy), as plain data.

``docs/network.md`` documents each value and what it costs.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs

#: Two Availability Zones: a function keeps running when one zone fails; each zone adds one ENI per
#: interface endpoint, billed per hour (docs/network.md).
DEFAULT_MAX_AZS = 2
DEFAULT_CIDR = "10.0.0.0/16"
#: Flow logs are evidence for an investigation: kept one year, like the functions' logs.
FLOW_LOG_RETENTION = logs.RetentionDays.ONE_YEAR
#: Gateway endpoints are free: S3 and DynamoDB always get one.
GATEWAY_SERVICES = ("s3", "dynamodb")
#: The subnet tag that declares, with its reason, that functions in the subnet may reach the internet.
EGRESS_TAG = "secure-constructs:egress"
#: Tag values are limited to 256 characters.
TAG_VALUE_LIMIT = 256
#: HTTPS: every AWS API endpoint, and the only port the functions' security groups open to the endpoints.
HTTPS = 443

#: ``ec2.Vpc`` kwargs the construct sets itself (each has a dedicated SecureNetwork parameter).
VPC_MANAGED = frozenset(
    {
        "subnet_configuration",
        "nat_gateways",
        "nat_gateway_provider",
        "nat_gateway_subnets",
        "flow_logs",
        "gateway_endpoints",
        "max_azs",
        "ip_addresses",
        "cidr",
        "create_internet_gateway",
        "restrict_default_security_group",
    }
)


def vpc_props(*, max_azs: int, cidr: str, egress: bool, public: bool) -> dict[str, Any]:
    """``ec2.Vpc`` kwargs: isolated subnets for the functions (no NAT, no internet gateway route), or
    private subnets behind one NAT gateway when egress is declared; public subnets only when asked for
    (an internet-facing load balancer, or the NAT gateway)."""
    tiers = []
    if public or egress:
        tiers.append(ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24))
    tiers.append(
        ec2.SubnetConfiguration(
            name="Functions",
            subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS if egress else ec2.SubnetType.PRIVATE_ISOLATED,
            cidr_mask=22,
        )
    )
    return {
        "ip_addresses": ec2.IpAddresses.cidr(cidr),
        "max_azs": max_azs,
        "subnet_configuration": tiers,
        "nat_gateways": 1 if egress else 0,
        "create_internet_gateway": public or egress,
        # CDK's way of emptying the default security group is a Lambda-backed custom resource; nothing of
        # ours uses the default group (every function gets its own), so it is left as AWS creates it.
        "restrict_default_security_group": False,
        "enable_dns_hostnames": True,  # private DNS of the interface endpoints needs both
        "enable_dns_support": True,
    }


def endpoint_policy_document(account: str) -> dict[str, Any]:
    """The policy of every endpoint: any action, but only by this account's principals on this account's
    resources, so that neither a stolen credential of another account nor this account's credentials can
    move data to another account's bucket or queue through the endpoint."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OnlyThisAccountsPrincipalsOnThisAccountsResources",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "*",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:PrincipalAccount": account, "aws:ResourceAccount": account}
                },
            }
        ],
    }
