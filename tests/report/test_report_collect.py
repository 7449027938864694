"""Extraction rules of the security report, each on a small hand-written template."""

import json

import pytest
from report_templates import arn, ref, res, suppressed, validation_report, write_assembly

from secure_constructs import SecureConstructsError
from secure_constructs.report import collect

PUBLIC_PATH = "S/Api/Default/health/GET/Resource"


def _api_resources():
    return {
        "Api": res("AWS::ApiGateway::RestApi", "S/Api/Resource", Name="orders"),
        "Orders": res(
            "AWS::ApiGateway::Resource",
            ParentId={"Fn::GetAtt": ["Api", "RootResourceId"]},
            PathPart="orders",
            RestApiId=ref("Api"),
        ),
        "OrderId": res(
            "AWS::ApiGateway::Resource", ParentId=ref("Orders"), PathPart="{id}", RestApiId=ref("Api")
        ),
        "Health": res(
            "AWS::ApiGateway::Resource",
            ParentId={"Fn::GetAtt": ["Api", "RootResourceId"]},
            PathPart="health",
            RestApiId=ref("Api"),
        ),
        "RootGet": res(
            "AWS::ApiGateway::Method",
            HttpMethod="GET",
            AuthorizationType="AWS_IAM",
            ResourceId={"Fn::GetAtt": ["Api", "RootResourceId"]},
            RestApiId=ref("Api"),
        ),
        "GetOrder": res(
            "AWS::ApiGateway::Method",
            HttpMethod="GET",
            AuthorizationType="AWS_IAM",
            ResourceId=ref("OrderId"),
            RestApiId=ref("Api"),
        ),
        "PostOrders": res(
            "AWS::ApiGateway::Method",
            HttpMethod="POST",
            AuthorizationType="COGNITO_USER_POOLS",
            AuthorizerId=ref("PoolAuth"),
            ResourceId=ref("Orders"),
            RestApiId=ref("Api"),
        ),
        "PutOrder": res(
            "AWS::ApiGateway::Method",
            HttpMethod="PUT",
            AuthorizationType="CUSTOM",
            AuthorizerId=ref("TokenAuth"),
            ResourceId=ref("OrderId"),
            RestApiId=ref("Api"),
        ),
        "DeleteOrder": res(
            "AWS::ApiGateway::Method",
            HttpMethod="DELETE",
            AuthorizationType="CUSTOM",
            AuthorizerId=ref("RequestAuth"),
            ResourceId=ref("OrderId"),
            RestApiId=ref("Api"),
        ),
        "HealthGet": res(
            "AWS::ApiGateway::Method",
            PUBLIC_PATH,
            HttpMethod="GET",
            AuthorizationType="NONE",
            ResourceId=ref("Health"),
            RestApiId=ref("Api"),
        ),
        "HealthHead": res(
            "AWS::ApiGateway::Method",
            "S/Api/Default/health/HEAD/Resource",
            HttpMethod="HEAD",
            ResourceId=ref("Health"),
            RestApiId=ref("Api"),
        ),
        "PoolAuth": res("AWS::ApiGateway::Authorizer", Name="users", Type="COGNITO_USER_POOLS"),
        "TokenAuth": res("AWS::ApiGateway::Authorizer", Name="token-check", Type="TOKEN"),
        "RequestAuth": res("AWS::ApiGateway::Authorizer", Name="request-check", Type="REQUEST"),
    }


@pytest.fixture
def api_report(tmp_path):
    validation = validation_report(
        "AwsSolutions",
        suppressed_=[
            suppressed(
                "AwsSolutions", "AwsSolutions-APIG4", PUBLIC_PATH, "Health check for the load balancer"
            ),
            suppressed(
                "AwsSolutions", "AwsSolutions-APIG1", PUBLIC_PATH, "Access logs are on the stage instead"
            ),
            suppressed("AwsSolutions", "AwsSolutions-APIG4", "S/Other/Resource", "A different construct"),
        ],
    )
    return collect(write_assembly(tmp_path, {"S": _api_resources()}, validation))


def _route(report, method, path):
    return next(r for r in report.routes if r.method == method and r.path == path)


def test_rest_paths_follow_the_resource_chain(api_report):
    assert {(r.method, r.path) for r in api_report.routes} == {
        ("GET", "/"),
        ("GET", "/orders/{id}"),
        ("POST", "/orders"),
        ("PUT", "/orders/{id}"),
        ("DELETE", "/orders/{id}"),
        ("GET", "/health"),
        ("HEAD", "/health"),
    }
    assert all(r.api == "orders" and r.kind == "REST" for r in api_report.routes)


def test_rest_auth_modes_and_authorizer_names(api_report):
    assert _route(api_report, "GET", "/orders/{id}").auth == "IAM"
    post = _route(api_report, "POST", "/orders")
    assert (post.auth, post.authorizer) == ("Cognito", "users")
    put = _route(api_report, "PUT", "/orders/{id}")
    assert (put.auth, put.authorizer) == ("Lambda token", "token-check")
    delete = _route(api_report, "DELETE", "/orders/{id}")
    assert (delete.auth, delete.authorizer) == ("Lambda request", "request-check")


def test_public_route_takes_the_reason_of_its_auth_acknowledgment_only(api_report):
    health = _route(api_report, "GET", "/health")
    assert health.public and health.auth == "NONE"
    assert health.reason == "Health check for the load balancer"


def test_public_route_without_acknowledgment_has_no_reason(api_report):
    head = _route(api_report, "HEAD", "/health")  # no AuthorizationType: CloudFormation's default is NONE
    assert head.public and head.reason == ""


def test_cors_preflight_is_marked_and_not_counted_as_unexplained(tmp_path):
    resources = _api_resources()
    resources["Preflight"] = res(
        "AWS::ApiGateway::Method",
        HttpMethod="OPTIONS",
        AuthorizationType="NONE",
        Integration={"Type": "MOCK"},
        ResourceId=ref("Orders"),
        RestApiId=ref("Api"),
    )
    report = collect(write_assembly(tmp_path, {"S": resources}))
    preflight = _route(report, "OPTIONS", "/orders")
    assert preflight.public and preflight.preflight
    assert not _route(report, "HEAD", "/health").preflight


def test_http_api_routes_with_jwt_iam_and_none(tmp_path):
    resources = {
        "Http": res("AWS::ApiGatewayV2::Api", Name="orders-http", ProtocolType="HTTP"),
        "Jwt": res("AWS::ApiGatewayV2::Authorizer", Name="issuer", AuthorizerType="JWT", ApiId=ref("Http")),
        "List": res(
            "AWS::ApiGatewayV2::Route",
            ApiId=ref("Http"),
            RouteKey="GET /orders",
            AuthorizationType="JWT",
            AuthorizerId=ref("Jwt"),
        ),
        "Iam": res(
            "AWS::ApiGatewayV2::Route",
            ApiId=ref("Http"),
            RouteKey="POST /orders",
            AuthorizationType="AWS_IAM",
        ),
        "Default": res("AWS::ApiGatewayV2::Route", ApiId=ref("Http"), RouteKey="$default"),
    }
    report = collect(write_assembly(tmp_path, {"S": resources}))
    routes = {(r.method, r.path): r for r in report.routes}
    assert (routes[("GET", "/orders")].auth, routes[("GET", "/orders")].authorizer) == ("JWT", "issuer")
    assert routes[("POST", "/orders")].auth == "IAM"
    assert routes[("ANY", "$default")].auth == "NONE"
    assert {r.api for r in report.routes} == {"orders-http"}
    assert {r.kind for r in report.routes} == {"HTTP"}


def _function_resources():
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:Query"],
                "Resource": [arn("Table"), {"Fn::Join": ["", [arn("Table"), "/index/*"]]}],
            },
        ],
    }
    return {
        "Fn": res(
            "AWS::Lambda::Function",
            "S/Orders/Handler/Resource",
            Role=arn("Role"),
            KmsKeyArn=arn("Key"),
            DeadLetterConfig={"TargetArn": arn("Dlq")},
        ),
        "Role": res(
            "AWS::IAM::Role",
            "S/Orders/Role/Resource",
            Policies=[
                {
                    "PolicyName": "logs",
                    "PolicyDocument": {
                        "Statement": {
                            "Effect": "Allow",
                            "Action": "logs:PutLogEvents",
                            "Resource": arn("Logs"),
                        }
                    },
                }
            ],
            ManagedPolicyArns=[
                {
                    "Fn::Join": [
                        "",
                        [
                            "arn:",
                            {"Ref": "AWS::Partition"},
                            ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                        ],
                    ]
                },
                ref("Managed"),
            ],
        ),
        "Policy": res(
            "AWS::IAM::Policy",
            "S/Orders/Role/DefaultPolicy/Resource",
            PolicyName="p",
            PolicyDocument=doc,
            Roles=[ref("Role")],
        ),
        "Managed": res(
            "AWS::IAM::ManagedPolicy",
            "S/Shared/Resource",
            PolicyDocument={
                "Statement": [
                    {
                        "Effect": "Deny",
                        "NotAction": "s3:GetObject",
                        "Resource": "*",
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ]
            },
        ),
        "Attached": res(
            "AWS::IAM::ManagedPolicy",
            "S/Attached/Resource",
            Roles=[ref("Role")],
            PolicyDocument={
                "Statement": [
                    {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": ref("Secret")}
                ]
            },
        ),
        "OtherPolicy": res(
            "AWS::IAM::Policy",
            PolicyName="o",
            Roles=[ref("OtherRole")],
            PolicyDocument={"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]},
        ),
        "OtherRole": res("AWS::IAM::Role"),
        "Imported": res(
            "AWS::Lambda::Function", "S/Imported/Resource", Role="arn:aws:iam::111122223333:role/existing"
        ),
    }


@pytest.fixture
def fn_report(tmp_path):
    return collect(write_assembly(tmp_path, {"S": _function_resources()}))


def test_function_permissions_come_from_inline_attached_and_managed_policies(fn_report):
    fn = next(f for f in fn_report.functions if f.name == "S/Orders/Handler")
    assert fn.role == "S/Orders/Role"
    rows = {(p.effect, p.action, p.resources) for p in fn.permissions}
    assert rows == {
        ("Allow", "logs:PutLogEvents", ("Logs.Arn",)),
        ("Allow", "dynamodb:GetItem", ("Table.Arn", "${Table.Arn}/index/*")),
        ("Allow", "dynamodb:Query", ("Table.Arn", "${Table.Arn}/index/*")),
        ("Deny", "NOT s3:GetObject", ("*",)),
        ("Allow", "secretsmanager:GetSecretValue", ("Secret",)),
    }
    assert "s3:*" not in {p.action for p in fn.permissions}  # another role's policy
    deny = next(p for p in fn.permissions if p.effect == "Deny")
    assert deny.condition == "Bool aws:SecureTransport = false"
    assert deny.policy == "S/Shared"
    assert fn.managed_policies == [
        "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    ]


def test_function_key_and_dlq(fn_report):
    fn = next(f for f in fn_report.functions if f.name == "S/Orders/Handler")
    assert (fn.kms_key, fn.dlq) == ("Key.Arn", "Dlq.Arn")
    imported = next(f for f in fn_report.functions if f.name == "S/Imported")
    assert imported.role == "arn:aws:iam::111122223333:role/existing"
    assert (imported.permissions, imported.kms_key, imported.dlq) == ([], "", "")


def _alarm_resources():
    def stat(fn, name, period=60):
        return {
            "Metric": {
                "Namespace": "AWS/Lambda",
                "MetricName": name,
                "Dimensions": [{"Name": "FunctionName", "Value": ref(fn)}],
            },
            "Period": period,
            "Stat": "Sum",
        }

    return {
        "Fn": res("AWS::Lambda::Function", Role="arn:aws:iam::1:role/r", FunctionName="orders-fn"),
        "Other": res("AWS::Lambda::Function", Role="arn:aws:iam::1:role/r"),
        "Errors": res(
            "AWS::CloudWatch::Alarm",
            "S/Errors/Resource",
            Namespace="AWS/Lambda",
            MetricName="Errors",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=3,
            DatapointsToAlarm=2,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            Dimensions=[{"Name": "FunctionName", "Value": ref("Fn")}],
        ),
        "Rate": res(
            "AWS::CloudWatch::Alarm",
            AlarmName="orders-error-rate",
            EvaluationPeriods=1,
            Threshold=5,
            ComparisonOperator="GreaterThanThreshold",
            Metrics=[
                {"Id": "e", "Expression": "100*errors/invocations", "ReturnData": True},
                {"Id": "errors", "MetricStat": stat("Fn", "Errors"), "ReturnData": False},
                {"Id": "invocations", "MetricStat": stat("Fn", "Invocations"), "ReturnData": False},
            ],
        ),
        "Anomaly": res(
            "AWS::CloudWatch::Alarm",
            EvaluationPeriods=1,
            ThresholdMetricId="band",
            ComparisonOperator="GreaterThanUpperThreshold",
            Metrics=[
                {"Id": "band", "Expression": "ANOMALY_DETECTION_BAND(m, 2)"},
                {"Id": "m", "MetricStat": stat("Other", "Duration")},
            ],
        ),
        "Fast": res(
            "AWS::CloudWatch::Alarm",
            Namespace="AWS/Lambda",
            MetricName="Throttles",
            Statistic="Sum",
            Period=10,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanThreshold",
            Dimensions=[{"Name": "FunctionName", "Value": "orders-fn"}],
        ),
    }


def test_alarms_are_attached_to_the_functions_they_watch(tmp_path):
    report = collect(write_assembly(tmp_path, {"S": _alarm_resources()}))
    by_fn = {f.logical_id: {a.logical_id for a in f.alarms} for f in report.functions}
    assert by_fn == {"Fn": {"Errors", "Rate", "Fast"}, "Other": {"Anomaly"}}
    errors = next(a for a in report.alarms if a.logical_id == "Errors")
    assert errors.name == "S/Errors"
    assert errors.condition == ">= 1 (2 of 3 periods)"
    assert errors.metric == "AWS/Lambda/Errors (Sum)"


def test_alarm_kinds_and_billed_metrics(tmp_path):
    report = collect(write_assembly(tmp_path, {"S": _alarm_resources()}))
    kinds = {a.logical_id: (a.kind, a.billed_metrics, a.high_resolution) for a in report.alarms}
    assert kinds == {
        "Errors": ("standard", 1, False),
        "Rate": ("metric math", 2, False),
        "Anomaly": ("anomaly detection", 3, False),
        "Fast": ("standard", 1, True),
    }
    rate = next(a for a in report.alarms if a.logical_id == "Rate")
    assert rate.name == "orders-error-rate"
    assert rate.metric == "math over AWS/Lambda: Errors, Invocations"
    anomaly = next(a for a in report.alarms if a.logical_id == "Anomaly")
    assert anomaly.metric == "anomaly band of AWS/Lambda: Duration"
    assert anomaly.condition == "above band (1 of 1 periods)"


def _trail_resources(**trail_props):
    return {
        "FnA": res("AWS::Lambda::Function", "S/A/Resource", Role="arn:aws:iam::1:role/r"),
        "FnB": res("AWS::Lambda::Function", "S/B/Resource", Role="arn:aws:iam::1:role/r"),
        "Trail": res("AWS::CloudTrail::Trail", "S/Trail/Resource", IsLogging=True, **trail_props),
    }


def _data_selector(**arn_filter):
    fields = [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]},
    ]
    if arn_filter:
        fields.append({"Field": "resources.ARN", **arn_filter})
    return {"Name": "lambda", "FieldSelectors": fields}


def test_trail_with_advanced_selector_on_one_function(tmp_path):
    props = {
        "IsMultiRegionTrail": True,
        "EnableLogFileValidation": True,
        "KMSKeyId": arn("Key"),
        "AdvancedEventSelectors": [
            {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
            _data_selector(Equals=[arn("FnA")]),
        ],
    }
    (trail,) = collect(write_assembly(tmp_path, {"S": _trail_resources(**props)})).trails
    assert (trail.name, trail.logging, trail.multi_region, trail.log_file_validation, trail.kms_key) == (
        "S/Trail",
        True,
        True,
        True,
        "Key.Arn",
    )
    assert trail.management_events
    assert trail.covered_functions == ("S/A",)
    assert trail.data_events == ("lambda: AWS::Lambda::Function ARN Equals FnA.Arn",)


@pytest.mark.parametrize(
    "arn_filter",
    [{}, {"StartsWith": ["arn:aws:lambda"]}, {"StartsWith": [{"Fn::Sub": "arn:${AWS::Partition}:lambda"}]}],
)
def test_trail_selector_without_function_arns_covers_every_function(tmp_path, arn_filter):
    props = {"AdvancedEventSelectors": [_data_selector(**arn_filter)]}
    (trail,) = collect(write_assembly(tmp_path, {"S": _trail_resources(**props)})).trails
    assert trail.covered_functions == ("S/A", "S/B")
    assert not trail.management_events  # advanced selectors without a Management category


def test_trail_not_equals_excludes_a_function(tmp_path):
    props = {"AdvancedEventSelectors": [_data_selector(NotEquals=[arn("FnB")])]}
    (trail,) = collect(write_assembly(tmp_path, {"S": _trail_resources(**props)})).trails
    assert trail.covered_functions == ("S/A",)


def test_trail_with_classic_event_selectors(tmp_path):
    props = {
        "EventSelectors": [
            {
                "IncludeManagementEvents": False,
                "ReadWriteType": "All",
                "DataResources": [{"Type": "AWS::Lambda::Function", "Values": [arn("FnB")]}],
            }
        ]
    }
    (trail,) = collect(write_assembly(tmp_path, {"S": _trail_resources(**props)})).trails
    assert trail.covered_functions == ("S/B",)
    assert not trail.management_events
    props = {
        "EventSelectors": [
            {"DataResources": [{"Type": "AWS::Lambda::Function", "Values": ["arn:aws:lambda"]}]}
        ]
    }
    (trail,) = collect(write_assembly(tmp_path / "all", {"S": _trail_resources(**props)})).trails
    assert trail.covered_functions == ("S/A", "S/B")
    assert trail.management_events


def test_trail_defaults_management_events_only(tmp_path):
    (trail,) = collect(write_assembly(tmp_path, {"S": _trail_resources()})).trails
    assert trail.management_events and trail.data_events == () and trail.covered_functions == ()
    assert (trail.multi_region, trail.log_file_validation, trail.kms_key) == (False, False, "")


def test_acknowledgments_and_open_findings(tmp_path):
    validation = validation_report(
        "AwsSolutions",
        suppressed_=[
            suppressed("AwsSolutions", "AwsSolutions-IAM5[Action::xray:*]", "S/Fn/Role", "X-Ray needs *")
        ],
        violations=[
            {
                "ruleName": "AwsSolutions-L1",
                "description": "old runtime",
                "severity": "error",
                "violatingConstructs": [
                    {"constructPath": "S/Fn/Resource"},
                    {"constructPath": "S/G/Resource"},
                ],
            }
        ],
    )
    report = collect(write_assembly(tmp_path, {"S": {}}, validation))
    assert report.has_validation_report
    assert [(a.plugin, a.rule, a.path, a.reason) for a in report.acknowledgments] == [
        ("AwsSolutions", "AwsSolutions-IAM5[Action::xray:*]", "S/Fn/Role", "X-Ray needs *")
    ]
    assert [(f.rule, f.path, f.description) for f in report.findings] == [
        ("AwsSolutions-L1", "S/Fn/Resource", "old runtime"),
        ("AwsSolutions-L1", "S/G/Resource", "old runtime"),
    ]


def test_without_validation_report(tmp_path):
    report = collect(write_assembly(tmp_path, {"S": {}}))
    assert not report.has_validation_report
    assert report.acknowledgments == [] and report.findings == []


def test_construct_paths_come_from_the_assembly_metadata_when_the_template_has_none(tmp_path):
    write_assembly(tmp_path, {"S": {"Fn1234": res("AWS::Lambda::Function", Role="arn:aws:iam::1:role/r")}})
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "artifacts": {
                    "S": {
                        "type": "aws:cloudformation:stack",
                        "properties": {"templateFile": "S.template.json"},
                        "additionalMetadataFile": "S.metadata.json",
                    }
                }
            }
        )
    )
    (tmp_path / "S.metadata.json").write_text(
        json.dumps({"/S/Orders/Fn/Resource": [{"type": "aws:cdk:logicalId", "data": "Fn1234"}]})
    )
    assert [f.name for f in collect(tmp_path).functions] == ["S/Orders/Fn"]


def test_empty_or_missing_directory_raises_sc_rpt_001(tmp_path):
    with pytest.raises(SecureConstructsError, match="SC-RPT-001") as error:
        collect(tmp_path)
    assert "cdk synth" in str(error.value)
    with pytest.raises(SecureConstructsError, match="SC-RPT-001"):
        collect(tmp_path / "missing")
