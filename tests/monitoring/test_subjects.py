"""The alarm side's two protocols: SecureFunction and the secure APIs implement them, plain aws-cdk-lib
functions and APIs are adapted, and what a function reports is what its L1 says at the time."""

import pytest
from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_

from secure_constructs import SecureConstructsError, SecureFunction, SecureHttpApi, SecureRestApi
from secure_constructs.monitoring import AlarmedApi, AlarmedFunction
from secure_constructs.monitoring.subjects import alarmed_api, alarmed_function

CODE = lambda_.Code.from_inline("def handler(e, c): pass")


def test_secure_constructs_implement_the_protocols(stack):
    fn = SecureFunction(stack, "Fn", code=CODE, handler="index.handler")
    assert isinstance(fn, AlarmedFunction)
    assert isinstance(SecureRestApi(stack, "Rest"), AlarmedApi)
    assert isinstance(SecureHttpApi(stack, "Http"), AlarmedApi)


def test_a_secure_functions_l2_stands_for_the_secure_function(stack):
    fn = SecureFunction(stack, "Fn", code=CODE, handler="index.handler", timeout=Duration.seconds(20))
    assert alarmed_function(stack, fn.function) is fn
    assert fn.dead_letter_queue is not None and fn.function.dead_letter_queue is None


def test_reserved_concurrency_is_read_from_the_l1_when_asked(stack):
    fn = SecureFunction(stack, "Fn", code=CODE, handler="index.handler", reserved_concurrent_executions=5)
    assert fn.reserved_concurrent_executions == 5
    fn.function.node.default_child.reserved_concurrent_executions = 7  # escape hatch
    assert fn.reserved_concurrent_executions == 7


def test_a_plain_function_is_adapted_from_its_l1(stack):
    plain = lambda_.Function(stack, "Plain", code=CODE, handler="index.handler",
                             runtime=lambda_.Runtime.PYTHON_3_12, reserved_concurrent_executions=3)
    subject = alarmed_function(stack, plain)
    assert subject.timeout.to_seconds() == 3  # Lambda's default
    assert subject.reserved_concurrent_executions == 3
    assert subject.dead_letter_queue is None
    assert set(subject.metric_dimensions) == {"FunctionName"}
    assert subject.node.path == "Test/Plain"


def test_a_plain_api_is_adapted_without_a_web_acl(stack):
    api = apigateway.RestApi(stack, "Plain")
    api.root.add_method("GET")
    subject = alarmed_api(stack, api)
    assert subject.web_acl is None and subject.api_metrics is api


def test_anything_else_is_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-MON-003"):
        alarmed_function(stack, object())
    with pytest.raises(SecureConstructsError, match="SC-MON-003"):
        alarmed_api(stack, object())
