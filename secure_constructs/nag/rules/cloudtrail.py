"""CloudTrail rules: trails log, cover management and global events in every region, validate log files,
and record Lambda data events for every function of the template."""

from __future__ import annotations

from typing import Any

from .._model import Compliance, RuleResult
from .._template import TemplateContext, as_list, flatten, props

LAMBDA = "AWS::Lambda::Function"


def _flag(resource: dict[str, Any], ctx: TemplateContext, prop: str, default: bool) -> bool:
    value = props(resource).get(prop)
    return bool(ctx.decide(value, lambda v: default if v is None else v in (True, "true"), prop))


def trail_logging(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The trail is logging (IsLogging true)."""
    return Compliance.COMPLIANT if _flag(resource, ctx, "IsLogging", False) else Compliance.NON_COMPLIANT


def trail_global_service_events(
    logical_id: str, resource: dict[str, Any], ctx: TemplateContext
) -> RuleResult:
    """The trail includes global service events (IAM, STS, CloudFront)."""
    ok = _flag(resource, ctx, "IncludeGlobalServiceEvents", True)
    return Compliance.COMPLIANT if ok else Compliance.NON_COMPLIANT


def trail_multi_region(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The trail records every region (IsMultiRegionTrail true)."""
    return (
        Compliance.COMPLIANT
        if _flag(resource, ctx, "IsMultiRegionTrail", False)
        else Compliance.NON_COMPLIANT
    )


def trail_log_file_validation(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The trail writes digest files so that tampering with log files can be detected."""
    ok = _flag(resource, ctx, "EnableLogFileValidation", False)
    return Compliance.COMPLIANT if ok else Compliance.NON_COMPLIANT


def _field(selector: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [
        f for f in as_list(selector.get("FieldSelectors")) if isinstance(f, dict) and f.get("Field") == name
    ]


def trail_management_events(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The trail records read and write management events."""
    p = props(resource)
    basic = [s for s in as_list(p.get("EventSelectors")) if isinstance(s, dict)]
    advanced = [s for s in as_list(p.get("AdvancedEventSelectors")) if isinstance(s, dict)]
    if advanced:
        management = [
            s
            for s in advanced
            if any("Management" in as_list(f.get("Equals")) for f in _field(s, "eventCategory"))
        ]
        if not management:
            return ["NoManagementEvents"]
        if all(_field(s, "readOnly") for s in management):
            return ["ReadWriteType"]
        return Compliance.COMPLIANT
    if not basic:
        return Compliance.COMPLIANT  # CloudTrail's default: all management events
    included = [s for s in basic if s.get("IncludeManagementEvents", True) not in (False, "false")]
    if not included:
        return ["NoManagementEvents"]
    if all(s.get("ReadWriteType", "All") != "All" for s in included):
        return ["ReadWriteType"]
    if any(as_list(s.get("ExcludeManagementEventSources")) for s in included):
        return ["ExcludedSources"]
    return Compliance.COMPLIANT


def _covers_all(value: Any) -> bool:
    text = flatten(value)
    if text is None:
        return False
    head = text.split(":function", 1)
    return text.rstrip(":") in ("arn:aws:lambda", "arn:${?}:lambda") or (
        len(head) == 2 and head[1] in ("", ":", ":*")
    )


def trail_lambda_data_events(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """The trail records Lambda data events (Invoke) for every function of the template."""
    p = props(resource)
    functions = [lid for lid, _ in ctx.of_type(LAMBDA)]
    selectors: list[tuple[list[Any], bool, bool]] = []  # (ARN values, read and write?, excludes some?)
    for selector in as_list(p.get("EventSelectors")):
        if not isinstance(selector, dict):
            continue
        for data in as_list(selector.get("DataResources")):
            if isinstance(data, dict) and data.get("Type") == LAMBDA:
                selectors.append(
                    (as_list(data.get("Values")), selector.get("ReadWriteType", "All") == "All", False)
                )
    for selector in as_list(p.get("AdvancedEventSelectors")):
        if not isinstance(selector, dict):
            continue
        if not any(LAMBDA in as_list(f.get("Equals")) for f in _field(selector, "resources.type")):
            continue
        arns = _field(selector, "resources.ARN")
        values = [v for f in arns for v in as_list(f.get("Equals")) + as_list(f.get("StartsWith"))]
        excludes = any(k.startswith("Not") for f in arns for k in f)
        selectors.append((values if arns else ["arn:aws:lambda"], not _field(selector, "readOnly"), excludes))
    if not selectors:
        return ["NoLambdaDataEvents"]
    findings: list[str] = []
    if not any(read_write for _, read_write, _ in selectors):
        findings.append("ReadWriteType")
    if any(excludes for _, _, excludes in selectors):
        findings.append("ArnExclusion")
    if not any(_covers_all(v) for values, _, _ in selectors for v in values):
        covered = {ref for values, _, _ in selectors for v in values for ref in ctx.references(v)}
        findings += [f"Function::{lid}" for lid in functions if lid not in covered]
    return findings
