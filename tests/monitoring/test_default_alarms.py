"""Alarms on by default: every SecureFunction and API gets them at synth unless the user chose otherwise."""

import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from secure_constructs import (
    ApiAlarmOptions,
    FunctionAlarmOptions,
    FunctionHealthThresholds,
    SecureConstructsError,
    SecureFunction,
    SecureHttpApi,
    SecureRestApi,
    WafOptions,
    attach_function_alarms,
)
from secure_constructs.monitoring.function_alarms import OPT_OUT_METADATA

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return event\n")


def fn(scope, id="Fn", **kwargs):
    return SecureFunction(scope, id, code=CODE, handler="index.handler", **kwargs)


def alarm_names(stack):
    found = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")
    return sorted(r["Properties"]["AlarmName"] for r in found.values())


def test_secure_function_gets_health_spike_and_dead_letter_queue_alarms_by_default(stack):
    fn(stack)
    names = alarm_names(stack)
    assert "Test/Fn/Alarms/HealthCritical" in names
    assert "Test/Fn/Alarms/InvocationSpikeCritical" in names
    assert any("Backlog" in name for name in names), names  # the shared dead-letter queue's alarm
    topics = Template.from_stack(stack).find_resources("AWS::SNS::Topic")
    (topic,) = topics.values()
    assert "KmsMasterKeyId" in topic["Properties"]


def test_explicit_attach_before_synth_replaces_the_defaults(stack):
    function = fn(stack)
    attach_function_alarms(
        function, thresholds={"Warning": FunctionHealthThresholds()}, invocation_spike=False
    )
    names = [n for n in alarm_names(stack) if n.startswith("Test/Fn/")]
    assert names == ["Test/Fn/Alarms/HealthWarning"]


def test_alarm_options_tune_the_defaults(stack):
    fn(stack, alarms=FunctionAlarmOptions(invocation_spike=False))
    names = [n for n in alarm_names(stack) if n.startswith("Test/Fn/")]
    assert names == ["Test/Fn/Alarms/HealthCritical"]


def test_alarms_off_needs_a_reason(stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-003"):
        fn(stack, alarms=False)


def test_alarms_off_with_a_reason_is_recorded_and_creates_no_alarm(stack):
    function = fn(stack, alarms=False, no_alarms_reason="Nightly batch job; its failures land in the DLQ.")
    assert [e.data for e in function.node.metadata if e.type == OPT_OUT_METADATA] == [
        "Nightly batch job; its failures land in the DLQ."
    ]
    assert not [n for n in alarm_names(stack) if n.startswith("Test/Fn/")]


def test_a_reason_with_alarms_on_is_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-MON-007"):
        fn(stack, no_alarms_reason="Nightly batch job; its failures land in the DLQ.")


def test_alarms_of_the_wrong_type_are_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-005"):
        fn(stack, alarms=ApiAlarmOptions())


def test_rest_api_gets_its_alarms_by_default(stack):
    api = SecureRestApi(stack, "Api")
    api.add_route(
        "GET", "/orders", fn(stack, alarms=False, no_alarms_reason="Only the API is observed here.")
    )
    names = alarm_names(stack)
    assert "Test/Api/Alarms/HealthCritical" in names
    assert any(n.startswith("Test/Api/Alarms/") and "Waf" in n for n in names), names


def test_http_api_alarms_can_be_turned_off_with_a_reason(stack):
    api = SecureHttpApi(
        stack, "Api", alarms=False, no_alarms_reason="Internal smoke-test API, torn down hourly."
    )
    api.add_route(
        "GET", "/orders", fn(stack, alarms=False, no_alarms_reason="Only the API is observed here.")
    )
    assert not [n for n in alarm_names(stack) if n.startswith("Test/Api/")]


def test_rest_api_without_waf_gets_no_waf_alarm(stack):
    api = SecureRestApi(
        stack, "Api", waf=WafOptions.disabled("Private API reached only through a VPC endpoint.")
    )
    api.add_route(
        "GET", "/orders", fn(stack, alarms=False, no_alarms_reason="Only the API is observed here.")
    )
    names = [n for n in alarm_names(stack) if n.startswith("Test/Api/")]
    assert names and not any("Waf" in n for n in names), names


def test_two_apps_with_the_same_paths_keep_their_own_default_alarms():
    from aws_cdk import App, Stack

    first_stack = Stack(App(), "Same")
    second_stack = Stack(App(), "Same")
    fn(first_stack, "A")
    fn(second_stack, "B")
    fn(first_stack, "C")  # registered after the second app exists: must still land in the first app
    assert "Same/C/Alarms/HealthCritical" in alarm_names(first_stack)
    assert "Same/A/Alarms/HealthCritical" in alarm_names(first_stack)
    assert not any(n.startswith("Same/A/") for n in alarm_names(second_stack))
