"""TEST-ONLY launcher for the MiniStack emulator used by ``make e2e``; never part of the library.

It serves MiniStack's ASGI app on ``127.0.0.1:$GATEWAY_PORT`` only, over TLS with the harness's throwaway
certificate, after four test-only additions that make the emulator keep what a real account keeps:

1. ``AWS::CloudTrail::Trail`` gets a CloudFormation handler (the CloudTrail API exists in the emulator,
   its CloudFormation engine otherwise rejects the type as unrecognized).
2. Lambda ``KmsKeyArn`` / ``DeadLetterConfig`` / ``ReservedConcurrentExecutions`` and SNS
   ``KmsMasterKeyId`` are copied from the template onto the created resources (the provisioner drops them;
   the service APIs would keep them).
3. The Cognito authorizer fetches the pool's JWKS from this server over https (upstream asks ``http://``,
   which this TLS-only server does not answer, so every token got 401).
4. No second listener on port 443 (upstream adds one under ``USE_SSL``): exactly one socket, on loopback.

Run by ``tests/e2e/harness.py`` with the emulator's own interpreter; it reads its settings from the
environment the harness sets (``GATEWAY_PORT``, ``MINISTACK_SSL_CERT``, ``MINISTACK_SSL_KEY``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

BIND_HOST = "127.0.0.1"
PORT = int(os.environ["GATEWAY_PORT"])
CERT = os.environ["MINISTACK_SSL_CERT"]
KEY = os.environ["MINISTACK_SSL_KEY"]

# MiniStack reads these at import time: set them before the first ministack import.
os.environ["BIND_HOST"] = BIND_HOST
os.environ["USE_SSL"] = "1"
os.environ["AUTH"] = "true"
os.environ["IOT_MTLS_ENABLED"] = "0"  # otherwise an MQTT listener opens on 0.0.0.0:8883
os.environ["SFTP_ENABLED"] = "0"

from ministack import app as ministack_app  # noqa: E402
from ministack.services import apigateway, apigateway_v1, cloudtrail, lambda_svc, sns  # noqa: E402
from ministack.services.cloudformation import provisioners  # noqa: E402

log = logging.getLogger("e2e-launcher")


# --- test-only addition 1: AWS::CloudTrail::Trail -------------------------------------------------------
def _call(handler, body: dict) -> dict:
    import json

    status, _headers, payload = handler(body)
    data = json.loads(payload or b"{}")
    if status >= 300:
        raise ValueError(f"CloudTrail {handler.__name__}: {data.get('__type')}: {data.get('message')}")
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


provisioners._RESOURCE_HANDLERS["AWS::CloudTrail::Trail"] = {"create": _trail_create, "delete": _trail_delete}


# --- test-only addition 2: keep Lambda KMS / DLQ / reserved concurrency and SNS KMS ---------------------
def _wrap_create(resource_type: str, after) -> None:
    handler = provisioners._RESOURCE_HANDLERS[resource_type]
    original = handler["create"]

    def create(logical_id, props, stack_name):
        physical_id, attributes = original(logical_id, props, stack_name)
        after(physical_id, attributes, props)
        return physical_id, attributes

    handler["create"] = create


def _lambda_after(name: str, _attributes: dict, props: dict) -> None:
    func = lambda_svc._functions[name]
    if props.get("KmsKeyArn"):
        func["config"]["KMSKeyArn"] = props["KmsKeyArn"]
    target = (props.get("DeadLetterConfig") or {}).get("TargetArn")
    if target:
        func["config"]["DeadLetterConfig"] = {"TargetArn": target}
    if props.get("ReservedConcurrentExecutions") is not None:
        func["concurrency"] = int(props["ReservedConcurrentExecutions"])


def _sns_after(arn: str, _attributes: dict, props: dict) -> None:
    if props.get("KmsMasterKeyId"):
        sns._topics[arn]["attributes"]["KmsMasterKeyId"] = props["KmsMasterKeyId"]


_wrap_create("AWS::Lambda::Function", _lambda_after)
_wrap_create("AWS::SNS::Topic", _sns_after)


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
    await serve(ministack_app.app, config, shutdown_trigger=stop.wait)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(_serve())
