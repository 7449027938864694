"""The plain data model of a security report: what :mod:`.collect` reads from a cloud assembly and
:mod:`.render` prints. No CDK here: everything comes from the synthesized templates and the validation report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .pricing import Price


@dataclass(frozen=True)
class Route:
    """One API route: a REST API method or an HTTP API route."""

    stack: str
    api: str
    kind: str  # "REST" or "HTTP"
    method: str
    path: str
    auth: str  # IAM, Cognito, Lambda token, Lambda request, JWT, NONE (or the raw type when unknown)
    authorizer: str = ""
    construct_path: str = ""
    reason: str = ""  # for a public route: the acknowledgment reasons that accept it
    preflight: bool = False  # an OPTIONS method with a mock integration (CORS preflight, no backend)
    function: str = ""  # the Lambda function the route invokes (its display name), "" when none
    api_path: str = ""  # the API's construct path (or stack/logical id): tells two APIs of one name apart

    @property
    def public(self) -> bool:
        return self.auth == "NONE"


@dataclass(frozen=True)
class Permission:
    """One action of one policy statement, with every resource that statement names."""

    effect: str
    action: str
    resources: tuple[str, ...]
    policy: str
    condition: str = ""


@dataclass(frozen=True)
class Alarm:
    """A CloudWatch metric alarm, with the number of metrics it is billed for."""

    stack: str
    logical_id: str
    name: str
    metric: str
    condition: str
    kind: str  # "standard", "metric math", "anomaly detection"
    billed_metrics: int
    high_resolution: bool
    referenced: tuple[str, ...]  # logical ids of resources its dimensions reference


@dataclass
class Function:
    """A Lambda function and the security properties a reviewer asks about."""

    stack: str
    logical_id: str
    name: str
    role: str
    permissions: list[Permission] = field(default_factory=list)
    managed_policies: list[str] = field(default_factory=list)  # policies not in the template (AWS managed)
    kms_key: str = ""
    dlq: str = ""
    alarms: list[Alarm] = field(default_factory=list)
    data_stores: list[str] = field(default_factory=list)  # display names of the stores its role may use


@dataclass(frozen=True)
class Trail:
    """A CloudTrail trail and what it records."""

    stack: str
    logical_id: str
    name: str
    logging: bool
    multi_region: bool
    log_file_validation: bool
    kms_key: str
    management_events: bool
    data_events: tuple[str, ...]  # readable selector summaries, e.g. "AWS::Lambda::Function: Fn1, Fn2"
    covered_functions: tuple[str, ...]  # names of functions whose invocations it records


@dataclass(frozen=True)
class Endpoint:
    """A VPC endpoint: its service, kind, Availability Zones and whether its policy is limited to the
    account (VpcEndpointPolicy)."""

    service: str
    kind: str  # "Gateway" or "Interface"
    zones: int
    limited: bool


@dataclass(frozen=True)
class Network:
    """A VPC and what it lets its functions reach."""

    stack: str
    name: str
    endpoints: tuple[Endpoint, ...]
    nat_gateways: int
    egress_reasons: tuple[str, ...]  # the declarations on its subnets
    flow_logs: bool
    functions: tuple[str, ...]  # functions placed in it


@dataclass(frozen=True)
class Database:
    """An RDS instance, cluster or proxy and its access properties (the rds rules' verdicts)."""

    stack: str
    name: str
    kind: str  # "instance", "cluster" or "proxy"
    checks: tuple[tuple[str, bool], ...]  # (property, holds)


@dataclass(frozen=True)
class LoadBalancerRoute:
    """A route of an Application Load Balancer listener (or its default action)."""

    stack: str
    load_balancer: str
    listener: str
    priority: str
    paths: str
    action: str  # what it does: "forward", "redirect", "fixed-response"
    auth: str  # "Cognito", "OIDC" or "NONE"
    unauthenticated: str  # "deny", "authenticate", "allow" or ""
    reason: str = ""


@dataclass(frozen=True)
class Finding:
    """One violating construct of validation-report.json; ``reason`` (and ``owner``, ``expires`` when the
    acknowledgment named them) are set for acknowledged ones."""

    plugin: str
    rule: str
    path: str
    description: str = ""
    reason: str = ""
    owner: str = ""
    expires: str = ""
    severity: str = "error"


@dataclass(frozen=True)
class Hardened:
    """What ``harden()`` did to one construct (its ``secure_constructs:harden`` metadata)."""

    path: str
    cls: str
    supplied: dict[str, list[str]] = field(default_factory=dict)  # argument -> rule ids it sets
    kept: dict[str, list[str]] = field(default_factory=dict)  # arguments the user set
    left: dict[str, str] = field(default_factory=dict)  # argument -> why it was left to the user
    not_applied: dict[str, str] = field(default_factory=dict)  # argument -> why, and the fix
    notes: list[str] = field(default_factory=list)  # what the construct needs besides
    excluded: str = ""  # why its class was excluded


@dataclass(frozen=True)
class CostLine:
    """``count`` resources times ``price``; ``detail`` says what was counted."""

    price: Price
    count: int
    detail: str = ""

    @property
    def monthly(self) -> Decimal:
        return self.price.amount * self.count


@dataclass
class Report:
    """Everything the report shows, in reading order."""

    outdir: str
    stacks: list[str] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    alarms: list[Alarm] = field(default_factory=list)
    trails: list[Trail] = field(default_factory=list)
    networks: list[Network] = field(default_factory=list)
    databases: list[Database] = field(default_factory=list)
    load_balancer_routes: list[LoadBalancerRoute] = field(default_factory=list)
    acknowledgments: list[Finding] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    hardened: list[Hardened] = field(default_factory=list)
    has_validation_report: bool = False
    fixed_costs: list[CostLine] = field(default_factory=list)
    usage_costs: list[CostLine] = field(default_factory=list)
    data_stores: dict[str, str] = field(default_factory=dict)  # display name -> resource type

    @property
    def fixed_monthly_total(self) -> Decimal:
        return sum((line.monthly for line in self.fixed_costs), Decimal("0"))
