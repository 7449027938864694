"""SecureFunction: one test per default and per error code, with template assertions."""

import json

import pytest
from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_signer as signer
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Match, Template

from secure_constructs import SecureConstructsError, SecureFunction, add_checks
from secure_constructs._context import StackContext
from secure_constructs._defaults.lambda_ import latest_python_runtime
from secure_constructs.compute import _role
from secure_constructs.testing import synth_and_validate

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return None\n")


def open_findings(result):
    """The synth's open findings, but LambdaUnusedPermission's: these tests' handler calls no AWS API, so
    every grant they make is unused (tests/least_privilege covers that rule)."""
    return [f for f in result.violations if "LambdaUnusedPermission" not in f.rule]


def make(stack, id="Fn", **kwargs):
    return SecureFunction(stack, id, code=CODE, handler="index.handler", **kwargs)


def resources(template, type_):
    return template.find_resources(type_)


def only(template, type_):
    found = resources(template, type_)
    assert len(found) == 1, f"expected one {type_}, found {len(found)}"
    return next(iter(found.items()))


def role_statements(template, role_logical_id):
    role = template.to_json()["Resources"][role_logical_id]
    return [
        s for policy in role["Properties"].get("Policies", []) for s in policy["PolicyDocument"]["Statement"]
    ]


def logical_id(construct):
    return Stack.of(construct).get_logical_id(construct.node.default_child)


# --- defaults ---------------------------------------------------------------------------------------------


def test_own_role_with_one_inline_policy_and_no_managed_policies(stack):
    fn = make(stack)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Policy", 0)
    role_id, role = only(template, "AWS::IAM::Role")
    assert role_id == logical_id(fn.role)
    assert "ManagedPolicyArns" not in role["Properties"]
    assert [p["PolicyName"] for p in role["Properties"]["Policies"]] == ["Function"]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}
    ]
    template.has_resource_properties("AWS::Lambda::Function", {"Role": {"Fn::GetAtt": [role_id, "Arn"]}})


def test_grants_land_in_the_inline_policy_too(stack):
    fn = make(stack)
    table = dynamodb.TableV2(
        stack, "T", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
    )
    table.grant_read_data(fn.role)
    fn.add_to_role_policy(
        iam.PolicyStatement(actions=["sqs:SendMessage"], resources=["arn:aws:sqs:eu-west-1:1:q"])
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Policy", 0)
    actions = {a for s in role_statements(template, logical_id(fn.role)) for a in _list(s["Action"])}
    assert {"dynamodb:GetItem", "sqs:SendMessage"} <= actions


def test_logging_is_allowed_only_to_its_own_log_group(stack):
    fn = make(stack)
    template = Template.from_stack(stack)
    statements = role_statements(template, logical_id(fn.role))
    logs_statements = [s for s in statements if any(a.startswith("logs:") for a in _list(s["Action"]))]
    assert logs_statements == [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [logical_id(fn.log_group), "Arn"]},
            "Sid": "WriteOwnLogGroup",
        }
    ]


def test_environment_is_encrypted_with_the_shared_rotating_stack_key(stack):
    first, second = make(stack, "A"), make(stack, "B")
    assert (
        first.environment_key.node.path
        == second.environment_key.node.path
        == "Test/SecureConstructsKeyOperations"
    )
    template = Template.from_stack(stack)
    key_id = logical_id(first.environment_key)
    functions = resources(template, "AWS::Lambda::Function")
    assert [f["Properties"]["KmsKeyArn"] for f in functions.values()] == [{"Fn::GetAtt": [key_id, "Arn"]}] * 2
    assert template.to_json()["Resources"][key_id]["Properties"]["EnableKeyRotation"] is True


def test_no_role_can_decrypt_with_the_environment_key_except_through_sqs(stack):
    # Lambda decrypts the environment through a grant it creates for this function's role; a direct IAM
    # permission on the shared key would let one function decrypt what belongs to another. The key also
    # encrypts the dead-letter queue, so the role may use it only through SQS, for the queue's data keys.
    fn = make(stack)
    template = Template.from_stack(stack)
    key_arn = {"Fn::GetAtt": [logical_id(fn.environment_key), "Arn"]}
    on_key = [s for s in role_statements(template, logical_id(fn.role)) if key_arn in _as_list(s["Resource"])]
    assert on_key == [
        {
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Condition": {"StringEquals": {"kms:ViaService": "sqs.eu-west-1.amazonaws.com"}},
            "Effect": "Allow",
            "Resource": key_arn,
            "Sid": "SendToEncryptedDeadLetterQueue",
        }
    ]


def _as_list(value):
    return value if isinstance(value, list) else [value]


def test_a_given_environment_key_is_used(stack):
    key = kms.Key(stack, "Mine", enable_key_rotation=True)
    make(stack, environment_key=key)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Lambda::Function", {"KmsKeyArn": {"Fn::GetAtt": [logical_id(key), "Arn"]}}
    )
    assert stack.node.try_find_child("SecureConstructsKeyLambda") is None


def test_secrets_manager_secret_goes_in_as_its_arn_with_read_on_exactly_that_secret(stack):
    key = kms.Key(stack, "SecretKey", enable_key_rotation=True)
    secret = secretsmanager.Secret(stack, "Db", encryption_key=key)
    fn = make(stack, secrets={"DB_PASSWORD": secret})
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Environment": {"Variables": {"DB_PASSWORD_SECRET_ARN": {"Ref": logical_id(secret)}}}},
    )
    statements = role_statements(template, logical_id(fn.role))
    reads = [s for s in statements if "secretsmanager:GetSecretValue" in _list(s["Action"])]
    assert reads == [
        {
            "Action": "secretsmanager:GetSecretValue",
            "Effect": "Allow",
            "Resource": {"Ref": logical_id(secret)},
        }
    ]
    decrypts = [s for s in statements if s.get("Resource") == {"Fn::GetAtt": [logical_id(key), "Arn"]}]
    assert len(decrypts) == 1 and "kms:Decrypt" in _list(decrypts[0]["Action"])
    assert (
        decrypts[0]["Condition"]["StringEquals"]["kms:ViaService"] == "secretsmanager.eu-west-1.amazonaws.com"
    )


def test_ssm_secure_string_goes_in_as_its_name_with_read_on_exactly_that_parameter(stack):
    key = kms.Key(stack, "ParamKey", enable_key_rotation=True)
    parameter = ssm.StringParameter.from_secure_string_parameter_attributes(
        stack, "Param", parameter_name="/shop/prod/api-key", encryption_key=key
    )
    fn = make(stack, secrets={"API_KEY": parameter})
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Environment": {"Variables": {"API_KEY_PARAMETER_NAME": "/shop/prod/api-key"}}},
    )
    statements = role_statements(template, logical_id(fn.role))
    reads = [s for s in statements if "ssm:GetParameter" in _list(s["Action"])]
    assert len(reads) == 1
    assert "parameter/shop/prod/api-key" in json.dumps(reads[0]["Resource"])
    assert any(
        s.get("Resource") == {"Fn::GetAtt": [logical_id(key), "Arn"]} and "kms:Decrypt" in _list(s["Action"])
        for s in statements
    )


def test_log_group_is_explicit_encrypted_with_retention_and_json_logging(stack):
    fn = make(
        stack,
        log_retention=logs.RetentionDays.THREE_MONTHS,
        log_removal_policy=RemovalPolicy.DESTROY,
        accepted_risks={"log_removal_policy": "Sandbox stack: its logs go with it, nothing is evidence"},
    )
    template = Template.from_stack(stack)
    group_id, group = only(template, "AWS::Logs::LogGroup")
    assert group["Properties"]["RetentionInDays"] == 90
    assert group["DeletionPolicy"] == "Delete"
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [logical_id(fn.environment_key), "Arn"]}
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "LoggingConfig": {
                "LogGroup": {"Ref": group_id},
                "LogFormat": "JSON",
                "ApplicationLogLevel": "INFO",
            }
        },
    )
    template.resource_count_is("Custom::LogRetention", 0)
    assert fn.log_group.node.path == "Test/Fn/LogGroup"


def test_deleting_the_logs_with_the_stack_needs_a_reason(stack):
    refused = "SC-GEN-002.*log_removal_policy.*LogGroupRetainedOnDelete"
    with pytest.raises(SecureConstructsError, match=refused):
        make(stack, log_removal_policy=RemovalPolicy.DESTROY)
    assert stack.node.try_find_child("Fn") is None  # the refused function is not left in the tree


def test_log_group_defaults_to_one_year_and_retain(stack):
    make(stack)
    template = Template.from_stack(stack)
    _, group = only(template, "AWS::Logs::LogGroup")
    assert group["Properties"]["RetentionInDays"] == 365
    assert group["DeletionPolicy"] == "Retain"


def test_runtime_architecture_memory_timeout_tracing_defaults(stack):
    fn = make(stack)
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": latest_python_runtime().name,
            "Architectures": ["arm64"],
            "MemorySize": 512,
            "Timeout": 10,
            "TracingConfig": {"Mode": "Active"},
            "RecursiveLoop": "Terminate",
        },
    )
    assert fn.memory_size == 512
    assert fn.timeout.to_seconds() == 10


def test_latest_python_runtime_is_the_newest_cdk_knows():
    versions = [
        tuple(int(p) for p in r.name.removeprefix("python").split("."))
        for r in lambda_.Runtime.ALL
        if r.name.startswith("python")
    ]
    assert latest_python_runtime().name == "python" + ".".join(map(str, max(versions)))


def test_explicit_runtime_memory_and_timeout_are_used(stack):
    fn = make(
        stack,
        runtime=lambda_.Runtime.PYTHON_3_13,
        architecture=lambda_.Architecture.X86_64,
        memory_size=1024,
        timeout=Duration.seconds(29),
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::Function",
        {"Runtime": "python3.13", "Architectures": ["x86_64"], "MemorySize": 1024, "Timeout": 29},
    )
    assert fn.timeout.to_seconds() == 29 and fn.memory_size == 1024


def test_failed_async_events_go_to_the_shared_encrypted_ssl_only_queue(stack):
    first, second = make(stack, "A"), make(stack, "B")
    assert first.dead_letter_queue is second.dead_letter_queue or (
        first.dead_letter_queue.node.path == second.dead_letter_queue.node.path
    )
    template = Template.from_stack(stack)
    queue_id, queue = only(template, "AWS::SQS::Queue")
    key_arn = {"Fn::GetAtt": [logical_id(first.environment_key), "Arn"]}
    assert queue["Properties"]["KmsMasterKeyId"] == key_arn
    _, policy = only(template, "AWS::SQS::QueuePolicy")
    assert policy["Properties"]["PolicyDocument"]["Statement"][0]["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }
    for function in resources(template, "AWS::Lambda::Function").values():
        assert function["Properties"]["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": [queue_id, "Arn"]}}
    statements = role_statements(template, logical_id(first.role))
    assert {
        "Action": "sqs:SendMessage",
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": [queue_id, "Arn"]},
    } in (statements)
    assert {
        "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
        "Condition": {"StringEquals": {"kms:ViaService": "sqs.eu-west-1.amazonaws.com"}},
        "Effect": "Allow",
        "Resource": key_arn,
        "Sid": "SendToEncryptedDeadLetterQueue",
    } in statements


def test_a_given_dead_letter_queue_is_used(stack):
    queue = sqs.Queue(stack, "Mine", encryption=sqs.QueueEncryption.KMS_MANAGED, enforce_ssl=True)
    fn = make(stack, dead_letter_queue=queue)
    assert fn.dead_letter_queue is queue
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SQS::Queue", 1)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"DeadLetterConfig": {"TargetArn": {"Fn::GetAtt": [logical_id(queue), "Arn"]}}},
    )


def test_reserved_concurrency_is_available(stack):
    make(stack, reserved_concurrent_executions=25)
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::Function", {"ReservedConcurrentExecutions": 25}
    )


def test_no_reserved_concurrency_by_default(stack):
    make(stack)
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::Function", {"ReservedConcurrentExecutions": Match.absent()}
    )


def test_no_function_url_by_default_and_iam_auth_when_asked(stack):
    without = make(stack, "Without")
    assert without.function_url is None
    with_url = make(stack, "With", function_url=True)
    assert with_url.function_url is not None
    template = Template.from_stack(stack)
    _, url = only(template, "AWS::Lambda::Url")
    assert url["Properties"]["AuthType"] == "AWS_IAM"
    assert url["Properties"]["TargetFunctionArn"] == {"Fn::GetAtt": [logical_id(with_url.function), "Arn"]}


def test_public_function_url_needs_an_accepted_risk(stack):
    fn = make(
        stack,
        function_url=lambda_.FunctionUrlAuthType.NONE,
        accepted_risks={"function_url": "Public webhook endpoint; the payload is HMAC-verified in code"},
    )
    assert fn.function_url is not None
    Template.from_stack(stack).has_resource_properties("AWS::Lambda::Url", {"AuthType": "NONE"})


def test_code_signing_is_available(stack):
    profile = signer.SigningProfile(stack, "Profile", platform=signer.Platform.AWS_LAMBDA_SHA384_ECDSA)
    config = lambda_.CodeSigningConfig(stack, "Signing", signing_profiles=[profile])
    make(stack, code_signing_config=config)
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::Function",
        {"CodeSigningConfigArn": {"Fn::GetAtt": [logical_id(config), "CodeSigningConfigArn"]}},
    )


def test_plumbing_overrides_are_free(stack):
    make(
        stack,
        overrides={"description": "Looks up orders", "ephemeral_storage_size": None, "max_event_age": None},
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::Function", {"Description": "Looks up orders"}
    )


def test_weakening_override_needs_a_reason_and_then_lands_in_the_report(app, stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-002"):
        make(stack, "Refused", overrides={"tracing": lambda_.Tracing.DISABLED})
    make(
        stack,
        "Accepted",
        overrides={"tracing": lambda_.Tracing.PASS_THROUGH},
        accepted_risks={"tracing": "Tracing is sampled upstream by the API; active tracing doubles the cost"},
    )
    add_checks(app)
    result = synth_and_validate(app)
    assert open_findings(result) == [], result.format()
    assert any(
        f.rule == "Serverless-LambdaTracing" and "sampled upstream" in f["reason"] for f in result.suppressed
    )


def test_misspelt_override_key_is_named(stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-001.*'tracng'.*Did you mean 'tracing'"):
        make(stack, overrides={"tracng": lambda_.Tracing.ACTIVE})


@pytest.mark.parametrize(
    "key", ["role", "environment", "log_retention", "initial_policy", "environment_encryption"]
)
def test_managed_keys_cannot_be_overridden(stack, key):
    with pytest.raises(SecureConstructsError, match="SC-GEN-004"):
        make(stack, overrides={key: None})


def test_exposes_typed_attributes_and_verbs(stack):
    fn = make(stack)
    assert isinstance(fn.function, lambda_.Function)
    assert isinstance(fn.role, iam.Role)
    assert isinstance(fn.log_group, logs.LogGroup)
    caller = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    grant = fn.grant_invoke(caller)
    assert isinstance(grant, iam.Grant) and grant.success
    for metric, name in (
        (fn.metric_errors(), "Errors"),
        (fn.metric_throttles(), "Throttles"),
        (fn.metric_invocations(), "Invocations"),
        (fn.metric_duration(), "Duration"),
        (fn.metric_concurrent_executions(), "ConcurrentExecutions"),
    ):
        assert metric.metric_name == name and metric.namespace == "AWS/Lambda"
    assert fn.metric_concurrent_executions().statistic == "Maximum"
    assert fn.metric_errors(period=Duration.minutes(1)).period.to_seconds() == 60


def test_a_bare_function_has_zero_unacknowledged_findings(app, stack):
    make(stack)
    add_checks(app)
    result = synth_and_validate(app)
    assert open_findings(result) == [], result.format()
    assert {f.rule for f in result.suppressed} == {
        "AwsSolutions-IAM5[Resource::*]",
        "Serverless-LambdaStarPermissions",
        "Serverless-SQSRedrivePolicy",
    }


# --- resource footprint -----------------------------------------------------------------------------------


def _footprint(app, name, **kwargs):
    from aws_cdk import Environment

    env = Environment(account="111122223333", region="eu-west-1")
    one, six = Stack(app, f"{name}One", env=env), Stack(app, f"{name}Six", env=env)
    make(one, "First", **kwargs)
    for i in range(6):
        make(six, f"Fn{i}", **kwargs)
    first = len(Template.from_stack(one).to_json()["Resources"])
    total = len(Template.from_stack(six).to_json()["Resources"])
    return first, (total - first) / 5


def test_resource_footprint_first_and_further_functions(app):
    first, further = _footprint(app, "Bare", alarms=False, no_alarms_reason="Measuring the function alone.")
    assert first == 6  # role, function, log group + shared: the operations key, dead-letter queue, its policy
    assert further == 3  # each further one: role, function, log group


def test_resource_footprint_with_default_alarms(app):
    first, further = _footprint(app, "Alarmed")
    # + per function: health and invocation-spike alarms; + per stack: alarm topic and its policy (its key
    # is the operations key), and one backlog alarm on the shared dead-letter queue
    assert first == 6 + 2 + 3
    assert further == 3 + 2


# --- add_to_role_policy -----------------------------------------------------------------------------------


def test_add_to_role_policy_accepts_scoped_statements(stack):
    fn = make(stack)
    fn.add_to_role_policy(
        iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=["arn:aws:dynamodb:eu-west-1:1:table/T"])
    )
    assert any(
        s["Action"] == "dynamodb:GetItem"
        for s in role_statements(Template.from_stack(stack), logical_id(fn.role))
    )


@pytest.mark.parametrize("action", ["*", "s3:*", "s3:Get*", "dynamodb:*Item"])
def test_add_to_role_policy_refuses_wildcard_actions_without_reason(stack, action):
    fn = make(stack)
    with pytest.raises(SecureConstructsError, match="SC-FN-002"):
        fn.add_to_role_policy(iam.PolicyStatement(actions=[action], resources=["arn:aws:s3:::bucket/*"]))


def test_add_to_role_policy_refuses_not_action_without_reason(stack):
    fn = make(stack)
    with pytest.raises(SecureConstructsError, match="SC-FN-002"):
        fn.add_to_role_policy(iam.PolicyStatement(not_actions=["iam:*"], resources=["*"]))


def test_add_to_role_policy_refuses_star_resource_on_scopable_actions(stack):
    fn = make(stack)
    with pytest.raises(SecureConstructsError, match="SC-FN-003"):
        fn.add_to_role_policy(iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=["*"]))


def test_add_to_role_policy_accepts_star_only_actions_and_acknowledges_them(app, stack):
    fn = make(stack)
    fn.add_to_role_policy(iam.PolicyStatement(actions=["cloudwatch:PutMetricData"], resources=["*"]))
    add_checks(app)
    result = synth_and_validate(app)
    assert open_findings(result) == [], result.format()
    star = [f for f in result.suppressed if f.rule == "AwsSolutions-IAM5[Resource::*]"]
    assert len(star) == 1  # one finding, acknowledged once with every cause
    assert "xray:PutTraceSegments" in star[0]["reason"] and "cloudwatch:PutMetricData" in star[0]["reason"]


def test_add_to_role_policy_with_reason_acknowledges_with_that_reason(app, stack):
    fn = make(stack)
    fn.add_to_role_policy(
        iam.PolicyStatement(actions=["s3:Get*"], resources=["arn:aws:s3:::shop-exports/*"]),
        reason="Reads export files whose object keys are chosen by the upstream exporter",
    )
    add_checks(app)
    result = synth_and_validate(app)
    assert [f.rule for f in open_findings(result) if "Action::s3:Get*" in f.rule] == []
    assert any(
        f.rule == "AwsSolutions-IAM5[Action::s3:Get*]" and "upstream exporter" in f["reason"]
        for f in result.suppressed
    )


def test_add_to_role_policy_refuses_a_vague_reason(stack):
    fn = make(stack)
    with pytest.raises(SecureConstructsError, match="SC-GEN-003"):
        fn.add_to_role_policy(iam.PolicyStatement(actions=["s3:*"], resources=["*"]), reason="todo")


def test_add_to_role_policy_accepts_deny_statements(stack):
    fn = make(stack)
    fn.add_to_role_policy(iam.PolicyStatement(effect=iam.Effect.DENY, actions=["*"], resources=["*"]))
    assert any(
        s["Effect"] == "Deny" for s in role_statements(Template.from_stack(stack), logical_id(fn.role))
    )


# --- errors -----------------------------------------------------------------------------------------------


def test_sc_fn_001_role_of_another_secure_function(stack):
    first = make(stack, "First")
    with pytest.raises(SecureConstructsError, match="SC-FN-001") as error:
        make(stack, "Second", role=first.role)
    assert "Test/Second" in str(error.value)


def test_sc_fn_001_role_of_an_existing_plain_function(stack):
    role = iam.Role(stack, "Shared", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    lambda_.Function(
        stack, "Plain", code=CODE, handler="index.handler", runtime=lambda_.Runtime.PYTHON_3_13, role=role
    )
    with pytest.raises(SecureConstructsError, match="SC-FN-001.*Test/Plain/Resource"):
        make(stack, role=role)


def test_sc_fn_001_role_taken_by_a_plain_function_later_fails_the_synth(app, stack):
    fn = make(stack)
    lambda_.Function(
        stack, "Later", code=CODE, handler="index.handler", runtime=lambda_.Runtime.PYTHON_3_13, role=fn.role
    )
    with pytest.raises(Exception, match="SC-FN-001"):
        app.synth()


def test_sc_fn_001_role_given_to_a_secure_functions_l1_fails_the_synth(app, stack):
    first, second = make(stack, "First"), make(stack, "Second")
    second.function.node.default_child.role = first.role.role_arn  # escape hatch
    both = "Test/First/Function/Resource, Test/Second/Function/Resource"
    with pytest.raises(Exception, match=f"SC-FN-001.*{both}"):
        app.synth()


def test_an_unused_given_role_is_accepted(stack):
    role = iam.Role(stack, "Mine", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    fn = make(stack, role=role)
    assert fn.role is role


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AWS_SECRET", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("DB_PASSWORD", "hunter2"),
        ("DATABASE_URL", "postgres://app:s3cretPass@db.example.com/orders"),
        ("API_KEY", "9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c"),
    ],
)
def test_sc_fn_004_secret_looking_environment_names_the_variable_never_the_value(stack, name, value):
    with pytest.raises(SecureConstructsError, match="SC-FN-004") as error:
        make(stack, environment={name: value})
    assert name in str(error.value)
    assert value not in str(error.value)
    assert "secrets=" in str(error.value)


def test_sc_fn_004_secret_resolved_from_a_token(stack):
    secret = secretsmanager.Secret(stack, "S")
    with pytest.raises(SecureConstructsError, match="SC-FN-004.*DB_PASSWORD"):
        make(stack, environment={"DB_PASSWORD": secret.secret_value.unsafe_unwrap()})


def test_ordinary_environment_is_accepted(stack):
    table = dynamodb.TableV2(
        stack, "T", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
    )
    make(
        stack,
        environment={"TABLE_NAME": table.table_name, "LOG_LEVEL": "INFO", "API_URL": "https://x.example.com"},
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::Function",
        {"Environment": {"Variables": {"TABLE_NAME": {"Ref": logical_id(table)}, "LOG_LEVEL": "INFO"}}},
    )


@pytest.mark.parametrize("bad", ["plain-string", 42])
def test_sc_fn_005_secret_of_the_wrong_kind(stack, bad):
    with pytest.raises(SecureConstructsError, match="SC-FN-005") as error:
        make(stack, secrets={"DB_PASSWORD": bad})
    assert "plain-string" not in str(error.value)


def test_sc_fn_005_plain_string_parameter_is_not_a_secret(stack):
    parameter = ssm.StringParameter(stack, "P", string_value="orders")
    with pytest.raises(SecureConstructsError, match="SC-FN-005"):
        make(stack, secrets={"CONFIG": parameter})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"memory_size": 64},
        {"memory_size": 20000},
        {"memory_size": "512"},
        {"timeout": Duration.seconds(0)},
        {"timeout": Duration.minutes(16)},
        {"timeout": 30},
    ],
)
def test_sc_fn_006_memory_or_timeout_out_of_range(stack, kwargs):
    with pytest.raises(SecureConstructsError, match="SC-FN-006"):
        make(stack, **kwargs)


def test_sc_fn_007_function_url_without_iam_auth(stack):
    with pytest.raises(SecureConstructsError, match="SC-FN-007"):
        make(stack, function_url=lambda_.FunctionUrlAuthType.NONE)


@pytest.mark.parametrize("reserved", [0, -1, 2.5, True])
def test_sc_fn_008_reserved_concurrency_out_of_range(stack, reserved):
    with pytest.raises(SecureConstructsError, match="SC-FN-008"):
        make(stack, reserved_concurrent_executions=reserved)


@pytest.mark.parametrize("env_name", ["DB_PASSWORD", "DB_PASSWORD_SECRET_ARN"])
def test_sc_fn_009_environment_collides_with_a_secret(stack, env_name):
    secret = secretsmanager.Secret(stack, "S")
    with pytest.raises(SecureConstructsError, match="SC-FN-009"):
        make(stack, environment={env_name: "x"}, secrets={"DB_PASSWORD": secret})


@pytest.mark.parametrize("name", ["AWS_REGION", "1ABC", "has-dash", ""])
def test_invalid_or_reserved_environment_names(stack, name):
    with pytest.raises(SecureConstructsError, match="SC-GEN-005"):
        make(stack, environment={name: "x"})


def _list(value):
    return value if isinstance(value, list) else [value]


def test_two_clean_synths_of_the_example_are_identical(tmp_path):
    import importlib.util

    from aws_cdk import App

    from secure_constructs.testing import normalized_template

    path = __import__("pathlib").Path(__file__).resolve().parents[2] / "examples" / "secure_function.py"
    templates = []
    for run in ("a", "b"):
        spec = importlib.util.spec_from_file_location(f"secure_function_example_{run}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        templates.append(normalized_template(module.build(App(outdir=str(tmp_path / run)))))
    assert templates[0] == templates[1]
    assert json.dumps(templates[0], sort_keys=True) == json.dumps(templates[1], sort_keys=True)


def test_secret_imported_by_name_is_granted_with_the_suffix_wildcard(stack):
    secret = secretsmanager.Secret.from_secret_name_v2(stack, "Imported", "prod/orders/db")
    fn = make(stack, secrets={"DB": secret})
    statements = role_statements(Template.from_stack(stack), logical_id(fn.role))
    reads = [s for s in statements if "secretsmanager:GetSecretValue" in _list(s["Action"])]
    assert len(reads) == 1
    assert json.dumps(reads[0]["Resource"]).endswith(':secret:prod/orders/db-??????"]]}')


def test_function_url_with_iam_auth_has_no_findings(app, stack):
    make(stack, function_url=True)
    add_checks(app)
    result = synth_and_validate(app)
    assert open_findings(result) == [], result.format()


def test_broad_statement_on_a_given_role_is_acknowledged_on_that_role(app, stack):
    role = iam.Role(stack, "Mine", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    fn = make(stack, role=role)
    fn.add_to_role_policy(
        iam.PolicyStatement(actions=["s3:Get*"], resources=["arn:aws:s3:::shop-exports/*"]),
        reason="Reads export files whose object keys are chosen by the upstream exporter",
    )
    add_checks(app)
    result = synth_and_validate(app)
    assert not [f for f in open_findings(result) if "Action::s3:Get*" in f.rule], result.format()
    assert any(f.rule == "AwsSolutions-IAM5[Action::s3:Get*]" for f in result.suppressed)


def test_add_environment_checks_like_environment(stack):
    secret = secretsmanager.Secret(stack, "S")
    fn = make(stack, secrets={"DB_PASSWORD": secret})
    fn.add_environment("STAGE", "prod")
    with pytest.raises(SecureConstructsError, match="SC-FN-004.*API_TOKEN"):
        fn.add_environment("API_TOKEN", "9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c")
    with pytest.raises(SecureConstructsError, match="SC-FN-009"):
        fn.add_environment("DB_PASSWORD_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:1:secret:x")
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::Function", {"Environment": {"Variables": Match.object_like({"STAGE": "prod"})}}
    )


def test_estimated_policy_size_counts_references_as_long_arns():
    from secure_constructs.compute._role import estimated_policy_size

    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Fn::GetAtt": ["B", "Arn"]}}
        ],
    }
    plain = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "x" * 120}],
    }
    assert (
        estimated_policy_size(document)
        == estimated_policy_size(plain)
        == len(json.dumps(plain, separators=(",", ":")))
    )


def test_sc_fn_011_inline_policy_over_the_iam_quota_fails_the_synth(app, stack):
    fn = make(stack)
    for i in range(80):
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem", "dynamodb:Query"],
                resources=[f"arn:aws:dynamodb:eu-west-1:111122223333:table/orders-archive-{i:03d}"],
            )
        )
    with pytest.raises(Exception, match="SC-FN-011"):
        app.synth()


def test_a_typical_inline_policy_is_far_below_the_iam_quota(app, stack):
    fn = make(stack, secrets={"DB": secretsmanager.Secret(stack, "S")})
    table = dynamodb.TableV2(
        stack, "T", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
    )
    table.grant_read_write_data(fn.role)
    app.synth()  # no SC-FN-011


def test_vpc_function_gets_eni_permissions_inline_and_no_managed_policy(app, stack):
    from aws_cdk import aws_ec2 as ec2

    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        ],
    )
    fn = make(stack, overrides={"vpc": vpc})
    add_checks(app)
    result = synth_and_validate(app)
    assert not [f for f in result.violations if "Role" in f.path], result.format()  # the VPC has its own
    with open(f"{app.outdir}/Test.template.json", encoding="utf-8") as handle:
        template = Template.from_json(json.load(handle))
    role = template.to_json()["Resources"][logical_id(fn.role)]
    assert "ManagedPolicyArns" not in role["Properties"]
    eni = [
        s
        for s in role_statements(template, logical_id(fn.role))
        if s.get("Sid") == "ManageVpcNetworkInterfaces"
    ]
    assert len(eni) == 1 and "ec2:CreateNetworkInterface" in eni[0]["Action"] and eni[0]["Resource"] == "*"
    assert any("VPC function" in (f["reason"] or "") for f in result.suppressed), result.suppressed


_XRAY = {
    "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
    "Effect": "Allow",
    "Resource": "*",
}


@pytest.mark.parametrize(
    ("tracing", "mode"),
    [
        (lambda_.Tracing.ACTIVE, "Active"),
        (lambda_.Tracing.PASS_THROUGH, "PassThrough"),
        (lambda_.Tracing.DISABLED, None),
    ],
)
def test_tracing_and_dead_letter_queue_render_as_aws_lambda_function_renders_them(stack, tracing, mode):
    # SecureFunction sets them on the L1 and writes their statements itself; the reference is what
    # aws_lambda.Function makes of the same settings.
    queue = sqs.Queue(stack, "Queue", enforce_ssl=True)
    risks = {"tracing": "Tracing is sampled upstream by the API; active tracing doubles the cost"}
    fn = make(
        stack,
        dead_letter_queue=queue,
        overrides={"tracing": tracing},
        accepted_risks=risks if tracing != lambda_.Tracing.ACTIVE else None,
    )
    reference_role = iam.Role(stack, "ReferenceRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    reference = lambda_.Function(
        stack, "Reference", code=CODE, handler="index.handler", runtime=lambda_.Runtime.PYTHON_3_13,
        role=reference_role, tracing=tracing, dead_letter_queue=queue,
    )
    template = Template.from_stack(stack).to_json()["Resources"]
    ours = template[logical_id(fn.function)]["Properties"]
    theirs = template[logical_id(reference)]["Properties"]
    assert ours.get("TracingConfig") == theirs.get("TracingConfig") == ({"Mode": mode} if mode else None)
    assert ours["DeadLetterConfig"] == theirs["DeadLetterConfig"]
    reference_statements = template[logical_id(reference_role.node.find_child("DefaultPolicy"))][
        "Properties"]["PolicyDocument"]["Statement"]
    statements = role_statements(Template.from_stack(stack), logical_id(fn.role))
    # aws_lambda.Function's own statements, in its order, then the function's own
    assert statements[: len(reference_statements)] == reference_statements
    assert (_XRAY in statements) is (mode is not None)
    (noted,) = [entry.reasons for entry in StackContext.of(stack).function_roles if entry.role is fn.role]
    assert noted.get("AwsSolutions-IAM5[Resource::*]") == (None if mode is None else [_role.XRAY_REASON])


@pytest.mark.parametrize("tracing", [lambda_.Tracing.ACTIVE, lambda_.Tracing.DISABLED])
def test_adot_instrumentation_keeps_the_tracing_asked_for(stack, tracing):
    # Left unset, aws_lambda.Function turns tracing on by itself for ADOT; SecureFunction tells it DISABLED
    # and sets tracing on the L1 itself, so the result must still be what aws_lambda.Function makes of it.
    adot = lambda_.AdotInstrumentationConfig(
        layer_version=lambda_.AdotLayerVersion.from_python_sdk_layer_version(
            lambda_.AdotLambdaLayerPythonSdkVersion.LATEST
        ),
        exec_wrapper=lambda_.AdotLambdaExecWrapper.INSTRUMENT_HANDLER,
    )
    risks = {"tracing": "Traces go to the collector through ADOT; X-Ray is not used in this account"}
    fn = make(
        stack,
        overrides={"tracing": tracing, "adot_instrumentation": adot},
        accepted_risks=risks if tracing == lambda_.Tracing.DISABLED else None,
    )
    reference = lambda_.Function(
        stack, "Reference", code=CODE, handler="index.handler", runtime=lambda_.Runtime.PYTHON_3_13,
        tracing=tracing, adot_instrumentation=adot,
    )
    template = Template.from_stack(stack).to_json()["Resources"]
    ours = template[logical_id(fn.function)]["Properties"]
    theirs = template[logical_id(reference)]["Properties"]
    assert ours.get("TracingConfig") == theirs.get("TracingConfig")
    assert (_XRAY in role_statements(Template.from_stack(stack), logical_id(fn.role))) is (
        tracing == lambda_.Tracing.ACTIVE
    )


def test_a_given_role_gets_the_function_statements_in_its_own_policy(stack):
    role = iam.Role(stack, "Mine", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    fn = make(stack, role=role)
    template = Template.from_stack(stack).to_json()["Resources"]
    statements = template[logical_id(role.node.find_child("DefaultPolicy"))]["Properties"]["PolicyDocument"][
        "Statement"]
    sids = [s.get("Sid") for s in statements]
    assert {"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": {
        "Fn::GetAtt": [logical_id(fn.dead_letter_queue), "Arn"]}} in statements
    assert _XRAY in statements and "WriteOwnLogGroup" in sids and "SendToEncryptedDeadLetterQueue" in sids
    # the function waits for the role's policy, as aws_lambda.Function arranges it
    depends_on = template[logical_id(fn.function)]["DependsOn"]
    assert logical_id(role.node.find_child("DefaultPolicy")) in depends_on


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("tracing", lambda_.Tracing.DISABLED),
        ("logging_format", lambda_.LoggingFormat.TEXT),
        ("recursive_loop", lambda_.RecursiveLoop.ALLOW),
    ],
)
def test_every_invariant_refuses_a_weakening_override_without_reason(stack, key, value):
    with pytest.raises(SecureConstructsError, match=f"SC-GEN-002.*{key}"):
        make(stack, overrides={key: value})


def test_same_value_as_the_default_is_not_a_weakening(stack):
    make(stack, overrides={"tracing": lambda_.Tracing.ACTIVE, "logging_format": lambda_.LoggingFormat.JSON})


def test_accepting_a_public_url_risk_without_a_public_url_is_an_error(stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-001.*function_url"):
        make(stack, accepted_risks={"function_url": "Public webhook endpoint; payload HMAC-verified"})


def test_a_public_url_with_a_vague_reason_is_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-003"):
        make(stack, function_url=lambda_.FunctionUrlAuthType.NONE, accepted_risks={"function_url": "ok"})


def test_accepted_risks_acknowledge_the_findings_of_every_pack_with_the_reason(app, stack):

    from secure_constructs import attach_function_alarms

    broad = make(stack, "Broad")
    broad.add_to_role_policy(
        iam.PolicyStatement(actions=["s3:*"], resources=["arn:aws:s3:::mirror/*"]),
        reason="Sync job mirrors the whole bucket, every object operation",
    )
    broad.add_to_role_policy(
        iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=["*"]),
        reason="Tenant tables are created at run time; names unknown at deploy",
    )
    public = make(
        stack,
        "Public",
        function_url=lambda_.FunctionUrlAuthType.NONE,
        accepted_risks={"function_url": "Public webhook endpoint; the payload is HMAC-verified in code"},
    )
    for fn in (broad, public):
        attach_function_alarms(fn)
    add_checks(app)  # includes the SecureServerless pack
    result = synth_and_validate(app)
    assert open_findings(result) == [], result.format()
    reasons = {f.rule: f["reason"] for f in result.suppressed}
    assert "mirrors the whole bucket" in reasons["SecureServerless-IamNoWildcardAction[Action::s3:*]"]
    assert "mirrors the whole bucket" in reasons["AwsSolutions-IAM5[Resource::arn:aws:s3:::mirror/*]"]
    assert "Tenant tables" in reasons["SecureServerless-IamNoWildcardResource[Action::dynamodb:GetItem]"]
    assert "HMAC-verified" in reasons["SecureServerless-LambdaUrlAuth"]
    public_url_findings = [f.rule for f in result.suppressed if f.rule.startswith("SecureServerless-Lambda")
                           and f.path.startswith("Test/Public")]
    assert set(public_url_findings) == {"SecureServerless-LambdaUrlAuth"}  # one rule for one public URL
