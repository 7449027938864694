"""Lambda rules: who may invoke a function, function URLs, environment encryption and secrets."""

from __future__ import annotations

from typing import Any

from .._model import Compliance, RuleResult
from .._template import TemplateContext, flatten, get_path, is_intrinsic, props, strings_in

DYNAMIC_SECRET_PREFIXES = ("{{resolve:secretsmanager:", "{{resolve:ssm-secure:")


def _environment(resource: dict[str, Any]) -> dict[str, Any]:
    variables = get_path(props(resource), "Environment", "Variables")
    return variables if isinstance(variables, dict) else {}


def lambda_permission_public(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """A Lambda permission must name a principal, and a service principal needs a source ARN or account."""
    p = props(resource)
    principal = ctx.literal(p.get("Principal"), "Principal")
    via_url = p.get("FunctionUrlAuthType") == "NONE" or p.get("InvokedViaFunctionUrl") in (True, "true")
    if principal == "*" and via_url:
        return Compliance.NOT_APPLICABLE  # the public function URL itself: LambdaUrlAuth reports it, once
    if principal == "*":
        return ["Principal::*"]
    service = isinstance(principal, str) and principal.endswith(".amazonaws.com")
    if service and p.get("SourceArn") is None and p.get("SourceAccount") is None:
        return [f"NoSource::{principal}"]
    return Compliance.COMPLIANT


def lambda_url_auth(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Function URLs use IAM auth (AuthType AWS_IAM)."""
    public = ctx.decide(
        props(resource).get("AuthType"), lambda v: ctx.literal(v, "AuthType") != "AWS_IAM", "AuthType"
    )
    return Compliance.NON_COMPLIANT if public else Compliance.COMPLIANT


def lambda_env_kms(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """A function with environment variables encrypts them with a customer managed KMS key."""
    if not _environment(resource):
        return Compliance.NOT_APPLICABLE
    missing = ctx.decide(props(resource).get("KmsKeyArn"), lambda v: v is None, "KmsKeyArn")
    return Compliance.NON_COMPLIANT if missing else Compliance.COMPLIANT


def lambda_env_plaintext_secret(
    logical_id: str, resource: dict[str, Any], ctx: TemplateContext
) -> RuleResult:
    """No environment variable holds a plaintext secret (the reason is reported, never the value).

    Literal parts of Fn::Join/Fn::Sub values are judged too (``postgres://app:<password>@${Endpoint}``);
    resolved secrets (dynamic references) are left to SecretValueExposed, so each weakness is one finding.
    """
    from ...secrets import classify_resolved

    findings: list[str | tuple[str, str]] = []
    for name, value in _environment(resource).items():
        why = None if _resolves_secret(value) else classify_resolved(str(name), value)
        if why:
            findings.append((f"Env::{name}", why))
    return findings


def _resolves_secret(value: Any) -> bool:
    return any(prefix in text for text in strings_in(value) for prefix in DYNAMIC_SECRET_PREFIXES)


def secret_value_exposed(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Secret values are not resolved (dynamic references) into environments or stack outputs."""
    if resource.get("Type") == "Output":
        return Compliance.NON_COMPLIANT if _resolves_secret(resource.get("Value")) else Compliance.COMPLIANT
    return [f"Env::{name}" for name, value in _environment(resource).items() if _resolves_secret(value)]


def lambda_inline_code_secret(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Inline function code (Code.ZipFile) contains no hard-coded secret."""
    from ...secrets import scan_code

    code = get_path(props(resource), "Code", "ZipFile")
    if code is None:
        return Compliance.NOT_APPLICABLE
    text = code if isinstance(code, str) else flatten(code)
    if text is None or (is_intrinsic(code) and text == "${?}"):
        return Compliance.NOT_APPLICABLE
    return sorted({f"Code::{why.replace('::', ':')}" for why in scan_code(text)})
