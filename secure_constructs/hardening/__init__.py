"""Secure defaults for an existing app of plain aws-cdk-lib constructs, in one call: ``harden(app)``.

``harden`` registers a property injector for each plain class a serverless app uses (``aws_lambda.Function``,
``RestApi`` and ``LambdaRestApi``, ``HttpApi``, ``UserPool`` and its clients, ``Bucket``, ``Queue``,
``Topic``, ``Table``/``TableV2``, ``Secret``, ``LogGroup``). Each supplies the declared secure defaults of
its class (the declarations of ``secure_constructs.nag``, the same that the pack's rules check) that the
user left unset. One aspect adds, at synth, what is another resource rather than an argument: the default
alarms of each function and API, a WAF web ACL on each REST stage, the risk configuration of a user pool
with threat protection. The stack's key and dead-letter queue are the library's shared ones.

It adds no acknowledgment and no escape-hatch override: an argument the user set is kept as given, and
the pack reports it if it is weaker. What it supplied, kept or left out is written to each construct's
metadata (``secure_constructs:harden``, read by the security report) and to the validation report (plugin
``SecureServerlessHarden``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aws_cdk import PropertyInjectors, Stack, Validations
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct, IConstruct

from ..acknowledgments import check_reason
from ..errors import SecureConstructsError
from ._classes import HARDENED
from ._inject import Injector, Record, cdk_class

__all__ = ["Hardening", "harden"]

#: Purpose of the stack key harden() encrypts application data with (``SecureConstructsKeyData``).
DATA_KEY_PURPOSE = "Data"
_DATA_KEY_DESCRIPTION = (
    "Encrypts the application data of this stack that harden() secured: buckets, queues, topics, tables "
    "and secrets"
)
#: Id of the stack's bucket that receives the server access logs of the buckets harden() secured.
ACCESS_LOGS_ID = "SecureConstructsAccessLogs"
#: Id of the childless construct under the hardened scope whose aspect does harden()'s synth-time work.
MARKER_ID = "SecureConstructsHarden"


class Hardening:
    """What :func:`harden` set up for one scope, and what it did to each construct (``records``)."""

    def __init__(
        self,
        scope: Construct,
        *,
        replace: bool,
        excluded: dict[str, str],
        function_alarms: Any,
        api_alarms: Any,
        waf: Any,
    ) -> None:
        self.scope = scope
        self.replace = replace
        #: class path -> why the user left it alone
        self.excluded = excluded
        self.function_alarms = function_alarms
        self.api_alarms = api_alarms
        self.waf = waf
        #: one per construct of a hardened class, in the order they were built
        self.records: list[Record] = []
        self.injectors: dict[str, Any] = {}
        self._stacks: dict[Stack, dict[str, Any]] = {}
        self._ours: dict[int, tuple[IConstruct, bool]] = {}

    def inside_ours(self, scope: IConstruct) -> bool:
        """Whether ``scope`` is, or is inside, a construct of secure_constructs (a Secure* construct)."""
        chain: list[IConstruct] = []
        node: IConstruct | None = scope
        answer = False
        while node is not None:
            known = self._ours.get(id(node))
            if known is not None and known[0] is node:
                answer = known[1]
                break
            chain.append(node)
            if type(node).__module__.split(".")[0] == "secure_constructs":
                answer = True
                break
            node = node.node.scope
        for item in chain:
            self._ours[id(item)] = (item, answer)
        return answer

    def _per_stack(self, stack: Stack) -> dict[str, Any]:
        return self._stacks.setdefault(stack, {})

    def data_key(self, stack: Stack) -> kms.Key:
        """The stack's key for application data (``SecureConstructsKeyData``), made on first use."""
        from .._shared import stack_key

        cached = self._per_stack(stack)
        if "data_key" not in cached:
            cached["data_key"] = stack_key(stack, DATA_KEY_PURPOSE, description=_DATA_KEY_DESCRIPTION)
        return cached["data_key"]  # type: ignore[no-any-return]

    def access_logs_bucket(self, stack: Stack) -> s3.Bucket:
        """The stack's bucket for server access logs (SSE-S3: S3 log delivery supports no other), made on
        first use with the trail's access-log bucket settings."""
        from .._defaults.cloudtrail import access_logs_bucket_props

        cached = self._per_stack(stack)
        if "access_logs" not in cached:
            cached["access_logs"] = s3.Bucket(stack, ACCESS_LOGS_ID, **access_logs_bucket_props())
        return cached["access_logs"]  # type: ignore[no-any-return]


def harden(
    scope: Construct,
    *,
    replace: bool = False,
    exclude: Iterable[tuple[type, str]] | Mapping[type, str] = (),
    function_alarms: Any = None,
    api_alarms: Any = None,
    waf: Any = None,
) -> Hardening:
    """Give every plain aws-cdk-lib construct built under ``scope`` from now on the declared secure defaults
    the user left unset. Call it once, right after ``App()`` and before the stacks are built.

    :param scope: the app (or a stage or stack): its constructs, and those built inside our ``Secure*``
        constructs excepted, are hardened. Default: none (required).
    :param replace: also supply the properties whose change CloudFormation cannot make in place (it replaces
        the resource, or the update fails), e.g. a user pool's case-insensitive sign-in. Only for an app
        that is not deployed yet. Default: False (they are reported with the fix, in the construct's metadata
        and the validation report).
    :param exclude: ``[(aws_s3.Bucket, "<why these buckets stay as they are>"), ...]`` (or a mapping): classes
        harden() leaves alone; the reason is recorded on each of their constructs. Default: none.
    :param function_alarms: how each function's default alarms are made (``FunctionAlarmOptions``).
        Default: ``FunctionAlarmOptions()`` (on the stack's encrypted alarm topic).
    :param api_alarms: how each REST and HTTP API's default alarms are made (``ApiAlarmOptions``).
        Default: ``ApiAlarmOptions()``.
    :param waf: the web ACL of each REST API stage (``WafOptions``; ``WafOptions.disabled(reason)`` adds
        none, and the pack reports the stage). Default: ``WafOptions()``.
    :returns: what was set up; its ``records`` say, after synth, what each construct was given.

    Raises SC-HARDEN-001 when another property injector is registered on ``scope`` for a class it hardens,
    SC-HARDEN-002 when constructs of those classes already exist under ``scope`` (or it ran there before),
    SC-HARDEN-003 for an ``exclude`` entry that names another class, SC-GEN-003 for a vague reason.
    """
    from ..api.waf import WafOptions
    from ..monitoring import ApiAlarmOptions, FunctionAlarmOptions

    function_alarms = _option(scope, "function_alarms", function_alarms, FunctionAlarmOptions)
    api_alarms = _option(scope, "api_alarms", api_alarms, ApiAlarmOptions)
    waf = _option(scope, "waf", waf, WafOptions)
    waf.check(scope)
    if not isinstance(replace, bool):
        raise SecureConstructsError(
            "SC-GEN-005",
            scope,
            "replace must be True or False",
            received=replace,
            fix="Pass replace=True, or omit it",
        )
    excluded = _excluded(scope, exclude)
    injectors = PropertyInjectors.of(scope)
    theirs: set[str] = set()  # excluded classes whose injector the user registered: it stays
    for cls_path in HARDENED:
        registered = injectors.for_(cdk_class(cls_path).PROPERTY_INJECTION_ID)  # type: ignore[attr-defined]
        if registered is not None and not isinstance(registered, Injector) and cls_path in excluded:
            theirs.add(cls_path)
            continue
        if isinstance(registered, Injector):
            raise SecureConstructsError(
                "SC-HARDEN-002",
                scope,
                "harden() was already called on this scope",
                received="harden()",
                fix="Call harden() once, right after the app is created; pass every option in that call",
            )
        if registered is not None:
            raise SecureConstructsError(
                "SC-HARDEN-001",
                scope,
                f"a property injector for {cls_path} is already registered here, and CDK applies only one "
                "injector per class and scope",
                received=type(registered).__name__,
                fix=f"Drop your injector for {cls_path}, or keep it and pass "
                f"exclude=[({cls_path.split('.')[-1]}, '<why>')] to harden()",
            )
    built = _already_built(scope)
    if built is not None:
        raise SecureConstructsError(
            "SC-HARDEN-002",
            scope,
            "harden() must come before the constructs it hardens: property injectors apply only to "
            "constructs built after them",
            received=built,
            fix="Call harden(app) right after app = App(), before the stacks are built",
        )
    hardening = Hardening(
        scope,
        replace=replace,
        excluded=excluded,
        function_alarms=function_alarms,
        api_alarms=api_alarms,
        waf=waf,
    )
    for cls_path in HARDENED:
        if cls_path in theirs:
            continue
        injector = Injector(hardening, cls_path)
        hardening.injectors[cls_path] = injector
        injectors.add(injector)
    from ._synth import HardenReport, attach

    attach(hardening, MARKER_ID)
    Validations.of(scope).add_plugins(HardenReport(hardening))
    return hardening


def _option(scope: IConstruct, name: str, value: Any, kind: type) -> Any:
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise SecureConstructsError(
            "SC-GEN-005",
            scope,
            f"{name} must be a {kind.__name__}",
            received=type(value).__name__,
            fix=f"Pass {name}={kind.__name__}(...), or omit it for the defaults",
        )
    return value


def _excluded(scope: IConstruct, exclude: Iterable[tuple[type, str]] | Mapping[type, str]) -> dict[str, str]:
    pairs = list(exclude.items()) if isinstance(exclude, Mapping) else list(exclude)
    by_class = {cdk_class(path): path for path in HARDENED}
    out: dict[str, str] = {}
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise SecureConstructsError(
                "SC-HARDEN-003",
                scope,
                "each exclude entry is a (class, reason) pair",
                received=pair if not isinstance(pair, type) else pair.__name__,
                fix="Pass exclude=[(aws_s3.Bucket, '<why these buckets stay as they are>')]",
            )
        cls, reason = pair
        path = by_class.get(cls) if isinstance(cls, type) else None
        if path is None:
            raise SecureConstructsError(
                "SC-HARDEN-003",
                scope,
                "exclude names a class harden() does not harden",
                received=getattr(cls, "__name__", cls),
                fix=f"Name one of {', '.join(p.split('.')[-1] for p in HARDENED)} "
                "(RestApi covers LambdaRestApi)",
            )
        out[path] = check_reason(scope, reason, f"Excluding {path} from harden()")
    return out


def _already_built(scope: IConstruct) -> str | None:
    """The path of a construct of a hardened class already under ``scope``, if any."""
    classes = tuple(cdk_class(path) for path in HARDENED)
    for construct in scope.node.find_all():
        if isinstance(construct, classes):
            return str(construct.node.path)
    return None
