"""Alarms on by default: one factory, fixed alarm families, thresholds as data, an encrypted topic."""

from .api_alarms import ApiAlarms, attach_api_alarms, waf_blocked_requests_metric
from .defaults import ApiAlarmOptions, FunctionAlarmOptions
from .factory import AlarmFactory, CfnBackedAlarm, Condition, MetricStat, alarm_name
from .function_alarms import FunctionAlarms, attach_function_alarms, opt_out_of_alarms, queue_alarms
from .subjects import AlarmedApi, AlarmedFunction, ApiMetrics
from .thresholds import (
    AnomalyThresholds,
    ApiHealthThresholds,
    FunctionHealthThresholds,
    QueueThresholds,
    SecurityEventThresholds,
)
from .topic import alarm_topic

__all__ = [
    "AlarmFactory",
    "AlarmedApi",
    "AlarmedFunction",
    "AnomalyThresholds",
    "ApiAlarmOptions",
    "ApiAlarms",
    "ApiHealthThresholds",
    "ApiMetrics",
    "CfnBackedAlarm",
    "Condition",
    "FunctionAlarmOptions",
    "FunctionAlarms",
    "FunctionHealthThresholds",
    "MetricStat",
    "QueueThresholds",
    "SecurityEventThresholds",
    "alarm_name",
    "alarm_topic",
    "attach_api_alarms",
    "attach_function_alarms",
    "opt_out_of_alarms",
    "queue_alarms",
    "waf_blocked_requests_metric",
]
