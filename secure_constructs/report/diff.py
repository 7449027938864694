"""The security diff of two cloud assemblies: what a change made weaker and what it made stronger.

    python -m secure_constructs.report diff OLD_CDK_OUT NEW_CDK_OUT [--format text|md|json]

Exit status: 1 when anything got weaker (a CI gate), 0 otherwise, 2 on bad input (one line, SC-RPT-00x).

What is compared (pure Python on the templates and validation reports, no CDK):

- routes (by API, method and path): auth changed, a route that became public or was added public;
- permissions per role, as action x resource (the report's reading of each role's policies): added is weaker,
  removed is stronger;
- every security property the SecureServerless pack declares (encryption, retention, tracing, throttling,
  WAF, ...): the pack's findings on both assemblies, acknowledged ones included, by rule and construct;
  a new finding is weaker, one that went away is stronger, each under its declared area;
- alarms removed (weaker) or added (stronger), by name;
- acknowledgments added (weaker: a finding is now accepted rather than fixed) or removed;
- the change in the estimated fixed monthly cost of the security resources (information only).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import SecureConstructsError
from .collect import collect
from .model import Report
from .pricing import money

WEAKER, STRONGER, CHANGED = "weaker", "stronger", "changed"


@dataclass(frozen=True)
class Change:
    """One difference: ``kind`` (weaker, stronger or changed), the ``category`` it belongs to, ``what``
    changed (a route, a role, a construct) and ``detail``."""

    kind: str
    category: str
    what: str
    detail: str


@dataclass
class SecurityDiff:
    old: str
    new: str
    changes: list[Change] = field(default_factory=list)
    cost_old: Decimal = Decimal("0")
    cost_new: Decimal = Decimal("0")

    @property
    def weaker(self) -> list[Change]:
        return [c for c in self.changes if c.kind == WEAKER]

    @property
    def stronger(self) -> list[Change]:
        return [c for c in self.changes if c.kind == STRONGER]


# --- computing -----------------------------------------------------------------------------------------


def diff(old_dir: str | Path, new_dir: str | Path) -> SecurityDiff:
    """Compare the cloud assemblies ``old_dir`` and ``new_dir`` (SC-RPT-001 when either has no template)."""
    old, new = collect(old_dir), collect(new_dir)
    result = SecurityDiff(str(old_dir), str(new_dir), cost_old=old.fixed_monthly_total,
                          cost_new=new.fixed_monthly_total)
    result.changes += _routes(old, new)
    result.changes += _permissions(old, new)
    result.changes += _properties(Path(old_dir), Path(new_dir))
    result.changes += _alarms(old, new)
    result.changes += _acknowledgments(old, new)
    return result


def _routes(old: Report, new: Report) -> list[Change]:
    def key(r: Any) -> str:
        return f"{r.method} {r.path} ({r.api})"

    before = {key(r): r for r in old.routes}
    after = {key(r): r for r in new.routes}
    out: list[Change] = []
    for name, route in sorted(after.items()):
        was = before.get(name)
        if was is None:
            if route.public and not route.preflight:
                why = route.reason or "none"
                out.append(Change(WEAKER, "routes", name, f"new public route (reason: {why})"))
            continue
        if was.auth == route.auth:
            continue
        if route.public and not route.preflight:
            out.append(Change(WEAKER, "routes", name, f"became public: {was.auth} -> NONE"))
        elif was.public:
            out.append(Change(STRONGER, "routes", name, f"now authorized: NONE -> {route.auth}"))
        else:
            out.append(Change(CHANGED, "routes", name, f"auth {was.auth} -> {route.auth}"))
    for name in sorted(set(before) - set(after)):
        if before[name].public and not before[name].preflight:
            out.append(Change(STRONGER, "routes", name, "public route removed"))
    return out


def _grants(report: Report) -> set[tuple[str, str, str]]:
    return {(fn.role, p.action, resource or "(none)")
            for fn in report.functions for p in fn.permissions if p.effect == "Allow"
            for resource in (p.resources or ("",))}


def _permissions(old: Report, new: Report) -> list[Change]:
    before, after = _grants(old), _grants(new)
    added = [Change(WEAKER, "permissions", role, f"+ {action} on {resource}")
             for role, action, resource in sorted(after - before)]
    removed = [Change(STRONGER, "permissions", role, f"- {action} on {resource}")
               for role, action, resource in sorted(before - after)]
    return added + removed


def _findings(outdir: Path) -> dict[tuple[str, str], str]:
    """``{(rule id, construct path or logical id): message}`` of the pack on an assembly, acknowledged
    findings included (accepting a finding does not make the property hold)."""
    from ..nag._scan import scan

    report = scan([str(outdir)], jobs=1)
    found: dict[tuple[str, str], str] = {}
    for template in report.templates:
        paths = _paths_of(template.path)
        for finding in list(template.findings) + [a.finding for a in template.acknowledged]:
            found[(finding.rule, paths.get(finding.logical_id, finding.logical_id))] = finding.message
    return found


def _paths_of(template_path: str) -> dict[str, str]:
    from .collect import construct_paths

    path = Path(template_path)
    return construct_paths(path.parent, path.name)


def _properties(old_dir: Path, new_dir: Path) -> list[Change]:
    from ..nag._pack import RULES

    areas = {spec.rule_id: spec.area for spec in RULES}
    before, after = _findings(old_dir), _findings(new_dir)
    out: list[Change] = []
    for (rule, where), message in sorted(after.items()):
        if (rule, where) not in before:
            out.append(Change(WEAKER, areas.get(rule.split("[", 1)[0], "properties"), where,
                              f"{rule}: {message}"))
    for rule, where in sorted(before):
        if (rule, where) not in after:
            out.append(Change(STRONGER, areas.get(rule.split("[", 1)[0], "properties"), where,
                              f"{rule} no longer reported"))
    return out


def _alarms(old: Report, new: Report) -> list[Change]:
    before = {a.name: a for a in old.alarms}
    after = {a.name: a for a in new.alarms}
    return ([Change(WEAKER, "alarms", name, f"alarm removed ({before[name].metric})")
             for name in sorted(set(before) - set(after))]
            + [Change(STRONGER, "alarms", name, f"alarm added ({after[name].metric})")
               for name in sorted(set(after) - set(before))])


def _acknowledgments(old: Report, new: Report) -> list[Change]:
    def keyed(report: Report) -> dict[tuple[str, str], Any]:
        return {(a.rule, a.path): a for a in report.acknowledgments}

    before, after = keyed(old), keyed(new)
    out: list[Change] = []
    for key in sorted(set(after) - set(before)):
        a = after[key]
        terms = (f"; owner {a.owner}" if a.owner else "") + (f"; expires {a.expires}" if a.expires else "")
        out.append(Change(WEAKER, "acknowledgments", a.path, f"+ {a.plugin} {a.rule}: {a.reason}{terms}"))
    for key in sorted(set(before) - set(after)):
        a = before[key]
        out.append(Change(STRONGER, "acknowledgments", a.path, f"- {a.plugin} {a.rule}"))
    return out


# --- rendering -----------------------------------------------------------------------------------------


def _cost_line(d: SecurityDiff) -> str:
    delta = d.cost_new - d.cost_old
    sign = "+" if delta > 0 else "-" if delta < 0 else "±"
    return (f"Estimated fixed monthly cost of the security resources: {money(d.cost_old)} -> "
            f"{money(d.cost_new)} ({sign}{money(abs(delta))})")


def to_text(d: SecurityDiff) -> str:
    lines = [f"Security diff: {d.old} -> {d.new}",
             f"{len(d.weaker)} weaker, {len(d.stronger)} stronger, "
             f"{len(d.changes) - len(d.weaker) - len(d.stronger)} other changes"]
    for kind, title in ((WEAKER, "WEAKER"), (STRONGER, "STRONGER"), (CHANGED, "CHANGED")):
        items = [c for c in d.changes if c.kind == kind]
        if items:
            lines.append(f"{title}:")
            lines += [f"  [{c.category}] {c.what}: {c.detail}" for c in items]
    lines.append(_cost_line(d))
    return "\n".join(lines) + "\n"


def to_markdown(d: SecurityDiff) -> str:
    verdict = "**Weaker** in" if d.weaker else "Nothing weaker in"
    lines = ["## Security diff", "",
             f"{verdict} `{d.new}` than in `{d.old}`: {len(d.weaker)} weaker, {len(d.stronger)} stronger.",
             ""]
    for kind, title in ((WEAKER, "Weaker"), (STRONGER, "Stronger"), (CHANGED, "Changed")):
        items = [c for c in d.changes if c.kind == kind]
        if not items:
            continue
        lines += [f"### {title} ({len(items)})", "", "| Area | What | Change |", "| --- | --- | --- |"]
        lines += [f"| {c.category} | `{c.what}` | {c.detail.replace('|', chr(92) + '|')} |" for c in items]
        lines.append("")
    lines.append(_cost_line(d))
    return "\n".join(lines) + "\n"


def to_json(d: SecurityDiff) -> str:
    return json.dumps({
        "old": d.old,
        "new": d.new,
        "weaker": len(d.weaker),
        "stronger": len(d.stronger),
        "changes": [asdict(c) for c in d.changes],
        "fixedMonthlyCost": {"old": str(d.cost_old), "new": str(d.cost_new),
                             "delta": str(d.cost_new - d.cost_old)},
    }, indent=2) + "\n"


RENDERERS = {"text": to_text, "md": to_markdown, "json": to_json}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line and exit 2, never argparse's usage dump
        usage = "python -m secure_constructs.report diff OLD_CDK_OUT NEW_CDK_OUT [--format text|md|json]"
        raise SecureConstructsError("SC-RPT-002", "report diff", message, received=" ".join(sys.argv[1:]),
                                    fix=f"Run: {usage}")


def main(argv: list[str]) -> int:
    """``diff OLD NEW [--format F]`` (argv without the program and the ``diff`` word)."""
    try:
        parser = _Parser(prog="python -m secure_constructs.report diff", add_help=False)
        parser.add_argument("old")
        parser.add_argument("new")
        parser.add_argument("--format", default="text", choices=sorted(RENDERERS))
        args = parser.parse_args(argv)
        for label, path in (("OLD_CDK_OUT", args.old), ("NEW_CDK_OUT", args.new)):
            if not Path(path).is_dir():
                raise SecureConstructsError("SC-RPT-002", label, "not a directory", received=path,
                                            fix="Pass two cloud assemblies (cdk.out folders), old first")
        result = diff(args.old, args.new)
    except SecureConstructsError as error:
        print(error, file=sys.stderr)
        return 2
    sys.stdout.write(RENDERERS[args.format](result))
    return 1 if result.weaker else 0
