"""Alarms on by default for SecureFunction and the APIs, attached late so that users can still choose.

A construct asks for its default alarms when it is created (:func:`request_default_alarms`); they are attached
once, when the app is synthesized, unless the user attached alarms explicitly before that
(``attach_function_alarms(fn, thresholds=...)`` wins) or opted out with a reason (``alarms=False`` plus
``no_alarms_reason=...``). One aspect per stack, added to a childless marker construct, does the work, so the
cost is one call per stack rather than one per construct of the tree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import jsii
from aws_cdk import Aspects, IAspect, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sns as sns
from constructs import Construct, IConstruct

from .._defaults import cloudwatch as _d
from ..acknowledgments import check_reason
from ..errors import SecureConstructsError
from .function_alarms import ALARMS_ID, HAS_ALARMS_ATTRIBUTE, OPTED_OUT_ATTRIBUTE, opt_out_of_alarms
from .thresholds import AnomalyThresholds, ApiHealthThresholds, FunctionHealthThresholds, QueueThresholds

MARKER_ID = "SecureConstructsDefaultAlarms"


@dataclass(frozen=True)
class FunctionAlarmOptions:
    """How a SecureFunction's default alarms are made (the parameters of ``attach_function_alarms``).

    :param thresholds: ``{disambiguator: FunctionHealthThresholds}``. Default: ``{"Critical": defaults}``.
    :param anomaly: ``{disambiguator: AnomalyThresholds}`` for the invocation spike. Default: one, "Critical".
    :param invocation_spike: add the invocation-spike anomaly alarm. Default: True.
    :param dead_letter_queue_thresholds: thresholds of the dead-letter queue's backlog alarm. Default: one.
    :param account_concurrency_limit: the account's concurrency quota. Default: 1000.
    :param topic: SNS topic for ALARM and OK. Default: the stack's encrypted alarm topic.
    :param action: an alarm action instead of a topic. Default: none.
    """

    thresholds: Mapping[str, FunctionHealthThresholds] | None = None
    anomaly: Mapping[str, AnomalyThresholds] | None = None
    invocation_spike: bool = True
    dead_letter_queue_thresholds: Mapping[str, QueueThresholds] | None = None
    account_concurrency_limit: int = _d.ACCOUNT_CONCURRENCY_LIMIT
    topic: sns.ITopic | None = None
    action: cloudwatch.IAlarmAction | None = None


@dataclass(frozen=True)
class ApiAlarmOptions:
    """How an API's default alarms are made (the parameters of ``attach_api_alarms``).

    :param thresholds: ``{disambiguator: ApiHealthThresholds}``. Default: ``{"Critical": defaults}``.
    :param anomaly: ``{disambiguator: AnomalyThresholds}`` for the request and WAF spikes. Default: one.
    :param topic: SNS topic for ALARM and OK. Default: the stack's encrypted alarm topic.
    :param action: an alarm action instead of a topic. Default: none.
    """

    thresholds: Mapping[str, ApiHealthThresholds] | None = None
    anomaly: Mapping[str, AnomalyThresholds] | None = None
    topic: sns.ITopic | None = None
    action: cloudwatch.IAlarmAction | None = None


@jsii.implements(IAspect)
class _AttachDefaultAlarms:
    """Attaches, once per synth, the default alarms of every construct of one stack that asked for them."""

    def __init__(self) -> None:
        self.pending: list[tuple[IConstruct, FunctionAlarmOptions | ApiAlarmOptions]] = []

    def visit(self, node: IConstruct) -> None:
        from .api_alarms import attach_api_alarms
        from .function_alarms import FunctionAlarms

        pending, self.pending = self.pending, []
        for construct, options in pending:
            if _has_alarms_or_opted_out(construct):
                continue  # the user attached their own alarms, or turned them off with a reason
            if isinstance(options, FunctionAlarmOptions):
                # What attach_function_alarms does, without repeating the check just made.
                FunctionAlarms(
                    construct,  # type: ignore[arg-type]
                    ALARMS_ID,
                    function=construct,
                    thresholds=options.thresholds,
                    anomaly=options.anomaly,
                    invocation_spike=options.invocation_spike,
                    dead_letter_queue_thresholds=options.dead_letter_queue_thresholds,
                    account_concurrency_limit=options.account_concurrency_limit,
                    topic=options.topic,
                    action=options.action,
                )
            else:
                attach_api_alarms(
                    construct, thresholds=options.thresholds, anomaly=options.anomaly,
                    topic=options.topic, action=options.action,
                )


_ATTRIBUTE = "_secure_constructs_aspect"


def _has_alarms_or_opted_out(construct: IConstruct) -> bool:
    # opt_out_of_alarms (the only writer of the opt-out metadata) and the alarm constructs (the only makers
    # of an Alarms child) mark the object, so neither the metadata nor the children (calls into the jsii
    # runtime per construct) need be read here.
    return bool(
        getattr(construct, OPTED_OUT_ATTRIBUTE, False) or getattr(construct, HAS_ALARMS_ATTRIBUTE, False)
    )


def configure_alarms(
    construct: IConstruct,
    alarms: bool | FunctionAlarmOptions | ApiAlarmOptions,
    no_alarms_reason: str | None,
    *,
    options_type: type[FunctionAlarmOptions] | type[ApiAlarmOptions],
    stack: Stack | None = None,
) -> None:
    """What a construct's ``alarms=`` / ``no_alarms_reason=`` parameters mean (shared by all constructs).

    ``stack`` is the construct's stack when the caller already has it (saves a lookup).

    ``True`` or an options object: default alarms at synth. ``False``: no alarms, and ``no_alarms_reason``
    is required (SC-GEN-003) and recorded in the cloud assembly. A reason together with alarms is an error.
    """
    if alarms is False:
        opt_out_of_alarms(construct, check_reason(construct, no_alarms_reason, "alarms=False"))
        return
    if no_alarms_reason is not None:
        raise SecureConstructsError(
            "SC-MON-007",
            construct,
            "no_alarms_reason is given but alarms are on",
            received=no_alarms_reason,
            fix="Pass alarms=False to turn the alarms off, or drop no_alarms_reason",
        )
    options = options_type() if alarms is True else alarms
    if not isinstance(options, options_type):
        raise SecureConstructsError(
            "SC-GEN-005",
            construct,
            f"alarms must be True, False or a {options_type.__name__}",
            received=type(alarms).__name__,
            fix=f"Pass alarms={options_type.__name__}(...) to tune the default alarms",
        )
    request_default_alarms(construct, options, stack=stack)


def request_default_alarms(
    construct: IConstruct, options: FunctionAlarmOptions | ApiAlarmOptions, *, stack: Stack | None = None
) -> None:
    """Attach ``options``' alarms to ``construct`` at synth, unless it has alarms or opted out by then.

    ``stack`` is the construct's stack when the caller already has it. Default: looked up.
    """
    stack = stack if stack is not None else Stack.of(construct)
    # Found once per stack, then kept on the stack object too (every function asks for it).
    aspect: _AttachDefaultAlarms | None = getattr(stack, _ATTRIBUTE, None)
    if aspect is None:
        marker = stack.node.try_find_child(MARKER_ID)
        if marker is None:
            marker = Construct(stack, MARKER_ID)
        # The aspect lives on the marker object (jsii hands back the same Python object for it), not in a
        # module dict keyed by path: two apps in one process can have the same paths.
        aspect = getattr(marker, _ATTRIBUTE, None)
        if aspect is None:
            aspect = _AttachDefaultAlarms()
            setattr(marker, _ATTRIBUTE, aspect)
            Aspects.of(marker).add(aspect)
        setattr(stack, _ATTRIBUTE, aspect)
    aspect.pending.append((construct, options))


__all__ = [
    "ApiAlarmOptions",
    "FunctionAlarmOptions",
    "configure_alarms",
    "request_default_alarms",
]
