"""Read a cloud assembly (``cdk.out``: the ``*.template.json`` files and ``validation-report.json``) into a
:class:`~secure_constructs.report.model.Report`. Pure Python on JSON: no CDK import, no AWS call.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..acknowledgments import parse_terms
from ..errors import SecureConstructsError
from ._names import construct_path, display_name, public_reason
from .intrinsics import references, render
from .model import Alarm, CostLine, Finding, Function, Hardened, Permission, Report, Route, Trail
from .pricing import price
from .surface import databases_of, load_balancer_routes_of, networks_of

Resources = dict[str, dict[str, Any]]

#: The construct metadata in which harden() records what it did to a construct.
HARDEN_METADATA = "secure_constructs:harden"

#: Rule ids whose acknowledgment explains why a route has no authorization.
_OPERATORS = {
    "GreaterThanOrEqualToThreshold": ">=",
    "GreaterThanThreshold": ">",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
    "LessThanLowerOrGreaterThanUpperThreshold": "outside band",
    "GreaterThanUpperThreshold": "above band",
    "LessThanLowerThreshold": "below band",
}


# --- loading -------------------------------------------------------------------------------------------


def load_templates(outdir: Path) -> dict[str, dict[str, Any]]:
    """``{stack name: template}`` for every ``*.template.json`` under ``outdir`` (nested assemblies too).

    Each resource gets its construct path as ``aws:cdk:path`` metadata: the CDK CLI writes it into the
    template, a plain ``app.synth()`` only into the assembly's metadata, which is read here for that.
    """
    templates: dict[str, dict[str, Any]] = {}
    for path in sorted(outdir.rglob("*.template.json")):
        name = path.name[: -len(".template.json")]
        template = json.loads(path.read_text(encoding="utf-8"))
        paths = construct_paths(path.parent, path.name)
        for logical_id, resource in (template.get("Resources") or {}).items():
            if isinstance(resource, dict) and logical_id in paths and not construct_path(resource):
                metadata = resource.setdefault("Metadata", {})
                if isinstance(metadata, dict):
                    metadata["aws:cdk:path"] = paths[logical_id]
        templates[name] = template
    return templates


def construct_paths(assembly: Path, template_file: str) -> dict[str, str]:
    """``{logical id: construct path}`` of one stack, from the assembly's ``manifest.json`` metadata."""
    manifest_path = assembly / "manifest.json"
    if not manifest_path.exists():
        return {}
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    paths: dict[str, str] = {}
    for artifact in (manifest.get("artifacts") or {}).values():
        if (artifact.get("properties") or {}).get("templateFile") != template_file:
            continue
        entries: dict[str, Any] = dict(artifact.get("metadata") or {})
        extra = artifact.get("additionalMetadataFile")
        if extra and (assembly / extra).exists():
            entries.update(json.loads((assembly / extra).read_text(encoding="utf-8")))
        for construct, items in entries.items():
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and item.get("type") == "aws:cdk:logicalId":
                    paths[str(item.get("data"))] = construct.lstrip("/")
    return paths


def _metadata_entries(assembly: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(construct path, entry)`` of every metadata entry of every stack of the assembly's manifest."""
    manifest_path = assembly / "manifest.json"
    if not manifest_path.exists():
        return
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for artifact in (manifest.get("artifacts") or {}).values():
        entries: dict[str, Any] = dict(artifact.get("metadata") or {})
        extra = artifact.get("additionalMetadataFile")
        if extra and (assembly / extra).exists():
            entries.update(json.loads((assembly / extra).read_text(encoding="utf-8")))
        for construct, items in entries.items():
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict):
                    yield construct.lstrip("/"), item


def hardened_of(outdir: Path) -> list[Hardened]:
    """What ``harden()`` did to each construct, from the ``secure_constructs:harden`` metadata of the cloud
    assembly (nested assemblies too), in construct-path order."""
    found: list[Hardened] = []
    for manifest in sorted(outdir.rglob("manifest.json")):
        for path, item in _metadata_entries(manifest.parent):
            data = item.get("data")
            if item.get("type") != HARDEN_METADATA or not isinstance(data, dict):
                continue
            found.append(Hardened(
                path=path,
                cls=str(data.get("class", "")),
                supplied={str(k): [str(r) for r in v] for k, v in (data.get("supplied") or {}).items()},
                kept={str(k): [str(r) for r in v] for k, v in (data.get("kept") or {}).items()},
                left={str(k): str(v) for k, v in (data.get("left") or {}).items()},
                not_applied={str(k): str(v) for k, v in (data.get("notApplied") or {}).items()},
                notes=[str(n) for n in data.get("notes") or []],
                excluded=str(data.get("excluded") or ""),
            ))
    return sorted(found, key=lambda h: h.path)


def load_validation_report(outdir: Path) -> dict[str, Any] | None:
    path = outdir / "validation-report.json"
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def collect(outdir: str | Path) -> Report:
    """Build the report model of the cloud assembly in ``outdir``.

    Raises SC-RPT-001 when ``outdir`` is not a directory holding at least one template.
    """
    out = Path(outdir)
    templates = load_templates(out) if out.is_dir() else {}
    if not templates:
        raise SecureConstructsError(
            "SC-RPT-001",
            str(out),
            "no cloud assembly here (no *.template.json file)",
            received=str(out.resolve()),
            fix="Run `cdk synth` (or `make synth`) first, or pass the directory it wrote, e.g. cdk.out",
        )
    validation = load_validation_report(out)
    report = Report(outdir=str(out), stacks=list(templates), has_validation_report=validation is not None)
    acknowledgments, findings = findings_of(validation or {})
    report.acknowledgments = acknowledgments
    report.findings = findings
    report.hardened = hardened_of(out)
    for stack, template in templates.items():
        resources: Resources = template.get("Resources", {}) or {}
        report.routes += rest_routes(stack, resources, acknowledgments)
        report.routes += http_routes(stack, resources, acknowledgments)
        alarms = list(alarms_of(stack, resources))
        report.alarms += alarms
        report.functions += functions_of(stack, resources, alarms)
        report.networks += networks_of(stack, template)
        report.databases += databases_of(stack, template)
        report.load_balancer_routes += load_balancer_routes_of(stack, template, acknowledgments)
        report.data_stores.update(data_stores_of(resources))
    report.routes = distinct_api_names(report.routes)
    for stack, template in templates.items():
        report.trails += trails_of(stack, template.get("Resources", {}) or {}, report.functions, templates)
    report.fixed_costs, report.usage_costs = costs_of(templates, report)
    return report


# --- helpers -------------------------------------------------------------------------------------------


def _of_type(resources: Resources, cfn_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in resources.items():
        if isinstance(resource, dict) and resource.get("Type") == cfn_type:
            yield logical_id, resource


def _props(resource: dict[str, Any]) -> dict[str, Any]:
    props = resource.get("Properties", {})
    return props if isinstance(props, dict) else {}


def _listify(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _bool(value: Any, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return default


# --- validation report ---------------------------------------------------------------------------------


def findings_of(validation: dict[str, Any]) -> tuple[list[Finding], list[Finding]]:
    """(acknowledged, open) findings of a validation report, one per violating construct."""
    acknowledged: list[Finding] = []
    open_: list[Finding] = []
    for plugin in validation.get("pluginReports", []) or []:
        name = plugin.get("pluginName", "")
        for bucket, key in ((acknowledged, "suppressedViolations"), (open_, "violations")):
            for violation in plugin.get(key, []) or []:
                if violation.get("severity") == "info":
                    continue  # not a finding: the pack saying it ran, or what harden() supplied (its section)
                terms = parse_terms(violation.get("reason", "") or "")
                for construct in violation.get("violatingConstructs", []) or []:
                    bucket.append(Finding(
                        plugin=name,
                        rule=violation.get("ruleName", ""),
                        path=construct.get("constructPath", ""),
                        description=violation.get("description", ""),
                        reason=terms.reason,
                        owner=terms.owner,
                        expires=terms.expires,
                        severity=str(violation.get("severity", "error")),
                    ))
    return sorted(acknowledged, key=_finding_order), sorted(open_, key=_finding_order)


def _finding_order(finding: Finding) -> tuple[str, str, str]:
    return finding.path, finding.plugin, finding.rule


# --- routes --------------------------------------------------------------------------------------------

#: Resource types the diagram shows as data stores (what a function's role may read or write).
DATA_STORE_TYPES = {
    "AWS::DynamoDB::Table": "DynamoDB table",
    "AWS::DynamoDB::GlobalTable": "DynamoDB table",
    "AWS::S3::Bucket": "S3 bucket",
    "AWS::SQS::Queue": "SQS queue",
    "AWS::SecretsManager::Secret": "secret",
    "AWS::SSM::Parameter": "SSM parameter",
    "AWS::RDS::DBCluster": "RDS cluster",
    "AWS::RDS::DBInstance": "RDS instance",
    "AWS::Kinesis::Stream": "Kinesis stream",
}


def data_stores_of(resources: Resources) -> dict[str, str]:
    """``{display name: kind}`` of the data stores of one template."""
    return {display_name(lid, r): DATA_STORE_TYPES[str(r.get("Type"))] for lid, r in resources.items()
            if isinstance(r, dict) and r.get("Type") in DATA_STORE_TYPES}


def distinct_api_names(routes: list[Route]) -> list[Route]:
    """Routes whose API name is shared by two different APIs get the API's construct path added, so that
    every API has a label of its own in the report."""
    from dataclasses import replace

    apis: dict[str, set[str]] = {}
    for route in routes:
        apis.setdefault(route.api, set()).add(route.api_path)
    return [replace(r, api=f"{r.api} ({r.api_path})") if len(apis[r.api]) > 1 else r for r in routes]


def _api_display(stack: str, logical_id: str, resource: dict[str, Any]) -> str:
    path = construct_path(resource)
    return path.rsplit("/", 1)[0] if path.endswith("/Resource") else (path or f"{stack}/{logical_id}")


def _function_of(value: Any, resources: Resources) -> str:
    """The display name of the Lambda function an integration URI (or target) references, or ``""``."""
    for ref in sorted(references(value)):
        target = resources.get(ref)
        if isinstance(target, dict) and target.get("Type") == "AWS::Lambda::Function":
            return display_name(ref, target)
        if isinstance(target, dict) and target.get("Type") == "AWS::ApiGatewayV2::Integration":
            return _function_of(_props(target).get("IntegrationUri"), resources)
    return ""


def rest_routes(stack: str, resources: Resources, acknowledgments: list[Finding]) -> list[Route]:
    """Every ``AWS::ApiGateway::Method``, with its full path from the ``AWS::ApiGateway::Resource`` chain."""
    apis = {lid: str(_props(r).get("Name") or display_name(lid, r))
            for lid, r in _of_type(resources, "AWS::ApiGateway::RestApi")}
    api_paths = {lid: _api_display(stack, lid, r)
                 for lid, r in _of_type(resources, "AWS::ApiGateway::RestApi")}
    path_parts = {lid: _props(r) for lid, r in _of_type(resources, "AWS::ApiGateway::Resource")}
    authorizers = {lid: _props(r) for lid, r in _of_type(resources, "AWS::ApiGateway::Authorizer")}

    def path_of(resource_id: Any, depth: int = 0) -> str:
        if isinstance(resource_id, dict) and "Fn::GetAtt" in resource_id:
            return "/"
        refs = references(resource_id)
        target = next(iter(refs), None) if len(refs) == 1 else None
        if target in path_parts and depth < 64:
            parent = path_of(path_parts[target].get("ParentId"), depth + 1)
            part = render(path_parts[target].get("PathPart", ""))
            return parent.rstrip("/") + "/" + part
        return render(resource_id)

    routes: list[Route] = []
    for _lid, method in _of_type(resources, "AWS::ApiGateway::Method"):
        props = _props(method)
        api_ids = references(props.get("RestApiId"))
        api = next((apis[a] for a in sorted(api_ids) if a in apis), render(props.get("RestApiId", "")))
        api_path = next((api_paths[a] for a in sorted(api_ids) if a in api_paths), api)
        auth_type = str(props.get("AuthorizationType") or "NONE")
        authorizer = ""
        auth = {"AWS_IAM": "IAM", "COGNITO_USER_POOLS": "Cognito", "NONE": "NONE"}.get(auth_type, auth_type)
        authorizer_ids = references(props.get("AuthorizerId"))
        for aid in sorted(authorizer_ids):
            if aid in authorizers:
                authorizer = str(authorizers[aid].get("Name") or aid)
                if auth_type == "CUSTOM":
                    kind = str(authorizers[aid].get("Type", "")).upper()
                    auth = {"TOKEN": "Lambda token", "REQUEST": "Lambda request"}.get(kind, "Lambda")
                elif auth_type == "COGNITO_USER_POOLS":
                    auth = "Cognito"
        if auth_type == "CUSTOM" and not authorizer_ids:
            auth = "Lambda"
        path = construct_path(method)
        integration = props.get("Integration") or {}
        preflight = (str(props.get("HttpMethod", "")).upper() == "OPTIONS" and auth == "NONE"
                     and isinstance(integration, dict) and integration.get("Type") == "MOCK")
        routes.append(Route(
            stack=stack,
            api=api,
            kind="REST",
            method=str(props.get("HttpMethod", "")),
            path=path_of(props.get("ResourceId")),
            auth=auth,
            authorizer=authorizer,
            construct_path=path,
            reason=public_reason(path, acknowledgments) if auth == "NONE" else "",
            preflight=preflight,
            function=_function_of(integration.get("Uri") if isinstance(integration, dict) else None,
                                  resources),
            api_path=api_path,
        ))
    return sorted(routes, key=lambda r: (r.api, r.path, r.method))


def http_routes(stack: str, resources: Resources, acknowledgments: list[Finding]) -> list[Route]:
    """Every ``AWS::ApiGatewayV2::Route`` (HTTP and WebSocket APIs)."""
    apis = {lid: str(_props(r).get("Name") or display_name(lid, r))
            for lid, r in _of_type(resources, "AWS::ApiGatewayV2::Api")}
    api_paths = {lid: _api_display(stack, lid, r)
                 for lid, r in _of_type(resources, "AWS::ApiGatewayV2::Api")}
    authorizers = {lid: _props(r) for lid, r in _of_type(resources, "AWS::ApiGatewayV2::Authorizer")}
    routes: list[Route] = []
    for _lid, route in _of_type(resources, "AWS::ApiGatewayV2::Route"):
        props = _props(route)
        api_ids = references(props.get("ApiId"))
        api = next((apis[a] for a in sorted(api_ids) if a in apis), render(props.get("ApiId", "")))
        api_path = next((api_paths[a] for a in sorted(api_ids) if a in api_paths), api)
        key = render(props.get("RouteKey", ""))
        method, _, path = key.partition(" ")
        if not path:
            method, path = "ANY", key
        auth_type = str(props.get("AuthorizationType") or "NONE")
        auth = {"AWS_IAM": "IAM", "JWT": "JWT", "NONE": "NONE", "CUSTOM": "Lambda request"}.get(auth_type,
                                                                                           auth_type)
        authorizer = ""
        for aid in sorted(references(props.get("AuthorizerId"))):
            if aid in authorizers:
                authorizer = str(authorizers[aid].get("Name") or aid)
        cpath = construct_path(route)
        routes.append(Route(
            stack=stack,
            api=api,
            kind="HTTP",
            method=method,
            path=path,
            auth=auth,
            authorizer=authorizer,
            construct_path=cpath,
            reason=public_reason(cpath, acknowledgments) if auth == "NONE" else "",
            function=_function_of(props.get("Target"), resources),
            api_path=api_path,
        ))
    return sorted(routes, key=lambda r: (r.api, r.path, r.method))


# --- functions, roles, policies ------------------------------------------------------------------------


def permissions_of(document: Any, policy: str) -> list[Permission]:
    """One :class:`Permission` per action of each statement of an IAM policy document."""
    if not isinstance(document, dict):
        return []
    out: list[Permission] = []
    for statement in _listify(document.get("Statement")):
        if not isinstance(statement, dict):
            continue
        effect = str(statement.get("Effect", "Allow"))
        if "NotAction" in statement:
            actions = [f"NOT {render(a)}" for a in _listify(statement["NotAction"])]
        else:
            actions = [render(a) for a in _listify(statement.get("Action"))]
        if "NotResource" in statement:
            resources = tuple(f"NOT {render(r)}" for r in _listify(statement["NotResource"]))
        else:
            resources = tuple(render(r) for r in _listify(statement.get("Resource")))
        condition = ""
        if statement.get("Condition"):
            condition = _render_condition(statement["Condition"])
        for action in actions:
            out.append(Permission(effect, action, resources, policy, condition))
    return out


def _render_condition(condition: Any) -> str:
    if not isinstance(condition, dict):
        return render(condition)
    parts = []
    for operator, tests in condition.items():
        if isinstance(tests, dict):
            for key, value in tests.items():
                parts.append(f"{operator} {key} = {render(value)}")
        else:
            parts.append(f"{operator} {render(tests)}")
    return "; ".join(parts)


def functions_of(stack: str, resources: Resources, alarms: list[Alarm]) -> list[Function]:
    """Every ``AWS::Lambda::Function`` with its role's permissions, key, DLQ and alarms."""
    roles = dict(_of_type(resources, "AWS::IAM::Role"))
    managed = dict(_of_type(resources, "AWS::IAM::ManagedPolicy"))
    attached: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for type_ in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for lid, policy in _of_type(resources, type_):
            for role_id in references(_props(policy).get("Roles")):
                attached.setdefault(role_id, []).append((lid, policy))

    functions: list[Function] = []
    for lid, fn in _of_type(resources, "AWS::Lambda::Function"):
        props = _props(fn)
        role_ids = [r for r in sorted(references(props.get("Role"))) if r in roles]
        function = Function(
            stack=stack,
            logical_id=lid,
            name=display_name(lid, fn),
            role=display_name(role_ids[0], roles[role_ids[0]]) if role_ids else render(props.get("Role", "")),
            kms_key=render(props["KmsKeyArn"]) if props.get("KmsKeyArn") else "",
            dlq=_dlq_of(props.get("DeadLetterConfig")),
        )
        for role_id in role_ids:
            role_props = _props(roles[role_id])
            for inline in _listify(role_props.get("Policies")):
                if isinstance(inline, dict):
                    name = f"{function.role} (inline {render(inline.get('PolicyName', ''))})"
                    function.permissions += permissions_of(inline.get("PolicyDocument"), name)
            seen: set[str] = set()
            for policy_id, policy in attached.get(role_id, []):
                seen.add(policy_id)
                function.permissions += permissions_of(_props(policy).get("PolicyDocument"),
                                                       display_name(policy_id, policy))
            for arn in _listify(role_props.get("ManagedPolicyArns")):
                local = [m for m in sorted(references(arn)) if m in managed]
                if local:
                    for policy_id in local:
                        if policy_id not in seen:
                            seen.add(policy_id)
                            function.permissions += permissions_of(
                                _props(managed[policy_id]).get("PolicyDocument"),
                                display_name(policy_id, managed[policy_id]))
                else:
                    function.managed_policies.append(render(arn))
        stores: set[str] = set()
        for role_id in role_ids:
            documents = [i.get("PolicyDocument") for i in _listify(_props(roles[role_id]).get("Policies"))
                         if isinstance(i, dict)]
            documents += [_props(p).get("PolicyDocument") for _, p in attached.get(role_id, [])]
            for ref in references(documents):
                target = resources.get(ref)
                if isinstance(target, dict) and target.get("Type") in DATA_STORE_TYPES:
                    stores.add(display_name(ref, target))
        function.data_stores = sorted(stores)
        literal_name = props.get("FunctionName") if isinstance(props.get("FunctionName"), str) else None
        function.alarms = [a for a in alarms
                           if lid in a.referenced or (literal_name and literal_name in a.referenced)]
        functions.append(function)
    return sorted(functions, key=lambda f: f.name)


def _dlq_of(config: Any) -> str:
    target = config.get("TargetArn") if isinstance(config, dict) else None
    return render(target) if target else ""


# --- alarms --------------------------------------------------------------------------------------------


def alarms_of(stack: str, resources: Resources) -> Iterator[Alarm]:
    """Every ``AWS::CloudWatch::Alarm`` with its kind and the number of metrics it is billed for."""
    for lid, resource in _of_type(resources, "AWS::CloudWatch::Alarm"):
        props = _props(resource)
        metrics = [m for m in _listify(props.get("Metrics")) if isinstance(m, dict)]
        stats = [m["MetricStat"] for m in metrics if isinstance(m.get("MetricStat"), dict)]
        expressions = [str(m.get("Expression", "")) for m in metrics if m.get("Expression")]
        periods = [props.get("Period")] + [s.get("Period") for s in stats]
        high_res = any(isinstance(p, int) and p < 60 for p in periods)
        if "ThresholdMetricId" in props or any("ANOMALY_DETECTION_BAND" in e for e in expressions):
            kind, billed = "anomaly detection", 3 * max(1, len(stats))
        elif metrics:
            kind, billed = "metric math", max(1, len(stats))
        else:
            kind, billed = "standard", 1
        if metrics:
            metric = _metrics_summary(kind, stats, expressions)
        else:
            metric = f"{render(props.get('Namespace', ''))}/{render(props.get('MetricName', ''))}"
            if props.get("Statistic") or props.get("ExtendedStatistic"):
                metric += f" ({render(props.get('Statistic') or props.get('ExtendedStatistic'))})"
        comparison = str(props.get("ComparisonOperator", ""))
        operator = _OPERATORS.get(comparison, comparison)
        evaluation = props.get("EvaluationPeriods", 1)
        datapoints = props.get("DatapointsToAlarm", evaluation)
        threshold = "" if "ThresholdMetricId" in props else f" {render(props.get('Threshold', ''))}"
        condition = f"{operator}{threshold} ({datapoints} of {evaluation} periods)"
        dimension_values = [d.get("Value") for d in _listify(props.get("Dimensions")) if isinstance(d, dict)]
        for stat in stats:
            dimension_values += [d.get("Value") for d in _listify(stat.get("Metric", {}).get("Dimensions"))
                                 if isinstance(d, dict)]
        referenced = references(dimension_values) | {v for v in dimension_values if isinstance(v, str)}
        name = render(props["AlarmName"]) if props.get("AlarmName") else display_name(lid, resource)
        yield Alarm(stack, lid, name, metric, condition, kind, billed, high_res, tuple(sorted(referenced)))


def _metrics_summary(kind: str, stats: list[dict[str, Any]], expressions: list[str]) -> str:
    """``math over AWS/Lambda: Errors, Invocations``: the metrics of a multi-metric alarm, briefly."""
    by_namespace: dict[str, list[str]] = {}
    for stat in stats:
        metric = stat.get("Metric") or {}
        names = by_namespace.setdefault(render(metric.get("Namespace", "")), [])
        name = render(metric.get("MetricName", ""))
        if name not in names:
            names.append(name)
    listed = "; ".join(f"{ns}: {', '.join(names)}" for ns, names in by_namespace.items())
    if kind == "anomaly detection":
        return f"anomaly band of {listed}"
    if not listed:
        return "; ".join(expressions)
    return f"math over {listed}"


# --- trails --------------------------------------------------------------------------------------------


def trails_of(stack: str, resources: Resources, functions: list[Function],
              templates: dict[str, dict[str, Any]]) -> list[Trail]:
    """Every ``AWS::CloudTrail::Trail``: its settings, data events and the functions they cover."""
    by_id = {(f.stack, f.logical_id): f for f in functions}
    literal_names: dict[str, Function] = {}
    for f in functions:
        fn_props = _props(templates.get(f.stack, {}).get("Resources", {}).get(f.logical_id, {}))
        if isinstance(fn_props.get("FunctionName"), str):
            literal_names[fn_props["FunctionName"]] = f
    trails: list[Trail] = []
    for lid, resource in _of_type(resources, "AWS::CloudTrail::Trail"):
        props = _props(resource)
        summaries: list[str] = []
        covered: set[str] = set()
        advanced = [s for s in _listify(props.get("AdvancedEventSelectors")) if isinstance(s, dict)]
        classic = [s for s in _listify(props.get("EventSelectors")) if isinstance(s, dict)]
        if advanced:
            management = False
            for selector in advanced:
                fields = {str(f.get("Field")): f for f in _listify(selector.get("FieldSelectors"))
                          if isinstance(f, dict)}
                category = [str(v) for v in _listify(fields.get("eventCategory", {}).get("Equals"))]
                if "Management" in category:
                    management = True
                    continue
                if "Data" not in category:
                    continue
                types = [str(v) for v in _listify(fields.get("resources.type", {}).get("Equals"))]
                types = types or ["(any)"]
                arn = fields.get("resources.ARN", {})
                summary, fn_cover = _advanced_coverage(stack, arn, by_id, literal_names, functions)
                label = selector.get("Name")
                prefix = f"{label}: " if label else ""
                summaries.append(f"{prefix}{', '.join(types)} {summary}".strip())
                if "AWS::Lambda::Function" in types:
                    covered |= fn_cover
        else:
            management = not classic or any(_bool(s.get("IncludeManagementEvents"), True) for s in classic)
            for selector in classic:
                for data in _listify(selector.get("DataResources")):
                    if not isinstance(data, dict):
                        continue
                    type_ = str(data.get("Type", ""))
                    values = _listify(data.get("Values"))
                    rw = str(selector.get("ReadWriteType", "All"))
                    cover = _classic_coverage(stack, values, by_id, literal_names, functions)
                    summaries.append(f"{type_} ({rw}): {', '.join(render(v) for v in values)}")
                    if type_ == "AWS::Lambda::Function":
                        covered |= cover
        trails.append(Trail(
            stack=stack,
            logical_id=lid,
            name=render(props["TrailName"]) if props.get("TrailName") else display_name(lid, resource),
            logging=_bool(props.get("IsLogging"), True),
            multi_region=_bool(props.get("IsMultiRegionTrail"), False),
            log_file_validation=_bool(props.get("EnableLogFileValidation"), False),
            kms_key=render(props["KMSKeyId"]) if props.get("KMSKeyId") else "",
            management_events=management,
            data_events=tuple(summaries),
            covered_functions=tuple(sorted(covered)),
        ))
    return trails


def _matching(stack: str, values: Iterable[Any], by_id: dict[tuple[str, str], Function],
              literal_names: dict[str, Function]) -> set[str]:
    names: set[str] = set()
    for value in values:
        for ref in references(value):
            if (stack, ref) in by_id:
                names.add(by_id[(stack, ref)].name)
        text = render(value)
        for literal, fn in literal_names.items():
            if text.endswith(f":function:{literal}") or text == literal:
                names.add(fn.name)
    return names


def _is_all_functions(value: Any) -> bool:
    """True for an ARN prefix naming no function (``arn:aws:lambda``, ``arn:${AWS::Partition}:lambda``)."""
    if references(value):
        return False
    return ":function:" not in render(value) and "lambda" in render(value)


def _classic_coverage(stack: str, values: list[Any], by_id: dict[tuple[str, str], Function],
                      literal_names: dict[str, Function], functions: list[Function]) -> set[str]:
    if any(_is_all_functions(v) for v in values):
        return {f.name for f in functions}
    return _matching(stack, values, by_id, literal_names)


def _advanced_coverage(stack: str, arn: dict[str, Any], by_id: dict[tuple[str, str], Function],
                       literal_names: dict[str, Function],
                       functions: list[Function]) -> tuple[str, set[str]]:
    everything = {f.name for f in functions}
    if not arn:
        return "(all resources)", everything
    covered = set(everything)
    parts: list[str] = []
    for operator in ("Equals", "StartsWith", "EndsWith"):
        values = _listify(arn.get(operator))
        if values:
            parts.append(f"ARN {operator} {', '.join(render(v) for v in values)}")
            if operator == "StartsWith" and any(_is_all_functions(v) for v in values):
                continue
            covered &= _matching(stack, values, by_id, literal_names)
    for operator in ("NotEquals", "NotStartsWith", "NotEndsWith"):
        values = _listify(arn.get(operator))
        if values:
            parts.append(f"ARN {operator} {', '.join(render(v) for v in values)}")
            covered -= _matching(stack, values, by_id, literal_names)
    return "; ".join(parts), covered


# --- costs ---------------------------------------------------------------------------------------------


def costs_of(templates: dict[str, dict[str, Any]], report: Report) -> tuple[list[CostLine], list[CostLine]]:
    """(fixed monthly lines, per-usage lines) for the security resources of every template."""
    counts: dict[str, int] = {}
    waf_rules = 0
    email_subscriptions = 0
    plus_pools = 0
    endpoint_zones = 0
    application_lbs = 0
    for template in templates.values():
        for resource in (template.get("Resources", {}) or {}).values():
            if not isinstance(resource, dict):
                continue
            type_ = str(resource.get("Type", ""))
            counts[type_] = counts.get(type_, 0) + 1
            props = _props(resource)
            if type_ == "AWS::EC2::VPCEndpoint" and props.get("VpcEndpointType") == "Interface":
                endpoint_zones += max(1, len(_listify(props.get("SubnetIds"))))
            if type_ == "AWS::ElasticLoadBalancingV2::LoadBalancer" and props.get("Type", "application") == (
                "application"
            ):
                application_lbs += 1
            if type_ == "AWS::WAFv2::WebACL":
                waf_rules += len(_listify(props.get("Rules")))
            if type_ == "AWS::SNS::Subscription" and str(props.get("Protocol", "")).startswith("email"):
                email_subscriptions += 1
            if type_ == "AWS::SNS::Topic":
                email_subscriptions += sum(
                    1 for s in _listify(props.get("Subscription"))
                    if isinstance(s, dict) and str(s.get("Protocol", "")).startswith("email"))
            if type_ == "AWS::Cognito::UserPool":
                addons = props.get("UserPoolAddOns") or {}
                mode = str(addons.get("AdvancedSecurityMode", "OFF")) if isinstance(addons, dict) else "OFF"
                if mode in ("AUDIT", "ENFORCED") or str(props.get("UserPoolTier", "")) == "PLUS":
                    plus_pools += 1

    alarms = report.alarms
    standard = [a for a in alarms if not a.high_resolution]
    high = [a for a in alarms if a.high_resolution]
    fixed = [
        CostLine(price("kms_key"), counts.get("AWS::KMS::Key", 0), "customer managed keys"),
        CostLine(price("alarm_metric"), sum(a.billed_metrics for a in standard), _alarm_detail(standard)),
        CostLine(price("alarm_metric_high_res"), sum(a.billed_metrics for a in high), _alarm_detail(high)),
        CostLine(price("composite_alarm"), counts.get("AWS::CloudWatch::CompositeAlarm", 0),
                 "composite alarms"),
        CostLine(price("trail_management_first_copy"), counts.get("AWS::CloudTrail::Trail", 0), "trails"),
        CostLine(price("waf_web_acl"), counts.get("AWS::WAFv2::WebACL", 0), "web ACLs"),
        CostLine(price("waf_rule"), waf_rules, "rules in the web ACLs"),
        CostLine(price("secret"), counts.get("AWS::SecretsManager::Secret", 0), "secrets"),
        CostLine(price("sns_topic"), counts.get("AWS::SNS::Topic", 0), "topics"),
        CostLine(price("interface_endpoint_az"), endpoint_zones, "interface endpoints x Availability Zones"),
        CostLine(price("nat_gateway"), counts.get("AWS::EC2::NatGateway", 0), "NAT gateways"),
        CostLine(price("application_load_balancer"), application_lbs, "application load balancers"),
        CostLine(price("rds_proxy"), counts.get("AWS::RDS::DBProxy", 0), "RDS proxies"),
    ]
    fixed = [line for line in fixed if line.count]

    data_trails = sum(1 for t in report.trails if t.data_events)
    management_trails = sum(1 for t in report.trails if t.management_events)
    usage = [
        CostLine(price("kms_requests"), counts.get("AWS::KMS::Key", 0), "keys"),
        CostLine(price("trail_data_events"), data_trails, "trails with data events"),
        CostLine(price("trail_management_extra_copy"), max(0, management_trails - 1),
                 "trails beyond the first that record management events"),
        CostLine(price("waf_requests"), counts.get("AWS::WAFv2::WebACL", 0), "web ACLs"),
        CostLine(price("secret_api_calls"), counts.get("AWS::SecretsManager::Secret", 0), "secrets"),
        CostLine(price("sns_publishes"), counts.get("AWS::SNS::Topic", 0), "topics"),
        CostLine(price("sns_email"), email_subscriptions, "email subscriptions"),
        CostLine(price("logs_ingestion"), counts.get("AWS::Logs::LogGroup", 0), "log groups"),
        CostLine(price("waf_logs"), counts.get("AWS::WAFv2::LoggingConfiguration", 0), "web ACL logging"),
        CostLine(price("logs_storage"), counts.get("AWS::Logs::LogGroup", 0), "log groups"),
        CostLine(price("cognito_plus_mau"), plus_pools, "user pools with threat protection"),
        CostLine(price("endpoint_data"), 1 if endpoint_zones else 0, "interface endpoints' traffic"),
        CostLine(price("nat_data"), counts.get("AWS::EC2::NatGateway", 0), "NAT gateways"),
        CostLine(price("alb_lcu"), application_lbs, "application load balancers"),
        CostLine(price("flow_logs"), counts.get("AWS::EC2::FlowLog", 0), "flow logs"),
    ]
    return fixed, [line for line in usage if line.count]


def _alarm_detail(alarms: list[Alarm]) -> str:
    if not alarms:
        return ""
    kinds: dict[str, int] = {}
    for alarm in alarms:
        kinds[alarm.kind] = kinds.get(alarm.kind, 0) + 1
    listed = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    return f"{len(alarms)} alarm{'s' if len(alarms) != 1 else ''} ({listed})"
