"""The deployed network and load balancer (``SecureConstructsE2ENetwork``, tests/e2e/app_network.py), read
back with boto3, and one request through the load balancer's data plane.

What the emulator cannot show, and is therefore proved by the template tests only:
- that isolated subnets really stop a function reaching the internet (its functions run as local processes
  with the host's network);
- the endpoint policies (DescribeVpcEndpoints does not return them) and a function's VpcConfig (its
  CloudFormation does not keep it);
- Cognito sign-in at the listener, WAF, and access log delivery (docs/network.md, docs/alb.md).
"""

from __future__ import annotations

import json
import os
import ssl
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def function_subnets(aws, network_outputs):
    """The network's isolated subnets, where its functions are placed."""
    found = aws("ec2").describe_subnets(
        Filters=[
            {"Name": "vpc-id", "Values": [network_outputs["VpcId"]]},
            {"Name": "tag:aws-cdk:subnet-type", "Values": ["Isolated"]},
        ]
    )
    return [s["SubnetId"] for s in found["Subnets"]]


def test_every_resource_of_the_network_stack_was_created(aws, network_outputs):
    resources = aws("cloudformation").describe_stack_resources(StackName="SecureConstructsE2ENetwork")
    states = {r["LogicalResourceId"]: r["ResourceStatus"] for r in resources["StackResources"]}
    assert states and set(states.values()) == {"CREATE_COMPLETE"}, states


def test_the_function_subnets_route_nowhere_outside_the_vpc(aws, function_subnets):
    subnets = function_subnets
    assert len(subnets) == 2
    tables = aws("ec2").describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": subnets}])
    assert len(tables["RouteTables"]) == 2
    for table in tables["RouteTables"]:
        for route in table["Routes"]:
            assert not route.get("NatGatewayId") and not str(route.get("GatewayId", "local")).startswith(
                "igw-"
            ), route


def test_the_endpoints_are_the_granted_services(aws, network_outputs, function_subnets):
    found = aws("ec2").describe_vpc_endpoints(
        Filters=[{"Name": "vpc-id", "Values": [network_outputs["VpcId"]]}]
    )
    endpoints = {e["ServiceName"].rsplit(".", 1)[-1]: e for e in found["VpcEndpoints"]}
    assert {name: e["VpcEndpointType"] for name, e in endpoints.items()} == {
        "s3": "Gateway",
        "dynamodb": "Gateway",
        "secretsmanager": "Interface",  # derived from the reader's secret grant
    }
    assert sorted(endpoints["secretsmanager"]["SubnetIds"]) == sorted(function_subnets)


def test_the_function_group_admits_nothing_and_reaches_only_the_endpoints_on_443(aws, network_outputs):
    group_id = network_outputs["ReaderSecurityGroupId"]
    ec2 = aws("ec2")
    (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    assert group["IpPermissions"] == []
    egress = group["IpPermissionsEgress"]
    assert egress and all(
        (r["IpProtocol"], r.get("FromPort"), r.get("ToPort")) == ("tcp", 443, 443) for r in egress
    )
    assert not any(r.get("IpRanges") or r.get("Ipv6Ranges") for r in egress)  # no address range at all
    groups = {p["GroupId"] for r in egress for p in r.get("UserIdGroupPairs", [])}
    assert groups == {network_outputs["EndpointSecurityGroupId"]}
    prefix_lists = {p["PrefixListId"] for r in egress for p in r.get("PrefixListIds", [])}
    names = {
        pl["PrefixListName"].rsplit(".", 1)[-1]
        for pl in ec2.describe_managed_prefix_lists(PrefixListIds=sorted(prefix_lists))["PrefixLists"]
        if pl["PrefixListId"] in prefix_lists  # the emulator answers with every list, whatever the ids
    }
    assert len(prefix_lists) == 2
    assert names == {"s3", "dynamodb"}  # read at deploy time by the custom resource


def test_flow_logs_record_all_traffic_of_the_vpc(aws, network_outputs):
    flows = aws("ec2").describe_flow_logs(
        Filters=[{"Name": "resource-id", "Values": [network_outputs["VpcId"]]}]
    )
    (flow,) = flows["FlowLogs"]
    assert flow["TrafficType"] == "ALL"
    assert network_outputs["FlowLogGroupName"] in (flow.get("LogGroupName"), flow.get("LogDestination"))


def test_the_listeners_are_https_with_tls12_and_a_redirect(aws, network_outputs):
    elbv2 = aws("elbv2")
    listeners = {
        listener["Protocol"]: listener
        for listener in elbv2.describe_listeners(LoadBalancerArn=network_outputs["LoadBalancerArn"])[
            "Listeners"
        ]
    }
    assert set(listeners) == {"HTTPS", "HTTP"}
    assert listeners["HTTPS"]["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    (redirect,) = listeners["HTTP"]["DefaultActions"]
    assert redirect["Type"] == "redirect" and redirect["RedirectConfig"]["Protocol"] == "HTTPS"


def test_the_load_balancer_drops_invalid_headers_and_mitigates_desync(aws, network_outputs):
    attributes = aws("elbv2").describe_load_balancer_attributes(
        LoadBalancerArn=network_outputs["LoadBalancerArn"]
    )
    values = {a["Key"]: a["Value"] for a in attributes["Attributes"]}
    assert values["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert values["routing.http.desync_mitigation_mode"] == "strictest"
    assert values["access_logs.s3.enabled"] == "true"


def test_the_machine_route_authenticates_before_forwarding_and_denies(aws, network_outputs):
    rules = aws("elbv2").describe_rules(ListenerArn=network_outputs["HttpsListenerArn"])["Rules"]
    by_path = {
        c["Values"][0] if c.get("Values") else c["PathPatternConfig"]["Values"][0]: r
        for r in rules
        for c in r["Conditions"]
        if c["Field"] == "path-pattern"
    }
    actions = sorted(by_path["/api/orders"]["Actions"], key=lambda a: a["Order"])
    assert [a["Type"] for a in actions] == ["authenticate-oidc", "forward"]
    assert [a["Type"] for a in by_path["/status"]["Actions"]] == ["forward"]


def test_the_function_may_be_invoked_by_its_target_group_only(aws, network_outputs):
    policy = json.loads(aws("lambda").get_policy(FunctionName=network_outputs["OrdersFunctionArn"])["Policy"])
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"Service": "elasticloadbalancing.amazonaws.com"}
    source = statement["Condition"]["ArnLike"]["AWS:SourceArn"]
    assert ":targetgroup/" in source and not source.endswith("targetgroup/*")


def _through_the_load_balancer(name: str, path: str) -> tuple[int, bytes]:
    endpoint = os.environ["SC_E2E_ENDPOINT"]
    context = ssl.create_default_context(cafile=os.environ["SC_E2E_CA_BUNDLE"])
    request = urllib.request.Request(f"{endpoint}{path}", headers={"Host": f"{name}.alb.localhost:443"})
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.skipif(not os.environ.get("SC_E2E_ENDPOINT"), reason="addresses the emulator's ALB data plane")
def test_an_unauthenticated_machine_request_is_refused_and_the_public_route_answers(network_outputs):
    name = network_outputs["LoadBalancerName"]
    assert urlsplit(os.environ["SC_E2E_ENDPOINT"]).hostname == "127.0.0.1"
    status, _ = _through_the_load_balancer(name, "/api/orders")
    assert status == 401
    status, body = _through_the_load_balancer(name, "/status")
    assert (status, body) == (200, b"ok")
