"""Render a :class:`~secure_constructs.report.model.Report` as Markdown and as one self-contained HTML page.

Both come from the same small document (headings, paragraphs, lists, tables of inline pieces), so the two
files always say the same thing. The HTML page is self-contained: inline CSS, the diagram as inline SVG, and
one small inline script for the row filter (only wildcards / only public / only acknowledged), which also
reads ``#filter=wildcard,public`` from the address so that a filtered view can be linked. No external font,
image or script.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field

from .model import Finding, Function, Permission, Report, Trail
from .pricing import CURRENCY, PRICES_READ_ON, REGION, money

# --- a tiny document model -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Badge:
    text: str
    tone: str  # ok, warn, bad, info


@dataclass(frozen=True)
class Lines:
    items: tuple[Inline, ...]


@dataclass(frozen=True)
class Link:
    text: str
    anchor: str


Inline = str | Code | Badge | Lines | Link


@dataclass
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass
class Para:
    parts: list[Inline]
    tone: str = ""  # "", "note", "warn"


@dataclass
class BulletList:
    items: list[list[Inline]]


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Inline]]
    caption: str = ""
    css: str = ""
    footer: list[Inline] = field(default_factory=list)
    flags: list[set[str]] | None = None  # per row, for the HTML filter (a filterable table when set)


@dataclass
class Filters:
    """The HTML page's row filter (nothing in Markdown)."""


@dataclass
class Diagram:
    """The routes -> functions -> data stores SVG: inline in HTML, a linked file in Markdown."""

    svg: str


Block = Heading | Para | BulletList | Table | Filters | Diagram

#: The filter's choices: flag -> label.
FILTERS = {"wildcard": "only wildcards", "public": "only public", "acknowledged": "only acknowledged"}
#: The diagram's file next to the Markdown report.
DIAGRAM_NAME = "security-report.svg"


def slug(text: str) -> str:
    """The anchor GitHub gives a Markdown heading (lower case, punctuation dropped, spaces to hyphens);
    the HTML page uses the same ids, so links work in both."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")

_AUTH_TONE = {"IAM": "ok", "Cognito": "ok", "JWT": "ok", "Lambda token": "ok", "Lambda request": "ok",
              "Lambda": "ok", "NONE": "warn"}


# --- the report as blocks ------------------------------------------------------------------------------


def summary_lines(report: Report) -> list[str]:
    """Three to five lines that say what the report found (also printed by ``python -m ...report``)."""
    auth = Counter("CORS preflight" if route.preflight else route.auth for route in report.routes)
    modes = ", ".join(f"{n} {mode if mode != 'NONE' else 'public'}" for mode, n in sorted(auth.items()))
    public = [r for r in report.routes if r.public and not r.preflight]
    unexplained = [r for r in public if not r.reason]
    route_line = f"Routes: {len(report.routes)}" + (f" ({modes})" if modes else "")
    if public:
        route_line += ("; every public route has a reason" if not unexplained
                       else f"; {len(unexplained)} public route(s) WITHOUT a reason")
    covered = set().union(*(t.covered_functions for t in report.trails)) if report.trails else set()
    fn_line = (f"Functions: {len(report.functions)}; trail data events cover {len(covered)} of them; "
               f"{sum(1 for f in report.functions if f.alarms)} with alarms")
    no_reason = sum(1 for a in report.acknowledgments if not a.reason)
    reasons = "all with reasons" if not no_reason else f"{no_reason} WITHOUT a reason"
    ack_line = f"Acknowledged findings: {len(report.acknowledgments)} ({reasons}); open findings: "
    ack_line += (str(len(report.findings)) if report.has_validation_report
                 else "unknown (no validation-report.json)")
    cost_line = (f"Estimated fixed cost of security resources: {money(report.fixed_monthly_total)}/month "
                 f"({REGION} list prices read {PRICES_READ_ON}), "
                 f"plus {len(report.usage_costs)} per-usage items")
    lines = [route_line, fn_line, ack_line, cost_line]
    if report.hardened:
        attention = sum(len(h.not_applied) + len(h.notes) for h in report.hardened)
        lines.insert(3, f"harden(): {len(report.hardened)} plain constructs given "
                        f"{sum(len(h.supplied) for h in report.hardened)} settings; {attention} to look at")
    return lines


def build(report: Report) -> list[Block]:
    """The whole report as a list of blocks, in reading order."""
    from .diagram import diagram_svg

    body: list[Block] = []
    svg = diagram_svg(report)
    if svg:
        body += [Heading(2, "Diagram: routes, functions and data stores"), Diagram(svg)]
    body += _routes(report)
    body += _functions(report)
    body += _trails(report)
    body += _networks(report)
    body += _databases(report)
    body += _load_balancers(report)
    body += _hardened(report)
    body += _findings(report)
    body += _costs(report)
    for block in body:
        if isinstance(block, Heading) and not block.anchor:
            block.anchor = slug(block.text)
    toc: list[list[Inline]] = []
    for block in body:
        if isinstance(block, Heading) and block.level <= 3:
            toc.append([("    " if block.level == 3 else "") + "", Link(block.text, block.anchor)])
    return [
        Heading(1, "Security report", "security-report"),
        Para(["Cloud assembly ", Code(report.outdir), f" · stacks: {', '.join(report.stacks)}"], tone="note"),
        BulletList([[line] for line in summary_lines(report)]),
        Heading(2, "Contents", "contents"),
        BulletList(toc),
        Filters(),
        *body,
    ]


def _routes(report: Report) -> list[Block]:
    blocks: list[Block] = [Heading(2, f"API routes ({len(report.routes)})")]
    if not report.routes:
        return blocks + [Para(["No API Gateway routes in the templates."])]
    rows: list[list[Inline]] = []
    flags: list[set[str]] = []
    for r in report.routes:
        reason: Inline = ""
        auth = Badge(r.auth, _AUTH_TONE.get(r.auth, "info"))
        if r.preflight:
            auth = Badge("NONE", "info")
            reason = r.reason or "CORS preflight: mock integration, no backend is called"
        elif r.public:
            reason = r.reason if r.reason else Badge("no reason recorded", "bad")
        function: Inline = Code(r.function) if r.function else ("(mock)" if r.preflight else "")
        rows.append([f"{r.api} ({r.kind})", Code(r.method), Code(r.path), function, auth, r.authorizer,
                     reason])
        flags.append(({"public"} if r.public else set())
                     | ({"acknowledged"} if r.public and r.reason else set()))
    return blocks + [Table(["API", "Method", "Path", "Function", "Auth", "Authorizer", "Why public"], rows,
                           css="routes", flags=flags)]


def _functions(report: Report) -> list[Block]:
    blocks: list[Block] = [Heading(2, f"Lambda functions ({len(report.functions)})")]
    if not report.functions:
        return blocks + [Para(["No Lambda functions in the templates."])]
    for fn in report.functions:
        blocks += _function(fn, report.acknowledgments)
    return blocks


def _wildcard(p: Permission) -> bool:
    return "*" in p.action or any("*" in r for r in p.resources)


def _acknowledged(fn: Function, p: Permission, acknowledgments: list[Finding]) -> bool:
    """Whether a finding about this permission (its action or resource named in the finding id) was
    acknowledged on the function's role or below it."""
    needles = [f"::{p.action}]"] + [f"::{r}]" for r in p.resources]
    return any(a.path.startswith(fn.role) and any(n in a.rule for n in needles) for a in acknowledgments)


def _function(fn: Function, acknowledgments: list[Finding]) -> list[Block]:
    key: Inline = Code(fn.kms_key) if fn.kms_key else Badge("AWS managed key (no KmsKeyArn)", "warn")
    dlq: Inline = Code(fn.dlq) if fn.dlq else Badge("none", "warn")
    alarms: Inline = f"{len(fn.alarms)} (table below)" if fn.alarms else Badge("none", "warn")
    facts: list[list[Inline]] = [
        ["Role: ", Code(fn.role)],
        ["Environment key: ", key],
        ["Dead-letter queue: ", dlq],
        ["Alarms: ", alarms],
    ]
    if fn.managed_policies:
        facts.append(["Managed policies (contents not in the template): ",
                      Lines(tuple(Code(p) for p in fn.managed_policies))])
    if fn.data_stores:
        facts.append(["Data stores its role may use: ", Lines(tuple(Code(s) for s in fn.data_stores))])
    blocks: list[Block] = [Heading(3, fn.name), BulletList(facts)]
    if fn.alarms:
        rows_: list[list[Inline]] = [[a.name, a.kind, a.metric, a.condition] for a in fn.alarms]
        blocks.append(Table(["Alarm", "Kind", "Watches", "Condition"], rows_, css="alarms", caption="Alarms"))
    if fn.permissions:
        rows: list[list[Inline]] = []
        flags: list[set[str]] = []
        for p in fn.permissions:
            resources = Lines(tuple(Code(r) for r in p.resources)) if p.resources else ""
            effect: Inline = p.effect if p.effect == "Allow" else Badge(p.effect, "info")
            rows.append([effect, Code(p.action), resources, p.condition, p.policy])
            flags.append(({"wildcard"} if p.effect == "Allow" and _wildcard(p) else set())
                         | ({"acknowledged"} if _acknowledged(fn, p, acknowledgments) else set()))
        blocks.append(Table(["Effect", "Action", "Resource", "Condition", "Policy"], rows, css="perms",
                            caption="Role permissions: each action and the resources it is allowed on",
                            flags=flags))
    else:
        blocks.append(Para(["The role has no policy statements in the template."]))
    return blocks


def _trails(report: Report) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Trail coverage")]
    if not report.trails:
        return blocks + [Para([Badge("No CloudTrail trail in the templates", "warn"),
                               " (function invocations are not recorded as data events)."])]

    def yes_no(value: bool, good: bool = True) -> Inline:
        return Badge("yes" if value else "no", "ok" if value == good else "warn")

    rows: list[list[Inline]] = []
    for t in report.trails:
        data: Inline = Lines(tuple(t.data_events)) if t.data_events else Badge("none", "warn")
        covered: Inline = Lines(tuple(t.covered_functions)) if t.covered_functions else "none"
        rows.append([t.name, yes_no(t.logging), yes_no(t.multi_region), yes_no(t.log_file_validation),
                     Code(t.kms_key) if t.kms_key else Badge("none", "warn"), yes_no(t.management_events),
                     data, covered])
    blocks.append(Table(["Trail", "Logging", "Multi-region", "Log file validation", "KMS key",
                         "Management events", "Data events", "Functions covered"], rows, css="trails"))
    blocks += _uncovered(report, report.trails)
    return blocks


def _uncovered(report: Report, trails: list[Trail]) -> list[Block]:
    covered = set().union(*(t.covered_functions for t in trails))
    missing = [f.name for f in report.functions if f.name not in covered]
    if not missing:
        return [Para([f"Every function ({len(report.functions)}) is covered by a trail's data events."])]
    return [Para([Badge("Not covered", "warn"), " by any trail's data events: ", ", ".join(missing)],
                 tone="warn")]


def _yes(value: bool) -> Inline:
    return Badge("yes" if value else "no", "ok" if value else "bad")


def _networks(report: Report) -> list[Block]:
    if not report.networks:
        return []
    blocks: list[Block] = [Heading(2, f"Networks ({len(report.networks)})", "networks")]
    for net in report.networks:
        egress: Inline = (Lines(tuple(f"declared: {r}" for r in net.egress_reasons)) if net.egress_reasons
                          else Badge("none (isolated)", "ok"))
        if net.nat_gateways and not net.egress_reasons:
            egress = Badge(f"{net.nat_gateways} NAT gateway(s), not declared", "bad")
        facts: list[list[Inline]] = [
            ["Internet egress: ", egress],
            ["Flow logs of all traffic: ", _yes(net.flow_logs)],
            ["Functions: ", ", ".join(net.functions) or "none"],
        ]
        blocks += [Heading(3, net.name), BulletList(facts)]
        rows: list[list[Inline]] = [
            [Code(e.service), e.kind, str(e.zones) if e.kind == "Interface" else "-", _yes(e.limited)]
            for e in net.endpoints
        ]
        if rows:
            blocks.append(Table(["Service", "Kind", "Zones", "Policy limited to the account"], rows,
                                css="endpoints", caption="VPC endpoints"))
    return blocks


def _databases(report: Report) -> list[Block]:
    if not report.databases:
        return []
    labels = sorted({label for db in report.databases for label, _ in db.checks})
    rows: list[list[Inline]] = []
    for db in report.databases:
        verdicts = dict(db.checks)
        cells: list[Inline] = [_yes(verdicts[label]) if label in verdicts else "-" for label in labels]
        rows.append([db.name, db.kind, *cells])
    return [Heading(2, f"Databases ({len(report.databases)})", "databases"),
            Table(["Database", "Kind", *labels], rows, css="databases")]


def _load_balancers(report: Report) -> list[Block]:
    if not report.load_balancer_routes:
        return []
    rows: list[list[Inline]] = []
    for r in report.load_balancer_routes:
        tone = "ok" if r.auth != "NONE" else ("warn" if r.action == "forward" else "info")
        auth: Inline = Badge(r.auth, tone)
        reason: Inline = ""
        if r.action == "forward" and r.auth == "NONE":
            reason = r.reason if r.reason else Badge("no reason recorded", "bad")
        unauth: Inline = r.unauthenticated
        if r.unauthenticated == "allow":
            unauth = Badge(r.unauthenticated, "bad")
        rows.append([r.load_balancer, Code(r.listener), r.priority, Code(r.paths), r.action, auth, unauth,
                     reason])
    return [Heading(2, f"Load balancer routes ({len(report.load_balancer_routes)})", "load-balancers"),
            Table(["Load balancer", "Listener", "Priority", "Paths", "Action", "Auth", "Unauthenticated",
                   "Why public"], rows, css="routes")]


def _hardened(report: Report) -> list[Block]:
    """What harden() supplied to plain constructs, what it kept of the user's and what it left out."""
    if not report.hardened:
        return []
    blocks: list[Block] = [
        Heading(2, f"Settings supplied by harden() ({len(report.hardened)} constructs)", "hardened"),
        Para(["Plain aws-cdk-lib constructs given the declared secure defaults their code left unset. What "
              "the code set is kept as it is, and judged by the rules like any other setting."], tone="note"),
    ]
    rows: list[list[Inline]] = []
    for h in report.hardened:
        if h.excluded:
            rows.append([Code(h.path), h.cls, Badge("excluded", "info"), h.excluded, ""])
            continue
        supplied = ", ".join(h.supplied)
        kept = ", ".join([*h.kept, *(f"{arg} (left: {why})" for arg, why in h.left.items())])
        attention = [f"not applied: {arg}: {why}" for arg, why in h.not_applied.items()] + h.notes
        rows.append([Code(h.path), h.cls, supplied, kept,
                     Badge("; ".join(attention), "warn") if attention else ""])
    headers = ["Construct", "Class", "Supplied", "Kept as the code set it", "Needs attention"]
    blocks.append(Table(headers, rows, css="hardened"))
    return blocks


def _findings(report: Report) -> list[Block]:
    blocks: list[Block] = [Heading(2, f"Open findings ({len(report.findings)})")]
    if report.findings:
        open_rows: list[list[Inline]] = [[f.plugin, Code(f.rule), Code(f.path), f.severity, f.description]
                                         for f in report.findings]
        blocks.append(Table(["Plugin", "Rule", "Construct", "Severity", "Description"], open_rows,
                            css="findings", flags=[set() for _ in open_rows]))
    elif report.has_validation_report:
        blocks.append(Para([Badge("none", "ok"),
                            " every finding is either fixed or acknowledged with a reason."]))
    else:
        blocks.append(Para(["No ", Code("validation-report.json"), " in the cloud assembly: either no "
                            "validation plugin ran or none reported anything."], tone="warn"))
    groups = group_acknowledgments(report.acknowledgments)
    heading = f"Acknowledged findings ({len(report.acknowledgments)}, in {len(groups)} groups)"
    blocks.append(Heading(2, heading))
    if report.acknowledgments:
        blocks.append(Para(["Findings accepted with the same rule, reason, owner and expiry are one row, "
                            "with the number of constructs and their paths."], tone="note"))
        rows: list[list[Inline]] = [
            [g[0].plugin, Code(g[0].rule), str(len(g)), Lines(tuple(Code(a.path) for a in g)),
             g[0].reason or Badge("no reason", "bad"), g[0].owner or Badge("none", "warn"),
             g[0].expires or "never"]
            for g in groups
        ]
        blocks.append(Table(["Plugin", "Rule", "Count", "Constructs", "Reason", "Owner", "Expires"], rows,
                            css="acks", flags=[{"acknowledged"} for _ in rows]))
    else:
        blocks.append(Para(["No acknowledged findings."]))
    return blocks


def group_acknowledgments(acknowledgments: list[Finding]) -> list[list[Finding]]:
    """Acknowledged findings grouped by (plugin, rule, reason, owner, expiry), in first-seen order."""
    groups: dict[tuple[str, str, str, str, str], list[Finding]] = {}
    for a in acknowledgments:
        groups.setdefault((a.plugin, a.rule, a.reason, a.owner, a.expires), []).append(a)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0].plugin, g[0].rule))


def _costs(report: Report) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Estimated monthly cost of the security resources")]
    rows: list[list[Inline]] = [[line.price.service, line.price.item, str(line.count), line.detail,
                                 line.price.label(), money(line.monthly)] for line in report.fixed_costs]
    if rows:
        blocks.append(Table(["Service", "Item", "Count", "Counted", "Price", "Per month"], rows, css="cost",
                            caption="Fixed charges (per resource, whatever the traffic)",
                            footer=["Total", "", "", "", "", money(report.fixed_monthly_total)]))
    else:
        blocks.append(Para(["No security resource with a fixed monthly charge."]))
    usage: list[list[Inline]] = [[line.price.service, line.price.item, f"{line.detail}: {line.count}",
                                  line.price.label(), line.price.note] for line in report.usage_costs]
    if usage:
        blocks.append(Table(["Service", "Item", "Applies to", "Price", "Note"], usage, css="usage",
                            caption="Per-usage charges (depend on traffic; not in the total)"))
    notes = {line.price.key: line.price for line in report.fixed_costs if line.price.note}
    sources = sorted({line.price.source for line in report.fixed_costs + report.usage_costs})
    assumptions: list[list[Inline]] = [
        [f"List prices in {CURRENCY} for {REGION} (US East, N. Virginia), read on {PRICES_READ_ON}; "
         "other regions, free tiers, discounts and later price changes are not applied."],
        ["Taxes, data transfer and the S3 storage of trail logs are not included."],
    ]
    assumptions += [[f"{p.service}, {p.item}: {p.note}"] for p in notes.values()]
    assumptions.append(["Sources: ", Lines(tuple(Code(s) for s in sources))] if sources
                       else ["Sources: none"])
    blocks += [Para(["Assumptions"], tone="note"), BulletList(assumptions)]
    return blocks


# --- Markdown ------------------------------------------------------------------------------------------


def to_markdown(report: Report) -> str:
    out: list[str] = []
    for block in build(report):
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {block.text}")
        elif isinstance(block, Para):
            text = "".join(_md(p) for p in block.parts)
            out.append(f"**{text}**" if block.tone == "note" and len(block.parts) == 1 else text)
        elif isinstance(block, BulletList):
            out.append("\n".join(_md_item(item) for item in block.items))
        elif isinstance(block, Filters):
            continue
        elif isinstance(block, Diagram):
            out.append(f"![API routes, Lambda functions and data stores]({DIAGRAM_NAME})")
        else:
            if block.caption:
                out.append(f"*{block.caption}*")
                out.append("")
            lines = ["| " + " | ".join(block.headers) + " |", "|" + " --- |" * len(block.headers)]
            for row in block.rows:
                lines.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
            if block.footer:
                footer = [f"**{_md_cell(c)}**" if _md_cell(c) else "" for c in block.footer]
                lines.append("| " + " | ".join(footer) + " |")
            out.append("\n".join(lines))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _md_item(item: list[Inline]) -> str:
    indent = "  " if item and isinstance(item[0], str) and item[0].startswith("    ") else ""
    return indent + "- " + "".join(_md(p, in_list=True) for p in item if p != "    ")


def _md(piece: Inline, *, in_list: bool = False) -> str:
    if isinstance(piece, Link):
        return f"[{_md_text(piece.text)}](#{piece.anchor})"
    if isinstance(piece, str):
        return _md_text(piece.strip()) if piece.isspace() else _md_text(piece)
    if isinstance(piece, Code):
        return _code_span(piece.text)
    if isinstance(piece, Badge):
        return f"**{_md_text(piece.text)}**"
    joiner = "; " if in_list else "<br>"
    return joiner.join(_md(item) for item in piece.items)


def _md_text(text: str) -> str:
    """Plain text for Markdown: angle brackets escaped so that no text from a template becomes HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _md_cell(piece: Inline) -> str:
    return _md(piece).replace("|", "\\|").replace("\n", " ")


def _code_span(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# --- HTML ----------------------------------------------------------------------------------------------

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; background: #f6f7f9; color: #1d2330;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #d9dde5; }
h3 { font-size: 15px; margin: 22px 0 6px;
  font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
p.note { color: #5a6272; margin: 4px 0 12px; }
p.warn { background: #fff6e0; border-left: 4px solid #e0a100; padding: 6px 10px; }
ul { margin: 6px 0 10px; padding-left: 20px; }
ul.summary { background: #fff; border: 1px solid #d9dde5; border-radius: 6px; padding: 12px 12px 12px 32px;
  font-size: 15px; }
li { margin: 2px 0; }
table { border-collapse: collapse; width: 100%; background: #fff; margin: 6px 0 14px;
  border: 1px solid #d9dde5; }
caption { text-align: left; font-weight: 600; padding: 4px 0; color: #3a4252; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid #e6e9ef; }
th { background: #eef1f6; font-weight: 600; }
td { overflow-wrap: anywhere; }
table.perms td:nth-child(2) code, table.routes code { white-space: nowrap; overflow-wrap: normal; }
table.perms td:last-child, table.alarms td:first-child { color: #5a6272; font-size: 12.5px; }
table.alarms td:nth-child(2), table.cost td:nth-child(5), table.usage td:nth-child(4) { white-space: nowrap; }
table.alarms { width: auto; min-width: 60%; }
table.acks td:first-child, table.findings td:first-child { white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fafbfc; }
tfoot td { font-weight: 700; background: #eef1f6; }
code { font: 12.5px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; background: #f0f2f5;
  padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px; font-weight: 600;
  white-space: nowrap; }
.ok { background: #e3f4e8; color: #17602e; }
.warn { background: #fff1cc; color: #7a5200; }
.bad { background: #fde2e1; color: #9b1c1c; }
.info { background: #e6eefb; color: #1f4a8a; }
td.num { text-align: right; white-space: nowrap; }
li.sub { margin-left: 22px; list-style: circle; }
form.filters { position: sticky; top: 0; z-index: 1; background: #fff; border: 1px solid #d9dde5;
  border-radius: 6px; padding: 8px 12px; margin: 12px 0; display: flex; gap: 18px; align-items: center; }
form.filters output { margin-left: auto; color: #5a6272; }
figure.diagram { margin: 6px 0 14px; overflow-x: auto; background: #fff; border: 1px solid #d9dde5; }
tr[hidden], table[hidden] { display: none; }
"""

# The row filter: a row of a filterable table stays visible when it has every checked flag; a table left
# without visible rows is hidden. ``#filter=wildcard,public`` in the address checks those boxes on load.
_SCRIPT = """
(function () {
  var boxes = Array.prototype.slice.call(document.querySelectorAll('#filters input[name=filter]'));
  function apply() {
    var need = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    var shown = 0, total = 0;
    document.querySelectorAll('table.filterable').forEach(function (table) {
      var visible = 0;
      table.querySelectorAll('tbody tr').forEach(function (row) {
        var flags = (row.getAttribute('data-flags') || '').split(' ');
        var keep = need.every(function (n) { return flags.indexOf(n) >= 0; });
        if (keep) { row.removeAttribute('hidden'); visible++; } else { row.setAttribute('hidden', ''); }
        total++;
      });
      shown += visible;
      if (need.length && !visible) { table.setAttribute('hidden', ''); }
      else { table.removeAttribute('hidden'); }
    });
    var out = document.getElementById('filter-count');
    out.textContent = need.length ? shown + ' of ' + total + ' rows shown' : '';
    out.setAttribute('data-shown', String(shown));
  }
  var match = /filter=([a-z,]+)/.exec(window.location.hash);
  if (match) {
    var wanted = match[1].split(',');
    boxes.forEach(function (b) { b.checked = wanted.indexOf(b.value) >= 0; });
  }
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  apply();
})();
"""


_SUB = ' class="sub"'


def to_html(report: Report) -> str:
    body: list[str] = []
    first_list = True
    for block in build(report):
        if isinstance(block, Heading):
            anchor = f' id="{html.escape(block.anchor)}"' if block.anchor else ""
            body.append(f"<h{block.level}{anchor}>{html.escape(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            css = f' class="{block.tone}"' if block.tone else ""
            body.append(f"<p{css}>{''.join(_html(p) for p in block.parts)}</p>")
        elif isinstance(block, BulletList):
            css = ' class="summary"' if first_list else ""
            first_list = False
            items = "".join(
                f"<li{_SUB if item and item[0] == '    ' else ''}>{''.join(_html(p) for p in item)}</li>"
                for item in block.items)
            body.append(f"<ul{css}>{items}</ul>")
        elif isinstance(block, Filters):
            boxes = "".join(f'<label><input type="checkbox" name="filter" value="{flag}"> {label}</label>'
                            for flag, label in FILTERS.items())
            body.append(f'<form id="filters" class="filters"><strong>Show</strong> {boxes}'
                        '<output id="filter-count"></output></form>')
        elif isinstance(block, Diagram):
            body.append(f'<figure class="diagram">{block.svg}</figure>')
        else:
            body.append(_html_table(block))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>Security report · {html.escape(', '.join(report.stacks))}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + f"\n</main>\n<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )


def _html_table(table: Table) -> str:
    classes = " ".join(c for c in (table.css, "filterable" if table.flags is not None else "") if c)
    css = f' class="{classes}"' if classes else ""
    parts = [f"<table{css}>"]
    if table.caption:
        parts.append(f"<caption>{html.escape(table.caption)}</caption>")
    heads = "".join(f"<th>{html.escape(h)}</th>" for h in table.headers)
    parts.append(f"<thead><tr>{heads}</tr></thead>")
    parts.append("<tbody>")
    numeric = {i for i, h in enumerate(table.headers) if h in ("Count", "Per month")}
    num = ' class="num"'

    def cells(row: list[Inline]) -> str:
        return "".join(f"<td{num if i in numeric else ''}>{_html(c)}</td>" for i, c in enumerate(row))

    for index, row in enumerate(table.rows):
        flags = "" if table.flags is None else f' data-flags="{" ".join(sorted(table.flags[index]))}"'
        parts.append(f"<tr{flags}>{cells(row)}</tr>")
    parts.append("</tbody>")
    if table.footer:
        parts.append(f"<tfoot><tr>{cells(table.footer)}</tr></tfoot>")
    parts.append("</table>")
    return "".join(parts)


def _html(piece: Inline) -> str:
    if isinstance(piece, Link):
        return f'<a href="#{html.escape(piece.anchor)}">{html.escape(piece.text)}</a>'
    if isinstance(piece, str):
        return html.escape(piece.strip()) if piece.isspace() else html.escape(piece)
    if isinstance(piece, Code):
        return f"<code>{html.escape(piece.text)}</code>"
    if isinstance(piece, Badge):
        return f'<span class="badge {html.escape(piece.tone)}">{html.escape(piece.text)}</span>'
    return "<br>".join(_html(item) for item in piece.items)

