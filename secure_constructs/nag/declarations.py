"""The declarations seen from the constructs' side: which security properties each construct argument
sets (for the override guard, RULES.md and the completeness test), and judging just-built resources with
those properties' rules. Pure Python: the CDK side renders resources (``secure_constructs._render``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ._model import WIRED, RuleSpec, Setting
from ._pack import RULES, run_rule
from ._template import TemplateContext


@dataclass
class ConstructSettings:
    """The security settings of one construct: argument -> [(setting, property)]."""

    construct: str
    by_argument: dict[str, list[tuple[Setting, RuleSpec]]] = field(default_factory=dict)

    @property
    def guarded(self) -> set[str]:
        """Arguments whose weakening the guard judges (and ``accepted_risks`` may name)."""
        return {arg for arg, pairs in self.by_argument.items() if any(s.is_guarded for s, _ in pairs)}

    def all_guarded(self, argument: str) -> bool:
        return all(s.is_guarded for s, _ in self.by_argument.get(argument, []))

    def differs(self, argument: str, value: Any) -> bool:
        """Whether ``value`` of a parameter differs from its declared secure default (``None`` for a wired
        default means "not given")."""
        pairs = self.by_argument.get(argument)
        if not pairs or argument not in self.guarded:
            return False
        default = pairs[0][0].default
        if default == WIRED:
            return value is not None
        try:
            return bool(value != pairs[0][0].value())
        except Exception:  # noqa: BLE001 - a value that cannot be compared is judged
            return True

    def specs_for(self, arguments: Iterable[str]) -> list[RuleSpec]:
        """The properties the guarded ``arguments`` set, each once."""
        found: dict[str, RuleSpec] = {}
        for argument in arguments:
            for setting, spec in self.by_argument.get(argument, []):
                if setting.is_guarded:
                    found.setdefault(spec.name, spec)
        return list(found.values())

    def keys_of(self, spec: RuleSpec) -> set[str]:
        return {arg for arg, pairs in self.by_argument.items() if any(s is spec for _, s in pairs)}


@cache
def settings_of(construct: str) -> ConstructSettings:
    """Every declared setting of ``construct`` (``"SecureFunction"``, ``"SecureUserPool.add_client"``)."""
    out = ConstructSettings(construct)
    for spec in RULES:
        for setting in spec.settings:
            if setting.construct == construct:
                out.by_argument.setdefault(setting.argument, []).append((setting, spec))
    return out


def defaults_of(construct: str, via: str = "overrides") -> dict[str, Any]:
    """The declared secure defaults of ``construct``'s ``via`` arguments, as CDK values (keyword arguments
    for the class the construct wraps)."""
    return {
        setting.argument: setting.value()
        for setting, _ in all_settings()
        if setting.construct == construct and setting.via == via and setting.default != WIRED
    }


def all_settings() -> Iterator[tuple[Setting, RuleSpec]]:
    for spec in RULES:
        for setting in spec.settings:
            yield setting, spec


#: The aws-cdk-lib class whose keyword arguments a construct's ``overrides`` (or ``stage_overrides``) are, as
#: ``(class, struct argument)``: SecureRestApi's ``stage_overrides`` are the fields of RestApi's
#: ``deploy_options``. :func:`secure_constructs.harden` supplies these declared defaults to the plain class.
WRAPPED: dict[tuple[str, str], tuple[str, str | None]] = {
    ("SecureFunction", "overrides"): ("aws_lambda.Function", None),
    ("SecureRestApi", "overrides"): ("aws_apigateway.RestApi", None),
    ("SecureRestApi", "stage_overrides"): ("aws_apigateway.RestApi", "deploy_options"),
    ("SecureHttpApi", "overrides"): ("aws_apigatewayv2.HttpApi", None),
    ("SecureHttpApi", "stage_overrides"): ("aws_apigatewayv2.HttpStage", None),
    ("SecureUserPool", "overrides"): ("aws_cognito.UserPool", None),
    ("SecureUserPool.add_client", "overrides"): ("aws_cognito.UserPoolClient", None),
    ("SecureIdentityPool", "overrides"): ("aws_cognito_identitypool.IdentityPool", None),
    ("DataEventsTrail", "overrides"): ("aws_cloudtrail.Trail", None),
}


@dataclass(frozen=True)
class ClassSetting:
    """One keyword argument of a plain aws-cdk-lib class (``"<struct argument>.<field>"`` for a field of a
    struct argument) and its declared secure default, with the properties it sets."""

    cls: str
    argument: str
    setting: Setting
    specs: tuple[RuleSpec, ...]

    @property
    def wired(self) -> bool:
        """Whether the value is built by whoever supplies it (a key, a queue, a log group)."""
        return self.setting.default == WIRED


@cache
def class_settings(cls: str) -> tuple[ClassSetting, ...]:
    """What the declarations say ``cls`` (``"aws_lambda.Function"``) should be given: the ``overrides`` (and
    ``stage_overrides``) defaults of the construct that wraps it (``WRAPPED``) and the ``via="harden"``
    settings declared for the class itself; one entry per keyword argument, in declaration order."""
    found: dict[str, tuple[Setting, list[RuleSpec]]] = {}
    for setting, spec in all_settings():
        if setting.via == "harden":
            if setting.construct != cls:
                continue
            argument = setting.argument
        else:
            target = WRAPPED.get((setting.construct, setting.via))
            if target is None or target[0] != cls or setting.default == WIRED:
                continue
            argument = f"{target[1]}.{setting.argument}" if target[1] else setting.argument
        entry = found.setdefault(argument, (setting, []))
        if spec not in entry[1]:
            entry[1].append(spec)
    return tuple(ClassSetting(cls, arg, setting, tuple(specs)) for arg, (setting, specs) in found.items())


def judge(
    rendered: list[tuple[Any, str, dict[str, Any]]], specs: list[RuleSpec]
) -> Iterator[tuple[Any, str, list[tuple[str, str]], RuleSpec]]:
    """Run ``specs`` on rendered resources ``(construct, logical id, resource)`` seen together as one
    template; yield ``(construct, logical id, [(finding id, message)], spec)`` for each resource a
    property's rule reports."""
    ctx = TemplateContext({"Resources": {lid: resource for _, lid, resource in rendered}})
    for spec in specs:
        for construct, logical_id, resource in rendered:
            if resource.get("Type") not in spec.resource_types and "*" not in spec.resource_types:
                continue
            findings = run_rule(spec, logical_id, resource, ctx)
            if findings:
                yield construct, logical_id, [(f.rule, f.message) for f in findings], spec
