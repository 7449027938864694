"""SecureFunction: an ``aws_lambda.Function`` that is secure by default and cheap in CloudFormation resources.

Per function: an IAM role with one inline policy, the function, and its log group (3 resources). Shared per
stack: the operations KMS key (function environments, log groups, the dead-letter queue) and one dead-letter
queue with its SSL-only queue policy. See docs/compute.md for the KMS scheme and its evidence.

The construct reads top-down here; its role and statements are in ``_role``, the checks of its arguments
in ``_validation``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .._context import StackContext
from .._defaults import lambda_ as defaults
from .._defaults import logs as log_defaults
from .._overrides import Guard
from .._shared import encrypted_log_group, logs_key, operations_key, secure_queue
from .._sources import record_creation_site
from ..acknowledgments import acknowledge, check_reason
from ..errors import SecureConstructsError
from ..monitoring.defaults import FunctionAlarmOptions, configure_alarms
from ..monitoring.subjects import reserved_concurrency
from ._role import (
    added_statement_findings,
    execution_role,
    function_statements,
    secret_statements,
    vpc_networking_statement,
    xray_findings,
)
from ._validation import (
    check_db_user,
    check_environment,
    check_function_url,
    check_memory,
    check_reserved,
    check_secrets,
    check_timeout,
)

_DLQ_ID = "SecureConstructsFunctionDeadLetterQueue"
_DLQ_REASON = (
    "This queue is the terminal dead-letter queue of the stack's Lambda functions; a redrive policy on a "
    "dead-letter queue would only move failed events to yet another queue"
)
#: ``TracingConfig.Mode`` of each ``aws_lambda.Tracing`` that traces (what aws_lambda.Function renders).
_TRACING_MODES: dict[Any, str] = {
    lambda_.Tracing.ACTIVE: "Active",
    lambda_.Tracing.PASS_THROUGH: "PassThrough",
}
#: The pack reports a public Function URL once (its invoke permission is part of the same finding).
_PUBLIC_URL_RULES = ("SecureServerless-LambdaUrlAuth",)


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
        network: Any | None = None,
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
        :param network: a ``SecureNetwork`` to run in: its function subnets, and a security group of the
            function's own (no inbound; outbound only to the network's endpoints). Default: no VPC.
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
        context = StackContext.of(self)
        risks = dict(accepted_risks or {})
        url_reason = risks.pop("function_url", None)

        # validate
        self._memory_size = check_memory(self, memory_size)
        self._timeout = check_timeout(self, timeout)
        check_reserved(self, reserved_concurrent_executions)
        url_auth = check_function_url(self, function_url, url_reason)
        plain_env = check_environment(self, environment or {})
        secret_env, secret_list, parameters = check_secrets(self, secrets or {}, plain_env)
        #: the variables secrets= owns (add_environment refuses them)
        self._secret_names = frozenset(secret_env) | frozenset(secrets or {})

        # merge the defaults with the user's overrides
        guard = Guard(
            self,
            "SecureFunction",
            risks,
            parameters={"log_retention": log_retention, "log_removal_policy": log_removal_policy},
        )
        props = _function_props(
            guard,
            overrides,
            code=code,
            handler=handler,
            runtime=runtime,
            architecture=architecture,
            memory_size=memory_size,
            timeout=timeout,
            reserved_concurrent_executions=reserved_concurrent_executions,
            code_signing_config=code_signing_config,
        )
        # Tracing and the dead-letter queue are set on the L1 (below), and their statements come first in
        # the role's policy, as aws_lambda.Function writes them. DISABLED rather than unset: unset, the L2
        # turns tracing on by itself for adot_instrumentation.
        tracing_mode = _TRACING_MODES.get(props.get("tracing"))
        props["tracing"] = lambda_.Tracing.DISABLED

        if network is not None:  # secure_constructs.network places the function and opens its paths
            props.update(network.function_props(self, overrides))

        # build: log group, key, queue, role, function
        self.log_group: logs.LogGroup = encrypted_log_group(
            self,
            "LogGroup",
            retention=log_retention,
            removal_policy=log_removal_policy,
            key=logs_key(context.stack),
        )
        self.environment_key: kms.IKey = environment_key or operations_key(context.stack)
        self.dead_letter_queue: sqs.IQueue | None = dead_letter_queue or _stack_dead_letter_queue(context)
        traced = tracing_mode is not None
        self.role: iam.IRole = self._execution_role(role, context, secret_list, traced=traced)
        for parameter in parameters:
            parameter.grant_read(self.role)  # read on exactly that parameter, decrypt on its key
        props.update(
            environment={**plain_env, **secret_env},
            environment_encryption=self.environment_key,
            role=self.role,
            log_group=self.log_group,
        )
        self.function: lambda_.Function = lambda_.Function(self, "Function", **props)
        # The L2 does not know its dead-letter queue (set on its L1): whoever is handed fn.function (the
        # alarms) finds this construct through the stack's context.
        context.owners[self.function] = self
        self._cfn: lambda_.CfnFunction = self.function.node.default_child  # type: ignore[assignment]
        self._set_tracing_and_dead_letter_queue(tracing_mode)
        if props.get("vpc") is not None:
            self._allow_vpc_networking()
        if network is not None:
            network.attach(self)
        if traced:
            self._note(xray_findings())
        self.function_url: lambda_.FunctionUrl | None = self._function_url(url_auth, url_reason)

        # check what was built against the overrides, then ask for the default alarms
        guard.check(self.function, self.log_group)
        configure_alarms(self, alarms, no_alarms_reason, options_type=FunctionAlarmOptions)

    # --- construction steps -----------------------------------------------------------------------------

    def _execution_role(
        self, role: iam.IRole | None, context: StackContext, secrets: list[Any], *, traced: bool
    ) -> iam.IRole:
        """Least privilege: delivery to its dead-letter queue, X-Ray when traced, its own log group only,
        and exactly the secrets it was given."""
        region = context.region if role is None else Stack.of(role).region
        statements = function_statements(
            queue=self.dead_letter_queue,
            tracing=traced,
            log_group_arn=self.log_group.log_group_arn,
            secrets=[statement for secret in secrets for statement in secret_statements(secret, region)],
            region=region,
        )
        self._function_role = execution_role(self, role, context, statements)
        return self._function_role.role

    def _set_tracing_and_dead_letter_queue(self, tracing_mode: str | None) -> None:
        if tracing_mode is not None:
            self._cfn.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode=tracing_mode)
        if self.dead_letter_queue is not None:
            self._cfn.dead_letter_config = lambda_.CfnFunction.DeadLetterConfigProperty(
                target_arn=self.dead_letter_queue.queue_arn
            )

    def _allow_vpc_networking(self) -> None:
        statement, findings = vpc_networking_statement()
        self.role.add_to_principal_policy(statement)
        self._note(findings)

    def _function_url(
        self, auth: lambda_.FunctionUrlAuthType | None, reason: str | None
    ) -> lambda_.FunctionUrl | None:
        if auth is None:
            return None
        url = self.function.add_function_url(auth_type=auth)
        if auth == lambda_.FunctionUrlAuthType.NONE and reason is not None:
            # Accepted in so many words: the public URL and its public invoke permissions.
            for rule_id in _PUBLIC_URL_RULES:
                acknowledge(self.function, rule_id, f"Public Function URL accepted on purpose: {reason}")
        return url

    def _note(self, findings: Mapping[str, str]) -> None:
        """Record why findings on the role are acceptable; each finding is acknowledged once, at synth,
        with every reason recorded for it (one finding id can have several causes: X-Ray, VPC, a user's
        statement)."""
        for rule_id, reason in findings.items():
            reasons = self._function_role.reasons.setdefault(rule_id, [])
            if reason not in reasons:
                reasons.append(reason)

    def add_environment(self, name: str, value: str) -> None:
        """Add a plain configuration variable, with the same checks as ``environment=`` (SC-FN-004 for a
        secret-looking one, SC-FN-009 for a name a secret reference uses).

        :param name: the variable's name. Default: none (required).
        :param value: its value (plain configuration, never a secret). Default: none (required).
        """
        check_environment(self, {name: value})
        if name in self._secret_names:
            raise SecureConstructsError(
                "SC-FN-009",
                self,
                f"environment variable {name} is already set by secrets=",
                received=name,
                fix="Choose another name; secrets= owns NAME and NAME_SECRET_ARN / NAME_PARAMETER_NAME",
            )
        self.function.add_environment(name, value)

    # --- attributes ---------------------------------------------------------------------------------------

    @property
    def timeout(self) -> Duration:
        """The function's timeout (alarms on duration use it)."""
        return self._timeout

    @property
    def memory_size(self) -> int:
        """The function's memory size in MB."""
        return self._memory_size

    @property
    def reserved_concurrent_executions(self) -> int | None:
        """The concurrency reserved for the function (read from its L1, escape-hatch edits included), or None
        when it uses the account's unreserved pool."""
        return reserved_concurrency(self._cfn)

    @property
    def metric_dimensions(self) -> Mapping[str, str]:
        """The dimensions of the function's ``AWS/Lambda`` metrics."""
        return {"FunctionName": self.function.function_name}

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
        findings = added_statement_findings(self, statement.to_statement_json(), reason)
        self.role.add_to_principal_policy(statement)
        self._note(findings)

    def grant_db_connect(self, target: Any, db_user: str) -> iam.Grant:
        """Let the function connect to a database as ``db_user`` with IAM authentication: ``rds-db:connect``
        on exactly that user of ``target`` (a ``SecureDatabaseProxy``, ``rds.DatabaseProxy`` or
        ``rds.DatabaseInstance``), and the network path to it (see docs/database.md)."""
        if isinstance(target, rds.DatabaseProxy | rds.DatabaseInstance):  # CDK's own: its grant_connect
            grant = target.grant_connect(self.role, check_db_user(self, db_user, ""))
            if self.function.connections.security_groups:
                target.connections.allow_default_port_from(self.function, "From a granted function")
            return grant
        if type(target).__module__.startswith("secure_constructs.database"):
            # SecureDatabaseProxy grants the user and opens the network path; SecureDatabaseInstance refuses
            return target.grant_connect(self, db_user)  # type: ignore[no-any-return]
        raise SecureConstructsError(
            "SC-DB-003",
            self,
            "grant_db_connect takes a SecureDatabaseProxy, rds.DatabaseProxy or rds.DatabaseInstance",
            received=type(target).__name__,
            fix="Pass the proxy the function connects through",
        )

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




def _function_props(guard: Guard, overrides: Mapping[str, Any] | None, **given: Any) -> dict[str, Any]:
    """The ``aws_lambda.Function`` arguments: the secure defaults, the construct's arguments, then the
    user's overrides (checked by ``guard``)."""
    runtime, architecture = given.pop("runtime"), given.pop("architecture")
    props = guard.merge(
        lambda_.Function,
        {
            **defaults.function_defaults(),
            **given,
            "runtime": runtime or defaults.latest_python_runtime(),
            **({"architecture": architecture} if architecture is not None else {}),
        },
        overrides,
        managed=defaults.FUNCTION_MANAGED,
    )
    if props.get("logging_format") != lambda_.LoggingFormat.JSON:
        # log levels exist only for JSON logs: a user who chose text gets none (LambdaJsonLogs says so)
        for level in ("application_log_level_v2", "system_log_level_v2"):
            if level not in (overrides or {}):
                props.pop(level, None)
    return props


def _stack_dead_letter_queue(context: StackContext) -> sqs.IQueue:
    """The dead-letter queue the stack's SecureFunctions share, made on first use."""
    if context.dead_letter_queue is None:
        queue = secure_queue(context.stack, _DLQ_ID)
        acknowledge(queue, "Serverless-SQSRedrivePolicy", _DLQ_REASON)
        context.dead_letter_queue = queue
    return context.dead_letter_queue


def stack_dead_letter_queue(scope: Construct) -> sqs.IQueue:
    """The dead-letter queue the SecureFunctions of ``scope``'s stack share by default (SSE-KMS with the
    stack's operations key, TLS only), made on first use. ``secure_constructs.harden`` gives it to the plain
    ``aws_lambda.Function``s of the stack too, so that a stack has one such queue."""
    return _stack_dead_letter_queue(StackContext.of(scope))
