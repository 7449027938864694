"""The one error family of secure_constructs: stable codes, the construct path, what was received, the fix.

Every construct-time refusal raises :class:`SecureConstructsError`. Codes are stable (tests and users grep
for them) and each is registered in :data:`CODES`; ``docs/ERRORS.md`` is generated from that table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from constructs import IConstruct

_UNSET: Any = object()

#: Every error code with a one-line title. Grouped by area; codes are never reused or renumbered.
CODES: dict[str, str] = {
    # general: overrides and acknowledgments (shared by every construct)
    "SC-GEN-001": "Unknown override key (misspelt or not an argument of the wrapped CDK class).",
    "SC-GEN-002": "An override weakens a security default and no reason was given.",
    "SC-GEN-003": "A reason (for a weakened default, a public route or an acknowledgment) is empty or vague.",
    "SC-GEN-004": "An override sets a property that the construct manages itself.",
    "SC-GEN-005": "A value has the wrong type or is out of range.",
    "SC-GEN-006": "accepted_risks names a setting whose weakening can never be accepted (a fatal rule: "
    "plaintext secret, a function anyone may invoke, unauthenticated identities).",
    # acknowledgments (secure_constructs.acknowledge)
    "SC-ACK-001": "An acknowledgment's expiry date is not a YYYY-MM-DD date.",
    "SC-ACK-002": "An acknowledgment's owner is blank or not a string.",
    "SC-ACK-003": "A finding that can never be acknowledged (severity fatal) was acknowledged.",
    "SC-ACK-004": "The date set as today (context secure_constructs:today or SECURE_CONSTRUCTS_TODAY) is "
    "not a YYYY-MM-DD date.",
    # compute: SecureFunction
    "SC-FN-001": "The role is already used by another function.",
    "SC-FN-002": "A policy statement allows a wildcard action and no reason was given.",
    "SC-FN-003": "A policy statement allows Resource '*' or a wildcard ARN on actions that support resource "
    "scoping.",
    "SC-FN-004": "An environment variable looks like a plaintext secret.",
    "SC-FN-005": "A secret reference is not a Secrets Manager secret or an SSM SecureString parameter.",
    "SC-FN-006": "Memory size or timeout is missing or out of range.",
    "SC-FN-007": "A Function URL without IAM auth was requested.",
    "SC-FN-008": "Reserved concurrency is out of range.",
    "SC-FN-009": "An environment variable name collides with a secret reference.",
    "SC-FN-010": "Python bundling failed (requirements could not be installed for the Lambda platform).",
    "SC-FN-011": "The execution role's inline policy would exceed IAM's 10,240-character limit.",
    # api: SecureRestApi / SecureHttpApi / Auth
    "SC-API-001": "An auth mode the API type does not support (JWT on REST, Cognito on HTTP without JWT).",
    "SC-API-002": "A JWT authorizer without an https issuer or without an audience.",
    "SC-API-003": "A Lambda authorizer result cache longer than the safe bound (5 minutes).",
    "SC-API-004": "An authorizer identity source in the query string.",
    "SC-API-005": "A public route (Auth.public) without a reason.",
    "SC-API-006": "A route method or path that is not valid.",
    "SC-API-007": "The same method and path is routed twice.",
    "SC-API-008": "Invalid CORS options (e.g. any origin '*' together with credentials).",
    "SC-API-009": "The WAF web ACL of a REST API is turned off without a reason.",
    "SC-API-010": "A route handler or authorizer is not a Lambda function.",
    "SC-API-011": "Invalid custom domain options (name, certificate, or TLS older than 1.2).",
    "SC-API-012": "An API key is required on a public route (an API key is not authentication).",
    "SC-API-013": "The stack exceeds CloudFormation's 500 resources; the message says how many routes fit.",
    # identity: SecureUserPool / SecureIdentityPool
    "SC-ID-001": "A callback or logout URL is not https (plain http only for localhost) or is malformed.",
    "SC-ID-002": "The OAuth implicit grant was requested (use the authorization-code grant with PKCE).",
    "SC-ID-003": "The client-credentials grant was requested for a public client (it needs a client secret).",
    "SC-ID-004": "A client or group name is invalid, or a name or group precedence is already used.",
    "SC-ID-005": "OAuth settings were given twice (o_auth override together with callback_urls, logout_urls "
    "or oauth_scopes).",
    "SC-ID-006": "The identity pool has no user-pool client, or a client that is not from its user pool.",
    "SC-ID-007": "A per-user grant was asked for a role that the identity pool does not hand out.",
    "SC-ID-008": "An S3 key prefix for per-user access is malformed.",
    "SC-ID-009": "An action cannot be limited to the caller's own items or objects.",
    "SC-ID-010": "Threat protection is set on a user pool whose feature plan is not Plus.",
    # audit and monitoring
    # (codes SC-AUD-*, SC-MON-*)
    "SC-AUD-001": "A resource given to DataEventsTrail for data events has the wrong type.",
    "SC-AUD-002": "Too many data event resources for the trail's advanced event selectors.",
    "SC-AUD-003": "A trail retention or lifecycle setting is out of range or inconsistent.",
    "SC-MON-001": "Alarm thresholds are not a non-empty mapping of CamelCase disambiguator to thresholds.",
    "SC-MON-002": "An alarm threshold is out of range.",
    "SC-MON-003": "The construct to alarm on is not a supported function, API or web ACL, or lacks a value.",
    "SC-MON-004": "Both an alarm topic and an alarm action were given.",
    "SC-MON-005": "A metric math alarm would reference more than 10 metrics.",
    "SC-MON-006": "Alarms were already attached to (or turned off for) this construct.",
    "SC-MON-007": "A reason for turning alarms off was given, but alarms are on.",
    # network: SecureNetwork
    "SC-NET-001": "The number of Availability Zones of a network is out of range.",
    "SC-NET-002": "An endpoint service name is malformed, or a gateway endpoint is asked for a service other "
    "than S3 or DynamoDB.",
    "SC-NET-003": "Egress is asked for without NetworkEgress.nat(reason).",
    "SC-NET-004": "A function is placed both with network= and with VPC overrides, or in public subnets.",
    # database: SecureDatabaseInstance / SecureDatabaseProxy / grant_db_connect
    "SC-DB-001": "A database construct is not given a SecureNetwork, or a proxy is not given a "
    "SecureDatabaseInstance.",
    "SC-DB-002": "A database user name is malformed or is the master user.",
    "SC-DB-003": "grant_db_connect is given something other than a proxy or an RDS instance, or a "
    "SecureDatabaseInstance that has a proxy to connect through.",
    # alb: SecureAlbRoutes / AlbAuth
    "SC-ALB-001": "The load balancer is not given a SecureNetwork with public subnets.",
    "SC-ALB-002": "A route's authentication is not AlbAuth.cognito, AlbAuth.oidc or AlbAuth.public(reason), "
    "or lacks what it needs (a SecureUserPool and its domain, https endpoints, a SecretValue secret).",
    "SC-ALB-003": "The domain name of the load balancer's routes is malformed.",
    "SC-ALB-004": "A route's path or priority is malformed or already used.",
    "SC-ALB-005": "A route handler is not a Lambda function.",
    # nag pack and its CLI
    "SC-NAG-001": "The nag CLI cannot read a file (missing, unreadable, binary or not UTF-8).",
    "SC-NAG-002": "A template given to the nag CLI is neither valid JSON nor valid YAML.",
    "SC-NAG-003": "A file given to the nag CLI is not a CloudFormation template (no typed Resources).",
    "SC-NAG-004": "CloudFormation include could not load a template (no longer raised: the CLI reads "
    "templates in Python).",
    "SC-NAG-005": "A template given to the nag CLI needs a transform other than SAM (a macro): unchecked "
    "resources.",
    "SC-NAG-006": "A file given to the nag CLI is too large to be a template.",
    "SC-NAG-007": "A template given to the nag CLI is nested too deeply.",
    "SC-NAG-008": "A SAM template cannot be expanded offline (translator error, or an application from "
    "the Serverless Application Repository).",
    "SC-NAG-009": "No template found, or a cdk.out whose manifest or metadata cannot be read.",
    "SC-NAG-010": "An output file of the nag CLI cannot be written.",
    "SC-NAG-011": "The nag CLI needs its optional dependencies for YAML or SAM (pip install "
    "'secure-constructs[scan]').",
    "SC-NAG-012": "The nag CLI failed on a template (a bug in the scanner; the line says which file).",
    # client
    "SC-CLI-001": "The API's region cannot be inferred from its URL (custom domain) and none was given.",
    "SC-CLI-002": "The region given does not match the region in the API's execute-api URL.",
    "SC-CLI-003": "No AWS credentials were found (standard credential chain or the named profile).",
    "SC-CLI-004": (
        "The URL is not https (plain http is accepted for loopback hosts only), has no host, or carries a "
        "user name or password."
    ),
    "SC-CLI-005": "The request body has an unsupported type or could not be read.",
    "SC-CLI-006": "A header that the signer sets itself was passed by the caller.",
    # runtime: JwtLambdaAuthorizer (the CDK side of the JWT authorizer shipped in runtime/)
    "SC-JWT-001": "The issuer or the JWKS URL is not an https URL.",
    "SC-JWT-002": "The audience is empty.",
    "SC-JWT-003": "The scope-to-routes map is empty or a route is not (METHOD, /path).",
    "SC-JWT-004": "An algorithm is not an asymmetric algorithm from the allow-list.",
    "SC-JWT-005": "The result cache TTL or the leeway is out of range.",
    "SC-JWT-006": "A route uses the JWT authorizer but no scope in its scope-to-routes map grants it.",
    # least privilege computed from code (secure_constructs.least_privilege)
    "SC-LP-001": "grant_from_code cannot read the function's code (not Python, or not inline/asset code).",
    "SC-LP-002": "The least-privilege CLI got a missing directory, a malformed --env or an unknown ARN.",
    # security report (secure_constructs.report)
    "SC-RPT-001": "The directory given to the security report holds no synthesized template.",
    "SC-RPT-002": "The security diff got a missing or unreadable cloud assembly, or an unknown option.",
    # harden(app): secure defaults for plain aws-cdk-lib constructs (secure_constructs.hardening)
    "SC-HARDEN-001": "Another property injector is registered for a class harden() hardens (CDK applies one "
    "injector per class and scope).",
    "SC-HARDEN-002": "harden() was called after constructs of the classes it hardens were built, or twice on "
    "one scope.",
    "SC-HARDEN-003": "exclude names a class harden() does not harden, or gives it no reason.",
}


class SecureConstructsError(ValueError):
    """A refused input: ``[CODE] path: problem Received: value. Fix.``

    Attributes mirror the message parts so that callers (and tests) need not parse it.
    Never pass a secret as ``received``: give a redacted description instead.
    """

    def __init__(
        self,
        code: str,
        where: IConstruct | str | None,
        problem: str,
        *,
        fix: str,
        received: Any = _UNSET,
    ) -> None:
        if code not in CODES:
            raise KeyError(f"unregistered error code {code!r}; add it to secure_constructs.errors.CODES")
        self.code = code
        self.path = _path_of(where)
        self.problem = problem.rstrip(".")
        self.fix = fix.rstrip(".")
        self.received = None if received is _UNSET else received
        message = f"[{code}] {self.path}: {self.problem}."
        if received is not _UNSET:
            message += f" Received: {_short(received)}."
        message += f" {self.fix}."
        super().__init__(message)


def _path_of(where: IConstruct | str | None) -> str:
    if where is None:
        return "<no construct>"
    if isinstance(where, str):
        return where
    return str(where.node.path)


def _short(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def codes_markdown() -> str:
    """The error-code table as Markdown (``docs/ERRORS.md`` is this text)."""
    lines = [
        "# Error codes",
        "",
        "Every construct-time refusal raises `secure_constructs.SecureConstructsError` (a `ValueError`)",
        "whose message reads `[CODE] <construct path>: <problem>. Received: <value>. <how to fix>.`",
        "Secret values are never echoed. This file is generated from `secure_constructs/errors.py`.",
        "",
        "| code | meaning |",
        "| --- | --- |",
    ]
    lines += [f"| `{code}` | {title} |" for code, title in CODES.items()]
    return "\n".join(lines) + "\n"

