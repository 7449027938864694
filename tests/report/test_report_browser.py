"""The HTML security report in a real headless browser (Debian's chromium; `make browser` installs it)."""

import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from report_stack import PUBLIC_REASON, synthesized

from secure_constructs.report import write_security_report

CHROMIUM_TIMEOUT_S = 120
# The machine's network is closed: no first-run, sync, component or QUIC traffic; a fresh profile per run.
_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,2000",
]


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("chromium is not installed: run `make browser` (make test does it for you)")
    return path


def _run(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    profile.mkdir()
    return subprocess.run(
        [_chromium(), *_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=CHROMIUM_TIMEOUT_S,
        check=True,
    )


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    _, html_path, _ = write_security_report(synthesized(tmp_path_factory.mktemp("report")))
    return html_path


class _Rows(HTMLParser):
    """Body rows (as lists of cell texts) of every table, by the table's class."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = ""
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = dict(attrs).get("class") or ""
            self.tables[self._table] = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.tables[self._table].append([])
        elif tag == "td" and self._in_body:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def test_screenshot_of_the_rendered_page(page, tmp_path):
    shot = tmp_path / "security-report.png"
    _run(tmp_path, f"--screenshot={shot}", page.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 50_000  # a blank 1280x2000 page compresses to a few kB


def test_dumped_dom_has_the_tables_and_their_rows(page, tmp_path):
    dom = _run(tmp_path, "--dump-dom", page.as_uri()).stdout
    rows = _Rows()
    rows.feed(dom)
    tables = rows.tables
    assert set(tables) == {"routes", "alarms", "perms", "trails", "acks", "findings", "cost", "usage"}
    assert sorted((r[1], r[2], r[3]) for r in tables["routes"]) == [
        ("GET", "/health", "NONE"),
        ("GET", "/orders/{id}", "IAM"),
    ]
    assert [r[5] for r in tables["routes"] if r[3] == "NONE"] == [PUBLIC_REASON]
    assert [r[1] for r in tables["perms"]] == ["sqs:SendMessage"]
    assert [(r[0], r[1], r[3]) for r in tables["alarms"]] == [
        ("ReportDemo/HandlerErrors", "standard", ">= 1 (1 of 1 periods)")
    ]
    assert [r[-1] for r in tables["trails"]] == ["ReportDemo/Handler"]
    assert sorted(r[1] for r in tables["acks"]) == ["AwsSolutions-APIG4", "AwsSolutions-COG4"]
    assert len(tables["findings"]) >= 1
    assert [r[0] for r in tables["cost"]] == ["AWS KMS", "Amazon CloudWatch", "AWS CloudTrail"]
