"""Which VPC endpoints a function needs: the services its role's statements grant, mapped to endpoint service
names with botocore's service models. Pure Python (no aws_cdk): the rule pack and the constructs share it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

#: IAM service prefixes whose actions are not calls to an AWS API endpoint, so no endpoint serves them.
NO_ENDPOINT = {
    "rds-db": "rds-db:connect authorizes an IAM authentication token, which is signed locally; the "
    "connection goes to the database in the VPC",
}
#: Statements the Lambda service itself uses on the function's behalf, outside the function's network:
#: writing its logs, sending failed events to the dead-letter queue, X-Ray segments, managing its ENIs.
PLATFORM_SIDS = frozenset(
    {"WriteOwnLogGroup", "SendToEncryptedDeadLetterQueue", "ManageVpcNetworkInterfaces"}
)
PLATFORM_ACTIONS = frozenset({"xray:puttracesegments", "xray:puttelemetryrecords"})


@cache
def endpoint_name(prefix: str) -> str | None:
    """The VPC endpoint service name (``com.amazonaws.<region>.<name>``) of an IAM service prefix, or None
    when the prefix needs no endpoint.

    botocore's model of the service named like the prefix gives its ``endpointPrefix`` (``cloudwatch`` ->
    ``monitoring``); prefixes without a botocore service of that name (``states``, ``execute-api``,
    ``elasticfilesystem``) are endpoint names themselves.
    """
    prefix = prefix.lower()
    if prefix in NO_ENDPOINT:
        return None
    import botocore.session
    from botocore.exceptions import DataNotFoundError

    loader = botocore.session.get_session().get_component("data_loader")
    try:
        model = loader.load_service_model(prefix, "service-2")
    except DataNotFoundError:
        return prefix
    name = model.get("metadata", {}).get("endpointPrefix")
    return str(name) if name else prefix


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def service_prefixes(
    statements: Iterable[Mapping[str, Any]], *, skip_resources: Iterable[Any] = ()
) -> set[str]:
    """The IAM service prefixes of the Allow statements the function's own code uses: statements of the
    Lambda service (:data:`PLATFORM_SIDS`, :data:`PLATFORM_ACTIONS`, those on ``skip_resources`` such as the
    dead-letter queue) and calls a service makes for the function (``kms:ViaService``) are left out."""
    skip = [s for s in skip_resources if s is not None]
    found: set[str] = set()
    for statement in statements:
        if not isinstance(statement, Mapping) or statement.get("Effect", "Allow") != "Allow":
            continue
        if statement.get("Sid") in PLATFORM_SIDS or _via_service(statement.get("Condition")):
            continue
        resources = _as_list(statement.get("Resource"))
        if skip and resources and all(r in skip for r in resources):
            continue
        for action in _as_list(statement.get("Action")):
            if isinstance(action, str) and ":" in action and action.lower() not in PLATFORM_ACTIONS:
                found.add(action.split(":", 1)[0].lower())
    return found


def _via_service(condition: Any) -> bool:
    if not isinstance(condition, Mapping):
        return False
    return any(
        isinstance(tests, Mapping) and any(str(k).lower() == "kms:viaservice" for k in tests)
        for tests in condition.values()
    )


def endpoint_names(prefixes: Iterable[str]) -> set[str]:
    """Endpoint service names for ``prefixes`` (those that need none are left out)."""
    return {name for prefix in prefixes if (name := endpoint_name(prefix)) is not None}
