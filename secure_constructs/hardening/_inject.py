"""The property injectors of ``harden()``: one per plain aws-cdk-lib class, each supplying the declared secure
defaults of that class (``nag.declarations.class_settings``) that the user left unset.

An injector changes nothing that the user set: a keyword argument given explicitly, even a weaker one, is
kept (the pack then reports it as usual), and so are the other arguments of the same property (the user who
chose ``encryption=S3_MANAGED`` chose the bucket's encryption) and the arguments CDK refuses together with
one the user set. Constructs that secure_constructs builds (inside a ``Secure*`` construct, or made by the
library's own code: the stack's key, dead-letter queue and alarm topic) are left as they are.
"""

from __future__ import annotations

import importlib
import sys
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from types import FrameType
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import IPropertyInjector, Stack
from constructs import Construct, IConstruct

from ..nag.declarations import ClassSetting, class_settings, settings_of
from ._replacement import replacing

if TYPE_CHECKING:
    from . import Hardening

#: Arguments CDK refuses together with the one harden() would supply: when the user set one of them, the
#: declared argument is left to the user's choice too. ``(class, argument) -> (arguments)``.
EXCLUSIVE: dict[tuple[str, str], tuple[str, ...]] = {
    ("aws_lambda.Function", "log_group"): (
        "log_retention",
        "log_retention_role",
        "log_retention_retry_options",
        "log_removal_policy",
    ),
    ("aws_lambda.Function", "dead_letter_queue"): ("dead_letter_topic", "dead_letter_queue_enabled"),
    ("aws_apigateway.RestApi", "default_method_options.authorization_type"): (
        "default_method_options.authorizer",
    ),
    ("aws_cognito.UserPool", "standard_threat_protection_mode"): ("advanced_security_mode",),
    ("aws_cognito.UserPool", "custom_threat_protection_mode"): ("advanced_security_mode",),
    ("aws_cognito.UserPoolClient", "disable_o_auth"): ("o_auth",),
    ("aws_s3.Bucket", "block_public_access"): ("public_read_access",),
    ("aws_s3.Bucket", "object_ownership"): ("access_control",),
    ("aws_dynamodb.Table", "point_in_time_recovery_specification"): ("point_in_time_recovery",),
}

#: The construct whose declared defaults the log groups harden() makes take their retention and removal
#: policy from, by the class they serve.
LOG_DEFAULTS_OF = {
    "aws_lambda.Function": "SecureFunction",
    "aws_apigateway.RestApi": "SecureRestApi",
    "aws_apigatewayv2.HttpStage": "SecureHttpApi",
}

_PACKAGE = "secure_constructs"


@dataclass
class Record:
    """What harden() did to one construct of a hardened class (or why it did nothing)."""

    cls: str
    scope: IConstruct
    id: str
    #: argument -> the rule ids of the properties it sets
    supplied: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: argument the user set (kept as given) -> rule ids
    kept: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: argument left unset because the user chose the property through another argument -> which
    left: dict[str, str] = field(default_factory=dict)
    #: argument not supplied because CloudFormation cannot change it in place -> why, and the fix
    not_applied: dict[str, str] = field(default_factory=dict)
    #: what the construct needs that harden() does not make (the account's API Gateway CloudWatch role)
    notes: list[str] = field(default_factory=list)
    #: why the construct's class was excluded (nothing supplied)
    excluded: str | None = None
    #: the construct itself, and its stack, resource and template file, found at synth
    construct: IConstruct | None = None
    logical_id: str | None = None
    template_file: str | None = None

    @property
    def path(self) -> str:
        return f"{self.scope.node.path}/{self.id}"

    def metadata(self) -> dict[str, Any]:
        """The construct metadata ``secure_constructs:harden`` (read by the security report)."""
        out: dict[str, Any] = {"class": self.cls}
        if self.excluded is not None:
            out["excluded"] = self.excluded
        for name in ("supplied", "kept"):
            values = getattr(self, name)
            if values:
                out[name] = {arg: list(rules) for arg, rules in values.items()}
        for name, key in (("left", "left"), ("not_applied", "notApplied")):
            if getattr(self, name):
                out[key] = dict(getattr(self, name))
        if self.notes:
            out["notes"] = list(self.notes)
        return out


def cdk_class(path: str) -> type:
    """``"aws_s3.Bucket"`` -> ``aws_cdk.aws_s3.Bucket``."""
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(f"aws_cdk.{module}"), name)  # type: ignore[no-any-return]


@cache
def _name_mapping(struct: type) -> dict[str, str]:
    return dict(struct.__jsii_name_mapping__)  # type: ignore[attr-defined]


@cache
def _props_struct(cls_path: str) -> type:
    cls = cdk_class(cls_path)
    module = sys.modules[cls.__module__]
    name = cls.__name__
    for candidate in (f"{name}Props", f"{name.removesuffix('V2')}PropsV2"):
        struct = getattr(module, candidate, None)
        if struct is not None and hasattr(struct, "__jsii_name_mapping__"):
            return struct  # type: ignore[no-any-return]
    raise LookupError(f"no props struct for {cls_path}")


@cache
def _field_struct(struct: type, argument: str) -> type:
    """The struct type of a struct argument (``RestApiProps.deploy_options`` -> ``StageOptions``)."""
    hint = typing.get_type_hints(struct.__init__)[argument]  # type: ignore[misc]
    for candidate in typing.get_args(hint):
        if hasattr(candidate, "__jsii_name_mapping__"):
            return candidate  # type: ignore[no-any-return]
    raise LookupError(f"{struct.__name__}.{argument} is not a struct")


def js_path(cls_path: str, argument: str) -> tuple[str, ...]:
    """The JavaScript names of a (dotted) keyword argument: ``("deployOptions", "accessLogFormat")``."""
    struct = _props_struct(cls_path)
    head, _, rest = argument.partition(".")
    names: tuple[str, ...] = (_name_mapping(struct)[head],)
    if rest:
        names += (_name_mapping(_field_struct(struct, head))[rest],)
    return names


def _given(props: Mapping[str, Any], names: tuple[str, ...]) -> bool:
    value: Any = props
    for name in names:
        if not isinstance(value, Mapping):
            return value is not None  # a struct object rather than a plain object: the user's, as a whole
        value = value.get(name)
    return value is not None


def _put(props: dict[str, Any], names: tuple[str, ...], value: Any) -> None:
    if len(names) == 1:
        props[names[0]] = value
        return
    head, name = names
    inner = props.get(head)
    props[head] = {**(dict(inner) if isinstance(inner, Mapping) else {}), name: value}


def rule_ids(entry: ClassSetting) -> tuple[str, ...]:
    return tuple(spec.rule_id for spec in entry.specs)


def _built_by_secure_constructs(frame: FrameType | None) -> bool:
    """Whether secure_constructs' own code is building the construct being injected: a frame of the
    package below the injector's caller (the library's shared key, queue and topic, what a Secure* construct
    or harden() itself builds)."""
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name == _PACKAGE or name.startswith(_PACKAGE + "."):
            return True
        frame = frame.f_back
    return False


@jsii.implements(IPropertyInjector)
class Injector:
    """Applies the declared defaults of one class; registered by :func:`secure_constructs.harden`."""

    def __init__(self, hardening: Hardening, cls_path: str) -> None:
        self.hardening = hardening
        self.cls_path = cls_path
        self.cls = cdk_class(cls_path)
        self.entries = class_settings(cls_path)
        self._id: str = self.cls.PROPERTY_INJECTION_ID  # type: ignore[attr-defined]
        self._names = {entry.argument: js_path(cls_path, entry.argument) for entry in self.entries}

    def inject(self, original_props: Any, *, id: str, scope: Construct) -> Any:
        """The props ``scope``/``id``'s constructor gets (jsii passes the InjectionContext as keywords)."""
        original = original_props
        caller = sys._getframe(1)  # jsii's callback machinery, below it the code that builds the construct
        excluded = self.hardening.excluded.get(self.cls_path)
        if _built_by_secure_constructs(caller) or self.hardening.inside_ours(scope):
            return original
        record = Record(self.cls_path, scope, id)
        self.hardening.records.append(record)
        if excluded is not None:
            record.excluded = excluded
            return original
        given = dict(original or {})  # what the user set; ``props`` gains what harden() supplies
        props = dict(given)
        for entry in self.entries:
            self._supply(entry, given, props, record, scope, id)
        extra = PLUMBING.get(self.cls_path)
        if extra is not None:
            extra(self.hardening, props, record)
        return props

    def _supply(
        self,
        entry: ClassSetting,
        given: Mapping[str, Any],
        props: dict[str, Any],
        record: Record,
        scope: Any,
        id: str,
    ) -> None:
        names = self._names[entry.argument]
        if _given(given, names):
            record.kept[entry.argument] = rule_ids(entry)
            return
        related = [
            other.argument
            for other in self.entries
            if other is not entry
            and set(other.specs) & set(entry.specs)
            and _given(given, self._names[other.argument])
        ]
        related += [
            name
            for name in EXCLUSIVE.get((self.cls_path, entry.argument), ())
            if _given(given, js_path(self.cls_path, name))
        ]
        if related:
            record.left[entry.argument] = f"the user set {', '.join(related)}"
            return
        fixed = [hit for spec in entry.specs for hit in replacing(spec)]
        if fixed and not self.hardening.replace:
            resource_type, path, evidence = fixed[0]
            record.not_applied[entry.argument] = (
                f"changing {resource_type} {path} on a deployed resource replaces it or fails ({evidence}); "
                f"on a new app pass harden(app, replace=True), or set {entry.argument} yourself"
            )
            return
        value = WIRING[(self.cls_path, entry.argument)](self.hardening, scope, id) if entry.wired else (
            entry.setting.value()
        )
        _put(props, names, value)
        record.supplied[entry.argument] = rule_ids(entry)

    # jsii registers only properties and methods as overrides: the id must be a property.
    @property
    def construct_unique_id(self) -> str:
        return self._id


# --- values harden() builds (the WIRED settings) ---------------------------------------------------------


def _log_group(hardening: Hardening, scope: Any, id: str, cls_path: str) -> Any:
    """An encrypted log group beside the construct, retained and kept as long as the declared defaults of
    the Secure* construct that makes the same group say."""
    from .._shared import encrypted_log_group, logs_key

    settings = settings_of(LOG_DEFAULTS_OF[cls_path]).by_argument
    retention = settings["log_retention"][0][0].value()
    removal = settings["log_removal_policy"][0][0].value()
    suffix = "LogGroup" if cls_path == "aws_lambda.Function" else "AccessLogs"
    return encrypted_log_group(
        scope, f"{id}{suffix}", retention=retention, removal_policy=removal, key=logs_key(Stack.of(scope))
    )


def _data_key(hardening: Hardening, scope: Any, id: str) -> Any:
    return hardening.data_key(Stack.of(scope))


def _rest_access_logs(hardening: Hardening, scope: Any, id: str) -> Any:
    from aws_cdk import aws_apigateway as apigw

    return apigw.LogGroupLogDestination(_log_group(hardening, scope, id, "aws_apigateway.RestApi"))


def _rest_access_log_format(hardening: Hardening, scope: Any, id: str) -> Any:
    from .._defaults import apigateway

    return apigateway.access_log_format(apigateway.REST_ACCESS_LOG_FIELDS)


def _http_access_logs(hardening: Hardening, scope: Any, id: str) -> Any:
    from aws_cdk import aws_apigatewayv2 as apigwv2

    from .._defaults import apigateway

    group = _log_group(hardening, scope, id, "aws_apigatewayv2.HttpStage")
    return {
        "destination": apigwv2.LogGroupLogDestination(group),
        "format": apigateway.access_log_format(apigateway.HTTP_ACCESS_LOG_FIELDS),
    }


def _iam_authorizer(hardening: Hardening, scope: Any, id: str) -> Any:
    from aws_cdk import aws_apigatewayv2_authorizers as authorizers

    return authorizers.HttpIamAuthorizer()


def _table_v2_encryption(hardening: Hardening, scope: Any, id: str) -> Any:
    from aws_cdk import aws_dynamodb as dynamodb

    return dynamodb.TableEncryptionV2.customer_managed_key(hardening.data_key(Stack.of(scope)))


def _operations_key(hardening: Hardening, scope: Any, id: str) -> Any:
    from .._shared import operations_key

    return operations_key(Stack.of(scope))


def _dead_letter_queue(hardening: Hardening, scope: Any, id: str) -> Any:
    from ..compute import stack_dead_letter_queue

    return stack_dead_letter_queue(Stack.of(scope))


def _logs_key(hardening: Hardening, scope: Any, id: str) -> Any:
    from .._shared import logs_key

    return logs_key(Stack.of(scope))


def _access_logs_bucket(hardening: Hardening, scope: Any, id: str) -> Any:
    return hardening.access_logs_bucket(Stack.of(scope))


Wiring = Callable[["Hardening", Any, str], Any]

#: How harden() builds the value of each declared setting whose default is WIRED.
WIRING: dict[tuple[str, str], Wiring] = {
    ("aws_lambda.Function", "environment_encryption"): _operations_key,
    ("aws_lambda.Function", "dead_letter_queue"): _dead_letter_queue,
    ("aws_lambda.Function", "log_group"): lambda h, s, i: _log_group(h, s, i, "aws_lambda.Function"),
    ("aws_apigateway.RestApi", "deploy_options.access_log_destination"): _rest_access_logs,
    ("aws_apigateway.RestApi", "deploy_options.access_log_format"): _rest_access_log_format,
    ("aws_apigatewayv2.HttpApi", "default_authorizer"): _iam_authorizer,
    ("aws_apigatewayv2.HttpStage", "access_log_settings"): _http_access_logs,
    ("aws_s3.Bucket", "server_access_logs_bucket"): _access_logs_bucket,
    ("aws_s3.Bucket", "encryption_key"): _data_key,
    ("aws_sqs.Queue", "encryption_master_key"): _data_key,
    ("aws_sns.Topic", "master_key"): _data_key,
    ("aws_dynamodb.Table", "encryption_key"): _data_key,
    ("aws_dynamodb.TableV2", "encryption"): _table_v2_encryption,
    ("aws_secretsmanager.Secret", "encryption_key"): _data_key,
    ("aws_logs.LogGroup", "encryption_key"): _logs_key,
}


# --- what a class needs besides its declared properties --------------------------------------------------

ACCOUNT_ROLE_NOTE = (
    "execution logging (logging_level ERROR) writes through the account's API Gateway CloudWatch role "
    "(AWS::ApiGateway::Account CloudWatchRoleArn, one per account and region): harden() does not create it; "
    "without it the stage fails to deploy. Create it once, e.g. with "
    "secure_constructs.ApiGatewayCloudWatchRole in one stack of the account"
)


def _rest_api_plumbing(hardening: Hardening, props: dict[str, Any], record: Record) -> None:
    """No account-wide CloudWatch role as a side effect of an API (``cloud_watch_role=False``, as
    SecureRestApi); execution logging then needs the account's role, which the record notes."""
    from .._defaults.apigateway import rest_api_props

    names = js_path("aws_apigateway.RestApi", "cloud_watch_role")
    if not _given(props, names):
        _put(props, names, rest_api_props()["cloud_watch_role"])
        record.supplied["cloud_watch_role"] = ()
    logging = "deploy_options.logging_level"
    if logging in record.supplied or _given(props, js_path("aws_apigateway.RestApi", logging)):
        record.notes.append(ACCOUNT_ROLE_NOTE)


PLUMBING: dict[str, Callable[[Hardening, dict[str, Any], Record], None]] = {
    "aws_apigateway.RestApi": _rest_api_plumbing,
}
