"""Function alarms: two per function (combined health, invocation spike), one DLQ alarm per queue."""

import re

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match, Template
from constructs import Construct

from secure_constructs import SecureConstructsError
from secure_constructs.checks import add_checks
from secure_constructs.monitoring import (
    AlarmFactory,
    AnomalyThresholds,
    Condition,
    FunctionHealthThresholds,
    QueueThresholds,
    alarm_name,
    attach_function_alarms,
    opt_out_of_alarms,
)
from secure_constructs.testing import synth_and_validate


def make_fn(scope, id="Fn", **kwargs):
    return lambda_.Function(
        scope, id, runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
        code=lambda_.Code.from_inline("def handler(e, c): pass"), **kwargs,
    )


def alarms(template):
    return template.find_resources("AWS::CloudWatch::Alarm")


def by_name(template, name):
    found = [r for r in alarms(template).values() if r["Properties"]["AlarmName"] == name]
    names = [r["Properties"]["AlarmName"] for r in alarms(template).values()]
    assert len(found) == 1, f"no alarm named {name}: {names}"
    return found[0]["Properties"]


def expression(props):
    return next(m["Expression"] for m in props["Metrics"] if "Expression" in m)


class FakeSecureFunction(Construct):
    """A function known to the alarms only through the AlarmedFunction protocol (as SecureFunction is)."""

    def __init__(self, scope, id, *, timeout, dlq=None):
        super().__init__(scope, id)
        self.function = make_fn(self, "Function", timeout=timeout)
        self.timeout = timeout
        self.dead_letter_queue = dlq
        self.reserved_concurrent_executions = None

    @property
    def metric_dimensions(self):
        return {"FunctionName": self.function.function_name}


def test_a_function_gets_exactly_two_alarms_named_from_its_path(stack):
    attach_function_alarms(make_fn(stack))
    template = Template.from_stack(stack)
    names = sorted(r["Properties"]["AlarmName"] for r in alarms(template).values())
    assert names == ["Test/Fn/Alarms/HealthCritical", "Test/Fn/Alarms/InvocationSpikeCritical"]


def test_health_alarm_combines_errors_throttles_concurrency_and_duration(stack):
    attach_function_alarms(make_fn(stack, timeout=Duration.seconds(10), reserved_concurrent_executions=50))
    props = by_name(Template.from_stack(stack), "Test/Fn/Alarms/HealthCritical")
    expr = expression(props)
    # default thresholds: >= 3 errors and >= 5 %, >= 1 throttle, 80 % of 50 reserved, 80 % of 10 s
    assert "IF(FILL(errors, 0) >= 3, 100 * FILL(errors, 0) / FILL(invocations, 1), 0) >= 5" in expr
    assert "IF(FILL(throttles, 0) >= 1, 1, 0)" in expr
    assert "IF(FILL(concurrency, 0) >= 40, 1, 0)" in expr
    assert "IF(FILL(duration, 0) >= 8000, 1, 0)" in expr
    assert expr.count("IF(") == 5
    metric_ids = sorted(m["Id"] for m in props["Metrics"] if "MetricStat" in m)
    assert metric_ids == ["concurrency", "duration", "errors", "invocations", "throttles"]
    assert len(metric_ids) <= 10  # CloudWatch's hard limit for metric math alarms
    stats = {m["Id"]: m["MetricStat"]["Stat"] for m in props["Metrics"] if "MetricStat" in m}
    assert stats == {"concurrency": "Maximum", "duration": "Maximum", "errors": "Sum", "invocations": "Sum",
                     "throttles": "Sum"}
    assert {m["MetricStat"]["Period"] for m in props["Metrics"] if "MetricStat" in m} == {300}
    assert props["Threshold"] == 1
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert props["TreatMissingData"] == "notBreaching"
    for words in ("errors >= 3 and error rate >= 5%", "throttles >= 1", "80% of the reserved concurrency 50",
                  "8000 ms (80% of the 10 s timeout)"):
        assert words in props["AlarmDescription"]


def test_without_reserved_concurrency_the_account_limit_is_used(stack):
    attach_function_alarms(make_fn(stack, "A"))
    attach_function_alarms(make_fn(stack, "B"), account_concurrency_limit=3000)
    template = Template.from_stack(stack)
    assert "FILL(concurrency, 0) >= 800," in expression(by_name(template, "Test/A/Alarms/HealthCritical"))
    assert "FILL(concurrency, 0) >= 2400," in expression(by_name(template, "Test/B/Alarms/HealthCritical"))
    # Lambda's default 3 s timeout when the function sets none
    assert "FILL(duration, 0) >= 2400," in expression(by_name(template, "Test/A/Alarms/HealthCritical"))


def test_invocation_spike_is_an_anomaly_detection_alarm_on_invocations(stack):
    attach_function_alarms(make_fn(stack))
    props = by_name(Template.from_stack(stack), "Test/Fn/Alarms/InvocationSpikeCritical")
    assert props["ComparisonOperator"] == "GreaterThanUpperThreshold"
    assert expression(props) == "ANOMALY_DETECTION_BAND(m0, 3)"
    metric = next(m for m in props["Metrics"] if "MetricStat" in m)["MetricStat"]
    assert (metric["Metric"]["MetricName"], metric["Stat"], metric["Period"]) == ("Invocations", "Sum", 300)
    assert (props["EvaluationPeriods"], props["DatapointsToAlarm"]) == (2, 2)
    assert props["TreatMissingData"] == "notBreaching"


def test_alarms_notify_the_encrypted_stack_topic_on_alarm_and_ok(stack):
    attach_function_alarms(make_fn(stack, "A"))
    attach_function_alarms(make_fn(stack, "B"))
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SNS::Topic", 1)  # one topic per stack, however many functions
    topic_ref = {"Ref": next(iter(template.find_resources("AWS::SNS::Topic")))}
    for resource in alarms(template).values():
        assert resource["Properties"]["AlarmActions"] == [topic_ref]
        assert resource["Properties"]["OKActions"] == [topic_ref]
    key_arn = {"Fn::GetAtt": [Match.string_like_regexp("SecureConstructsKeyOperations"), "Arn"]}
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": key_arn})
    same_account = Match.object_like({"StringEquals": {"aws:SourceAccount": "111122223333"}})
    statements = Match.array_with([
        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
        Match.object_like({"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
                           "Action": "sns:Publish", "Condition": same_account}),
    ])
    template.has_resource_properties("AWS::SNS::TopicPolicy", {"PolicyDocument": {"Statement": statements}})
    template.has_resource_properties("AWS::KMS::Key", {
        "EnableKeyRotation": True,
        "KeyPolicy": {"Statement": Match.array_with([Match.object_like({
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        })])},
    })


def test_users_topic_or_action_replaces_the_stack_topic(stack):
    mine = sns.Topic(stack, "Mine")
    attach_function_alarms(make_fn(stack, "A"), topic=mine)
    attach_function_alarms(make_fn(stack, "B"), action=cw_actions.SnsAction(mine))
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SNS::Topic", 1)
    for resource in alarms(template).values():
        mine_ref = {"Ref": stack.get_logical_id(mine.node.default_child)}
        assert resource["Properties"]["AlarmActions"] == [mine_ref]


def test_disambiguators_give_one_health_alarm_each(stack):
    attach_function_alarms(make_fn(stack), thresholds={
        "Warning": FunctionHealthThresholds(error_rate_percent=1, min_errors=1),
        "Critical": FunctionHealthThresholds(),
    })
    template = Template.from_stack(stack)
    assert "100 * FILL(errors, 0) / FILL(invocations, 1), 0) >= 1," in expression(
        by_name(template, "Test/Fn/Alarms/HealthWarning"))
    assert len(alarms(template)) == 3


def test_a_shared_dead_letter_queue_gets_one_alarm(stack):
    dlq = sqs.Queue(stack, "Dlq")
    attach_function_alarms(make_fn(stack, "A", dead_letter_queue=dlq))
    attach_function_alarms(FakeSecureFunction(stack, "B", timeout=Duration.seconds(5), dlq=dlq))
    template = Template.from_stack(stack)
    props = by_name(template, "Test/Dlq/BacklogAlarmCritical")
    assert (props["MetricName"], props["Statistic"], props["Threshold"]) == (
        "ApproximateNumberOfMessagesVisible", "Maximum", 1)
    assert len(alarms(template)) == 5  # 2 per function + 1 for the queue


def test_secure_function_shape_is_accepted_and_its_timeout_used(stack):
    attach_function_alarms(FakeSecureFunction(stack, "Orders", timeout=Duration.seconds(30)))
    props = by_name(Template.from_stack(stack), "Test/Orders/Alarms/HealthCritical")
    assert "FILL(duration, 0) >= 24000," in expression(props)
    assert "Lambda function Orders" in props["AlarmDescription"]


def _resources(tmp_path, functions, *, with_alarms):
    from aws_cdk import App

    app = App(outdir=str(tmp_path / f"out-{functions}-{with_alarms}"))
    stack = Stack(app, "Count", env={"account": "111122223333", "region": "eu-west-1"})
    for i in range(functions):
        fn = make_fn(stack, f"F{i}")
        if with_alarms:
            attach_function_alarms(fn)
    return len(Template.from_stack(stack).to_json()["Resources"])


def test_resources_per_function_with_alarms_on(tmp_path):
    """The budget this design exists for: alarms add 2 CloudFormation resources per function, plus 3 once per
    stack (the topic, its policy and its key)."""
    bare_1, bare_11 = _resources(tmp_path, 1, with_alarms=False), _resources(tmp_path, 11, with_alarms=False)
    on_1, on_11 = _resources(tmp_path, 1, with_alarms=True), _resources(tmp_path, 11, with_alarms=True)
    per_function_alarms = ((on_11 - bare_11) - (on_1 - bare_1)) / 10
    assert per_function_alarms == 2
    assert (on_1 - bare_1) - 2 == 3  # once per stack: topic, topic policy, KMS key


def test_real_secure_function_gets_alarms_on_its_timeout_and_shared_dlq(stack):
    from secure_constructs import SecureFunction

    fns = [SecureFunction(stack, name, code=lambda_.Code.from_inline("x"), handler="index.handler",
                          timeout=Duration.seconds(20)) for name in ("ListOrders", "CreateOrder")]
    for fn in fns:
        attach_function_alarms(fn)
    template = Template.from_stack(stack)
    health = by_name(template, "Test/ListOrders/Alarms/HealthCritical")
    assert "FILL(duration, 0) >= 16000," in expression(health)
    backlog = [r for r in alarms(template).values() if "BacklogAlarm" in r["Properties"]["AlarmName"]]
    assert len(backlog) == 1  # the stack's shared dead-letter queue: one alarm for both functions
    assert len(alarms(template)) == 5


def test_alarms_attached_to_a_secure_functions_l2_find_its_queue_and_timeout(stack):
    # SecureFunction sets the dead-letter queue on the L1, so the L2 object itself does not know it.
    from secure_constructs import SecureFunction

    fn = SecureFunction(stack, "Orders", code=lambda_.Code.from_inline("x"), handler="index.handler",
                        timeout=Duration.seconds(20), alarms=False,
                        no_alarms_reason="Alarms are attached by hand below, to the L2 function")
    assert fn.function.dead_letter_queue is None
    attached = attach_function_alarms(fn.function)
    assert len(attached.dead_letter_queue_alarms) == 1
    template = Template.from_stack(stack)
    health = by_name(template, "Test/Orders/Function/Alarms/HealthCritical")
    assert "FILL(duration, 0) >= 16000," in expression(health)
    assert [r for r in alarms(template).values() if "BacklogAlarm" in r["Properties"]["AlarmName"]]


def test_invocation_spike_alarm_can_be_left_out_to_save_budget(stack):
    attach_function_alarms(make_fn(stack), invocation_spike=False)
    names = [r["Properties"]["AlarmName"] for r in alarms(Template.from_stack(stack)).values()]
    assert names == ["Test/Fn/Alarms/HealthCritical"]


def test_alarm_names_are_unique_and_bounded(stack):
    deep = stack
    for i in range(30):
        deep = Construct(deep, f"VeryLongConstructIdNumber{i:02d}")
    name = alarm_name(deep, "HealthCritical")
    assert len(name) == 255 and re.search(r"-[0-9a-f]{10}$", name)
    assert name != alarm_name(deep, "HealthWarning")
    assert alarm_name(stack, "X") == "Test/X"


def test_opt_out_records_the_reason_and_refuses_later_alarms(stack):
    fn = make_fn(stack)
    opt_out_of_alarms(fn, "Health check endpoint, monitored by the load balancer instead")
    assert any(e.type == "secure_constructs:alarms-opt-out" for e in fn.node.metadata)
    with pytest.raises(SecureConstructsError, match="SC-MON-006"):
        attach_function_alarms(fn)


def test_opt_out_needs_a_real_reason(stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-003"):
        opt_out_of_alarms(make_fn(stack), "n/a")


def test_attaching_twice_is_refused(stack):
    fn = make_fn(stack)
    attach_function_alarms(fn)
    with pytest.raises(SecureConstructsError, match="SC-MON-006"):
        attach_function_alarms(fn)
    with pytest.raises(SecureConstructsError, match="SC-MON-006"):
        opt_out_of_alarms(fn, "Changed my mind about the alarms of this function")


@pytest.mark.parametrize("thresholds", [{}, {"critical": FunctionHealthThresholds()}, {"Critical": object()},
                                        [FunctionHealthThresholds()]])
def test_malformed_threshold_mappings_are_refused(stack, thresholds):
    with pytest.raises(SecureConstructsError, match="SC-MON-001"):
        attach_function_alarms(make_fn(stack), thresholds=thresholds)


@pytest.mark.parametrize("thresholds", [
    FunctionHealthThresholds(error_rate_percent=0),
    FunctionHealthThresholds(duration_percent_of_timeout=120),
    FunctionHealthThresholds(min_errors=0),
    FunctionHealthThresholds(evaluation_periods=2, datapoints_to_alarm=3),
    FunctionHealthThresholds(period_minutes=7),
])
def test_out_of_range_thresholds_are_refused(stack, thresholds):
    with pytest.raises(SecureConstructsError, match="SC-MON-002"):
        attach_function_alarms(make_fn(stack), thresholds={"Critical": thresholds})


def test_out_of_range_anomaly_and_queue_thresholds_are_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-MON-002.*std_devs"):
        attach_function_alarms(make_fn(stack, "A"), anomaly={"Critical": AnomalyThresholds(std_devs=0)})
    with pytest.raises(SecureConstructsError, match="SC-MON-002.*visible_messages"):
        attach_function_alarms(make_fn(stack, "B", dead_letter_queue=sqs.Queue(stack, "Q")),
                               dead_letter_queue_thresholds={"Critical": QueueThresholds(visible_messages=0)})
    with pytest.raises(SecureConstructsError, match="SC-MON-002.*account_concurrency_limit"):
        attach_function_alarms(make_fn(stack, "C"), account_concurrency_limit=0)


def test_not_a_function_is_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-MON-003"):
        attach_function_alarms(sqs.Queue(stack, "Q"))


def test_imported_function_needs_an_explicit_timeout(stack):
    arn = "arn:aws:lambda:eu-west-1:111122223333:function:legacy"

    def imported(id):
        return lambda_.Function.from_function_arn(stack, id, arn)

    with pytest.raises(SecureConstructsError, match="SC-MON-003.*timeout"):
        attach_function_alarms(imported("Legacy"))
    attach_function_alarms(imported("Legacy2"), timeout=Duration.seconds(60))
    health = by_name(Template.from_stack(stack), "Test/Legacy2/Alarms/HealthCritical")
    assert "FILL(duration, 0) >= 48000," in expression(health)


def test_topic_and_action_together_are_refused(stack):
    topic = sns.Topic(stack, "T")
    with pytest.raises(SecureConstructsError, match="SC-MON-004"):
        attach_function_alarms(make_fn(stack), topic=topic, action=cw_actions.SnsAction(topic))


def test_factory_refuses_more_than_ten_metrics_in_one_alarm(stack):
    fn = make_fn(stack)
    metrics = {f"m{i}": fn.metric_errors() for i in range(11)}
    with pytest.raises(SecureConstructsError, match="SC-MON-005"):
        AlarmFactory(stack).health_alarm(stack, "Too", subject="x", metrics=metrics,
                                         conditions=[Condition("x", "m0 > 1")], period_minutes=5,
                                         evaluation_periods=1, datapoints_to_alarm=1)


def test_alarm_resources_have_no_findings_under_every_pack(app):
    stack = Stack(app, "Checked", env={"account": "111122223333", "region": "eu-west-1"})
    dlq = sqs.Queue(stack, "Dlq", enforce_ssl=True)
    attach_function_alarms(make_fn(stack, "Fn", dead_letter_queue=dlq))
    add_checks(app, nist=True)
    result = synth_and_validate(app)
    ours = [f for f in result.violations
            if "/Alarms/" in f.path or "SecureConstructs" in f.path or "BacklogAlarm" in f.path]
    assert ours == [], "\n".join(f"{f.rule} at {f.path}" for f in ours)
    assert not [f for f in result.suppressed if "/Alarms/" in f.path or "SecureConstructs" in f.path]
    assert any(f.path.startswith("Checked/Fn/") for f in result.violations), "the checks ran (bare function)"
