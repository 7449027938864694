"""Plaintext secrets anywhere in a template: any resource property, parameter defaults (and parameters
named like secrets without NoEcho), outputs, and a secret's literal SecretString. The detector is the one
the constructs use (:mod:`secure_constructs.secrets`); Lambda environments and inline code have rules of
their own (one finding per weakness)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._model import Compliance, RuleResult, RuleSpec, set_
from .._template import TemplateContext, props
from ._common import F
from .lambda_ import resolves_secret

#: Pseudo resource types for template Parameters and Outputs.
PARAMETER, OUTPUT = "Parameter", "Output"
#: Property paths with a rule of their own.
_OWN_RULES = {"AWS::Lambda::Function": ("Environment", "Code")}
_REFERENCES = frozenset({"Ref", "Fn::GetAtt", "Fn::ImportValue", "Fn::GetAZs", "Fn::Cidr"})


def _strings(value: Any, path: str, name: str) -> Iterator[tuple[str, str, Any]]:
    """(path, the key that names the value, the value) for every string-like value inside ``value``;
    ``Fn::Join``/``Fn::Sub`` values are yielded whole, references are skipped."""
    if isinstance(value, str):
        yield path, name, value
    elif isinstance(value, dict):
        if len(value) == 1:
            (key,) = value
            if key in _REFERENCES:
                return
            if key in ("Fn::Join", "Fn::Sub"):
                yield path, name, value
                return
            if key == "Fn::If" and isinstance(value[key], list):
                for branch in value[key][1:]:
                    yield from _strings(branch, path, name)
                return
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key), str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]", name)


def template_plaintext_secret(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """No secret is written in plain text in the template (the reason is reported, never the value)."""
    from ...secrets import classify_resolved, is_secret_like_name

    resource_type = str(resource.get("Type"))
    if resource_type == PARAMETER:
        findings: list[str | tuple[str | None, str]] = []
        default = resource.get("Default")
        why = classify_resolved(logical_id, default) if default is not None else None
        if why:
            findings.append((f"Parameter::{logical_id}", f"its Default is a {why}"))
        if is_secret_like_name(logical_id) and resource.get("NoEcho") not in (True, "true"):
            findings.append(
                (f"NoEcho::{logical_id}", "a parameter named like a secret is echoed (no NoEcho)")
            )
        return findings
    if resource_type == OUTPUT:
        value = resource.get("Value")
        why = None if resolves_secret(value) else classify_resolved(logical_id, value)
        return [(f"Output::{logical_id}", why)] if why else []
    p = props(resource)
    skip: tuple[str, ...] = _OWN_RULES.get(resource_type, ())
    findings = []
    if resource_type == "AWS::SecretsManager::Secret":
        secret = p.get("SecretString")
        if isinstance(secret, str) and secret.strip() and not secret.startswith("{{resolve:"):
            findings.append(("SecretString", "the secret's value is written in the template"))
            skip = ("SecretString",)  # one finding for it, whatever the detector would say of the value
    for path, name, value in _strings(p, "", ""):
        if path.split(".", 1)[0].split("[", 1)[0] in skip or resolves_secret(value):
            continue  # a dynamic reference is SecretValueExposed's (where it leaks) or CloudFormation's own
        why = classify_resolved(name, value)
        if why:
            findings.append((f"Property::{path}", why))
    return list(dict.fromkeys(findings)) or Compliance.COMPLIANT


RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "TemplatePlaintextSecret",
        "secrets",
        ("*", PARAMETER, OUTPUT),
        "A property, parameter default or output holds what looks like a plaintext secret.",
        "Anyone who can read the template (cdk.out, CloudFormation's console, GetTemplate) reads the secret. "
        "Keep it in Secrets Manager or an SSM SecureString and pass its ARN or name, or generate it "
        "(GenerateSecretString); mark secret parameters NoEcho and give them no default. Rotate the leaked "
        "value.",
        F,
        template_plaintext_secret,
        paths=("SecretString",),
        finding_ids=(
            "Property::<path>",
            "Parameter::<name>",
            "NoEcho::<name>",
            "Output::<name>",
            "SecretString",
        ),
        mutations=(
            set_("Description", "password=correct-Horse7-battery!", target="AWS::SecretsManager::Secret"),
            set_("SecretString", "correct-Horse7-battery!", target="AWS::SecretsManager::Secret"),
        ),
    ),
)
