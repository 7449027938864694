"""Secure defaults for AWS WAFv2 web ACLs in front of REST APIs, as plain data."""

from __future__ import annotations

#: AWS managed rule groups every web ACL starts with (name, web ACL capacity units), in evaluation order.
MANAGED_RULE_GROUPS: tuple[tuple[str, int], ...] = (
    ("AWSManagedRulesAmazonIpReputationList", 25),
    ("AWSManagedRulesCommonRuleSet", 700),
    ("AWSManagedRulesKnownBadInputsRuleSet", 200),
    ("AWSManagedRulesSQLiRuleSet", 200),
)

#: Requests per source IP per 5-minute window before the rate-based rule blocks that IP.
RATE_LIMIT_PER_5_MIN = 1000
MIN_RATE_LIMIT = 10
MAX_RATE_LIMIT = 2_000_000_000
