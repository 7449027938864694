"""The network, database and load balancer sections of the security report, and what they cost: verdicts
come from the pack's own rules, so an open endpoint policy or an unauthenticated route shows as such."""

from __future__ import annotations

from decimal import Decimal

from report_templates import arn, ref, res, suppressed, write_assembly

from secure_constructs.report import collect
from secure_constructs.report.render import to_markdown

LIMITED = {
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalAccount": "1", "aws:ResourceAccount": "1"}},
        }
    ]
}


def _network() -> dict:
    return {
        "Vpc": res("AWS::EC2::VPC", "S/Net/Vpc", CidrBlock="10.0.0.0/16"),
        "A": res(
            "AWS::EC2::Subnet",
            VpcId=ref("Vpc"),
            Tags=[{"Key": "secure-constructs:egress", "Value": "Calls a partner API"}],
        ),
        "B": res("AWS::EC2::Subnet", VpcId=ref("Vpc")),
        "Nat": res("AWS::EC2::NatGateway", SubnetId=ref("B")),
        "Flow": res("AWS::EC2::FlowLog", ResourceId=ref("Vpc"), ResourceType="VPC", TrafficType="ALL"),
        "S3": res(
            "AWS::EC2::VPCEndpoint",
            VpcId=ref("Vpc"),
            ServiceName="com.amazonaws.eu-west-1.s3",
            PolicyDocument=LIMITED,
        ),
        "Sm": res(
            "AWS::EC2::VPCEndpoint",
            VpcId=ref("Vpc"),
            VpcEndpointType="Interface",
            ServiceName="com.amazonaws.eu-west-1.secretsmanager",
            SubnetIds=[ref("A"), ref("B")],
        ),
        "Fn": res(
            "AWS::Lambda::Function",
            "S/Fn/Resource",
            Role="r",
            VpcConfig={"SubnetIds": [ref("A")], "SecurityGroupIds": ["sg-1"]},
        ),
    }


def test_networks_show_endpoints_their_policies_egress_and_flow_logs(tmp_path):
    report = collect(write_assembly(tmp_path, {"S": _network()}))
    (net,) = report.networks
    assert net.name == "S/Net/Vpc" and net.flow_logs and net.nat_gateways == 1
    assert net.egress_reasons == ("Calls a partner API",)
    assert net.functions == ("S/Fn",)
    assert [(e.service, e.kind, e.zones, e.limited) for e in net.endpoints] == [
        ("s3", "Gateway", 0, True),
        ("secretsmanager", "Interface", 2, False),  # no policy: the endpoint allows everything
    ]
    fixed = {line.price.key: (line.count, line.monthly) for line in report.fixed_costs}
    assert fixed["interface_endpoint_az"] == (2, Decimal("14.60"))
    assert fixed["nat_gateway"] == (1, Decimal("32.85"))
    assert {line.price.key for line in report.usage_costs} >= {"endpoint_data", "nat_data", "flow_logs"}


def test_databases_show_each_access_property(tmp_path):
    resources = {
        "Db": res(
            "AWS::RDS::DBInstance",
            "S/Db/Resource",
            EnableIAMDatabaseAuthentication=True,
            StorageEncrypted=True,
            KmsKeyId=arn("Key"),
            PubliclyAccessible=True,
            DeletionProtection=True,
            MasterUsername="admin",
            ManageMasterUserPassword=True,
        ),
        "Proxy": res(
            "AWS::RDS::DBProxy",
            "S/Proxy/Resource",
            DefaultAuthScheme="IAM_AUTH",
            RequireTLS=False,
            EngineFamily="POSTGRESQL",
        ),
    }
    report = collect(write_assembly(tmp_path, {"S": resources}))
    verdicts = {db.kind: dict(db.checks) for db in report.databases}
    assert verdicts["instance"]["Not publicly accessible"] is False
    assert verdicts["instance"]["IAM authentication"] is True
    assert verdicts["proxy"] == {"IAM authentication": True, "TLS required": False}
    assert {line.price.key for line in report.fixed_costs} == {"rds_proxy"}


def test_load_balancer_routes_show_auth_and_the_reason_of_a_public_route(tmp_path):
    forward = {"Type": "forward", "Order": 2, "TargetGroupArn": ref("Tg")}
    gate = {
        "Type": "authenticate-oidc",
        "Order": 1,
        "AuthenticateOidcConfig": {"OnUnauthenticatedRequest": "deny"},
    }
    resources = {
        "Lb": res("AWS::ElasticLoadBalancingV2::LoadBalancer", "S/Alb/Resource"),
        "Https": res(
            "AWS::ElasticLoadBalancingV2::Listener",
            LoadBalancerArn=ref("Lb"),
            Protocol="HTTPS",
            Port=443,
            DefaultActions=[{"Type": "fixed-response"}],
        ),
        "Api": res(
            "AWS::ElasticLoadBalancingV2::ListenerRule",
            "S/Alb/Api/Resource",
            ListenerArn=ref("Https"),
            Priority=1,
            Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api"]}}],
            Actions=[gate, forward],
        ),
        "Health": res(
            "AWS::ElasticLoadBalancingV2::ListenerRule",
            "S/Alb/Health/Resource",
            ListenerArn=ref("Https"),
            Priority=2,
            Actions=[{**forward, "Order": 1}],
            Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/health"]}}],
        ),
    }
    validation = {
        "pluginReports": [
            {
                "pluginName": "SecureServerless",
                "suppressedViolations": [
                    suppressed(
                        "SecureServerless",
                        "SecureServerless-AlbRouteAuth[NoAuth]",
                        "S/Alb/Health/Resource",
                        "Public route: health probe",
                    )
                ],
            }
        ]
    }
    report = collect(write_assembly(tmp_path, {"S": resources}, validation))
    routes = {r.paths: r for r in report.load_balancer_routes}
    assert (routes["/api"].auth, routes["/api"].unauthenticated) == ("OIDC", "deny")
    assert (routes["/health"].auth, routes["/health"].reason) == ("NONE", "Public route: health probe")
    assert routes["*"].action == "fixed-response"
    assert "## Load balancer routes (3)" in to_markdown(report)
    assert {line.price.key for line in report.fixed_costs} == {"application_load_balancer"}
