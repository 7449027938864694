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
    tables = {name.replace(" filterable", ""): body for name, body in rows.tables.items()}
    assert set(tables) == {"routes", "alarms", "perms", "trails", "acks", "findings", "cost", "usage"}
    assert sorted((r[1], r[2], r[3], r[4]) for r in tables["routes"]) == [
        ("GET", "/health", "", "NONE"),
        ("GET", "/orders/{id}", "ReportDemo/Handler", "IAM"),
    ]
    assert [r[6] for r in tables["routes"] if r[4] == "NONE"] == [PUBLIC_REASON]
    assert [r[1] for r in tables["perms"]] == ["sqs:SendMessage"]
    assert [(r[0], r[1], r[3]) for r in tables["alarms"]] == [
        ("ReportDemo/HandlerErrors", "standard", ">= 1 (1 of 1 periods)")
    ]
    assert [r[-1] for r in tables["trails"]] == ["ReportDemo/Handler"]
    assert sorted(r[1] for r in tables["acks"]) == ["AwsSolutions-APIG4", "AwsSolutions-COG4"]
    assert len(tables["findings"]) >= 1
    assert [r[0] for r in tables["cost"]] == ["AWS KMS", "Amazon CloudWatch", "AWS CloudTrail"]
    assert "<svg" in dom  # the routes -> functions -> data stores diagram, inline


# --- the row filter, on the demo service (wildcards, a public route, acknowledgments) -------------------


class _Visible(HTMLParser):
    """(table class, flags, first cells) of every row of a filterable table, and whether the browser left it
    visible (no ``hidden`` attribute on the row or its table)."""

    def __init__(self):
        super().__init__()
        self.rows: list[tuple[str, str, bool, list[str]]] = []
        self.count = ""
        self._table: tuple[str, bool] | None = None
        self._cells: list[str] | None = None
        self._text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "filterable" in (a.get("class") or ""):
            self._table = (a["class"].split()[0], "hidden" not in a)
        elif tag == "tr" and self._table is not None and "data-flags" in a:
            self.rows.append((self._table[0], a["data-flags"], self._table[1] and "hidden" not in a, []))
            self._cells = self.rows[-1][3]
        elif tag == "td" and self._cells is not None:
            self._text = []
        elif tag == "output" and a.get("id") == "filter-count":
            self.count = a.get("data-shown", "")

    def handle_endtag(self, tag):
        if tag == "td" and self._text is not None and self._cells is not None:
            self._cells.append("".join(self._text).strip())
            self._text = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


@pytest.fixture(scope="module")
def demo_page(tmp_path_factory):
    import pathlib

    from examples_support import synth_example

    outdir = tmp_path_factory.mktemp("demo") / "cdk.out"
    example = pathlib.Path(__file__).resolve().parents[2] / "examples" / "orders_service.py"
    synth_example(example, outdir)
    return write_security_report(outdir)[1]


def _visible(tmp_path, page, hash_=""):
    parser = _Visible()
    parser.feed(_run(tmp_path, "--dump-dom", page.as_uri() + hash_).stdout)
    return parser


def test_without_a_filter_every_row_is_shown(demo_page, tmp_path):
    parser = _visible(tmp_path, demo_page)
    assert parser.rows and all(visible for _, _, visible, _ in parser.rows)
    assert {table for table, _, _, _ in parser.rows} >= {"routes", "perms", "acks"}


def test_filter_only_wildcards_shows_exactly_the_wildcard_permissions(demo_page, tmp_path):
    parser = _visible(tmp_path, demo_page, "#filter=wildcard")
    shown = [(table, cells) for table, _, visible, cells in parser.rows if visible]
    assert shown, "the demo has wildcard rows (X-Ray needs Resource '*')"
    assert {table for table, _ in shown} == {"perms"}
    assert all("*" in cells[1] or "*" in cells[2] for _, cells in shown)
    hidden_perms = [cells for table, _, visible, cells in parser.rows if table == "perms" and not visible]
    assert hidden_perms and not any("*" in c[1] or "*" in c[2] for c in hidden_perms)
    assert parser.count == str(len(shown))


def test_filter_only_public_shows_the_public_route(demo_page, tmp_path):
    parser = _visible(tmp_path, demo_page, "#filter=public")
    shown = [(table, cells) for table, _, visible, cells in parser.rows if visible]
    assert [(t, c[1], c[2], c[4]) for t, c in shown] == [("routes", "GET", "/health", "NONE")]


def test_filter_only_acknowledged_combines_with_wildcards(demo_page, tmp_path):
    only_acked = [r for r in _visible(tmp_path, demo_page, "#filter=acknowledged").rows if r[2]]
    assert {table for table, _, _, _ in only_acked} == {"routes", "perms", "acks"}
    both = [r for r in _visible(tmp_path, demo_page, "#filter=wildcard,acknowledged").rows if r[2]]
    assert both and all({"wildcard", "acknowledged"} <= set(flags.split()) for _, flags, _, _ in both)
    assert len(both) < len(only_acked)


def test_screenshot_of_the_filtered_page(demo_page, tmp_path):
    shot = tmp_path / "filtered.png"
    _run(tmp_path, f"--screenshot={shot}", demo_page.as_uri() + "#filter=wildcard")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
