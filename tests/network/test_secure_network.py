"""SecureNetwork and SecureFunction(network=...): one test per default and per error code."""

from __future__ import annotations

import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from secure_constructs import NetworkEgress, SecureConstructsError, SecureFunction, SecureNetwork
from secure_constructs.network import endpoint_name, service_prefixes

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return None\n")


def fn(stack, network, id="Fn", **kwargs):
    return SecureFunction(stack, id, code=CODE, handler="index.handler", network=network, **kwargs)


def of_type(template: Template, kind: str) -> dict:
    return template.find_resources(kind)


def service_names(template: Template) -> set[str]:
    names = set()
    for endpoint in of_type(template, "AWS::EC2::VPCEndpoint").values():
        name = endpoint["Properties"]["ServiceName"]
        text = (
            name
            if isinstance(name, str)
            else "".join(p if isinstance(p, str) else "" for p in name["Fn::Join"][1])
        )
        names.add(text.rsplit(".", 1)[-1])
    return names


def test_the_functions_subnets_are_isolated_without_nat_or_internet_gateway(stack):
    fn(stack, SecureNetwork(stack, "Net"))
    template = Template.from_stack(stack)
    for kind in ("AWS::EC2::NatGateway", "AWS::EC2::InternetGateway", "AWS::EC2::Route", "AWS::EC2::EIP"):
        assert of_type(template, kind) == {}, kind
    subnets = of_type(template, "AWS::EC2::Subnet")
    assert len(subnets) == 2  # two zones
    assert all(s["Properties"]["MapPublicIpOnLaunch"] is False for s in subnets.values())


def test_each_function_gets_its_own_group_with_no_inbound_and_outbound_to_the_endpoints_only(stack):
    network = SecureNetwork(stack, "Net")
    first, second = fn(stack, network, "A"), fn(stack, network, "B")
    template = Template.from_stack(stack)
    groups = [f.function.connections.security_groups for f in (first, second)]
    assert len(groups[0]) == 1 and len(groups[1]) == 1
    ids = {stack.resolve(g[0].security_group_id)["Fn::GetAtt"][0] for g in groups}
    assert len(ids) == 2
    for group_id in ids:
        group = of_type(template, "AWS::EC2::SecurityGroup")[group_id]["Properties"]
        assert "SecurityGroupIngress" not in group
        egress = [
            r["Properties"]
            for r in of_type(template, "AWS::EC2::SecurityGroupEgress").values()
            if r["Properties"]["GroupId"]["Fn::GetAtt"][0] == group_id
        ]
        assert {(r["FromPort"], r["ToPort"], r["IpProtocol"]) for r in egress} == {(443, 443, "tcp")}
        targets = sorted(
            "sg"
            if "DestinationSecurityGroupId" in r
            else "prefix list"
            if "DestinationPrefixListId" in r
            else "?"
            for r in egress
        )
        assert targets == ["prefix list", "prefix list", "sg"]  # S3 and DynamoDB, and the interface endpoints


def test_endpoint_policies_admit_only_this_account_s_principals_and_resources(stack):
    network = SecureNetwork(stack, "Net")
    secret = secretsmanager.Secret(stack, "Secret")
    fn(stack, network, secrets={"API": secret})
    template = Template.from_stack(stack)
    endpoints = of_type(template, "AWS::EC2::VPCEndpoint")
    assert len(endpoints) == 3
    for endpoint in endpoints.values():
        (statement,) = endpoint["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Condition"] == {
            "StringEquals": {"aws:PrincipalAccount": "111122223333", "aws:ResourceAccount": "111122223333"}
        }


def test_interface_endpoints_follow_the_grants_and_the_user_s_list(stack):
    network = SecureNetwork(stack, "Net", endpoints=["sts"])
    queue = sqs.Queue(stack, "Work")
    table = dynamodb.TableV2(
        stack, "T", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
    )
    worker = fn(stack, network)
    queue.grant_send_messages(worker.role)
    table.grant_read_data(worker.role)  # the DynamoDB gateway endpoint serves it
    worker.add_to_role_policy(iam.PolicyStatement(actions=["cloudwatch:PutMetricData"], resources=["*"]))
    assert service_names(Template.from_stack(stack)) == {"s3", "dynamodb", "sqs", "monitoring", "sts"}


def test_the_lambda_service_s_own_statements_need_no_endpoint(stack):
    network = SecureNetwork(stack, "Net")
    fn(stack, network)  # logs, X-Ray, the dead-letter queue, ENI management: all used by Lambda itself
    assert service_names(Template.from_stack(stack)) == {"s3", "dynamodb"}
    assert network.required_endpoints() == set()


def test_service_prefixes_map_to_endpoint_names_with_botocore():
    assert endpoint_name("cloudwatch") == "monitoring"
    assert endpoint_name("secretsmanager") == "secretsmanager"
    assert endpoint_name("states") == "states"  # no botocore service of that name: the prefix itself
    assert endpoint_name("rds-db") is None  # a signed token, not an API call
    kms_via_sqs = {
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": "k",
        "Condition": {"StringEquals": {"kms:ViaService": "sqs.eu-west-1.amazonaws.com"}},
    }
    assert service_prefixes(
        [kms_via_sqs, {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "q"}]
    ) == {"sqs"}


def test_flow_logs_record_all_traffic_to_an_encrypted_group_kept_a_year(stack):
    SecureNetwork(stack, "Net")
    template = Template.from_stack(stack)
    (flow,) = of_type(template, "AWS::EC2::FlowLog").values()
    assert flow["Properties"]["TrafficType"] == "ALL" and flow["Properties"]["ResourceType"] == "VPC"
    group_id = flow["Properties"]["LogGroupName"]["Ref"]
    group = of_type(template, "AWS::Logs::LogGroup")[group_id]
    assert group["Properties"]["RetentionInDays"] == 365 and "KmsKeyId" in group["Properties"]
    assert group["DeletionPolicy"] == "Retain"


def test_gateway_prefix_lists_are_read_at_deploy_time_by_one_provider_function(stack):
    SecureNetwork(stack, "Net")
    SecureNetwork(stack, "Other")
    template = Template.from_stack(stack)
    lookups = of_type(template, "AWS::CloudFormation::CustomResource")
    assert len(lookups) == 4
    tokens = {str(r["Properties"]["ServiceToken"]) for r in lookups.values()}
    assert len(tokens) == 1  # one provider per stack
    names = sorted(r["Properties"]["PrefixListName"] for r in lookups.values())
    assert names == ["com.amazonaws.eu-west-1.dynamodb"] * 2 + ["com.amazonaws.eu-west-1.s3"] * 2


def test_declared_egress_tags_the_subnets_with_its_reason_and_opens_443_only(stack):
    network = SecureNetwork(stack, "Net", egress=NetworkEgress.nat("Calls the payment provider's public API"))
    fn(stack, network)
    template = Template.from_stack(stack)
    assert len(of_type(template, "AWS::EC2::NatGateway")) == 1
    private = [
        s
        for s in of_type(template, "AWS::EC2::Subnet").values()
        if {"Key": "aws-cdk:subnet-type", "Value": "Private"} in s["Properties"]["Tags"]
    ]
    assert len(private) == 2
    for subnet in private:
        assert {
            "Key": "secure-constructs:egress",
            "Value": "Calls the payment provider's public API",
        } in subnet["Properties"]["Tags"]
    group = next(
        g["Properties"]
        for g in of_type(template, "AWS::EC2::SecurityGroup").values()
        if "no inbound" in g["Properties"]["GroupDescription"]
    )
    assert group["SecurityGroupEgress"] == [
        {
            "CidrIp": "0.0.0.0/0",
            "Description": "HTTPS to the internet (declared)",
            "FromPort": 443,
            "IpProtocol": "tcp",
            "ToPort": 443,
        }
    ]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"max_azs": 0}, "SC-NET-001"),
        ({"max_azs": True}, "SC-NET-001"),
        ({"endpoints": ["Secrets Manager"]}, "SC-NET-002"),
        ({"gateway_endpoints": ["sqs"]}, "SC-NET-002"),
        ({"egress": True}, "SC-NET-003"),
        ({"overrides": {"nat_gateways": 1}}, "SC-GEN-004"),
        ({"overrides": {"nat_gatways": 1}}, "SC-GEN-001"),
    ],
)
def test_bad_network_input_is_refused(stack, kwargs, code):
    with pytest.raises(SecureConstructsError, match=code):
        SecureNetwork(stack, "Net", **kwargs)


def test_an_egress_reason_must_say_something():
    with pytest.raises(SecureConstructsError, match="SC-GEN-003"):
        NetworkEgress.nat("ok")


def test_vpc_overrides_together_with_network_are_refused(stack):
    network = SecureNetwork(stack, "Net")
    with pytest.raises(SecureConstructsError, match="SC-NET-004"):
        fn(stack, network, overrides={"vpc": network.vpc})


def test_a_shorter_flow_log_retention_needs_a_reason(stack):
    from aws_cdk import RemovalPolicy

    with pytest.raises(SecureConstructsError, match="SC-GEN-002"):
        SecureNetwork(stack, "Net", flow_log_removal_policy=RemovalPolicy.DESTROY)
    SecureNetwork(
        stack,
        "Sandbox",
        flow_log_removal_policy=RemovalPolicy.DESTROY,
        accepted_risks={"flow_log_removal_policy": "Sandbox account, torn down every night"},
    )
