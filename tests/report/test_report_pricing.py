"""The price table and the cost arithmetic of the security report."""

from decimal import Decimal

import pytest
from report_templates import arn, ref, res, write_assembly

from secure_constructs.report import collect
from secure_constructs.report.pricing import PRICES, REGION, money, price


def test_every_price_has_a_unit_a_kind_and_an_aws_source():
    assert REGION == "us-east-1"
    for key, p in PRICES.items():
        assert p.key == key
        assert p.unit.startswith("per "), key
        assert p.kind in ("fixed", "usage"), key
        assert p.source.startswith("https://aws.amazon.com/") and p.source.endswith("/pricing/"), key
        assert p.amount >= 0


def test_the_list_prices_the_report_assumes():
    assert {k: (p.amount, p.unit) for k, p in PRICES.items() if p.kind == "fixed"} == {
        "kms_key": (Decimal("1.00"), "per key per month"),
        "alarm_metric": (Decimal("0.10"), "per alarm metric per month"),
        "alarm_metric_high_res": (Decimal("0.30"), "per alarm metric per month"),
        "composite_alarm": (Decimal("0.50"), "per alarm per month"),
        "trail_management_first_copy": (Decimal("0.00"), "per trail per month"),
        "waf_web_acl": (Decimal("5.00"), "per web ACL per month"),
        "waf_rule": (Decimal("1.00"), "per rule per month"),
        "secret": (Decimal("0.40"), "per secret per month"),
        "sns_topic": (Decimal("0.00"), "per topic per month"),
        "interface_endpoint_az": (Decimal("7.30"), "per endpoint per AZ per month"),
        "nat_gateway": (Decimal("32.85"), "per NAT gateway per month"),
        "application_load_balancer": (Decimal("16.43"), "per load balancer per month"),
        "rds_proxy": (Decimal("21.90"), "per proxy per month, 2-vCPU minimum"),
    }
    assert price("trail_data_events").label() == "$0.10 per 100,000 events"
    assert price("waf_requests").label() == "$0.60 per 1 million requests"
    assert price("cognito_plus_mau").kind == "usage"
    with pytest.raises(KeyError, match="unknown price 'nope'"):
        price("nope")


def test_money_formatting():
    assert money(Decimal("1")) == "$1.00"
    assert money(Decimal("0.1")) == "$0.10"
    assert money(Decimal("1234.5")) == "$1,234.50"
    assert money(Decimal("0.0055")) == "$0.0055"


def _security_resources():
    alarm = {"EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold"}
    metric = {"Metric": {"Namespace": "AWS/Lambda", "MetricName": "Errors"}, "Period": 60, "Stat": "Sum"}
    return {
        "Key1": res("AWS::KMS::Key"),
        "Key2": res("AWS::KMS::Key"),
        "Alias": res("AWS::KMS::Alias", TargetKeyId=ref("Key1")),
        "Standard": res(
            "AWS::CloudWatch::Alarm", Namespace="AWS/Lambda", MetricName="Errors", Period=60, **alarm
        ),
        "Math": res(
            "AWS::CloudWatch::Alarm",
            Metrics=[
                {"Id": "e", "Expression": "a+b"},
                {"Id": "a", "MetricStat": metric},
                {"Id": "b", "MetricStat": metric},
            ],
            **alarm,
        ),
        "Anomaly": res(
            "AWS::CloudWatch::Alarm",
            ThresholdMetricId="band",
            Metrics=[
                {"Id": "band", "Expression": "ANOMALY_DETECTION_BAND(m)"},
                {"Id": "m", "MetricStat": metric},
            ],
            **alarm,
        ),
        "HighRes": res("AWS::CloudWatch::Alarm", Namespace="X", MetricName="Y", Period=10, **alarm),
        "Composite": res("AWS::CloudWatch::CompositeAlarm", AlarmRule="ALARM(Standard)"),
        "Acl": res("AWS::WAFv2::WebACL", Rules=[{"Name": "a"}, {"Name": "b"}, {"Name": "c"}]),
        "Secret1": res("AWS::SecretsManager::Secret"),
        "Secret2": res("AWS::SecretsManager::Secret"),
        "Topic": res("AWS::SNS::Topic", KmsMasterKeyId=arn("Key1")),
        "Mail": res("AWS::SNS::Subscription", Protocol="email", TopicArn=ref("Topic")),
        "Trail": res(
            "AWS::CloudTrail::Trail",
            IsLogging=True,
            AdvancedEventSelectors=[
                {
                    "FieldSelectors": [
                        {"Field": "eventCategory", "Equals": ["Data"]},
                        {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]},
                    ]
                }
            ],
        ),
        "Logs": res("AWS::Logs::LogGroup"),
        "Pool": res("AWS::Cognito::UserPool", UserPoolAddOns={"AdvancedSecurityMode": "ENFORCED"}),
    }


def test_fixed_monthly_cost_arithmetic(tmp_path):
    report = collect(write_assembly(tmp_path, {"S": _security_resources()}))
    lines = {line.price.key: (line.count, line.monthly) for line in report.fixed_costs}
    assert lines == {
        "kms_key": (2, Decimal("2.00")),
        "alarm_metric": (6, Decimal("0.60")),  # 1 standard + 2 metric-math metrics + 3 for anomaly detection
        "alarm_metric_high_res": (1, Decimal("0.30")),
        "composite_alarm": (1, Decimal("0.50")),
        "trail_management_first_copy": (1, Decimal("0.00")),
        "waf_web_acl": (1, Decimal("5.00")),
        "waf_rule": (3, Decimal("3.00")),
        "secret": (2, Decimal("0.80")),
        "sns_topic": (1, Decimal("0.00")),
    }
    assert report.fixed_monthly_total == Decimal("12.20")


def test_usage_items_are_listed_not_summed(tmp_path):
    report = collect(write_assembly(tmp_path, {"S": _security_resources()}))
    usage = {line.price.key: line.count for line in report.usage_costs}
    assert usage == {
        "kms_requests": 2,
        "trail_data_events": 1,
        "waf_requests": 1,
        "secret_api_calls": 2,
        "sns_publishes": 1,
        "sns_email": 1,
        "logs_ingestion": 1,
        "logs_storage": 1,
        "cognito_plus_mau": 1,
    }
    assert all(line.price.kind == "usage" for line in report.usage_costs)
    assert all(line.price.kind == "fixed" for line in report.fixed_costs)


def test_no_security_resources_no_cost_lines(tmp_path):
    report = collect(write_assembly(tmp_path, {"S": {"Fn": res("AWS::Lambda::Function", Role="r")}}))
    assert report.fixed_costs == [] and report.usage_costs == []
    assert report.fixed_monthly_total == Decimal("0")


def test_a_second_management_trail_is_a_usage_item(tmp_path):
    trails = {
        "T1": res("AWS::CloudTrail::Trail", IsLogging=True),
        "T2": res("AWS::CloudTrail::Trail", IsLogging=True),
    }
    report = collect(write_assembly(tmp_path, {"S": trails}))
    assert {line.price.key: line.count for line in report.usage_costs} == {"trail_management_extra_copy": 1}


def test_the_docs_show_the_price_table_of_the_code():
    from pathlib import Path

    from secure_constructs.report.pricing import prices_markdown

    docs = (Path(__file__).resolve().parents[2] / "docs" / "security-report.md").read_text(encoding="utf-8")
    assert prices_markdown() in docs
    assert all(p.source in docs for p in PRICES.values())
