"""Render a :class:`~secure_constructs.report.model.Report` as Markdown and as one self-contained HTML page.

Both come from the same small document (headings, paragraphs, lists, tables of inline pieces), so the two
files always say the same thing. The HTML page has inline CSS only: no script, no external font or image.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field

from .model import Function, Report, Trail
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


Inline = str | Code | Badge | Lines


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


Block = Heading | Para | BulletList | Table

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
    blocks: list[Block] = [
        Heading(1, "Security report"),
        Para(["Cloud assembly ", Code(report.outdir), f" · stacks: {', '.join(report.stacks)}"], tone="note"),
        BulletList([[line] for line in summary_lines(report)]),
    ]
    blocks += _routes(report)
    blocks += _functions(report)
    blocks += _trails(report)
    blocks += _hardened(report)
    blocks += _findings(report)
    blocks += _costs(report)
    return blocks


def _routes(report: Report) -> list[Block]:
    blocks: list[Block] = [Heading(2, f"API routes ({len(report.routes)})", "routes")]
    if not report.routes:
        return blocks + [Para(["No API Gateway routes in the templates."])]
    rows: list[list[Inline]] = []
    for r in report.routes:
        reason: Inline = ""
        auth = Badge(r.auth, _AUTH_TONE.get(r.auth, "info"))
        if r.preflight:
            auth = Badge("NONE", "info")
            reason = r.reason or "CORS preflight: mock integration, no backend is called"
        elif r.public:
            reason = r.reason if r.reason else Badge("no reason recorded", "bad")
        rows.append([f"{r.api} ({r.kind})", Code(r.method), Code(r.path), auth, r.authorizer, reason])
    return blocks + [Table(["API", "Method", "Path", "Auth", "Authorizer", "Why public"], rows, css="routes")]


def _functions(report: Report) -> list[Block]:
    blocks: list[Block] = [Heading(2, f"Lambda functions ({len(report.functions)})", "functions")]
    if not report.functions:
        return blocks + [Para(["No Lambda functions in the templates."])]
    for fn in report.functions:
        blocks += _function(fn)
    return blocks


def _function(fn: Function) -> list[Block]:
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
    blocks: list[Block] = [Heading(3, fn.name), BulletList(facts)]
    if fn.alarms:
        rows_: list[list[Inline]] = [[a.name, a.kind, a.metric, a.condition] for a in fn.alarms]
        blocks.append(Table(["Alarm", "Kind", "Watches", "Condition"], rows_, css="alarms", caption="Alarms"))
    if fn.permissions:
        rows: list[list[Inline]] = []
        for p in fn.permissions:
            resources = Lines(tuple(Code(r) for r in p.resources)) if p.resources else ""
            effect: Inline = p.effect if p.effect == "Allow" else Badge(p.effect, "info")
            rows.append([effect, Code(p.action), resources, p.condition, p.policy])
        blocks.append(Table(["Effect", "Action", "Resource", "Condition", "Policy"], rows, css="perms",
                            caption="Role permissions: each action and the resources it is allowed on"))
    else:
        blocks.append(Para(["The role has no policy statements in the template."]))
    return blocks


def _trails(report: Report) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Trail coverage", "trails")]
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
    blocks: list[Block] = [Heading(2, f"Open findings ({len(report.findings)})", "findings")]
    if report.findings:
        open_rows: list[list[Inline]] = [[f.plugin, Code(f.rule), Code(f.path), f.description]
                                         for f in report.findings]
        blocks.append(Table(["Plugin", "Rule", "Construct", "Description"], open_rows, css="findings"))
    elif report.has_validation_report:
        blocks.append(Para([Badge("none", "ok"),
                            " every finding is either fixed or acknowledged with a reason."]))
    else:
        blocks.append(Para(["No ", Code("validation-report.json"), " in the cloud assembly: either no "
                            "validation plugin ran or none reported anything."], tone="warn"))
    heading = f"Acknowledged findings ({len(report.acknowledgments)})"
    blocks.append(Heading(2, heading, "acknowledgments"))
    if report.acknowledgments:
        rows: list[list[Inline]] = [
            [a.plugin, Code(a.rule), Code(a.path), a.reason or Badge("no reason", "bad")]
            for a in report.acknowledgments
        ]
        blocks.append(Table(["Plugin", "Rule", "Construct", "Reason"], rows, css="acks"))
    else:
        blocks.append(Para(["No acknowledged findings."]))
    return blocks


def _costs(report: Report) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Estimated monthly cost of the security resources", "cost")]
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
            out.append("\n".join("- " + "".join(_md(p, in_list=True) for p in item) for item in block.items))
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


def _md(piece: Inline, *, in_list: bool = False) -> str:
    if isinstance(piece, str):
        return _md_text(piece)
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
"""


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
            items = "".join(f"<li>{''.join(_html(p) for p in item)}</li>" for item in block.items)
            body.append(f"<ul{css}>{items}</ul>")
        else:
            body.append(_html_table(block))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>Security report · {html.escape(', '.join(report.stacks))}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


def _html_table(table: Table) -> str:
    css = f' class="{table.css}"' if table.css else ""
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

    for row in table.rows:
        parts.append(f"<tr>{cells(row)}</tr>")
    parts.append("</tbody>")
    if table.footer:
        parts.append(f"<tfoot><tr>{cells(table.footer)}</tr></tfoot>")
    parts.append("</table>")
    return "".join(parts)


def _html(piece: Inline) -> str:
    if isinstance(piece, str):
        return html.escape(piece)
    if isinstance(piece, Code):
        return f"<code>{html.escape(piece.text)}</code>"
    if isinstance(piece, Badge):
        return f'<span class="badge {html.escape(piece.tone)}">{html.escape(piece.text)}</span>'
    return "<br>".join(_html(item) for item in piece.items)

