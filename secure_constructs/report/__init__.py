"""The security report of a synthesized app: routes and their auth, each function's exact permissions, key
and alarms, trail coverage, every acknowledgment with its reason, and the fixed monthly cost of the security
resources, with a diagram of routes -> functions -> data stores. Written next to the templates as
``security-report.md`` (with ``security-report.svg``) and ``security-report.html`` (self-contained).

    python -m secure_constructs.report cdk.out
    python -m secure_constructs.report diff OLD_CDK_OUT NEW_CDK_OUT [--format text|md|json]
"""

from __future__ import annotations

from pathlib import Path

from .collect import collect
from .diagram import diagram_svg
from .model import Report
from .render import DIAGRAM_NAME, summary_lines, to_html, to_markdown

MARKDOWN_NAME = "security-report.md"
HTML_NAME = "security-report.html"

__all__ = ["Report", "collect", "summary_lines", "to_html", "to_markdown", "write_security_report"]


def write_security_report(outdir: str | Path) -> tuple[Path, Path, str]:
    """Read the cloud assembly in ``outdir`` and write ``security-report.md`` (and the diagram it shows,
    ``security-report.svg``) and ``security-report.html`` into it.

    Returns ``(markdown path, html path, summary)`` where ``summary`` is 3-5 lines of plain text.
    Raises SC-RPT-001 when ``outdir`` holds no synthesized template.
    """
    out = Path(outdir)
    report = collect(out)
    md_path = out / MARKDOWN_NAME
    html_path = out / HTML_NAME
    md_path.write_text(to_markdown(report), encoding="utf-8")
    svg = diagram_svg(report)
    if svg:
        (out / DIAGRAM_NAME).write_text(svg, encoding="utf-8")
    html_path.write_text(to_html(report), encoding="utf-8")
    return md_path, html_path, "\n".join(summary_lines(report))
