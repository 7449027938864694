"""The security report of a real synthesized app: plain aws-cdk-lib resources, every check on."""

import json
from decimal import Decimal

import pytest
from report_stack import PUBLIC_REASON, synthesized

from secure_constructs.report import collect, write_security_report


@pytest.fixture(scope="module")
def outdir(tmp_path_factory):
    return synthesized(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def written(outdir):
    return write_security_report(outdir)


def test_routes_with_auth_modes_and_the_public_reason(outdir):
    routes = {(r.method, r.path): r for r in collect(outdir).routes}
    assert set(routes) == {("GET", "/orders/{id}"), ("GET", "/health")}
    assert routes[("GET", "/orders/{id}")].auth == "IAM"
    health = routes[("GET", "/health")]
    assert (health.auth, health.reason, health.api) == ("NONE", PUBLIC_REASON, "orders-api")


def test_function_role_permissions_key_dlq_and_alarm(outdir):
    template = json.loads((outdir / "ReportDemo.template.json").read_text())
    [(key_id, _)] = [(k, r) for k, r in template["Resources"].items() if r["Type"] == "AWS::KMS::Key"]
    [(queue_id, _)] = [(k, r) for k, r in template["Resources"].items() if r["Type"] == "AWS::SQS::Queue"]
    (fn,) = collect(outdir).functions
    assert fn.name == "ReportDemo/Handler"
    assert fn.role == "ReportDemo/HandlerRole"
    assert fn.kms_key == f"{key_id}.Arn"
    assert fn.dlq == f"{queue_id}.Arn"
    assert {(p.action, p.resources) for p in fn.permissions} == {("sqs:SendMessage", (f"{queue_id}.Arn",))}
    assert [a.name for a in fn.alarms] == ["ReportDemo/HandlerErrors"]
    assert fn.alarms[0].condition == ">= 1 (1 of 1 periods)"


def test_trail_covers_the_function(outdir):
    (trail,) = collect(outdir).trails
    assert (trail.logging, trail.multi_region, trail.log_file_validation) == (True, True, True)
    assert trail.kms_key.endswith(".Arn") and trail.management_events
    assert trail.covered_functions == ("ReportDemo/Handler",)


def test_acknowledgments_and_open_findings(outdir):
    report = collect(outdir)
    assert {(a.rule, a.path, a.reason) for a in report.acknowledgments} == {
        ("AwsSolutions-APIG4", "ReportDemo/Api/Default/health/GET/Resource", PUBLIC_REASON),
        ("AwsSolutions-COG4", "ReportDemo/Api/Default/health/GET/Resource", PUBLIC_REASON),
    }
    # plain resources: the stock packs find what is missing (tracing, request validation, ...)
    assert "Serverless-LambdaTracing" in {f.rule for f in report.findings}
    assert all(f.path.startswith("ReportDemo/") for f in report.findings)


def test_fixed_cost_of_key_alarm_and_trail(outdir):
    report = collect(outdir)
    assert {line.price.key: line.count for line in report.fixed_costs} == {
        "kms_key": 1,
        "alarm_metric": 1,
        "trail_management_first_copy": 1,
    }
    assert report.fixed_monthly_total == Decimal("1.10")
    assert "trail_data_events" in {line.price.key for line in report.usage_costs}


def test_written_report_files(written):
    md_path, html_path, summary = written
    md = md_path.read_text()
    assert "| orders-api (REST) | `GET` | `/orders/{id}` | `ReportDemo/Handler` | **IAM** |  |  |" in md
    assert f"| orders-api (REST) | `GET` | `/health` |  | **NONE** |  | {PUBLIC_REASON} |" in md
    assert "[API routes (2)](#api-routes-2)" in md and "## API routes (2)" in md  # table of contents
    assert "### ReportDemo/Handler" in md
    assert "| **Total** |  |  |  |  | **$1.10** |" in md
    assert html_path.stat().st_size > 5000
    assert summary.splitlines()[0] == "Routes: 2 (1 IAM, 1 public); every public route has a reason"
    assert "$1.10/month" in summary
