"""Markdown and HTML rendering of the security report, the files it writes and its command line."""

import json
import re
from html.parser import HTMLParser

import pytest
from report_templates import arn, ref, res, suppressed, validation_report, write_assembly

from secure_constructs.report import collect, summary_lines, to_html, to_markdown, write_security_report
from secure_constructs.report.__main__ import main

EVIL = "<script>alert(1)</script> | pipe"


def _assembly(tmp_path):
    resources = {
        "Api": res("AWS::ApiGateway::RestApi", Name="orders"),
        "Health": res(
            "AWS::ApiGateway::Resource",
            ParentId={"Fn::GetAtt": ["Api", "RootResourceId"]},
            PathPart="health",
            RestApiId=ref("Api"),
        ),
        "HealthGet": res(
            "AWS::ApiGateway::Method",
            "S/Health/GET/Resource",
            HttpMethod="GET",
            AuthorizationType="NONE",
            ResourceId=ref("Health"),
            RestApiId=ref("Api"),
        ),
        "Fn": res("AWS::Lambda::Function", "S/Fn/Resource", Role=arn("Role"), KmsKeyArn=arn("Key")),
        "Role": res(
            "AWS::IAM::Role",
            "S/Role/Resource",
            Policies=[
                {
                    "PolicyName": "p",
                    "PolicyDocument": {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["sqs:SendMessage", "sqs:GetQueueUrl"],
                                "Resource": arn("Queue"),
                            }
                        ]
                    },
                }
            ],
        ),
        "Key": res("AWS::KMS::Key"),
    }
    validation = validation_report(
        "AwsSolutions",
        suppressed_=[suppressed("AwsSolutions", "AwsSolutions-APIG4", "S/Health/GET/Resource", EVIL)],
    )
    return write_assembly(tmp_path / "cdk.out", {"S": resources}, validation)


def test_markdown_has_the_tables_and_rows(tmp_path):
    md = to_markdown(collect(_assembly(tmp_path)))
    assert "| API | Method | Path | Function | Auth | Authorizer | Why public |" in md
    assert (
        "| orders (REST) | `GET` | `/health` |  | **NONE** |  "
        "| &lt;script&gt;alert(1)&lt;/script&gt; \\| pipe |" in md
    )
    assert "| Allow | `sqs:SendMessage` | `Queue.Arn` |  | S/Role (inline p) |" in md
    assert "| Allow | `sqs:GetQueueUrl` | `Queue.Arn` |  | S/Role (inline p) |" in md
    assert "- Environment key: `Key.Arn`" in md
    assert (
        "| AWS KMS | Customer managed key | 1 | customer managed keys | $1.00 per key per month | $1.00 |"
        in md
    )
    assert "| **Total** |  |  |  |  | **$1.00** |" in md
    assert "**No CloudTrail trail in the templates**" in md


def test_summary_counts_cors_preflights_apart(tmp_path):
    outdir = _assembly(tmp_path)
    template = outdir / "S.template.json"
    data = json.loads(template.read_text())
    data["Resources"]["Preflight"] = res(
        "AWS::ApiGateway::Method",
        HttpMethod="OPTIONS",
        AuthorizationType="NONE",
        Integration={"Type": "MOCK"},
        ResourceId=ref("Health"),
        RestApiId=ref("Api"),
    )
    template.write_text(json.dumps(data))
    report = collect(outdir)
    assert (
        summary_lines(report)[0] == "Routes: 2 (1 CORS preflight, 1 public); every public route has a reason"
    )
    expected = ("| orders (REST) | `OPTIONS` | `/health` | (mock) | **NONE** |  "
                "| CORS preflight: mock integration")
    assert expected in to_markdown(report)


def test_markdown_flags_what_is_missing(tmp_path):
    outdir = write_assembly(
        tmp_path, {"S": {"Fn": res("AWS::Lambda::Function", Role="arn:aws:iam::1:role/r")}}
    )
    md = to_markdown(collect(outdir))
    assert "- Environment key: **AWS managed key (no KmsKeyArn)**" in md
    assert "- Dead-letter queue: **none**" in md
    assert "**No CloudTrail trail in the templates**" in md
    assert "No `validation-report.json` in the cloud assembly" in md


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.rows = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs
        self.rows += tag == "tr"


def test_html_is_self_contained_and_escaped(tmp_path):
    page = to_html(collect(_assembly(tmp_path)))
    parser = _Tables()
    parser.feed(page)
    # one inline script (the row filter), nothing loaded from elsewhere; links only to anchors of the page
    assert parser.tags.count("script") == 1 and "link" not in parser.tags and "img" not in parser.tags
    assert not [a for a in parser.attrs if a[0] == "src" or (a[0] == "href" and not a[1].startswith("#"))]
    assert page.count("<script>") == 1 and "<script src" not in page
    assert not re.search(r"@import|url\(|https?://fonts", page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; | pipe" in page
    assert parser.tags.count("table") == 5  # routes, permissions, acknowledgments, fixed cost, usage cost
    assert (
        '<table class="routes filterable">' in page
        and '<table class="perms filterable">' in page
        and '<table class="acks filterable">' in page
    )


def test_summary_is_three_to_five_lines(tmp_path):
    lines = summary_lines(collect(_assembly(tmp_path)))
    assert 3 <= len(lines) <= 5
    assert lines[0] == "Routes: 1 (1 public); every public route has a reason"
    assert "open findings: 0" in lines[2]
    assert "$1.00/month" in lines[3]


def test_write_security_report_writes_both_files(tmp_path):
    outdir = _assembly(tmp_path)
    md_path, html_path, summary = write_security_report(outdir)
    assert (md_path, html_path) == (outdir / "security-report.md", outdir / "security-report.html")
    assert md_path.read_text().startswith("# Security report")
    assert html_path.read_text().startswith("<!DOCTYPE html>")
    assert summary.splitlines() == summary_lines(collect(outdir))


def test_command_line_prints_paths_and_summary(tmp_path, capsys):
    outdir = _assembly(tmp_path)
    assert main(["report", str(outdir)]) == 0
    out = capsys.readouterr().out
    assert str(outdir / "security-report.md") in out and str(outdir / "security-report.html") in out
    assert "Routes: 1 (1 public)" in out


def test_command_line_without_assembly_exits_2(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert "SC-RPT-001" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["security-report.md", "security-report.html"])
def test_nothing_written_when_there_is_no_assembly(tmp_path, name):
    main(["report", str(tmp_path)])
    assert not (tmp_path / name).exists()


def test_summary_and_table_flag_an_acknowledgment_without_reason(tmp_path):
    validation = validation_report(
        "AwsSolutions", suppressed_=[suppressed("AwsSolutions", "AwsSolutions-L1", "S/Fn/Resource", "")]
    )
    report = collect(write_assembly(tmp_path, {"S": {}}, validation))
    assert "(1 WITHOUT a reason)" in summary_lines(report)[2]
    assert ("| AwsSolutions | `AwsSolutions-L1` | 1 | `S/Fn/Resource` | **no reason** | **none** | never |"
            in to_markdown(report))
