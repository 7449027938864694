"""The SecureServerless pack: the declarations of every security property (one ``RuleSpec`` each, next to
its rule function in ``rules/<area>.py``) and their evaluation over one template."""

from __future__ import annotations

from typing import Any

from ..policy import finding_id
from ._model import Compliance, Fatal, Finding, Level, RuleSpec, Undecidable
from ._template import TemplateContext
from .rules import (
    alb,
    apigateway,
    cloudtrail,
    cloudwatch,
    cognito,
    dynamodb,
    encryption,
    iam,
    lambda_,
    least_privilege,
    logs,
    network,
    openapi,
    rds,
    s3,
    sam,
    secrets_,
    transport,
    waf,
)

#: Pseudo resource types: template Outputs and Parameters (rules about values that leave the stack or are
#: typed in), and every resource type.
OUTPUT, PARAMETER, ANY = secrets_.OUTPUT, secrets_.PARAMETER, "*"

RULES: tuple[RuleSpec, ...] = (
    *apigateway.RULES,
    *openapi.RULES,  # routes and authorizers of APIs defined by an OpenAPI Body
    *lambda_.RULES,
    *network.RULES,
    *rds.RULES,
    *alb.RULES,
    *iam.RULES,
    *encryption.RULES,
    *transport.RULES,
    *s3.RULES,
    *dynamodb.RULES,
    *secrets_.RULES,
    *logs.RULES,
    *cloudtrail.RULES,
    *cloudwatch.RULES,
    *waf.RULES,
    *cognito.RULES,
    *least_privilege.RULES,
    *sam.RULES,
)

#: Property paths the constructs set that are not security properties, each with why (the completeness
#: test holds every other path a Secure* construct changes to a declaration).
_WIRING = "wiring between resources the construct made; what they allow is judged on the resources themselves"
_NAMING = "a name or description: it says what the resource is for and grants nothing"
NOT_SECURITY_RELEVANT: dict[tuple[str, str], str] = {
    ("*", "DeletionPolicy"): "what happens to a resource that leaves the stack is an availability choice; "
    "only log groups, which are evidence, are declared (LogGroupRetainedOnDelete)",
    (
        "*",
        "UpdateReplacePolicy",
    ): "as DeletionPolicy: availability, not exposure; declared for log groups only",
    ("*", "Description"): _NAMING,
    ("*", "DisplayName"): _NAMING,
    ("AWS::CloudTrail::Trail", "TrailName"): _NAMING,
    ("AWS::Cognito::UserPoolClient", "ClientName"): _NAMING,
    ("AWS::Cognito::UserPoolGroup", "GroupName"): _NAMING,
    ("AWS::Logs::LogGroup", "LogGroupName"): _NAMING + " (WAF requires the aws-waf-logs- prefix)",
    ("AWS::IAM::Policy", "PolicyName"): _NAMING,
    ("AWS::IAM::Policy", "Roles"): _WIRING,
    ("AWS::ApiGateway::RequestValidator", "RestApiId"): _WIRING,
    ("AWS::Lambda::Permission", "FunctionName"): _WIRING,
    ("AWS::Lambda::Permission", "Action"): _WIRING + " (lambda:InvokeFunction, the only action)",
    ("AWS::Cognito::UserPoolGroup", "UserPoolId"): _WIRING,
    ("AWS::Cognito::UserPoolGroup", "RoleArn"): _WIRING
    + " (the group's role is judged by IdentityPoolRoleTrust)",
    (
        "AWS::Cognito::UserPoolGroup",
        "Precedence",
    ): "which group's role a user in several groups gets; each role is itself least privilege",
    ("AWS::ApiGateway::Account", "CloudWatchRoleArn"): "the account-wide setting plain CDK changes as a side "
    "effect of an API; secure_constructs never does (ApiGatewayCloudWatchRole makes it on purpose)",
}

for _module in (lambda_, cloudwatch, apigateway, s3, cognito, network, rds, alb):
    NOT_SECURITY_RELEVANT.update(_module.NOT_SECURITY_RELEVANT)

#: The ``[<finding>]`` ids each multi-finding rule reports (from the declarations), for RULES.md. Every rule
#: may also report ``[Unresolved::<property>]`` when it cannot decide and ``[RuleError]`` when it fails.
FINDING_IDS: dict[str, tuple[str, ...]] = {spec.name: spec.finding_ids for spec in RULES if spec.finding_ids}

__all__ = [
    "FINDING_IDS",
    "NOT_SECURITY_RELEVANT",
    "OUTPUT",
    "PARAMETER",
    "RULES",
    "evaluate",
    "finding_id",
    "rule_ids",
    "run_rule",
]


def _index(rules: tuple[RuleSpec, ...]) -> dict[str, list[RuleSpec]]:
    by_type: dict[str, list[RuleSpec]] = {}
    for spec in rules:
        for resource_type in spec.resource_types:
            by_type.setdefault(resource_type, []).append(spec)
    return by_type


_BY_TYPE = _index(RULES)


#: Appended to the message of a finding that cannot be acknowledged.
_FATAL_NOTE = " This finding cannot be acknowledged: fix it."


def run_rule(
    spec: RuleSpec,
    logical_id: str,
    resource: dict[str, Any],
    ctx: TemplateContext,
    location: str = "Properties",
) -> list[Finding]:
    """Apply one rule to one resource; a rule that cannot decide or fails reports a finding (fail closed)."""

    def finding(suffix: str | None, message: str, level: Level = spec.level) -> Finding:
        rule = spec.rule_id if suffix is None else f"{spec.rule_id}[{finding_id(suffix)}]"
        if isinstance(suffix, Fatal):
            level = Level.FATAL
        if level is Level.FATAL:
            message += _FATAL_NOTE
        return Finding(rule, logical_id, message, spec.explanation, level, location)

    # What a rule could not decide fails closed, but stays acknowledgeable (a deploy-time parameter may be
    # the user's to vouch for): only a decided finding of a fatal rule is fatal.
    undecided = Level.ERROR if spec.level is Level.FATAL else spec.level
    try:
        result = spec.fn(logical_id, resource, ctx)
    except Undecidable as undecidable:
        return [finding(undecidable.finding, f"{spec.info} Cannot decide: {undecidable.why}.", undecided)]
    except Exception as error:  # noqa: BLE001 - a broken rule must fail closed, not pass silently
        return [
            finding(
                "RuleError",
                f"{spec.info} The rule could not evaluate this resource "
                f"({type(error).__name__}); failing closed.",
                undecided,
            )
        ]
    if isinstance(result, Compliance):
        return [finding(None, spec.info)] if result is Compliance.NON_COMPLIANT else []
    out = []
    for item in result:
        suffix, detail = item if isinstance(item, tuple) else (item, None)
        out.append(finding(suffix, f"{spec.info} ({detail})" if detail else spec.info))
    return out


def evaluate(
    template: dict[str, Any], rules: tuple[RuleSpec, ...] | None = None, *, template_dir: str | None = None
) -> list[Finding]:
    """Every finding of the pack (or of ``rules``) on one CloudFormation template dict; ``template_dir``
    (the template's folder) lets rules read staged assets next to it."""
    by_type = _BY_TYPE if rules is None else _index(rules)
    ctx = TemplateContext(template, template_dir=template_dir)
    every = by_type.get(ANY, [])
    findings: list[Finding] = []
    for logical_id, resource in ctx.resources.items():
        for spec in by_type.get(str(resource.get("Type", "")), []) + every:
            findings += run_rule(spec, logical_id, resource, ctx)
    for pseudo_type, section in ((PARAMETER, ctx.parameters), (OUTPUT, ctx.outputs)):
        specs = by_type.get(pseudo_type)
        if not specs:
            continue
        for name, entry in section.items():
            entry = entry if isinstance(entry, dict) else {}
            pseudo = {**entry, "Type": pseudo_type}
            where = "Parameters" if pseudo_type == PARAMETER else "Outputs"
            for spec in specs:
                findings += run_rule(spec, name, pseudo, ctx, location=f"{where}/{name}")
    return findings


def rule_ids() -> list[str]:
    return [spec.rule_id for spec in RULES]
