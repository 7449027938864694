"""The prices the security report assumes, as data: each with its unit, region and the page it comes from.

All prices are AWS list prices for US East (N. Virginia), us-east-1, in USD, as published on the pages
below when they were read on :data:`PRICES_READ_ON`. Other regions and later price changes differ: the
report prints every price it uses so that a reader can check it. ``kind`` says whether a price is a fixed
monthly charge per resource (``"fixed"``, summed into the estimate) or depends on traffic (``"usage"``,
listed separately and never summed, because a synthesized template says nothing about traffic).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

REGION = "us-east-1"
CURRENCY = "USD"
PRICES_READ_ON = "2026-11-21"

KMS_PAGE = "https://aws.amazon.com/kms/pricing/"
CLOUDWATCH_PAGE = "https://aws.amazon.com/cloudwatch/pricing/"
CLOUDTRAIL_PAGE = "https://aws.amazon.com/cloudtrail/pricing/"
WAF_PAGE = "https://aws.amazon.com/waf/pricing/"
SECRETS_PAGE = "https://aws.amazon.com/secrets-manager/pricing/"
SNS_PAGE = "https://aws.amazon.com/sns/pricing/"
COGNITO_PAGE = "https://aws.amazon.com/cognito/pricing/"
PRIVATELINK_PAGE = "https://aws.amazon.com/privatelink/pricing/"
VPC_PAGE = "https://aws.amazon.com/vpc/pricing/"
ELB_PAGE = "https://aws.amazon.com/elasticloadbalancing/pricing/"
RDS_PROXY_PAGE = "https://aws.amazon.com/rds/proxy/pricing/"
#: Hours in the month the fixed hourly prices below are multiplied by.
HOURS_PER_MONTH = 730


@dataclass(frozen=True)
class Price:
    """One list price: ``amount`` USD per ``unit``; ``kind`` is ``"fixed"`` or ``"usage"``."""

    key: str
    service: str
    item: str
    amount: Decimal
    unit: str
    kind: str
    source: str
    note: str = ""

    def label(self) -> str:
        """``$1.00 per key per month``: the price as a reader wants to see it."""
        return f"{money(self.amount)} {self.unit}"


def money(amount: Decimal) -> str:
    """``Decimal("0.1")`` -> ``"$0.10"``; keeps more digits only when the price has them."""
    quantized = amount.quantize(Decimal("0.01"))
    if quantized == amount:
        return f"${quantized:,.2f}"
    return f"${amount.normalize():f}"


_P = Price

#: Every price the report may use, by key.
PRICES: dict[str, Price] = {
    p.key: p
    for p in (
        # --- fixed monthly charges per resource -------------------------------------------------
        _P("kms_key", "AWS KMS", "Customer managed key", Decimal("1.00"), "per key per month", "fixed",
           KMS_PAGE, "Each automatic rotation adds $1/month for the first two rotations (from year 2); "
           "AWS managed and AWS owned keys are free."),
        _P("alarm_metric", "Amazon CloudWatch", "Standard-resolution alarm", Decimal("0.10"),
           "per alarm metric per month", "fixed", CLOUDWATCH_PAGE,
           "A metric-math alarm is billed per metric in its expression; an anomaly-detection alarm as "
           "3 metrics (the metric and the two band bounds)."),
        _P("alarm_metric_high_res", "Amazon CloudWatch", "High-resolution alarm (period < 60 s)",
           Decimal("0.30"), "per alarm metric per month", "fixed", CLOUDWATCH_PAGE),
        _P("composite_alarm", "Amazon CloudWatch", "Composite alarm", Decimal("0.50"),
           "per alarm per month", "fixed", CLOUDWATCH_PAGE),
        _P("trail_management_first_copy", "AWS CloudTrail", "Trail, first copy of management events",
           Decimal("0.00"), "per trail per month", "fixed", CLOUDTRAIL_PAGE,
           "Creating a trail is free and the first copy of management events in each region is free; "
           "S3 storage of the log files is billed by S3."),
        _P("waf_web_acl", "AWS WAF", "Web ACL", Decimal("5.00"), "per web ACL per month", "fixed", WAF_PAGE),
        _P("waf_rule", "AWS WAF", "Rule or rule group in a web ACL", Decimal("1.00"), "per rule per month",
           "fixed", WAF_PAGE, "Paid managed rule groups (Bot Control, Fraud Control, Marketplace) add "
           "their own fees."),
        _P("secret", "AWS Secrets Manager", "Secret", Decimal("0.40"), "per secret per month", "fixed",
           SECRETS_PAGE, "Replica secrets are billed as secrets."),
        _P("sns_topic", "Amazon SNS", "Standard topic", Decimal("0.00"), "per topic per month", "fixed",
           SNS_PAGE, "Topics have no monthly charge; publishes and deliveries are billed per use."),
        _P("interface_endpoint_az", "AWS PrivateLink", "Interface VPC endpoint, per Availability Zone",
           Decimal("7.30"), "per endpoint per AZ per month", "fixed", PRIVATELINK_PAGE,
           "$0.01 per endpoint-AZ-hour x 730 hours; gateway endpoints (S3, DynamoDB) are free."),
        _P("nat_gateway", "Amazon VPC", "NAT gateway (declared egress)", Decimal("32.85"),
           "per NAT gateway per month", "fixed", VPC_PAGE, "$0.045 per hour x 730 hours."),
        _P("application_load_balancer", "Elastic Load Balancing", "Application Load Balancer",
           Decimal("16.43"), "per load balancer per month", "fixed", ELB_PAGE,
           "$0.0225 per hour x 730 hours, before load balancer capacity units."),
        _P("rds_proxy", "Amazon RDS Proxy", "RDS Proxy (provisioned instance target)", Decimal("21.90"),
           "per proxy per month, 2-vCPU minimum", "fixed", RDS_PROXY_PAGE,
           "$0.015 per vCPU-hour of the target instance, at least 2 vCPUs, x 730 hours; a larger instance "
           "costs proportionally more."),
        # --- per-usage charges (listed, not summed) ---------------------------------------------
        _P("kms_requests", "AWS KMS", "API requests (Encrypt, Decrypt, GenerateDataKey, ...)",
           Decimal("0.03"), "per 10,000 requests", "usage", KMS_PAGE,
           "20,000 requests per month are free across all regions."),
        _P("trail_data_events", "AWS CloudTrail", "Data events (e.g. Lambda Invoke, S3 object API)",
           Decimal("0.10"), "per 100,000 events", "usage", CLOUDTRAIL_PAGE,
           "Every delivered data event is billed, including the first copy."),
        _P("trail_management_extra_copy", "AWS CloudTrail", "Additional copies of management events",
           Decimal("2.00"), "per 100,000 events", "usage", CLOUDTRAIL_PAGE),
        _P("waf_requests", "AWS WAF", "Requests inspected by a web ACL", Decimal("0.60"),
           "per 1 million requests", "usage", WAF_PAGE),
        _P("secret_api_calls", "AWS Secrets Manager", "API calls (GetSecretValue, ...)", Decimal("0.05"),
           "per 10,000 API calls", "usage", SECRETS_PAGE),
        _P("sns_publishes", "Amazon SNS", "Publishes to a standard topic", Decimal("0.50"),
           "per 1 million requests", "usage", SNS_PAGE, "The first 1 million requests per month are free."),
        _P("sns_email", "Amazon SNS", "Email notifications", Decimal("2.00"), "per 100,000 notifications",
           "usage", SNS_PAGE, "The first 1,000 email notifications per month are free."),
        _P("logs_ingestion", "Amazon CloudWatch Logs", "Log ingestion (standard class)", Decimal("0.50"),
           "per GB ingested", "usage", CLOUDWATCH_PAGE),
        _P("waf_logs", "Amazon CloudWatch Logs", "WAF logs (vended logs) ingested", Decimal("0.50"),
           "per GB ingested", "usage", CLOUDWATCH_PAGE,
           "Web ACL logging has no fixed charge; its log records are billed as vended logs (volume "
           "discounts from 10 TB), then stored like any log group."),
        _P("logs_storage", "Amazon CloudWatch Logs", "Log storage (archived, compressed)", Decimal("0.03"),
           "per GB-month stored", "usage", CLOUDWATCH_PAGE),
        _P("endpoint_data", "AWS PrivateLink", "Data processed by interface endpoints", Decimal("0.01"),
           "per GB", "usage", PRIVATELINK_PAGE, "First PB per month in a region."),
        _P("nat_data", "Amazon VPC", "Data processed by a NAT gateway", Decimal("0.045"), "per GB", "usage",
           VPC_PAGE),
        _P("alb_lcu", "Elastic Load Balancing", "Load balancer capacity units", Decimal("0.008"),
           "per LCU-hour", "usage", ELB_PAGE),
        _P("flow_logs", "Amazon CloudWatch Logs", "VPC flow logs (vended logs) ingested", Decimal("0.50"),
           "per GB ingested", "usage", CLOUDWATCH_PAGE, "Volume discounts from 10 TB, then stored like any "
           "log group."),
        _P("cognito_plus_mau", "Amazon Cognito", "Threat protection (Plus feature plan)", Decimal("0.02"),
           "per monthly active user", "usage", COGNITO_PAGE,
           "The Plus plan has no free tier; it replaces the Essentials rate for every MAU of the pool."),
    )
}


def price(key: str) -> Price:
    """The price registered under ``key`` (KeyError names the known keys)."""
    try:
        return PRICES[key]
    except KeyError:
        raise KeyError(f"unknown price {key!r}; known: {', '.join(sorted(PRICES))}") from None


def prices_markdown() -> str:
    """The price table as Markdown rows (``docs/security-report.md`` shows the same table)."""
    lines = ["| Service | Item | Kind | Price | Note |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| {p.service} | {p.item} | {p.kind} | {p.label()} | {p.note} |" for p in PRICES.values()]
    return "\n".join(lines) + "\n"
