"""SecureFunction: an ``aws_lambda.Function`` that is secure by default and cheap in CloudFormation resources.

Per function: an IAM role with one inline policy, the function, and its log group (3 resources). Shared per
stack: the operations KMS key (function environments, log groups, the dead-letter queue) and one dead-letter
queue with its SSL-only queue policy. See docs/compute.md for the KMS scheme and its evidence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import jsii
from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Stack, Token, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IValidation

from .._defaults import lambda_ as defaults
from .._defaults import logs as log_defaults
from .._overrides import Guard
from .._shared import encrypted_log_group, logs_key, operations_key, seconds_of, secure_queue
from .._sources import record_creation_site
from ..acknowledgments import acknowledge, audited_id, check_reason
from ..errors import SecureConstructsError
from ..monitoring.defaults import FunctionAlarmOptions, configure_alarms
from ..monitoring.factory import stack_path_and_name
from ..monitoring.function_alarms import FUNCTION_OWNER_ATTRIBUTE
from ..policy import VPC_NETWORK_INTERFACE_ACTIONS, analyse, role_statement_findings
from ..secrets import classify, classify_resolved

_STAR_ONLY_REASON = (
    "{actions}: the Service Authorization Reference lists no resource type for these actions, so IAM "
    "only accepts Resource '*' for them"
)
_ENV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
#: Set by the Lambda runtime; a function cannot define them (CreateFunction rejects them).
_RESERVED_ENV = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
#: How CDK encodes a token inside a string (``Token.is_unresolved`` on a string looks for it).
_STRING_TOKEN = "${Token["
SECRET_ARN_SUFFIX = "_SECRET_ARN"
PARAMETER_NAME_SUFFIX = "_PARAMETER_NAME"
#: Set on a role object once a SecureFunction runs with it (jsii hands back the same Python object for the
#: same role), so that a second SecureFunction refuses it (SC-FN-001).
_ROLE_MARKER = "_secure_constructs_execution_role"
_ROLE_CHECK_ID = "SecureConstructsOneFunctionPerRole"
_DLQ_ID = "SecureConstructsFunctionDeadLetterQueue"
_XRAY_REASON = (
    "Tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support only Resource '*' "
    "(no X-Ray resource types exist for them), granted when tracing is on, as aws_lambda.Function grants them"
)
#: ``TracingConfig.Mode`` of each ``aws_lambda.Tracing`` that traces (what aws_lambda.Function renders).
_TRACING_MODES: dict[Any, str] = {
    lambda_.Tracing.ACTIVE: "Active",
    lambda_.Tracing.PASS_THROUGH: "PassThrough",
}
_XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
_VPC_REASON = (
    "VPC function: the actions of AWSLambdaVPCAccessExecutionRole, inline; Lambda creates and deletes its "
    "network interfaces before their ids exist, and the ec2:Describe actions support only Resource '*'"
)
_PUBLIC_URL_RULES = (
    # the pack reports a public Function URL once (its invoke permission is part of the same finding)
    "SecureServerless-LambdaUrlAuth",
)
_DLQ_REASON = (
    "This queue is the terminal dead-letter queue of the stack's Lambda functions; a redrive policy on a "
    "dead-letter queue would only move failed events to yet another queue"
)


#: IAM quota: the aggregate size of a role's inline policies (whitespace not counted).
INLINE_POLICY_LIMIT = 10_240
#: Length assumed for a reference (Ref, Fn::GetAtt, Fn::Join ...) once CloudFormation resolves it: a long ARN.
_RESOLVED_REFERENCE_LENGTH = 120


class _InlinePolicyRole(iam.Role):
    """A role whose every added statement lands in one inline policy (no AWS::IAM::Policy resource).

    Its size is checked at synth by the stack's :class:`_StackChecks` (SC-FN-011).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        description: str,
        principal: iam.IPrincipal | None = None,
        statements: list[dict[str, Any]] | None = None,
    ) -> None:
        # The statements known up front are written as one JSON document: one call into the jsii runtime
        # instead of one per statement.
        self._document = (
            iam.PolicyDocument.from_json({"Statement": statements}) if statements else iam.PolicyDocument()
        )
        super().__init__(
            scope,
            id,
            assumed_by=principal if principal is not None else iam.ServicePrincipal("lambda.amazonaws.com"),
            description=description,
            inline_policies={"Function": self._document},
        )

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        # aws_lambda.Function, grants and add_to_role_policy all come through here.
        self._document.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self)

    def add_to_policy(self, statement: iam.PolicyStatement) -> bool:
        return self.add_to_principal_policy(statement).statement_added


def _acknowledge_role_findings(function: SecureFunction) -> None:
    """Acknowledge, with all their reasons, the findings noted on a function's role (once, at synth).

    Runs in the construct-validation phase (:class:`_StackChecks`), which CDK completes before the
    validation plugins run, so the acknowledgments are in place when cdk-nag reports
    (tests/compute: *_lands_in_the_report).
    """
    if not function._role_reasons:
        return
    # The findings sit on the role's CfnRole (inline policy) or on its DefaultPolicy, both below the role;
    # CDK applies an acknowledgment to the closest acknowledging ancestor of a violating resource.
    target = function.role
    acknowledgments = [
        Acknowledgment(
            id=audited_id(rule_id),
            reason=check_reason(target, " | ".join(reasons), f"Acknowledging {rule_id}"),
        )
        for rule_id, reasons in function._role_reasons.items()
    ]
    Validations.of(target).acknowledge(*acknowledgments)


def _policy_size_error(role: _InlinePolicyRole, document: Any) -> str | None:
    """SC-FN-011 when the resolved inline policy would not fit IAM's quota (the deployment would fail)."""
    size = estimated_policy_size(document)
    if size <= INLINE_POLICY_LIMIT:
        return None
    error = SecureConstructsError(
        "SC-FN-011",
        role,
        f"the inline policy is about {size} characters once deployed, over IAM's {INLINE_POLICY_LIMIT}",
        received=f"{len(document.get('Statement', []))} statements",
        fix=(
            "Grant on fewer, broader-named resources (e.g. one statement with several ARNs), or pass "
            "role= a role of your own (its statements then go to AWS::IAM::Policy resources)"
        ),
    )
    return str(error)


def estimated_policy_size(document: Any) -> int:
    """Characters of a resolved policy document as IAM counts them (no whitespace), references counted as
    long ARNs (``_RESOLVED_REFERENCE_LENGTH``), so that the estimate errs on the large side."""

    def render(value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1 and next(iter(value)).startswith(("Ref", "Fn::")):
                return "x" * _RESOLVED_REFERENCE_LENGTH
            return {k: render(v) for k, v in value.items()}
        if isinstance(value, list):
            return [render(v) for v in value]
        return value

    return len(json.dumps(render(document), separators=(",", ":")))


@jsii.implements(IValidation)
class _StackChecks:
    """The synth-time checks of a stack's SecureFunctions, in one validation (one call from the jsii runtime,
    and one ``resolve`` for all roles rather than one per function): the acknowledgments noted on each
    role, each inline policy's size (SC-FN-011), and that no role of a SecureFunction runs another function
    (SC-FN-001)."""

    def __init__(self, stack: Stack) -> None:
        self._stack = stack
        self._roles: list[tuple[str, iam.IRole]] = []
        self._functions: list[SecureFunction] = []
        self._acknowledged = False

    def register(self, function_path: str, role: iam.IRole) -> None:
        self._roles.append((function_path, role))

    def register_function(self, function: SecureFunction) -> None:
        self._functions.append(function)

    def validate(self) -> list[str]:
        if not self._acknowledged:
            self._acknowledged = True
            for function in self._functions:
                _acknowledge_role_findings(function)
        inline = [role for _, role in self._roles if isinstance(role, _InlinePolicyRole)]
        functions = [node for node in self._stack.node.find_all() if isinstance(node, lambda_.CfnFunction)]
        function_roles = [node.role for node in functions]
        role_arns = [role.role_arn for _, role in self._roles]
        resolved = self._stack.resolve([[role._document for role in inline], function_roles, role_arns])
        errors = [
            error
            for role, document in zip(inline, resolved[0], strict=True)
            if (error := _policy_size_error(role, document)) is not None
        ]
        users: dict[str, list[Any]] = {}
        for node, value in zip(functions, resolved[1], strict=True):
            users.setdefault(json.dumps(value, sort_keys=True), []).append(node)
        for (function_path, role), value in zip(self._roles, resolved[2], strict=True):
            found = users.get(json.dumps(value, sort_keys=True), [])
            if len(found) > 1:
                paths = [node.node.path for node in found]
                errors.append(str(_shared_role_error(function_path, role, paths)))
        return errors


def _key(stack: Stack, value: Any) -> str:
    return json.dumps(stack.resolve(value), sort_keys=True)


def _shared_role_error(where: Construct | str, role: iam.IRole, paths: list[str]) -> SecureConstructsError:
    return SecureConstructsError(
        "SC-FN-001",
        where,
        "the execution role is used by more than one function, so each gets the other's permissions",
        received=f"role {role.node.path} used by {', '.join(sorted(paths))}",
        fix="Let SecureFunction create its own role (omit role=), or pass a role that no other function uses",
    )


class SecureFunction(Construct):
    """A Lambda function that is secure by default.

    Defaults: its own role with one inline, least-privilege policy (no AWS managed policies; logging only
    to its own log group); environment encrypted with a customer-managed KMS key; no plaintext secrets in
    the environment; a KMS-encrypted log group with explicit retention; JSON logs; active tracing; the
    newest Python runtime on arm64; explicit memory and timeout; failed asynchronous events kept in a
    KMS-encrypted, SSL-only dead-letter queue; a Function URL only with IAM auth.

    The L1 escape hatch is ``fn.function.node.default_child`` (``aws_lambda.CfnFunction``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        code: lambda_.Code,
        handler: str,
        runtime: lambda_.Runtime | None = None,
        architecture: lambda_.Architecture | None = None,
        memory_size: int = defaults.DEFAULT_MEMORY_MB,
        timeout: Duration = defaults.DEFAULT_TIMEOUT,
        environment: Mapping[str, str] | None = None,
        secrets: Mapping[str, Any] | None = None,
        role: iam.IRole | None = None,
        environment_key: kms.IKey | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        reserved_concurrent_executions: int | None = None,
        function_url: bool | lambda_.FunctionUrlAuthType = False,
        code_signing_config: lambda_.ICodeSigningConfig | None = None,
        log_retention: logs.RetentionDays = log_defaults.DEFAULT_RETENTION,
        log_removal_policy: RemovalPolicy = log_defaults.DEFAULT_REMOVAL_POLICY,
        alarms: bool | FunctionAlarmOptions = True,
        no_alarms_reason: str | None = None,
        overrides: Mapping[str, Any] | None = None,
        accepted_risks: Mapping[str, str] | None = None,
    ) -> None:
        """
        :param code: the function's code (``aws_lambda.Code``). Default: none (required).
        :param handler: the handler, e.g. ``"app.handler"``. Default: none (required).
        :param runtime: the Lambda runtime. Default: the newest Python runtime this aws-cdk-lib knows
            (what cdk-nag's AwsSolutions-L1 and Serverless-LambdaLatestVersion expect).
        :param architecture: the instruction set. Default: ``Architecture.ARM_64`` (Graviton: about 20%
            cheaper per GB-second than x86_64).
        :param memory_size: memory in MB, 128-10240 (SC-FN-006 outside). Default: 512.
        :param timeout: 1 s to 15 min (SC-FN-006 outside); readable as ``fn.timeout`` for alarms.
            Default: 10 seconds.
        :param environment: plain configuration only; a name or value that looks like a secret raises
            SC-FN-004 (the value is never printed). Default: no variables besides the secret references.
        :param secrets: ``{NAME: secret}`` with Secrets Manager secrets (``NAME_SECRET_ARN`` is set to the
            secret's ARN) or SSM SecureString parameters (``NAME_PARAMETER_NAME`` is set to its name);
            read is granted on exactly that secret, and decrypt on its KMS key when it has one.
            Default: no secrets.
        :param role: an execution role that no other function uses (SC-FN-001 otherwise); its statements
            go to its own policies. Default: a new role with one inline policy, used only by this function.
        :param environment_key: the KMS key that encrypts the environment. Default: the stack's
            operations key (rotation on). Lambda decrypts with a grant it creates for this function's
            role, so the role gets no key permission (docs/compute.md says why sharing the key is safe).
        :param dead_letter_queue: where failed asynchronous invocations go. Default: the stack's shared
            dead-letter queue (KMS-encrypted with the stack's operations key, SSL-only, 14 days).
        :param reserved_concurrent_executions: reserve (and cap) concurrency for this function, at least 1
            (SC-FN-008 otherwise). Reserving guarantees capacity and bounds cost and downstream load, but
            takes it from the account's shared pool (default quota 1,000 per Region, of which Lambda
            keeps 100 unreserved): over-reserving throttles other functions. Default: unreserved.
        :param function_url: ``True`` adds a Function URL with ``AWS_IAM`` auth; ``FunctionUrlAuthType.NONE``
            raises SC-FN-007 unless ``accepted_risks={"function_url": reason}``. Default: no Function URL.
        :param code_signing_config: a Lambda code-signing configuration (AWS Signer profiles) that Lambda
            enforces on deployment. Default: none (unsigned code is accepted).
        :param log_retention: retention of the function's log group. Default: one year.
        :param log_removal_policy: what happens to the log group when it leaves the stack.
            Default: ``RemovalPolicy.RETAIN`` (logs are evidence).
        :param alarms: ``True`` attaches the default alarms when the app is synthesized (one combined health
            alarm on errors, throttles, concurrency near its limit and duration near the timeout; one
            invocation-spike anomaly alarm; one backlog alarm per dead-letter queue) to the stack's encrypted
            alarm topic; a ``FunctionAlarmOptions`` tunes them; ``attach_function_alarms(fn, ...)`` called
            before synth replaces them. ``False`` turns them off and needs ``no_alarms_reason``.
            Default: ``True``.
        :param no_alarms_reason: why this function needs no alarms (with ``alarms=False``; SC-GEN-003 when
            missing or vague), recorded in the cloud assembly. Default: none.
        :param overrides: any other ``aws_lambda.Function`` keyword argument (misspelt keys raise
            SC-GEN-001; construct-managed keys raise SC-GEN-004; weakening ``tracing``, ``logging_format``,
            ``recursive_loop`` or ``allow_public_subnet`` raises SC-GEN-002 without a reason).
            Default: no overrides.
        :param accepted_risks: ``{override key or "function_url": reason}`` for deliberate weakenings; the
            reason lands in the validation report. Default: none.
        """
        super().__init__(scope, id)
        record_creation_site(self)
        risks = dict(accepted_risks or {})
        url_reason = risks.pop("function_url", None)
        shared = _shared_of(scope)  # the scope is often the stack itself: no lookup
        # Read once: the default alarms and the checks need them too (each read is a call into jsii).
        self._stack: Stack = shared.stack
        if scope is shared.stack and "/" not in id:  # a child of the stack: its path without asking jsii
            stack_path = stack_path_and_name(shared.stack)[0]
            self._path: str = f"{stack_path}/{id}" if stack_path else id
        else:
            self._path = self.node.path

        # validate
        self._memory_size = _check_memory(self, memory_size)
        self._timeout = _check_timeout(self, timeout)
        _check_reserved(self, reserved_concurrent_executions)
        url_auth = _check_function_url(self, function_url, url_reason)
        plain_env = _check_environment(self, environment or {}, shared.stack)
        secret_env, secret_list, parameters = _check_secrets(self, secrets or {}, plain_env)
        self._secret_env_names = frozenset(secret_env)
        self._secret_names = frozenset(secrets or {})

        guard = Guard(
            self,
            "SecureFunction",
            risks,
            parameters={"log_retention": log_retention, "log_removal_policy": log_removal_policy},
        )
        props = guard.merge(
            lambda_.Function,
            {
                **defaults.function_defaults(),
                "code": code,
                "handler": handler,
                "runtime": runtime or defaults.latest_python_runtime(),
                **({"architecture": architecture} if architecture is not None else {}),
                "memory_size": memory_size,
                "timeout": timeout,
                "reserved_concurrent_executions": reserved_concurrent_executions,
                "code_signing_config": code_signing_config,
            },
            overrides,
            managed=defaults.FUNCTION_MANAGED,
        )

        if props.get("logging_format") != lambda_.LoggingFormat.JSON:
            # log levels exist only for JSON logs: a user who chose text gets none (LambdaJsonLogs says so)
            for level in ("application_log_level_v2", "system_log_level_v2"):
                if level not in (overrides or {}):
                    props.pop(level, None)

        # build: log group, role with its statements, key, queue, function
        self.log_group: logs.LogGroup = encrypted_log_group(
            self,
            "LogGroup",
            retention=log_retention,
            removal_policy=log_removal_policy,
            key=shared.logs_key(),
        )
        self.environment_key: kms.IKey = environment_key or shared.environment_key()
        self.dead_letter_queue: sqs.IQueue | None = dead_letter_queue or shared.dead_letter_queue()
        # Tracing and the dead-letter queue are set on the L1 below rather than passed to aws_lambda.Function,
        # whose statements for them would each be a call back from the jsii runtime into the role; the role
        # gets the same statements (sqs:SendMessage, the X-Ray pair) in its first document instead.
        tracing_mode = _TRACING_MODES.get(props.get("tracing"))
        # DISABLED rather than unset: unset, the L2 turns tracing on by itself for adot_instrumentation
        props["tracing"] = lambda_.Tracing.DISABLED
        region = shared.region if role is None else Stack.of(role).region
        # least privilege: its own log group only; exactly the secrets it was given
        statements = _function_statements(
            shared,
            queue=self.dead_letter_queue,
            tracing=tracing_mode is not None,
            log_group_arn=self.log_group.log_group_arn,
            secrets=[statement for secret in secret_list for statement in _secret_statements(secret, region)],
            region=region,
        )
        self.role: iam.IRole = self._execution_role(role, shared, statements)
        self._role_reasons: dict[str, list[str]] = {}
        shared.checks.register_function(self)  # its role's findings are acknowledged at synth
        for parameter in parameters:
            parameter.grant_read(self.role)  # read on exactly that parameter, decrypt on its key
        props.update(
            environment={**plain_env, **secret_env},
            environment_encryption=self.environment_key,
            role=self.role,
            log_group=self.log_group,
        )
        self.function: lambda_.Function = lambda_.Function(self, "Function", **props)
        # The L2 does not know its dead-letter queue (set on the L1 below): alarms attached to fn.function
        # find it, and the timeout, through this.
        setattr(self.function, FUNCTION_OWNER_ATTRIBUTE, self)
        self._cfn: lambda_.CfnFunction = self.function.node.default_child  # type: ignore[assignment]
        if tracing_mode is not None:
            self._cfn.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode=tracing_mode)
        if self.dead_letter_queue is not None:
            self._cfn.dead_letter_config = lambda_.CfnFunction.DeadLetterConfigProperty(
                target_arn=shared.queue_arn(self.dead_letter_queue)
            )
        if props.get("vpc") is not None:
            self._allow_vpc_networking()
        if tracing_mode is not None:
            for rule_id in role_statement_findings(analyse(_XRAY_ACTIONS, ["*"])):
                self._note(rule_id, _XRAY_REASON)

        self.function_url: lambda_.FunctionUrl | None = (
            self.function.add_function_url(auth_type=url_auth) if url_auth is not None else None
        )
        if url_auth == lambda_.FunctionUrlAuthType.NONE and url_reason is not None:
            # Accepted in so many words: the public URL and its public invoke permissions.
            for rule_id in _PUBLIC_URL_RULES:
                acknowledge(self.function, rule_id, f"Public Function URL accepted on purpose: {url_reason}")
        guard.check(self.function, self.log_group)
        configure_alarms(
            self, alarms, no_alarms_reason, options_type=FunctionAlarmOptions, stack=shared.stack
        )

    # --- construction helpers ---------------------------------------------------------------------------

    def _execution_role(
        self, role: iam.IRole | None, shared: _StackShared, statements: list[dict[str, Any]]
    ) -> iam.IRole:
        path = self._path
        if role is None:
            created = _InlinePolicyRole(
                self,
                "Role",
                description=f"Execution role of {path}"[:1000],
                principal=shared.lambda_principal,
                statements=statements,
            )
            setattr(created, _ROLE_MARKER, True)
            shared.checks.register(path, created)
            return created
        if getattr(role, _ROLE_MARKER, False):
            raise _shared_role_error(self, role, ["another SecureFunction"])
        stack = Stack.of(self)
        arn = _key(stack, role.role_arn)
        users = [
            node.node.path
            for node in Stack.of(role).node.find_all()
            if isinstance(node, lambda_.CfnFunction) and _key(stack, node.role) == arn
        ]
        if users:
            raise _shared_role_error(self, role, users)
        setattr(role, _ROLE_MARKER, True)
        shared.checks.register(path, role)
        for statement in statements:  # to the role's own policies (its DefaultPolicy)
            role.add_to_principal_policy(iam.PolicyStatement.from_json(statement))
        return role

    def add_environment(self, name: str, value: str) -> None:
        """Add a plain configuration variable, with the same checks as ``environment=`` (SC-FN-004 for a
        secret-looking one, SC-FN-009 for a name a secret reference uses).

        :param name: the variable's name. Default: none (required).
        :param value: its value (plain configuration, never a secret). Default: none (required).
        """
        _check_environment(self, {name: value})
        if name in self._secret_env_names or name in self._secret_names:
            raise SecureConstructsError(
                "SC-FN-009",
                self,
                f"environment variable {name} is already set by secrets=",
                received=name,
                fix="Choose another name; secrets= owns NAME and NAME_SECRET_ARN / NAME_PARAMETER_NAME",
            )
        self.function.add_environment(name, value)

    def _allow_vpc_networking(self) -> None:
        # aws_lambda.Function attaches AWSLambdaVPCAccessExecutionRole only to a role it creates itself.
        # The same actions, inline; Lambda creates the ENIs before their ids exist, and the Describe
        # actions support only Resource '*'.
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ManageVpcNetworkInterfaces",
                actions=list(VPC_NETWORK_INTERFACE_ACTIONS),
                resources=["*"],
            )
        )
        for rule_id in role_statement_findings(analyse(VPC_NETWORK_INTERFACE_ACTIONS, ["*"])):
            self._note(rule_id, _VPC_REASON)

    def _note(self, rule_id: str, reason: str) -> None:
        """Record why a finding on the role is acceptable; each finding is acknowledged once, at synth,
        with every reason recorded for it (one finding id can have several causes: X-Ray, VPC, a user's
        statement)."""
        reasons = self._role_reasons.setdefault(rule_id, [])
        if reason not in reasons:
            reasons.append(reason)

    # --- attributes ---------------------------------------------------------------------------------------

    @property
    def timeout(self) -> Duration:
        """The function's timeout (alarms on duration use it)."""
        return self._timeout

    @property
    def memory_size(self) -> int:
        """The function's memory size in MB."""
        return self._memory_size

    # --- verbs --------------------------------------------------------------------------------------------

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``grantee`` to invoke the function (``lambda:InvokeFunction`` on it and its versions)."""
        return self.function.grant_invoke(grantee)

    def add_to_role_policy(self, statement: iam.PolicyStatement, *, reason: str | None = None) -> None:
        """Add ``statement`` to the execution role, refusing broad grants that come without a reason.

        A wildcard action (``s3:*``, ``s3:Get*``, ``*``) or ``NotAction`` raises SC-FN-002, and
        ``Resource: "*"`` (or ``NotResource``) on actions that support resource scoping raises SC-FN-003,
        unless ``reason`` says why; the reason then acknowledges the matching AwsSolutions-IAM5 findings.
        Actions that IAM only accepts on ``*`` (``secure_constructs.policy.STAR_ONLY_ACTIONS``, e.g. X-Ray's)
        need no reason.
        Deny statements are always accepted.

        :param statement: the statement to add. Default: none (required).
        :param reason: why a broad statement is acceptable. Default: no reason (broad statements raise).
        """
        if reason is not None:
            reason = check_reason(self, reason, "A broad policy statement")
        document = statement.to_statement_json()
        if document.get("Effect") == "Deny":
            self.role.add_to_principal_policy(statement)
            return
        actions = _as_list(document.get("Action"))
        resources = _as_list(document.get("Resource")) or (["*"] if "NotResource" in document else [])
        found = analyse(
            actions, resources, not_action="NotAction" in document, not_resource="NotResource" in document
        )
        # Any '*' in an action: cdk-nag's AwsSolutions-IAM5 reports even a narrow one (kms:GenerateDataKey*).
        if (found.starred_actions or found.not_action) and reason is None:
            raise SecureConstructsError(
                "SC-FN-002",
                self,
                "the policy statement allows a wildcard action",
                received=list(found.starred_actions) or {"NotAction": document["NotAction"]},
                fix="List the exact actions the function needs, or pass reason='<why a wildcard is needed>'",
            )
        if (found.star_scoped_actions or found.wildcard_arns) and reason is None:
            raise SecureConstructsError(
                "SC-FN-003",
                self,
                "the policy statement allows Resource '*' (or a wildcard ARN) on actions that support "
                "resource-level scoping",
                received=list(found.star_scoped_actions)
                or [arn for arn, _ in found.wildcard_arns]
                or "NotResource",
                fix=(
                    "Name the exact resource ARNs (or use a grant_* method of the resource), or pass "
                    "reason='<why every resource is needed>'"
                ),
            )
        self.role.add_to_principal_policy(statement)
        # Every finding this statement raises in cdk-nag's packs and in ours (one analyser decides), each
        # acknowledged with the reason; a '*' that IAM alone forces is explained as such.
        star_only = _STAR_ONLY_REASON.format(actions=", ".join(sorted(actions)))
        for rule_id in role_statement_findings(found):
            self._note(rule_id, reason or star_only)

    def grant_from_code(self, resources: Mapping[str, Any] | None = None) -> Any:
        """Grant exactly the AWS SDK calls the function's Python code makes, on exactly the resources named
        by the environment variables it reads (see docs/least-privilege.md). Returns a
        ``least_privilege.CodeGrant`` with the granted statements and every unresolved call (file, line,
        why), which must be declared by hand with :meth:`add_to_role_policy`.

        :param resources: ``{NAME: construct}`` for names the code uses that are not environment variables
            (a literal resource name in the code, or a variable set elsewhere). Default: none.
        """
        from ..least_privilege import grant_from_code

        return grant_from_code(self, resources)

    # --- metrics (delegated to the function) ---------------------------------------------------------------

    def metric_errors(self, **props: Any) -> cloudwatch.Metric:
        """Invocations that ended in a function error (Sum over 5 minutes by default)."""
        return self.function.metric_errors(**props)

    def metric_throttles(self, **props: Any) -> cloudwatch.Metric:
        """Invocation requests that were throttled (Sum over 5 minutes by default)."""
        return self.function.metric_throttles(**props)

    def metric_invocations(self, **props: Any) -> cloudwatch.Metric:
        """Invocations (Sum over 5 minutes by default)."""
        return self.function.metric_invocations(**props)

    def metric_duration(self, **props: Any) -> cloudwatch.Metric:
        """Run time in milliseconds (Average over 5 minutes by default)."""
        return self.function.metric_duration(**props)

    def metric_concurrent_executions(self, **props: Any) -> cloudwatch.Metric:
        """Concurrent executions (Maximum over 5 minutes by default)."""
        return self.function.metric("ConcurrentExecutions", **{"statistic": "Maximum", **props})


# --- validation helpers (pure, construct-time) ------------------------------------------------------------


def _check_memory(where: Construct, memory_size: Any) -> int:
    low, high = defaults.MEMORY_RANGE_MB
    if isinstance(memory_size, bool) or not isinstance(memory_size, int):
        raise SecureConstructsError(
            "SC-FN-006",
            where,
            "memory_size must be a whole number of MB",
            received=memory_size,
            fix=f"Pass an int between {low} and {high}",
        )
    # Only a value out of range can be a token (CDK encodes number tokens as huge negative numbers), so the
    # jsii runtime is asked only then.
    if not low <= memory_size <= high and not Token.is_unresolved(memory_size):
        raise SecureConstructsError(
            "SC-FN-006",
            where,
            f"memory_size must be between {low} and {high} MB",
            received=memory_size,
            fix=f"Pass an int between {low} and {high}",
        )
    return memory_size


def _check_timeout(where: Construct, timeout: Any) -> Duration:
    low, high = defaults.TIMEOUT_RANGE_S
    if not isinstance(timeout, Duration):
        raise SecureConstructsError(
            "SC-FN-006",
            where,
            "timeout must be an aws_cdk.Duration",
            received=timeout,
            fix="Pass e.g. Duration.seconds(10)",
        )
    seconds = seconds_of(timeout)
    if not low <= seconds <= high and not Token.is_unresolved(seconds):
        raise SecureConstructsError(
            "SC-FN-006",
            where,
            f"timeout must be between {low} s and {high} s",
            received=f"{seconds} s",
            fix="Pass e.g. Duration.seconds(10); Lambda allows at most 15 min",
        )
    return timeout


def _check_reserved(where: Construct, reserved: Any) -> None:
    if reserved is None:
        return
    if isinstance(reserved, bool) or not isinstance(reserved, int) or reserved < 1:
        raise SecureConstructsError(
            "SC-FN-008",
            where,
            "reserved_concurrent_executions must be a whole number of at least 1",
            received=reserved,
            fix=(
                "Pass the concurrency to reserve (it is also the cap), or None to use the unreserved pool; "
                "0 would throttle every invocation"
            ),
        )


def _check_function_url(
    where: Construct, function_url: Any, reason: str | None
) -> lambda_.FunctionUrlAuthType | None:
    if function_url is False or function_url is None:
        if reason is not None:
            raise SecureConstructsError(
                "SC-GEN-001",
                where,
                "accepted_risks names 'function_url' but no public Function URL is requested",
                received="function_url",
                fix="Remove 'function_url' from accepted_risks",
            )
        return None
    if function_url is True or function_url == lambda_.FunctionUrlAuthType.AWS_IAM:
        return lambda_.FunctionUrlAuthType.AWS_IAM
    if function_url == lambda_.FunctionUrlAuthType.NONE:
        if reason is None:
            raise SecureConstructsError(
                "SC-FN-007",
                where,
                "a Function URL without IAM auth lets anyone on the internet invoke the function",
                received="FunctionUrlAuthType.NONE",
                fix=(
                    "Use function_url=True (AWS_IAM auth; call it with SigV4), or accept the risk with "
                    "accepted_risks={'function_url': '<why it must be public>'}"
                ),
            )
        check_reason(where, reason, "A public Function URL")
        return lambda_.FunctionUrlAuthType.NONE
    raise SecureConstructsError(
        "SC-GEN-005",
        where,
        "function_url must be a bool or a FunctionUrlAuthType",
        received=function_url,
        fix="Pass function_url=True for an IAM-authenticated Function URL",
    )


def _check_env_name(where: Construct, name: Any, what: str) -> None:
    if not isinstance(name, str) or not _ENV_NAME.match(name) or name in _RESERVED_ENV:
        raise SecureConstructsError(
            "SC-GEN-005",
            where,
            f"{what} name must be a letter followed by letters, digits or '_' and not reserved by Lambda",
            received=name,
            fix="Rename the variable (e.g. ORDERS_TABLE); AWS_REGION and friends are set by Lambda itself",
        )


def _check_environment(
    where: Construct, environment: Mapping[str, Any], stack: Stack | None = None
) -> dict[str, Any]:
    for name, value in environment.items():
        _check_env_name(where, name, "environment variable")
        if isinstance(value, str) and _STRING_TOKEN in value:
            # Only a string holding CDK's token marker can be a token; resolving one without a token gives
            # it back unchanged, and classify_resolved judges a plain string as classify does.
            stack = stack if stack is not None else Stack.of(where)
            why = classify_resolved(name, stack.resolve(value))
        else:
            why = classify(name, value) if isinstance(value, str) else None
        if why is not None:
            raise SecureConstructsError(
                "SC-FN-004",
                where,
                f"environment variable {name} looks like a secret ({why}; value redacted)",
                fix=(
                    f'Pass it with secrets={{"{name}": secret}} instead (a Secrets Manager secret or an SSM '
                    "SecureString parameter); only its ARN or name goes into the environment"
                ),
            )
    return dict(environment)


def _check_secrets(
    where: Construct, secrets: Mapping[str, Any], environment: Mapping[str, Any]
) -> tuple[dict[str, str], list[Any], list[Any]]:
    """The environment variables ``secrets`` set, then the Secrets Manager secrets and the SSM parameters
    among them."""
    env: dict[str, str] = {}
    secret_list: list[Any] = []
    parameters: list[Any] = []
    for name, secret in secrets.items():
        _check_env_name(where, name, "secret")
        if getattr(secret, "secret_arn", None) is not None and hasattr(secret, "grant_read"):
            env_name, value = f"{name}{SECRET_ARN_SUFFIX}", secret.secret_arn
            kind = secret_list
        elif _parameter_type(secret) == "SecureString":
            env_name, value = f"{name}{PARAMETER_NAME_SUFFIX}", secret.parameter_name
            kind = parameters
        else:
            raise SecureConstructsError(
                "SC-FN-005",
                where,
                f"secret {name} is not a Secrets Manager secret or an SSM SecureString parameter",
                received=_describe(secret),
                fix=(
                    "Pass a secretsmanager.ISecret, or an SSM SecureString imported with "
                    "ssm.StringParameter.from_secure_string_parameter_attributes(...)"
                ),
            )
        for clash in (name, env_name):
            if clash in environment or clash in env:
                raise SecureConstructsError(
                    "SC-FN-009",
                    where,
                    f"environment variable {clash} is set both by environment= and by secrets=",
                    received=clash,
                    fix=f"Remove {clash} from environment=; secrets={{'{name}': ...}} sets {env_name} itself",
                )
        env[env_name] = value
        kind.append(secret)
    return env, secret_list, parameters


def _secret_statements(secret: Any, region: str) -> list[dict[str, Any]]:
    """Read on exactly ``secret`` (and decrypt on its key, only through Secrets Manager), as identity
    policy statements for the role's first document.

    ``ISecret.grant_read`` would also put the role into the key's resource policy (its ViaServicePrincipal
    counts as another account), which with an inline role policy is a dependency cycle.
    """
    arn = secret.secret_full_arn or f"{secret.secret_arn}-??????"
    found: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            # the value only: the handler reads it (DescribeSecret, which aws-secretsmanager-caching also
            # calls, is granted by hand when a handler uses that client; LambdaUnusedPermission would say so)
            "Action": "secretsmanager:GetSecretValue",
            "Resource": arn,
        }
    ]
    if secret.encryption_key is not None:
        found.append(
            {
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": secret.encryption_key.key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
            }
        )
    return found


def _parameter_type(candidate: Any) -> str | None:
    try:
        return str(candidate.parameter_type) if getattr(candidate, "parameter_name", None) else None
    except AttributeError:
        return None


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return "a string (value redacted)"
    node = getattr(value, "node", None)
    path = getattr(node, "path", None)
    return f"{type(value).__name__} at {path}" if path else type(value).__name__


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


class _RoleCheckHolder(Construct):
    """Stack-level holder of the synth-time checks of the stack's functions (no CloudFormation resource)."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self.check = _StackChecks(Stack.of(scope))
        self.node.add_validation(self.check)


class _StackShared:
    """What the SecureFunctions of one stack share (keys, dead-letter queue, checks, region), looked up or
    made once per stack instead of once per function: every lookup is a call into the jsii runtime. Kept on
    the stack object itself, so that two apps never share it."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        holder = stack.node.try_find_child(_ROLE_CHECK_ID) or _RoleCheckHolder(stack, _ROLE_CHECK_ID)
        self.checks: _StackChecks = holder.check  # type: ignore[attr-defined]
        self._region: str | None = None
        self._logs_key: kms.Key | None = None
        self._environment_key: kms.Key | None = None
        self._dead_letter_queue: sqs.IQueue | None = None
        self._queues: dict[int, tuple[sqs.IQueue, str, str | None]] = {}
        self._lambda_principal: iam.ServicePrincipal | None = None

    @property
    def lambda_principal(self) -> iam.ServicePrincipal:
        """One ``lambda.amazonaws.com`` principal for every role of the stack (principals are immutable)."""
        if self._lambda_principal is None:
            self._lambda_principal = iam.ServicePrincipal("lambda.amazonaws.com")
        return self._lambda_principal

    @property
    def region(self) -> str:
        if self._region is None:
            self._region = self.stack.region
        return self._region

    def logs_key(self) -> kms.Key:
        if self._logs_key is None:
            self._logs_key = logs_key(self.stack)
        return self._logs_key

    def environment_key(self) -> kms.Key:
        if self._environment_key is None:
            self._environment_key = operations_key(self.stack)
        return self._environment_key

    def dead_letter_queue(self) -> sqs.IQueue:
        if self._dead_letter_queue is None:
            self._dead_letter_queue = _stack_dead_letter_queue(self.stack)
        return self._dead_letter_queue

    def _queue(self, queue: sqs.IQueue) -> tuple[sqs.IQueue, str, str | None]:
        found = self._queues.get(id(queue))
        if found is None or found[0] is not queue:
            key = queue.encryption_master_key
            found = (queue, queue.queue_arn, key.key_arn if key is not None else None)
            self._queues[id(queue)] = found
        return found

    def queue_arn(self, queue: sqs.IQueue) -> str:
        """The queue's ARN, read once per queue."""
        return self._queue(queue)[1]

    def queue_key_arn(self, queue: sqs.IQueue) -> str | None:
        """The ARN of the queue's KMS key (None without one), read once per queue."""
        return self._queue(queue)[2]


_SHARED = "_secure_constructs_functions"


def _shared_of(scope: Construct) -> _StackShared:
    stack = scope if isinstance(scope, Stack) else Stack.of(scope)
    shared: _StackShared | None = getattr(stack, _SHARED, None)
    if shared is None:
        shared = _StackShared(stack)
        setattr(stack, _SHARED, shared)
    return shared


def _function_statements(
    shared: _StackShared,
    *,
    queue: sqs.IQueue | None,
    tracing: bool,
    log_group_arn: str,
    secrets: list[dict[str, Any]],
    region: str,
) -> list[dict[str, Any]]:
    """The statements every SecureFunction's role starts with: delivery to the dead-letter queue and X-Ray
    (what aws_lambda.Function adds for ``dead_letter_queue`` and ``tracing``), writing to its own log group,
    reading its Secrets Manager secrets, and the data keys of an SSE-KMS dead-letter queue.

    Statements added later come after them: an SSM parameter's ``grant_read``, and what the L2 itself adds
    for ``profiling`` or an ``on_failure`` destination (those used to come first; the order has no effect
    on what the policy allows)."""
    statements: list[dict[str, Any]] = []
    if queue is not None:
        statements.append(
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": shared.queue_arn(queue)}
        )
    if tracing:
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                "Resource": "*",
            }
        )
    statements.append(
        {
            "Sid": "WriteOwnLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": log_group_arn,
        }
    )
    statements.extend(secrets)
    # aws_lambda.Function grants only sqs:SendMessage; an SSE-KMS queue also needs the producer to
    # generate and decrypt data keys (SQS Developer Guide, "Amazon SQS key management"), only via SQS.
    key_arn = shared.queue_key_arn(queue) if queue is not None else None
    if key_arn is not None:
        statements.append(
            {
                "Sid": "SendToEncryptedDeadLetterQueue",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"sqs.{region}.amazonaws.com"}},
            }
        )
    return statements


def _stack_dead_letter_queue(scope: Construct) -> sqs.IQueue:
    stack = Stack.of(scope)
    existing = stack.node.try_find_child(_DLQ_ID)
    if existing is not None:
        return existing  # type: ignore[return-value]
    queue = secure_queue(stack, _DLQ_ID)
    acknowledge(queue, "Serverless-SQSRedrivePolicy", _DLQ_REASON)
    return queue


def stack_dead_letter_queue(scope: Construct) -> sqs.IQueue:
    """The dead-letter queue the SecureFunctions of ``scope``'s stack share by default (SSE-KMS with the
    stack's operations key, TLS only), made on first use. ``secure_constructs.harden`` gives it to the plain
    ``aws_lambda.Function``s of the stack too, so that a stack has one such queue."""
    return _stack_dead_letter_queue(scope)
