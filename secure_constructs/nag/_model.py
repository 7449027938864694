"""The vocabulary shared by every rule: results, levels, the fail-closed signal, and the declaration of one
security property (:class:`RuleSpec`), from which the rule, the override guard, RULES.md and the
self-mutation test derive.

Nothing here imports aws_cdk: the pack also runs as a standalone scanner. CDK values that a declaration
names as a construct's default are written as :class:`Cdk` specs and built only when a construct asks.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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
    """Severity in the validation report. ERROR fails the synth unless acknowledged; WARNING is reported
    and does not fail it; FATAL fails it and cannot be acknowledged (CDK core never suppresses a ``fatal``
    violation, and the scanner refuses such acknowledgments too)."""

    FATAL = "fatal"
    ERROR = "error"
    WARNING = "warning"

    @property
    def fails(self) -> bool:
        """Whether a finding of this level fails the synth (or the scan) when it is not acknowledged."""
        return self is not Level.WARNING


class Fatal(str):
    """A finding id a rule returns to say that this finding, though its rule is of level ERROR, cannot be
    acknowledged (``Fatal("Principal::*")``: a Lambda permission open to anyone, with no condition)."""


#: A rule returns a Compliance, or a list of findings, each a finding id or ``(finding id, detail)``; each
#: becomes its own rule id ``<Rule>[<finding id>]`` (acknowledged on its own); ``[]`` means compliant. A
#: finding id of ``None`` reports the bare rule id with the detail (the value received, the condition).
RuleResult = Compliance | Sequence[str | tuple[str | None, str]]
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
class Cdk:
    """A CDK value named as data, built on demand: ``Cdk("aws_lambda.Tracing.ACTIVE")`` is that constant,
    ``Cdk("Duration.days", 1)`` and ``Cdk("aws_cognito.MfaSecondFactor", otp=True)`` are calls (made when
    arguments are given). Arguments may be ``Cdk`` specs themselves."""

    path: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()

    def __init__(self, path: str, *args: Any, **kwargs: Any) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "args", args)
        object.__setattr__(self, "kwargs", tuple(sorted(kwargs.items())))

    def build(self) -> Any:
        head, _, rest = self.path.partition(".")
        if head.startswith("aws_"):
            value: Any = importlib.import_module(f"aws_cdk.{head}")
            attrs = rest.split(".")
        else:
            value = importlib.import_module("aws_cdk")
            attrs = self.path.split(".")
        for attr in attrs:
            value = getattr(value, attr)
        if self.args or self.kwargs:
            value = value(*(built(a) for a in self.args), **{k: built(v) for k, v in self.kwargs})
        return value

    def __str__(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs]
        return self.path + (f"({', '.join(parts)})" if parts else "")

    __repr__ = __str__


def built(value: Any) -> Any:
    """``value`` with every :class:`Cdk` spec in it built."""
    if isinstance(value, Cdk):
        return value.build()
    if isinstance(value, list):
        return [built(v) for v in value]
    if isinstance(value, dict):
        return {k: built(v) for k, v in value.items()}
    return value


#: The default of a Setting whose secure value is wired by the construct itself (a key, a queue, a role)
#: rather than being one constant.
WIRED = "wired by the construct"


@dataclass(frozen=True)
class Setting:
    """The construct argument that sets a security property, and its secure default.

    ``construct`` is the public construct (``"SecureFunction"``) or verb (``"SecureUserPool.add_client"``);
    ``argument`` is an ``overrides`` key (``via="overrides"``), a ``stage_overrides`` key
    (``via="stage_overrides"``), a parameter of the construct itself (``via="parameter"``), or something the
    construct wires without an argument (``via="wired"``, documentation only). A guarded value that makes
    the property's rule fail on the resources the construct built needs ``accepted_risks={argument:
    reason}`` (SC-GEN-002 otherwise), and the reason then acknowledges the findings it causes.
    Overrides are guarded; a parameter is guarded when declared ``guarded=True`` (the others have a
    construct-time error of their own, or, like alarms, an effect only the finished stack shows).

    ``via="harden"`` declares what :func:`secure_constructs.harden` supplies to a plain aws-cdk-lib class
    where no construct's override already names the same keyword: ``construct`` is the class
    (``"aws_s3.Bucket"``) and ``argument`` its keyword argument, or ``"<struct argument>.<field>"`` for a
    field of a struct argument (``"deploy_options.access_log_format"``); a ``WIRED`` default is built by
    ``harden`` (the stack's key, its dead-letter queue, a log group). The keyword arguments that a
    construct's ``overrides`` pass to the class it wraps (``declarations.WRAPPED``) are supplied too, from
    their one declaration.
    """

    construct: str
    argument: str
    default: Any = WIRED
    via: str = "overrides"
    guarded: bool | None = None

    @property
    def is_guarded(self) -> bool:
        """Overrides are always judged; a parameter only when declared ``guarded=True``; wired never."""
        if self.via in ("wired", "harden"):
            return False
        return self.guarded if self.guarded is not None else self.via in ("overrides", "stage_overrides")

    def value(self) -> Any:
        """The default as a CDK value (:class:`Cdk` specs built)."""
        return built(self.default)


@dataclass(frozen=True)
class Mutation:
    """A weakening the self-mutation test applies to a resource through the L1 escape hatch.

    ``kind`` is ``"remove"`` (``add_property_deletion_override(path)``), ``"set"``
    (``add_property_override(path, value)``) or ``"if"`` (``path`` becomes ``Fn::If`` of a condition whose
    true branch is ``value`` and whose false branch is the original value). ``path`` is a property path
    (``"TracingConfig.Mode"``), or ``"DeletionPolicy"`` for the resource attribute. ``target`` names another
    resource type to weaken instead of the checked one (an alarm of the function, the policy of a bucket):
    the resources of that type that reference the checked resource are changed, and the finding is
    expected on the checked resource.
    """

    kind: str
    path: str
    value: Any = None
    target: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("remove", "set", "if"):
            raise ValueError(f"unknown mutation kind {self.kind!r}")


def remove(path: str, *, target: str | None = None) -> Mutation:
    return Mutation("remove", path, target=target)


def set_(path: str, value: Any, *, target: str | None = None) -> Mutation:
    return Mutation("set", path, value, target=target)


def if_(path: str, value: Any, *, target: str | None = None) -> Mutation:
    return Mutation("if", path, value, target=target)


@dataclass(frozen=True)
class RuleSpec:
    """The declaration of one security property, and the pack's table row for it.

    ``name`` becomes the rule id ``SecureServerless-<name>``; ``resource_types`` pre-filters resources
    (``fn`` is only called for these types); ``info`` says what is wrong, ``explanation`` why it matters and
    how to fix it; ``area`` groups rules in RULES.md. The rest ties the property to everything that derives
    from it:

    - ``paths``: the CloudFormation property paths (or ``DeletionPolicy``) the property lives in, on the
      rule's resource types or, as ``(resource type, path)``, on a related resource (a queue's policy); the
      completeness test checks that every path a Secure* construct changes is declared by some property;
    - ``finding_ids``: the ``[<finding>]`` ids the rule reports (besides ``[Unresolved::<what>]`` and
      ``[RuleError]``), for RULES.md and the users' acknowledgments;
    - ``settings``: the construct arguments that set it, with their secure default (the override guard);
    - ``stock_ids``: findings of cdk-nag's packs for the same property, acknowledged together with ours
      when a user accepts the risk by name;
    - ``mutations``: concrete weakenings the self-mutation test applies to every example app;
    - ``exemption``: a declared case the rule does not report, and why (documented in RULES.md).
    """

    name: str
    area: str
    resource_types: tuple[str, ...]
    info: str
    explanation: str
    level: Level
    fn: RuleFn
    paths: tuple[str | tuple[str, str], ...] = ()
    finding_ids: tuple[str, ...] = ()
    settings: tuple[Setting, ...] = ()
    stock_ids: tuple[str, ...] = ()
    mutations: tuple[Mutation, ...] = field(default=(), compare=False)
    exemption: str | None = None

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
    def acknowledgeable(self) -> bool:
        return self.level is not Level.FATAL

    @property
    def doc_anchor(self) -> str:
        """Where RULES.md documents the rule."""
        return f"RULES.md#{rule_anchor(self.base_rule)}"


def rule_anchor(rule_id: str) -> str:
    """The HTML anchor of a rule's row in RULES.md."""
    return rule_id.lower()


class _Other:
    """A mutation value: the value of the same path on another resource of the same type (to share a role
    between two functions, say)."""

    def __repr__(self) -> str:
        return "<the value of another resource>"


OTHER: Any = _Other()
