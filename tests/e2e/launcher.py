"""TEST-ONLY launcher for the MiniStack emulator used by ``make e2e``; never part of the library.

It serves MiniStack's ASGI app on ``127.0.0.1:$GATEWAY_PORT`` only, over TLS with the harness's throwaway
certificate, after four test-only additions that let the stacks deploy:

1. CloudFormation handlers for four types its engine otherwise rejects as unrecognized:
   ``AWS::CloudTrail::Trail`` and ``AWS::WAFv2::WebACLAssociation`` (through the emulator's own CloudTrail
   and WAFv2 APIs), and ``AWS::Cognito::UserPoolRiskConfigurationAttachment`` and
   ``AWS::WAFv2::LoggingConfiguration``, which are only recorded: the emulator has no Cognito threat
   protection and no WAF logging, so nothing here enforces or reads them (docs/local-deploy.md).
2. The user pool's ``ProviderName`` / ``ProviderURL`` attributes, which the emulator lacks, and
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
from ministack.services import apigateway, apigateway_v1, cloudtrail, waf  # noqa: E402
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


_waf_logging: dict[str, dict] = {}  # recorded only: the emulator's WAFv2 has no logging configuration


def _waf_logging_create(logical_id: str, props: dict, stack_name: str):
    _waf_logging[props["ResourceArn"]] = props
    return props["ResourceArn"], {}


def _waf_logging_delete(physical_id: str, props: dict) -> None:
    _waf_logging.pop(physical_id, None)


provisioners._RESOURCE_HANDLERS.update(
    {
        "AWS::WAFv2::LoggingConfiguration": {"create": _waf_logging_create, "delete": _waf_logging_delete},
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
