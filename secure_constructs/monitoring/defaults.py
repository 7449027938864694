"""Alarms on by default for SecureFunction and the APIs, attached late so that users can still choose.

A construct asks for its default alarms when it is created (:func:`request_default_alarms`); they are attached
once, when the app is synthesized (work deferred through the stack's context), unless the user attached
alarms explicitly before that (``attach_function_alarms(fn, thresholds=...)`` wins) or opted out with a
reason (``alarms=False`` plus ``no_alarms_reason=...``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sns as sns
from constructs import IConstruct

from .._context import StackContext
from .._defaults import cloudwatch as _d
from ..acknowledgments import check_reason
from ..errors import SecureConstructsError
from .api_alarms import attach_api_alarms
from .function_alarms import ALARMS_ID, FunctionAlarms, has_alarms_or_opted_out, opt_out_of_alarms
from .thresholds import AnomalyThresholds, ApiHealthThresholds, FunctionHealthThresholds, QueueThresholds


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


def attach_default_alarms(
    construct: IConstruct, options: FunctionAlarmOptions | ApiAlarmOptions, *, web_acl: Any = None
) -> bool:
    """Attach ``construct``'s default alarms (for an API, with ``web_acl``'s blocked-requests alarm) unless
    the user attached their own or turned them off; return whether it did."""
    if has_alarms_or_opted_out(construct):
        return False
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
            construct, thresholds=options.thresholds, anomaly=options.anomaly, web_acl=web_acl,
            topic=options.topic, action=options.action,
        )
    return True


def configure_alarms(
    construct: IConstruct,
    alarms: bool | FunctionAlarmOptions | ApiAlarmOptions,
    no_alarms_reason: str | None,
    *,
    options_type: type[FunctionAlarmOptions] | type[ApiAlarmOptions],
) -> None:
    """What a construct's ``alarms=`` / ``no_alarms_reason=`` parameters mean (shared by all constructs).

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
    request_default_alarms(construct, options)


def request_default_alarms(construct: IConstruct, options: FunctionAlarmOptions | ApiAlarmOptions) -> None:
    """Attach ``options``' alarms to ``construct`` at synth, unless it has alarms or opted out by then."""
    StackContext.of(construct).defer(lambda: attach_default_alarms(construct, options))


__all__ = [
    "ApiAlarmOptions",
    "FunctionAlarmOptions",
    "attach_default_alarms",
    "configure_alarms",
    "request_default_alarms",
]
