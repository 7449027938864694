"""API alarms: a fixed number per API (health, request spike, WAF blocked spike), whatever the routes."""

import pytest
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_wafv2 as wafv2
from aws_cdk.assertions import Template
from constructs import Construct

from secure_constructs import SecureConstructsError
from secure_constructs.monitoring import ApiHealthThresholds, attach_api_alarms


def alarms_by_name(stack):
    resources = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")
    return {r["Properties"]["AlarmName"]: r["Properties"] for r in resources.values()}


def expression(props):
    return next(m["Expression"] for m in props["Metrics"] if "Expression" in m)


def rest_api(scope, id="Api", routes=1):
    api = apigateway.RestApi(scope, id)
    for i in range(routes):
        api.root.add_resource(f"r{i}").add_method("GET")
    return api


def web_acl(scope, name=None):
    return wafv2.CfnWebACL(
        scope, "Acl", name=name, scope="REGIONAL", default_action={"allow": {}},
        visibility_config={"cloudWatchMetricsEnabled": True, "metricName": "acl",
                           "sampledRequestsEnabled": True},
    )


class FakeSecureRestApi(Construct):
    """An API known to the alarms only through the AlarmedApi protocol (as SecureRestApi is)."""

    def __init__(self, scope, id, *, with_acl):
        super().__init__(scope, id)
        self.api_metrics = rest_api(self, "RestApi")
        self.web_acl = web_acl(self, "orders-acl") if with_acl else None


def test_rest_api_gets_a_health_and_a_request_spike_alarm(stack):
    attach_api_alarms(rest_api(stack))
    alarms = alarms_by_name(stack)
    assert sorted(alarms) == ["Test/Api/Alarms/HealthCritical", "Test/Api/Alarms/RequestSpikeCritical"]
    health = alarms["Test/Api/Alarms/HealthCritical"]
    expr = expression(health)
    assert "IF(FILL(requests, 0) >= 20, 100 * FILL(server_errors, 0) / FILL(requests, 1), 0) >= 1" in expr
    assert "IF(FILL(requests, 0) >= 20, 100 * FILL(client_errors, 0) / FILL(requests, 1), 0) >= 25" in expr
    assert "IF(FILL(latency_p99, 0) >= 5000, 1, 0)" in expr
    stats = {m["Id"]: (m["MetricStat"]["Metric"]["MetricName"], m["MetricStat"]["Stat"])
             for m in health["Metrics"] if "MetricStat" in m}
    assert stats == {"requests": ("Count", "Sum"), "server_errors": ("5XXError", "Sum"),
                     "client_errors": ("4XXError", "Sum"), "latency_p99": ("Latency", "p99")}
    for words in ("5XX rate >= 1%", "4XX rate >= 25%", "p99 latency >= 5000 ms"):
        assert words in health["AlarmDescription"]
    spike = alarms["Test/Api/Alarms/RequestSpikeCritical"]
    assert spike["ComparisonOperator"] == "GreaterThanUpperThreshold"


def test_the_number_of_api_alarms_does_not_grow_with_routes(stack):
    attach_api_alarms(rest_api(stack, "Small", routes=1))
    attach_api_alarms(rest_api(stack, "Large", routes=25))
    names = alarms_by_name(stack)
    small = [n for n in names if n.startswith("Test/Small/")]
    large = [n for n in names if n.startswith("Test/Large/")]
    assert len(small) == len(large) == 2


def test_web_acl_adds_a_blocked_request_spike_alarm(stack):
    attach_api_alarms(FakeSecureRestApi(stack, "Orders", with_acl=True))
    alarms = alarms_by_name(stack)
    assert len(alarms) == 3
    waf = alarms["Test/Orders/Alarms/WafBlockedSpikeCritical"]
    metric = next(m for m in waf["Metrics"] if "MetricStat" in m)["MetricStat"]["Metric"]
    dims = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
    assert (metric["Namespace"], metric["MetricName"]) == ("AWS/WAFV2", "BlockedRequests")
    assert dims == {"WebACL": "orders-acl", "Region": "eu-west-1", "Rule": "ALL"}


def test_unnamed_web_acl_uses_the_name_part_of_its_ref(stack):
    api = rest_api(stack)
    attach_api_alarms(api, web_acl=web_acl(stack))
    waf = alarms_by_name(stack)["Test/Api/Alarms/WafBlockedSpikeCritical"]
    metric = next(m for m in waf["Metrics"] if "MetricStat" in m)["MetricStat"]["Metric"]
    web_acl_dim = next(d["Value"] for d in metric["Dimensions"] if d["Name"] == "WebACL")
    assert web_acl_dim == {"Fn::Select": [0, {"Fn::Split": ["|", {"Ref": "Acl"}]}]}


def test_http_api_is_supported(stack):
    fn = lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_12, handler="i.h",
                          code=lambda_.Code.from_inline("x"))
    api = apigwv2.HttpApi(stack, "Http")
    api.add_routes(path="/orders", methods=[apigwv2.HttpMethod.GET],
                   integration=integrations.HttpLambdaIntegration("Int", fn))
    attach_api_alarms(api, thresholds={"Critical": ApiHealthThresholds(p99_latency_ms=1500)})
    health = alarms_by_name(stack)["Test/Http/Alarms/HealthCritical"]
    names = {m["MetricStat"]["Metric"]["MetricName"] for m in health["Metrics"] if "MetricStat" in m}
    assert names == {"Count", "5xx", "4xx", "Latency"}
    assert "FILL(latency_p99, 0) >= 1500" in expression(health)


def test_not_an_api_is_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-MON-003"):
        attach_api_alarms(Construct(stack, "Nothing"))


def test_wrong_web_acl_type_is_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-MON-003.*web_acl"):
        attach_api_alarms(rest_api(stack), web_acl="my-acl")


def test_out_of_range_api_thresholds_are_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-MON-002.*p99_latency_ms"):
        attach_api_alarms(rest_api(stack), thresholds={"Critical": ApiHealthThresholds(p99_latency_ms=0)})


def test_attaching_api_alarms_twice_is_refused(stack):
    api = rest_api(stack)
    attach_api_alarms(api)
    with pytest.raises(SecureConstructsError, match="SC-MON-006"):
        attach_api_alarms(api)


def test_api_alarm_resources_have_no_findings_under_every_pack(app):
    from aws_cdk import Stack

    from secure_constructs.checks import add_checks
    from secure_constructs.testing import synth_and_validate

    stack = Stack(app, "Checked", env={"account": "111122223333", "region": "eu-west-1"})
    attach_api_alarms(FakeSecureRestApi(stack, "Orders", with_acl=True))
    add_checks(app, nist=True)
    result = synth_and_validate(app)
    ours = [f for f in result.violations if "/Alarms/" in f.path or "SecureConstructs" in f.path]
    assert ours == [], "\n".join(f"{f.rule} at {f.path}" for f in ours)
    assert any("/RestApi/" in f.path for f in result.violations), "the checks ran (bare RestApi findings)"
