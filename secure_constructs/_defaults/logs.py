"""Secure defaults for CloudWatch Logs log groups."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs

#: One year: long enough for incident investigation and typical audit look-backs, bounded in cost.
DEFAULT_RETENTION = logs.RetentionDays.ONE_YEAR
#: Logs are evidence: they outlive the stack unless the user chooses otherwise (e.g. DESTROY in a sandbox).
DEFAULT_REMOVAL_POLICY = RemovalPolicy.RETAIN
