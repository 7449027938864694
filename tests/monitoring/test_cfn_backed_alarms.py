"""The default alarms written as CfnAlarm data render exactly what the L2 alarms render, and stay IAlarms."""

import json

import pytest
from aws_cdk import App, Duration, Environment, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from secure_constructs.monitoring import (
    AlarmFactory,
    AnomalyThresholds,
    CfnBackedAlarm,
    Condition,
    FunctionHealthThresholds,
    MetricStat,
    attach_function_alarms,
)


def _function_alarm_resources(*, custom_action: bool, **kwargs):
    """The alarms of one function: with the topic (CfnAlarm data) or the same topic as an action (L2)."""
    app = App()
    stack = Stack(app, "Test", env=Environment(account="111122223333", region="eu-west-1"))
    fn = lambda_.Function(
        stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
        code=lambda_.Code.from_inline("def handler(e, c): pass"), timeout=Duration.seconds(7),
    )
    topic = sns.Topic(stack, "Topic")
    if custom_action:
        alarms = attach_function_alarms(fn, action=cw_actions.SnsAction(topic), **kwargs)
    else:
        alarms = attach_function_alarms(fn, topic=topic, **kwargs)
    return alarms, Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {
            "thresholds": {
                "Warning": FunctionHealthThresholds(error_rate_percent=1.5, min_errors=1, period_minutes=1),
                "Critical": FunctionHealthThresholds(period_minutes=60, evaluation_periods=3,
                                                     datapoints_to_alarm=2),
            },
            "anomaly": {"Critical": AnomalyThresholds(std_devs=2.5, period_minutes=15)},
        },
    ],
    ids=["defaults", "tuned"],
)
def test_cfn_alarms_render_exactly_what_the_l2_alarms_render(kwargs):
    fast, fast_resources = _function_alarm_resources(custom_action=False, **kwargs)
    l2, l2_resources = _function_alarm_resources(custom_action=True, **kwargs)
    assert all(isinstance(a, CfnBackedAlarm) for a in fast.health_alarms.values())
    assert all(isinstance(a, CfnBackedAlarm) for a in fast.invocation_spike_alarms.values())
    assert all(isinstance(a, cloudwatch.Alarm) for a in l2.health_alarms.values())
    # same logical ids (the CfnAlarm sits at <alarm>/Resource, as under an L2 alarm), same properties
    assert json.dumps(fast_resources, sort_keys=True) == json.dumps(l2_resources, sort_keys=True)


def test_a_cfn_backed_alarm_is_an_ialarm_for_composite_alarms(stack):
    fn = lambda_.Function(
        stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
        code=lambda_.Code.from_inline("def handler(e, c): pass"),
    )
    alarms = attach_function_alarms(fn)
    health = alarms.health_alarms["Critical"]
    spike = alarms.invocation_spike_alarms["Critical"]
    cloudwatch.CompositeAlarm(
        stack, "Both", alarm_rule=cloudwatch.AlarmRule.all_of(
            health, cloudwatch.AlarmRule.from_alarm(spike, cloudwatch.AlarmState.ALARM)
        ),
    )
    template = Template.from_stack(stack)
    rule = json.dumps(next(iter(template.find_resources("AWS::CloudWatch::CompositeAlarm").values())))
    for alarm in (health, spike):
        logical_id = stack.get_logical_id(alarm.node.default_child)
        assert alarm.node.default_child is alarm.cfn_alarm
        assert json.dumps({"Fn::GetAtt": [logical_id, "Arn"]}) in rule  # a dependency, not a name
    assert stack.resolve(health.alarm_name) == {"Ref": stack.get_logical_id(health.cfn_alarm)}


def test_metric_stat_metrics_with_a_custom_action_fall_back_to_l2_alarms(stack):
    topic = sns.Topic(stack, "Topic")
    factory = AlarmFactory(stack, action=cw_actions.SnsAction(topic))
    spike = factory.spike_alarm(
        stack, "Spike", subject="Things", thresholds=AnomalyThresholds(),
        metric=MetricStat("Custom", "Things", {"Kind": "a"}, "Average", 5),
    )
    assert isinstance(spike, cloudwatch.AnomalyDetectionAlarm)
    props = next(iter(Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values()))
    stat = next(m for m in props["Properties"]["Metrics"] if "MetricStat" in m)["MetricStat"]
    assert stat == {
        "Metric": {
            "Dimensions": [{"Name": "Kind", "Value": "a"}], "MetricName": "Things", "Namespace": "Custom"
        },
        "Period": 300,
        "Stat": "Sum",
    }


def _factory_alarms(*, custom_action: bool):
    app = App()
    stack = Stack(app, "Test", env=Environment(account="111122223333", region="eu-west-1"))
    topic = sns.Topic(stack, "Topic")
    if custom_action:
        factory = AlarmFactory(stack, action=cw_actions.SnsAction(topic))
    else:
        factory = AlarmFactory(stack, topic=topic)
    metrics = {
        # two dimensions, and periods other than the alarm's (the expression's period wins)
        "errors": MetricStat("Custom", "Errors", {"Service": "orders", "Stage": "prod"}, "Sum", 1),
        "calls": MetricStat("Custom", "Calls", {"Stage": "prod", "Service": "orders"}, "SampleCount", 5),
    }
    factory.health_alarm(
        stack, "Health", subject="Orders", metrics=metrics,
        conditions=[Condition("errors >= 1", "FILL(errors, 0) >= 1"), Condition("calls >= 9", "calls >= 9")],
        period_minutes=15, evaluation_periods=2, datapoints_to_alarm=2,
    )
    factory.spike_alarm(stack, "Spike", subject="Calls", metric=metrics["calls"],
                        thresholds=AnomalyThresholds(std_devs=4))
    return Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")


def test_factory_cfn_alarms_match_l2_alarms_for_any_metric_stat():
    fast, l2 = _factory_alarms(custom_action=False), _factory_alarms(custom_action=True)
    assert len(fast) == 2
    assert json.dumps(fast, sort_keys=True) == json.dumps(l2, sort_keys=True)
