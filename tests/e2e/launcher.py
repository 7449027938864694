"""TEST-ONLY launcher for the MiniStack emulator used by ``make e2e``; never part of the library.

It serves MiniStack's ASGI app on ``127.0.0.1:$GATEWAY_PORT`` only, over TLS with the harness's throwaway
certificate, after four test-only additions that let the stacks deploy:

1. CloudFormation handlers for types its engine otherwise rejects as unrecognized:
   ``AWS::CloudTrail::Trail`` and ``AWS::WAFv2::WebACLAssociation`` (through the emulator's own CloudTrail
   and WAFv2 APIs), ``AWS::EC2::SecurityGroupEgress``/``Ingress`` and ``AWS::EC2::FlowLog`` (through its
   EC2 API: AuthorizeSecurityGroupEgress/Ingress, CreateFlowLogs; the first standalone egress rule of a
   group also revokes EC2's default allow-all rule, as CloudFormation does), and
   ``AWS::Cognito::UserPoolRiskConfigurationAttachment`` and ``AWS::WAFv2::LoggingConfiguration``, which
   are only recorded: the emulator has no Cognito threat protection and no WAF logging, so nothing here
   enforces or reads them (docs/local-deploy.md).
2. A listener rule's ``authenticate-oidc`` action, whose config the emulator's CloudFormation drops, is
   passed through the emulator's own CreateRule parser (so a ``deny`` route answers 401, as CreateRule's
   would), and a target group's ``Targets`` are registered with its RegisterTargets. The user pool's
   ``ProviderName`` / ``ProviderURL`` attributes, which the emulator lacks, and
   ``AWS::CloudWatch::Alarm`` with ``Metrics`` (metric math), which the provisioner refuses, stored as
   PutMetricAlarm would store it (nothing evaluates alarms here). No template setting that the provisioner
   drops is copied onto a resource: a check that read such a copy back could not fail.
3. The Cognito authorizer fetches the pool's JWKS from this server over https (upstream asks ``http://``,
   which this TLS-only server does not answer, so every token got 401).
4. No second listener on port 443 (upstream adds one under ``USE_SSL``): exactly one socket, on loopback.

Run by ``tests/e2e/harness.py`` with the emulator's own interpreter; it reads its settings from the
environment the harness sets (``GATEWAY_PORT``, ``MINISTACK_SSL_CERT``, ``MINISTACK_SSL_KEY``). The harness
stops it by its PID; as a backstop it also stops itself when the harness (``SC_E2E_PARENT_PID``) is gone
and after ``SC_E2E_MAX_SECONDS``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys

BIND_HOST = "127.0.0.1"
PORT = int(os.environ["GATEWAY_PORT"])
CERT = os.environ["MINISTACK_SSL_CERT"]
KEY = os.environ["MINISTACK_SSL_KEY"]
PARENT_PID = int(os.environ.get("SC_E2E_PARENT_PID", os.getppid()))
MAX_SECONDS = int(os.environ.get("SC_E2E_MAX_SECONDS", "1800"))

# MiniStack reads these at import time: set them before the first ministack import.
os.environ["BIND_HOST"] = BIND_HOST
os.environ["USE_SSL"] = "1"
os.environ["AUTH"] = "true"
os.environ["IOT_MTLS_ENABLED"] = "0"  # otherwise an MQTT listener opens on 0.0.0.0:8883
os.environ["SFTP_ENABLED"] = "0"

from importlib.metadata import version  # noqa: E402

# Every addition below reaches into MiniStack's internals: they are written for exactly this release.
PINNED = "1.5.33"
if version("ministack") != PINNED:
    raise SystemExit(f"launcher.py is written for ministack {PINNED}, not {version('ministack')}: review it")

from ministack import app as ministack_app  # noqa: E402
from ministack.services import alb, apigateway, apigateway_v1, cloudtrail, ec2, waf  # noqa: E402
from ministack.services.cloudformation import provisioners  # noqa: E402

log = logging.getLogger("e2e-launcher")


# --- test-only addition 1: CloudFormation handlers for three more types ----------------------------------
def _call(handler, body: dict) -> dict:
    status, _headers, payload = handler(body)
    data = json.loads(payload or b"{}")
    if status >= 300:
        raise ValueError(f"{handler.__name__}: {data.get('__type')}: {data.get('message')}")
    return data


def _trail_create(logical_id: str, props: dict, stack_name: str):
    name = props.get("TrailName") or provisioners._physical_name(stack_name, logical_id, max_len=128)
    body = {"Name": name}
    for cfn, api in (
        ("S3BucketName", "S3BucketName"),
        ("S3KeyPrefix", "S3KeyPrefix"),
        ("SnsTopicName", "SnsTopicName"),
        ("KMSKeyId", "KmsKeyId"),
        ("IsMultiRegionTrail", "IsMultiRegionTrail"),
        ("EnableLogFileValidation", "EnableLogFileValidation"),
        ("IncludeGlobalServiceEvents", "IncludeGlobalServiceEvents"),
        ("IsOrganizationTrail", "IsOrganizationTrail"),
    ):
        if cfn in props:
            body[api] = props[cfn]
    created = _call(cloudtrail._create_trail, body)
    extra = {k: props[k] for k in ("CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn") if k in props}
    if extra:
        _call(cloudtrail._update_trail, {"Name": name, **extra})
    for key in ("EventSelectors", "AdvancedEventSelectors"):
        if props.get(key):
            _call(cloudtrail._put_event_selectors, {"TrailName": name, key: props[key]})
    if str(props.get("IsLogging", False)).lower() == "true":
        _call(cloudtrail._start_logging, {"Name": name})
    return name, {"Arn": created["TrailARN"], "SnsTopicArn": ""}


def _trail_delete(physical_id: str, props: dict) -> None:
    try:
        _call(cloudtrail._delete_trail, {"Name": physical_id})
    except ValueError as error:
        log.warning("trail delete: %s", error)


def _web_acl_association_create(logical_id: str, props: dict, stack_name: str):
    _call(waf._associate_web_acl, {"ResourceArn": props["ResourceArn"], "WebACLArn": props["WebACLArn"]})
    return props["ResourceArn"], {}


def _web_acl_association_delete(physical_id: str, props: dict) -> None:
    _call(waf._disassociate_web_acl, {"ResourceArn": physical_id})


_risk_configurations: dict[str, dict] = {}  # recorded only: the emulator has no threat protection


def _risk_configuration_create(logical_id: str, props: dict, stack_name: str):
    physical_id = f"{props['UserPoolId']}-{props.get('ClientId', 'ALL')}"
    _risk_configurations[physical_id] = props
    return physical_id, {}


def _risk_configuration_delete(physical_id: str, props: dict) -> None:
    _risk_configurations.pop(physical_id, None)


def _ec2(handler, params: dict) -> None:
    """Call one of the emulator's EC2 query handlers (values as lists, like a parsed form body)."""
    status, _headers, payload = handler({k: [str(v)] for k, v in params.items()})
    if status >= 300:
        raise ValueError(f"{handler.__name__}: {payload[:300]!r}")


def _permission(props: dict, peer_key: str) -> dict:
    """An AWS::EC2::SecurityGroupIngress/Egress as the IpPermissions.1.* query parameters of EC2's API."""
    out = {"IpPermissions.1.IpProtocol": props.get("IpProtocol", "-1")}
    for key in ("FromPort", "ToPort"):
        if key in props:
            out[f"IpPermissions.1.{key}"] = props[key]
    if props.get("CidrIp"):
        out["IpPermissions.1.IpRanges.1.CidrIp"] = props["CidrIp"]
    if props.get("CidrIpv6"):
        out["IpPermissions.1.Ipv6Ranges.1.CidrIpv6"] = props["CidrIpv6"]
    if props.get(peer_key):
        out["IpPermissions.1.Groups.1.GroupId"] = props[peer_key]
    prefix_list = props.get("DestinationPrefixListId") or props.get("SourcePrefixListId")
    if prefix_list:
        out["IpPermissions.1.PrefixListIds.1.PrefixListId"] = prefix_list
    return out


_ALLOW_ALL = {"IpPermissions.1.IpProtocol": "-1", "IpPermissions.1.IpRanges.1.CidrIp": "0.0.0.0/0"}


def _egress_create(logical_id: str, props: dict, stack_name: str):
    # CloudFormation removes the allow-all rule EC2 gives a new group when the group's first standalone
    # egress rule is created (what CDK relies on for allow_all_outbound=False); the emulator's EC2 does not.
    group = props["GroupId"]
    if group in _without_inline_egress:  # only EC2's own default rule, never one the template declared
        _without_inline_egress.discard(group)
        _ec2(ec2._revoke_sg_egress, {"GroupId": group, **_ALLOW_ALL})
    permission = _permission(props, "DestinationSecurityGroupId")
    prefix_list = props.get("DestinationPrefixListId")
    record = ec2._security_groups.get(group)
    if prefix_list and record is not None:
        # The emulator's AuthorizeSecurityGroupEgress does not parse PrefixListIds (its Describe renders
        # them): the rule is added to the group as that call would add it. The id itself was read at deploy
        # time by the stack's custom resource; the checks look its name up with DescribeManagedPrefixLists.
        rule = {
            "IpProtocol": str(props.get("IpProtocol", "-1")),
            "FromPort": int(props["FromPort"]),
            "ToPort": int(props["ToPort"]),
            "IpRanges": [],
            "Ipv6Ranges": [],
            "PrefixListIds": [{"PrefixListId": prefix_list}],
            "UserIdGroupPairs": [],
        }
        rule["SecurityGroupRuleId"] = ec2._sg_rule_id(group, True, rule)
        record["IpPermissionsEgress"].append(rule)
    else:
        _ec2(ec2._authorize_sg_egress, {"GroupId": group, **permission})
    physical = f"{group}|egress|{logical_id}"
    _standalone[physical] = (group, permission, True)
    return physical, {}


def _ingress_create(logical_id: str, props: dict, stack_name: str):
    permission = _permission(props, "SourceSecurityGroupId")
    _ec2(ec2._authorize_sg_ingress, {"GroupId": props["GroupId"], **permission})
    physical = f"{props['GroupId']}|ingress|{logical_id}"
    _standalone[physical] = (props["GroupId"], permission, False)
    return physical, {}


_standalone: dict[str, tuple[str, dict, bool]] = {}
#: Groups created without inline egress rules: they hold EC2's default allow-all rule.
_without_inline_egress: set[str] = set()
_group = provisioners._RESOURCE_HANDLERS["AWS::EC2::SecurityGroup"]
_group_create = _group["create"]


def _group_create_noting_egress(logical_id: str, props: dict, stack_name: str):
    physical, attributes = _group_create(logical_id, props, stack_name)
    if not props.get("SecurityGroupEgress"):
        _without_inline_egress.add(attributes.get("GroupId", physical))
    return physical, attributes


_group["create"] = _group_create_noting_egress


def _rule_delete(physical_id: str, props: dict) -> None:
    group, permission, egress = _standalone.pop(physical_id, (None, None, None))
    if group is not None:
        revoke = ec2._revoke_sg_egress if egress else ec2._revoke_sg_ingress
        try:
            _ec2(revoke, {"GroupId": group, **permission})
        except ValueError as error:
            log.warning("rule delete: %s", error)


def _flow_log_create(logical_id: str, props: dict, stack_name: str):
    status, _headers, payload = ec2._create_flow_logs({
        "ResourceId.1": [props["ResourceId"]],
        "ResourceType": [props.get("ResourceType", "VPC")],
        "TrafficType": [props.get("TrafficType", "ALL")],
        "LogDestinationType": [props.get("LogDestinationType", "cloud-watch-logs")],
        "LogGroupName": [props.get("LogGroupName", "")],
    })
    if status >= 300:
        raise ValueError(f"CreateFlowLogs: {payload[:300]!r}")
    text = payload.decode() if isinstance(payload, bytes) else str(payload)
    flow_id = text.split("<item>", 1)[1].split("</item>", 1)[0]
    return flow_id, {}


def _flow_log_delete(physical_id: str, props: dict) -> None:
    ec2._delete_flow_logs({"FlowLogId.1": [physical_id]})


def _rule_actions_through_the_api(rule_arn: str, props: dict) -> None:
    """The emulator's CloudFormation keeps only forward, redirect and fixed-response configs of a listener
    rule's actions; an ``authenticate-oidc`` action lost its config (and so defaulted to a login redirect).
    The template's actions are passed, as CreateRule's query parameters, through the emulator's own
    CreateRule parser, so the data plane runs what CreateRule would have stored."""
    params: dict[str, list[str]] = {}
    for index, action in enumerate(props.get("Actions") or [], start=1):
        head = f"Actions.member.{index}"
        params[f"{head}.Type"] = [str(action.get("Type", ""))]
        params[f"{head}.Order"] = [str(action.get("Order", index))]
        if action.get("TargetGroupArn"):
            params[f"{head}.TargetGroupArn"] = [str(action["TargetGroupArn"])]
        for key, value in (action.get("AuthenticateOidcConfig") or {}).items():
            params[f"{head}.AuthenticateOidcConfig.{key}"] = [str(value)]
    alb._rules[rule_arn]["Actions"] = alb._parse_actions(params, "Actions")


_rule = provisioners._RESOURCE_HANDLERS["AWS::ElasticLoadBalancingV2::ListenerRule"]
_rule_create = _rule["create"]


def _rule_create_with_auth(logical_id: str, props: dict, stack_name: str):
    rule_arn, attributes = _rule_create(logical_id, props, stack_name)
    if any(isinstance(a, dict) and a.get("AuthenticateOidcConfig") for a in props.get("Actions") or []):
        _rule_actions_through_the_api(rule_arn, props)
    return rule_arn, attributes


_rule["create"] = _rule_create_with_auth

_target_group = provisioners._RESOURCE_HANDLERS["AWS::ElasticLoadBalancingV2::TargetGroup"]
_target_group_create = _target_group["create"]


def _target_group_create_with_targets(logical_id: str, props: dict, stack_name: str):
    """The emulator's CloudFormation creates a target group without its ``Targets``; they are registered
    with the emulator's own RegisterTargets, as CloudFormation registers them."""
    arn, attributes = _target_group_create(logical_id, props, stack_name)
    targets = {f"Targets.member.{i}.Id": [str(t["Id"])] for i, t in enumerate(props.get("Targets") or [], 1)}
    if targets:
        status, _headers, payload = alb._register_targets({"TargetGroupArn": [arn], **targets})
        if status >= 300:
            raise ValueError(f"RegisterTargets: {payload[:300]!r}")
    return arn, attributes


_target_group["create"] = _target_group_create_with_targets

_waf_logging: dict[str, dict] = {}  # recorded only: the emulator's WAFv2 has no logging configuration


def _waf_logging_create(logical_id: str, props: dict, stack_name: str):
    _waf_logging[props["ResourceArn"]] = props
    return props["ResourceArn"], {}


def _waf_logging_delete(physical_id: str, props: dict) -> None:
    _waf_logging.pop(physical_id, None)


provisioners._RESOURCE_HANDLERS.update(
    {
        "AWS::WAFv2::LoggingConfiguration": {"create": _waf_logging_create, "delete": _waf_logging_delete},
        "AWS::EC2::SecurityGroupEgress": {"create": _egress_create, "delete": _rule_delete},
        "AWS::EC2::SecurityGroupIngress": {"create": _ingress_create, "delete": _rule_delete},
        "AWS::EC2::FlowLog": {"create": _flow_log_create, "delete": _flow_log_delete},
        "AWS::CloudTrail::Trail": {"create": _trail_create, "delete": _trail_delete},
        "AWS::WAFv2::WebACLAssociation": {
            "create": _web_acl_association_create,
            "delete": _web_acl_association_delete,
        },
        "AWS::Cognito::UserPoolRiskConfigurationAttachment": {
            "create": _risk_configuration_create,
            "delete": _risk_configuration_delete,
        },
    }
)


# --- test-only addition 2: attributes the emulator lacks, and metric-math alarms -------------------------
# Nothing here copies a template setting onto a resource that the checks then read back: settings the
# emulator's provisioner drops (Lambda KmsKeyArn / DeadLetterConfig / reserved concurrency, SNS
# KmsMasterKeyId, S3 BucketEncryption) stay dropped, and docs/local-deploy.md lists them as template-only.
def _wrap_create(resource_type: str, after) -> None:
    handler = provisioners._RESOURCE_HANDLERS[resource_type]
    original = handler["create"]

    def create(logical_id, props, stack_name):
        physical_id, attributes = original(logical_id, props, stack_name)
        after(physical_id, attributes, props)
        return physical_id, attributes

    handler["create"] = create


def _user_pool_after(pool_id: str, attributes: dict, props: dict) -> None:
    # Fn::GetAtt ProviderName / ProviderURL (a JWT authorizer's issuer) are missing from the emulator.
    region = pool_id.split("_", 1)[0]
    attributes.setdefault("ProviderName", f"cognito-idp.{region}.amazonaws.com/{pool_id}")
    attributes.setdefault("ProviderURL", f"cognito-idp.{region}.amazonaws.com/{pool_id}")


_wrap_create("AWS::Cognito::UserPool", _user_pool_after)


# A Secret's Ref is its ARN in AWS CloudFormation; the emulator answers its name, so IAM statements granting
# a function ``secretsmanager:GetSecretValue`` on ``Ref`` name no secret, and the emulator's IAM evaluation
# (rightly) refuses the call. The physical id becomes the ARN; delete finds the secret by it.
_secret = provisioners._RESOURCE_HANDLERS["AWS::SecretsManager::Secret"]
_secret_create, _secret_delete = _secret["create"], _secret["delete"]


def _secret_create_by_arn(logical_id, props, stack_name):
    _name, attributes = _secret_create(logical_id, props, stack_name)
    return attributes["Arn"], attributes


def _secret_delete_by_arn(physical_id, props):
    from ministack.services import secretsmanager

    names = [name for name, secret in secretsmanager._secrets.items() if secret.get("ARN") == physical_id]
    for name in names or [physical_id]:
        _secret_delete(name, props)


_secret["create"], _secret["delete"] = _secret_create_by_arn, _secret_delete_by_arn

_upstream_alarm_record = provisioners._cw_metric_alarm_record


def _alarm_record(name: str, props: dict) -> dict:
    if not props.get("Metrics"):
        return _upstream_alarm_record(name, props)
    single = {k: v for k, v in props.items() if k != "Metrics"}
    placeholders = {"MetricName": "-", "Namespace": "-", "Threshold": props.get("Threshold", 0)}
    record = _upstream_alarm_record(name, {**single, **placeholders})
    dropped = ["MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Period", "Dimensions", "Unit"]
    if props.get("ThresholdMetricId"):  # an anomaly-detection band instead of a fixed threshold
        dropped.append("Threshold")
        record["ThresholdMetricId"] = props["ThresholdMetricId"]
    for key in dropped:
        record.pop(key, None)
    record["Metrics"] = props["Metrics"]
    return record


provisioners._cw_metric_alarm_record = _alarm_record


# --- test-only addition 3: the Cognito authorizer's JWKS over https from this server --------------------
_upstream_resolve_jwks_url = apigateway._resolve_jwks_url


async def _resolve_jwks_url(authorizer: dict) -> str | None:
    url = await _upstream_resolve_jwks_url(authorizer)
    local_http = f"http://{apigateway._HOST}:{apigateway._PORT}/"
    if url and url.startswith(local_http):
        return f"https://{BIND_HOST}:{PORT}/" + url[len(local_http) :]
    return url


apigateway._resolve_jwks_url = _resolve_jwks_url
apigateway_v1._resolve_jwks_url = _resolve_jwks_url  # imported by name there


# --- test-only addition 4: serve on exactly one loopback socket -----------------------------------------
async def _serve() -> None:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    config = Config()
    config.bind = [f"{BIND_HOST}:{PORT}"]
    config.certfile, config.keyfile = CERT, KEY
    config.keep_alive_timeout = 75
    config.loglevel = "WARNING"
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    # Bounded: the harness stops this server by its PID; these two only back that up.
    loop.call_later(MAX_SECONDS, _stop_because, stop, f"its {MAX_SECONDS} s lifetime is over")
    loop.create_task(_watch_parent(stop))
    await serve(ministack_app.app, config, shutdown_trigger=stop.wait)


def _stop_because(stop: asyncio.Event, why: str) -> None:
    print(f"e2e launcher: stopping: {why}", file=sys.stderr, flush=True)
    stop.set()


async def _watch_parent(stop: asyncio.Event) -> None:
    while not stop.is_set():
        if os.getppid() != PARENT_PID:
            _stop_because(stop, f"the harness (PID {PARENT_PID}) is gone")
            return
        await asyncio.sleep(1)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(_serve())
