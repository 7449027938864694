"""Audit: a CloudTrail trail with Lambda data events, hardened storage and security alarms."""

from .security_alarms import SecurityAlarms
from .trail import DataEventsTrail

__all__ = ["DataEventsTrail", "SecurityAlarms"]
