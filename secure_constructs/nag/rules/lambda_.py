"""Lambda: who may invoke a function, function URLs, tracing, dead letters, logging, recursion, environment
encryption and secrets. Each rule is declared with the construct setting it checks (see ``RULES``)."""

from __future__ import annotations

from typing import Any

from ...policy import wildcard_arn
from .._model import Cdk, Compliance, Fatal, RuleResult, RuleSpec, Setting, if_, remove, set_
from .._template import MISSING, NO_VALUE, TemplateContext, flatten, get_path, is_intrinsic, props, strings_in
from ._common import E, F, W, expect
from .encryption import aws_managed_key

LAMBDA = "AWS::Lambda::Function"
DYNAMIC_SECRET_PREFIXES = ("{{resolve:secretsmanager:", "{{resolve:ssm-secure:")
#: The condition the self-mutation test adds to a stack for its Fn::If weakenings.
MUTANT_CONDITION = "SecureConstructsMutant"


def _environment(resource: dict[str, Any]) -> dict[str, Any]:
    variables = get_path(props(resource), "Environment", "Variables")
    return variables if isinstance(variables, dict) else {}


def lambda_permission_public(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """A Lambda permission must name a principal, and a service principal needs a source ARN or account that
    names one resource or account (``arn:aws:execute-api:*:*:*`` names none)."""
    p = props(resource)
    principal = ctx.literal(p.get("Principal"), "Principal")
    via_url = p.get("FunctionUrlAuthType") == "NONE" or p.get("InvokedViaFunctionUrl") in (True, "true")
    if principal == "*" and via_url:
        return Compliance.NOT_APPLICABLE  # the public function URL itself: LambdaUrlAuth reports it, once
    if principal == "*":
        # Open to anyone with nothing that narrows the caller: never acceptable, so not acknowledgeable.
        narrowed = any(p.get(key) is not None for key in ("SourceArn", "SourceAccount", "PrincipalOrgID"))
        return ["Principal::*" if narrowed else Fatal("Principal::*")]
    service = isinstance(principal, str) and principal.endswith(".amazonaws.com")
    source_arn, source_account = p.get("SourceArn"), p.get("SourceAccount")
    if service and source_arn is None and source_account is None:
        return [f"NoSource::{principal}"]
    text = flatten(source_arn) if source_arn is not None else None
    if (
        service
        and source_account is None
        and text is not None
        and wildcard_arn(text) in ("account", "partition", "resource", "resource name")
    ):
        return [(f"NoSource::{principal}", f"SourceArn {text} names no one resource or account")]
    return Compliance.COMPLIANT


def lambda_url_auth(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Function URLs use IAM auth (AuthType AWS_IAM)."""
    why = ctx.insecure_when(
        props(resource).get("AuthType"), lambda v: ctx.literal(v, "AuthType") != "AWS_IAM"
    )
    return [] if why is None else [(None, f"AuthType is not AWS_IAM{why}")]


def lambda_env_kms(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """A function with environment variables encrypts them with a customer managed KMS key."""
    if not _environment(resource):
        return Compliance.NOT_APPLICABLE
    why = ctx.insecure_when(
        props(resource).get("KmsKeyArn"), lambda v: v is MISSING or v in (None, "") or aws_managed_key(v)
    )
    return [] if why is None else [(None, f"KmsKeyArn is absent or an AWS managed key{why}")]


lambda_tracing = expect("TracingConfig.Mode", lambda v: v == "Active")


def lambda_dead_letter(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Failed asynchronous invocations are kept: a dead-letter queue or topic, or an on-failure destination
    (``AWS::Lambda::EventInvokeConfig`` of this function)."""
    for _, config in ctx.of_type("AWS::Lambda::EventInvokeConfig"):
        if logical_id not in ctx.references(props(config).get("FunctionName")):
            continue
        for destination, _ in ctx.at(props(config), "DestinationConfig.OnFailure.Destination"):
            if destination is MISSING or destination in (None, ""):
                break  # absent in some branch: the dead-letter target must cover it
        else:
            return Compliance.COMPLIANT
    return _dead_letter_target(logical_id, resource, ctx)


_dead_letter_target = expect(
    "DeadLetterConfig.TargetArn", lambda v: v not in (MISSING, None, ""), literal=False
)
lambda_log_group = expect("LoggingConfig.LogGroup", lambda v: v not in (MISSING, None, ""), literal=False)
lambda_json_logs = expect("LoggingConfig.LogFormat", lambda v: v == "JSON")
# absent means Terminate, Lambda's default
lambda_recursive_loop = expect("RecursiveLoop", lambda v: v in (MISSING, "Terminate"))


def _public_subnet(ctx: TemplateContext, subnet: str) -> bool:
    p = props(ctx.resources[subnet])
    if p.get("MapPublicIpOnLaunch") in (True, "true"):
        return True
    for _, association in ctx.of_type("AWS::EC2::SubnetRouteTableAssociation"):
        ap = props(association)
        if subnet not in ctx.references(ap.get("SubnetId")):
            continue
        tables = ctx.references(ap.get("RouteTableId"))
        for _, route in ctx.of_type("AWS::EC2::Route"):
            rp = props(route)
            if not tables & ctx.references(rp.get("RouteTableId")):
                continue
            gateway = rp.get("GatewayId")
            target = ctx.target(gateway)
            if (target and ctx.type_of(target) == "AWS::EC2::InternetGateway") or (
                isinstance(gateway, str) and gateway.startswith("igw-")
            ):
                return True
    return False


def lambda_public_subnet(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """A function in a VPC is not placed in a public subnet (one that routes to an internet gateway): it
    gets no public IP there, so it has no internet access, and its only effect is a wider network path."""
    subnets = get_path(props(resource), "VpcConfig", "SubnetIds")
    found = sorted(
        ref
        for value in (subnets if isinstance(subnets, list) else [subnets])
        for ref in ctx.references(value)
        if ctx.type_of(ref) == "AWS::EC2::Subnet" and _public_subnet(ctx, ref)
    )
    if subnets is None:
        return Compliance.NOT_APPLICABLE
    return [(f"Subnet::{ref}", "the subnet routes to an internet gateway") for ref in found]


def lambda_env_plaintext_secret(
    logical_id: str, resource: dict[str, Any], ctx: TemplateContext
) -> RuleResult:
    """No environment variable holds a plaintext secret (the reason is reported, never the value).

    Literal parts of Fn::Join/Fn::Sub values are judged too (``postgres://app:<password>@${Endpoint}``);
    resolved secrets (dynamic references) are left to SecretValueExposed, so each weakness is one finding.
    """
    from ...secrets import classify_resolved

    findings: list[str | tuple[str | None, str]] = []
    for name, value in _environment(resource).items():
        why = None if resolves_secret(value) else classify_resolved(str(name), value)
        if why:
            findings.append((f"Env::{name}", why))
    return findings


def resolves_secret(value: Any) -> bool:
    """Whether a dynamic reference in ``value`` resolves a secret into plain text at deploy time."""
    return any(prefix in text for text in strings_in(value) for prefix in DYNAMIC_SECRET_PREFIXES)


def secret_value_exposed(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Secret values are not resolved (dynamic references) into environments or stack outputs."""
    if resource.get("Type") == "Output":
        return Compliance.NON_COMPLIANT if resolves_secret(resource.get("Value")) else Compliance.COMPLIANT
    return [f"Env::{name}" for name, value in _environment(resource).items() if resolves_secret(value)]


def lambda_inline_code_secret(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Inline function code (Code.ZipFile) contains no hard-coded secret."""
    from ...secrets import scan_code

    code = get_path(props(resource), "Code", "ZipFile")
    if code is None:
        return Compliance.NOT_APPLICABLE
    text = code if isinstance(code, str) else flatten(code)
    if text is None or (is_intrinsic(code) and "Fn::Join" not in code and "Fn::Sub" not in code):
        return Compliance.NOT_APPLICABLE
    return sorted({f"Code::{why.replace('::', ':')}" for why in scan_code(text)})


FN = "SecureFunction"
#: The plain class ``harden()`` gives the same properties (``via="harden"``).
L2 = "aws_lambda.Function"
#: What SecureFunction changes that is not a security property, and why.
NOT_SECURITY_RELEVANT = {
    (LAMBDA, "Architectures"): "cost and performance: arm64 (Graviton) is about 20% cheaper per GB-second",
    (
        LAMBDA,
        "MemorySize",
    ): "sizing: 512 MB instead of 128 MB gives a Python function CPU enough for cold starts",
    (LAMBDA, "Timeout"): "sizing: 10 s fails fast behind API Gateway; the duration alarm watches it",
}
_PLAINTEXT_PASSWORD = "correct-Horse7-battery!"  # what a mutant writes; no real secret

RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "LambdaPermissionPublic",
        "auth",
        ("AWS::Lambda::Permission",),
        "The Lambda permission allows any principal, or a service without a source ARN/account.",
        "Name the calling principal, and for a service principal set SourceArn (or SourceAccount) to one "
        "resource or account, so that another account's resource cannot invoke the function (confused "
        "deputy). A SourceArn with a wildcard account, region or name narrows nothing.",
        E,
        lambda_permission_public,
        paths=("Principal", "SourceArn", "SourceAccount", "FunctionUrlAuthType"),
        finding_ids=("Principal::*", "NoSource::<service principal>"),
        mutations=(
            remove("SourceArn"),
            set_("SourceArn", "arn:aws:execute-api:eu-west-1:*:*"),
            set_("Principal", "*"),
        ),
    ),
    RuleSpec(
        "LambdaUrlAuth",
        "auth",
        ("AWS::Lambda::Url",),
        "The function URL has AuthType NONE.",
        "Use AuthType AWS_IAM and sign requests (SigV4), or put the function behind an API with an "
        "authorizer.",
        E,
        lambda_url_auth,
        paths=("AuthType",),
        settings=(Setting(FN, "function_url", True, via="parameter"),),
        mutations=(set_("AuthType", "NONE"), if_("AuthType", "NONE")),
    ),
    RuleSpec(
        "LambdaEnvKms",
        "encryption",
        (LAMBDA,),
        "The function's environment variables are not encrypted with a customer managed KMS key.",
        "Set KmsKeyArn (environment_encryption in CDK) to a customer managed key with rotation on; an "
        "AWS managed key (alias/aws/lambda) cannot be restricted by a key policy.",
        E,
        lambda_env_kms,
        paths=("KmsKeyArn",),
        settings=(
            Setting(FN, "environment_key", via="parameter"),
            Setting(L2, "environment_encryption", via="harden"),
        ),
        mutations=(
            remove("KmsKeyArn"),
            set_("KmsKeyArn", "arn:aws:kms:eu-west-1:111122223333:alias/aws/lambda"),
            if_("KmsKeyArn", NO_VALUE),
        ),
    ),
    RuleSpec(
        "LambdaTracing",
        "logging",
        (LAMBDA,),
        "The function does not trace with AWS X-Ray (TracingConfig.Mode is not Active).",
        "Set TracingConfig.Mode to Active (tracing=Tracing.ACTIVE in CDK): traces show which calls a request "
        "made and where it failed, which an investigation needs.",
        E,
        lambda_tracing,
        paths=("TracingConfig",),
        settings=(Setting(FN, "tracing", Cdk("aws_lambda.Tracing.ACTIVE")),),
        stock_ids=("Serverless-LambdaTracing",),
        mutations=(
            remove("TracingConfig"),
            set_("TracingConfig.Mode", "PassThrough"),
            if_("TracingConfig.Mode", "PassThrough"),
        ),
    ),
    RuleSpec(
        "LambdaDeadLetterQueue",
        "monitoring",
        (LAMBDA,),
        "Failed asynchronous invocations of the function are dropped (no dead-letter queue or on-failure "
        "destination).",
        "Set DeadLetterConfig.TargetArn to an encrypted queue (dead_letter_queue in CDK), or an "
        "AWS::Lambda::EventInvokeConfig with an OnFailure destination, so that failed events can be "
        "inspected and replayed.",
        E,
        lambda_dead_letter,
        paths=("DeadLetterConfig",),
        settings=(
            Setting(FN, "dead_letter_queue", via="parameter"),
            Setting(L2, "dead_letter_queue", via="harden"),
        ),
        stock_ids=("Serverless-LambdaDLQ",),
        mutations=(remove("DeadLetterConfig"), if_("DeadLetterConfig", NO_VALUE)),
    ),
    RuleSpec(
        "LambdaLogGroup",
        "logging",
        (LAMBDA,),
        "The function logs to the implicit /aws/lambda log group (no LoggingConfig.LogGroup).",
        "Set LoggingConfig.LogGroup to a log group of the stack with KMS encryption and a retention "
        "(log_group in CDK); the implicit group keeps logs forever, unencrypted.",
        E,
        lambda_log_group,
        paths=("LoggingConfig.LogGroup",),
        settings=(Setting(FN, "its log group", via="wired"), Setting(L2, "log_group", via="harden")),
        mutations=(
            remove("LoggingConfig"),
            remove("LoggingConfig.LogGroup"),
            if_("LoggingConfig.LogGroup", NO_VALUE),
        ),
    ),
    RuleSpec(
        "LambdaJsonLogs",
        "logging",
        (LAMBDA,),
        "The function's logs are plain text (LoggingConfig.LogFormat is not JSON).",
        "Set LoggingConfig.LogFormat to JSON (logging_format=LoggingFormat.JSON in CDK): structured logs "
        "can be filtered and alarmed on reliably, and carry the request id on every line.",
        W,
        lambda_json_logs,
        paths=(
            "LoggingConfig.LogFormat",
            "LoggingConfig.ApplicationLogLevel",
            "LoggingConfig.SystemLogLevel",
        ),
        settings=(Setting(FN, "logging_format", Cdk("aws_lambda.LoggingFormat.JSON")),),
        mutations=(set_("LoggingConfig.LogFormat", "Text"), if_("LoggingConfig.LogFormat", "Text")),
    ),
    RuleSpec(
        "LambdaRecursiveLoop",
        "general",
        (LAMBDA,),
        "Recursive-loop detection is off (RecursiveLoop Allow): a runaway loop between the function and a "
        "queue or topic keeps running, and billing.",
        "Remove RecursiveLoop or set it to Terminate (recursive_loop=RecursiveLoop.TERMINATE in CDK).",
        E,
        lambda_recursive_loop,
        paths=("RecursiveLoop",),
        settings=(Setting(FN, "recursive_loop", Cdk("aws_lambda.RecursiveLoop.TERMINATE")),),
        mutations=(set_("RecursiveLoop", "Allow"), if_("RecursiveLoop", "Allow")),
    ),
    RuleSpec(
        "LambdaPublicSubnet",
        "network",
        (LAMBDA,),
        "The function is placed in a public subnet (one with a route to an internet gateway).",
        "Use private subnets: a function gets no public IP, so a public subnet gives it no internet access "
        "and only a wider network path. Subnets not defined in the template are not judged.",
        E,
        lambda_public_subnet,
        paths=("VpcConfig", ("AWS::EC2::Subnet", "MapPublicIpOnLaunch")),
        finding_ids=("Subnet::<logical id>",),
        settings=(Setting(FN, "allow_public_subnet", False),),
        mutations=(set_("MapPublicIpOnLaunch", True, target="AWS::EC2::Subnet"),),
    ),
    RuleSpec(
        "LambdaEnvPlaintextSecret",
        "secrets",
        (LAMBDA,),
        "An environment variable holds what looks like a plaintext secret.",
        "Store the value in Secrets Manager (or an SSM SecureString), pass its ARN/name in the "
        "environment and read it at run time; grant the function read access to that secret only.",
        F,
        lambda_env_plaintext_secret,
        paths=("Environment",),
        finding_ids=("Env::<variable>",),
        settings=(Setting(FN, "environment", via="parameter"),),
        mutations=(set_("Environment.Variables.DB_PASSWORD", _PLAINTEXT_PASSWORD),),
    ),
    RuleSpec(
        "SecretValueExposed",
        "secrets",
        (LAMBDA, "Output"),
        "A secret value is resolved (dynamic reference) into an environment variable or a stack output.",
        "A resolved secret is stored in plain text in the function configuration or the stack outputs. "
        "Pass the secret's ARN or name instead and read it at run time (a finding on an output cannot be "
        "acknowledged: CDK maps outputs to no construct).",
        F,
        secret_value_exposed,
        paths=("Environment",),
        finding_ids=("Env::<variable>",),
        mutations=(
            set_(
                "Environment.Variables.DB_PASSWORD",
                "{{resolve:secretsmanager:prod/db:SecretString:password}}",
            ),
        ),
    ),
    RuleSpec(
        "LambdaInlineCodeSecret",
        "secrets",
        (LAMBDA,),
        "The function's inline code contains a hard-coded secret.",
        "Move the secret to Secrets Manager and read it at run time; rotate the leaked value.",
        F,
        lambda_inline_code_secret,
        paths=("Code",),
        finding_ids=("Code::<what was found, with its line>",),
        mutations=(set_("Code.ZipFile", "API_KEY = 'AKIAIOSFODNN7EXAMPLE'\n"),),
    ),
)
