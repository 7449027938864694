"""The recorded part of acknowledgments, below the rule pack: reasons (refused when vague), owners and
expiry dates written into the recorded reason, "today", and the record of every acknowledgment made, which
the SecureServerless plugin governs at synth. The public API is :mod:`secure_constructs.acknowledgments`;
this module imports nothing of the pack, so the pack and the template scanner can use it.
"""

from __future__ import annotations

import datetime
import os
import re
import sys
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any

from .errors import SecureConstructsError

if TYPE_CHECKING:  # aws_cdk is imported where it is used: the template scanner reuses check_reason without it
    from constructs import IConstruct

#: Reasons that say nothing; refused so that every acknowledgment tells a reviewer something.
_VAGUE_REASONS = frozenset(
    {"", "n/a", "na", "none", "todo", "tbd", "fixme", "ok", "okay", "ignore", "ignored", "test", "because",
     "-"}
)
MIN_REASON_LENGTH = 10

#: Context key and environment variable that set "today" for expiry dates (``YYYY-MM-DD``); the context
#: value wins over the environment variable.
TODAY_CONTEXT = "secure_constructs:today"
TODAY_ENV = "SECURE_CONSTRUCTS_TODAY"
#: An acknowledgment that expires within this many days is reported as a warning at synth.
EXPIRY_WARNING_DAYS = 30

#: ``reason [owner: alice@example.com; expires: 2027-03-31]``: how owner and expiry travel inside the
#: reason CDK records, so that they reach validation-report.json and the security report.
_TERMS = re.compile(r"\s*\[(?P<terms>(?:owner|expires): [^\]]*)\]\s*$")


@dataclass(frozen=True)
class Terms:
    """An acknowledgment's reason split from its owner and expiry date (both optional)."""

    reason: str
    owner: str = ""
    expires: str = ""  # YYYY-MM-DD or ""


def with_terms(reason: str, owner: str | None, expires: datetime.date | None) -> str:
    """The reason as recorded: ``reason [owner: ...; expires: ...]`` (the reason alone when neither)."""
    parts = ([f"owner: {owner}"] if owner else []) + ([f"expires: {expires.isoformat()}"] if expires else [])
    return f"{reason} [{'; '.join(parts)}]" if parts else reason


def parse_terms(recorded: str) -> Terms:
    """The inverse of :func:`with_terms`, for readers of validation-report.json."""
    match = _TERMS.search(recorded or "")
    if match is None:
        return Terms(recorded or "")
    fields: dict[str, str] = {}
    for part in match.group("terms").split(";"):
        key, _, value = part.strip().partition(": ")
        fields[key] = value.strip()
    return Terms(recorded[: match.start()].strip(), fields.get("owner", ""), fields.get("expires", ""))


@dataclass(frozen=True)
class Record:
    """One call of :func:`acknowledge`, as the plugin governs it at synth."""

    root: Any  # the app the construct belongs to
    path: str  # the construct path where it was given ("" for the app)
    rule: str  # the audited id, ``<Plugin>::<RuleId>``
    reason: str
    owner: str
    expires: datetime.date | None
    today: datetime.date
    ours: bool  # made by one of secure_constructs' constructs (not by the user's code)
    site: str  # "app.py:12": the line of the user's code that asked for it

    @property
    def plugin(self) -> str:
        return self.rule.split("::", 1)[0]

    @property
    def rule_id(self) -> str:
        return self.rule.split("::", 1)[1]

    @property
    def expired(self) -> bool:
        return self.expires is not None and self.expires < self.today

    @property
    def days_left(self) -> int | None:
        return None if self.expires is None else (self.expires - self.today).days

    def describe(self) -> str:
        terms = ", ".join(
            ([f"owner {self.owner}"] if self.owner else [])
            + ([f"expires {self.expires.isoformat()}"] if self.expires else [])
        )
        where = f" ({self.site})" if self.site else ""
        return f"'{self.rule}' at {self.path or '<app>'}{where}" + (f" [{terms}]" if terms else "")


RECORDS: list[Record] = []


def records(root: Any) -> list[Record]:
    """The acknowledgments given (with :func:`acknowledge`) to constructs of the app ``root``."""
    return [record for record in RECORDS if record.root is root]


def plugin_of(rule_id: str) -> str:
    """The validation plugin that reports ``rule_id`` (``AwsSolutions-IAM5[...]`` -> ``AwsSolutions``)."""
    head = rule_id.split("[", 1)[0]
    if "::" in head:
        return head.split("::", 1)[0]
    if "-" not in head:
        raise ValueError(f"rule id {rule_id!r} has no '<Pack>-' prefix")
    return head.rsplit("-", 1)[0] if head.startswith("NIST.") else head.split("-", 1)[0]


def audited_id(rule_id: str) -> str:
    """``AwsSolutions-IAM5`` -> ``AwsSolutions::AwsSolutions-IAM5`` (the id CDK core audits)."""
    return rule_id if "::" in rule_id.split("[", 1)[0] else f"{plugin_of(rule_id)}::{rule_id}"


def check_reason(where: IConstruct | str | None, reason: object, what: str) -> str:
    """Return ``reason`` stripped, or raise SC-GEN-003 when it is missing or says nothing."""
    text = reason.strip() if isinstance(reason, str) else ""
    if len(text) < MIN_REASON_LENGTH or text.lower().rstrip(".") in _VAGUE_REASONS:
        raise SecureConstructsError(
            "SC-GEN-003",
            where,
            f"{what} needs a specific reason",
            received=reason,
            fix=(
                f"Give a sentence (at least {MIN_REASON_LENGTH} characters) that tells a reviewer why this "
                "is acceptable, e.g. 'Health check for the load balancer; returns no data'"
            ),
        )
    return text


def parse_date(where: Any, value: object, what: str, fix: str) -> datetime.date:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    code = "SC-ACK-004" if what.startswith("today") else "SC-ACK-001"
    raise SecureConstructsError(code, where, f"{what} is not a date (YYYY-MM-DD)", received=value, fix=fix)


def today(construct: IConstruct | None = None) -> datetime.date:
    """The date expiry is judged against: context :data:`TODAY_CONTEXT`, else :data:`TODAY_ENV`, else
    the real date (SC-ACK-004 when the value set is not a date)."""
    value = construct.node.try_get_context(TODAY_CONTEXT) if construct is not None else None
    what = f"today (context {TODAY_CONTEXT})"
    if value is None:
        value, what = os.environ.get(TODAY_ENV) or None, f"today (environment variable {TODAY_ENV})"
    if value is None:
        return datetime.date.today()
    fix = "Set it to a date such as 2027-01-31, or unset it to use the real date"
    return parse_date(construct, value, what, fix)


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
#: The modules that take an acknowledgment (this one and the public ``acknowledgments``).
_ACK_MODULES = frozenset({__file__, os.path.join(os.path.dirname(__file__), "acknowledgments.py")})


def _caller() -> tuple[bool, str]:
    """(whether one of our modules asked, "file:line" of the user's code that led to the call)."""
    frame: FrameType | None = sys._getframe(2)
    ours = False
    while frame is not None and frame.f_code.co_filename in _ACK_MODULES:
        frame = frame.f_back  # acknowledge_all -> acknowledge
    if frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        ours = True
    while frame is not None and (
        frame.f_code.co_filename.startswith(_PACKAGE_DIR)
        or f"{os.sep}jsii{os.sep}" in frame.f_code.co_filename
    ):
        frame = frame.f_back
    if frame is None:
        return ours, ""
    filename = frame.f_code.co_filename
    shown = os.path.relpath(filename) if os.path.isabs(filename) else filename
    return ours, f"{shown.replace(os.sep, '/')}:{frame.f_lineno}"


def where_of(construct: IConstruct) -> tuple[Any, str, bool, str]:
    ours, site = _caller()
    node = construct.node
    return node.root, str(node.path), ours, site
