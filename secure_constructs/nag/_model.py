"""The vocabulary shared by every rule: results, levels, the rule table row and the fail-closed signal."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._template import TemplateContext

PACK_NAME = "SecureServerless"


class Compliance(enum.Enum):
    """What a rule says about one resource when it has no per-finding detail."""

    COMPLIANT = "compliant"
    NON_COMPLIANT = "non-compliant"
    NOT_APPLICABLE = "not-applicable"


class Level(enum.Enum):
    """Severity in the validation report. ERROR fails the synth; WARNING is reported and does not."""

    ERROR = "error"
    WARNING = "warning"


#: A rule returns a Compliance, or a list of findings, each a finding id or ``(finding id, detail)``; each
#: becomes its own rule id ``<Rule>[<finding id>]`` (acknowledged on its own); ``[]`` means compliant.
RuleResult = Compliance | Sequence[str | tuple[str, str]]
RuleFn = Callable[[str, dict[str, Any], "TemplateContext"], RuleResult]


class Undecidable(Exception):
    """Raised by a rule that cannot decide (an intrinsic where a literal is needed): the pack fails closed.

    ``finding`` names what could not be decided (it becomes the ``[<finding>]`` part of the rule id, so it
    can be acknowledged on its own); ``why`` is shown to the user.
    """

    def __init__(self, finding: str, why: str) -> None:
        super().__init__(why)
        self.finding = finding
        self.why = why


@dataclass(frozen=True)
class RuleSpec:
    """One row of the pack table.

    ``name`` becomes the rule id ``SecureServerless-<name>``; ``resource_types`` pre-filters resources
    (the function is only called for these types); ``info`` says what is wrong, ``explanation`` why it
    matters and how to fix it; ``area`` groups rules in RULES.md.
    """

    name: str
    area: str
    resource_types: tuple[str, ...]
    info: str
    explanation: str
    level: Level
    fn: RuleFn

    @property
    def rule_id(self) -> str:
        return f"{PACK_NAME}-{self.name}"


@dataclass(frozen=True)
class Finding:
    """One violation of one rule by one resource of one template."""

    rule: str  # full rule id, e.g. SecureServerless-IamNoWildcardAction[Action::s3:*]
    logical_id: str
    message: str
    fix: str
    level: Level
    location: str = "Properties"
    # Filled in by the template scanner (secure_constructs.nag._scan); None inside a synth.
    file: str | None = None  # the template file
    line: int | None = None  # the line of the resource (or output) in that file
    sam_resource: str | None = None  # the AWS::Serverless resource the resource was generated from
    created_at: str | None = None  # "app.py:12": the user's code that built the construct

    @property
    def base_rule(self) -> str:
        """The rule id without its ``[<finding>]`` part."""
        return self.rule.split("[", 1)[0]

    @property
    def doc_anchor(self) -> str:
        """Where RULES.md documents the rule."""
        return f"RULES.md#{rule_anchor(self.base_rule)}"


def rule_anchor(rule_id: str) -> str:
    """The HTML anchor of a rule's row in RULES.md."""
    return rule_id.lower()
