"""The security report of a synthesized app: routes and their auth, each function's exact permissions, key
and alarms, trail coverage, every acknowledgment with its reason, and the fixed monthly cost of the security
resources. Written next to the templates as ``security-report.md`` and ``security-report.html``.

    python -m secure_constructs.report cdk.out
"""

from __future__ import annotations

from pathlib import Path

from .collect import collect
from .model import Report
from .render import summary_lines, to_html, to_markdown

MARKDOWN_NAME = "security-report.md"
HTML_NAME = "security-report.html"

__all__ = ["Report", "collect", "summary_lines", "to_html", "to_markdown", "write_security_report"]


def write_security_report(outdir: str | Path) -> tuple[Path, Path, str]:
    """Read the cloud assembly in ``outdir`` and write ``security-report.md`` and ``.html`` into it.

    Returns ``(markdown path, html path, summary)`` where ``summary`` is 3-5 lines of plain text.
    Raises SC-RPT-001 when ``outdir`` holds no synthesized template.
    """
    out = Path(outdir)
    report = collect(out)
    md_path = out / MARKDOWN_NAME
    html_path = out / HTML_NAME
    md_path.write_text(to_markdown(report), encoding="utf-8")
    html_path.write_text(to_html(report), encoding="utf-8")
    return md_path, html_path, "\n".join(summary_lines(report))
