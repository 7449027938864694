"""StackContext: one per stack, found from any construct of it, never shared between apps; its checks fail
the synth and its deferred work runs once, before the templates are written."""

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template
from constructs import Construct

from secure_constructs._context import StackContext


def test_one_context_per_stack_found_from_any_construct_in_it(stack):
    inner = Construct(Construct(stack, "A"), "B")
    assert StackContext.of(inner) is StackContext.of(stack)
    other = Stack(stack.node.root, "Other")
    assert StackContext.of(other) is not StackContext.of(stack)
    context = StackContext.of(inner)
    assert (context.path, context.name, context.region) == ("Test", "Test", "eu-west-1")


def test_stacks_with_the_same_path_in_two_apps_have_their_own_context():
    first, second = Stack(App(), "Orders"), Stack(App(), "Orders")
    assert StackContext.of(first) is not StackContext.of(second)
    assert StackContext.all(first.node.root) == [StackContext.of(first)]


def test_a_check_fails_the_synth_with_its_message(app, stack):
    StackContext.of(stack).add_check(lambda: ["[SC-TEST] something is wrong"])
    sqs.Queue(stack, "Q")
    with pytest.raises(RuntimeError, match=r"\[SC-TEST\] something is wrong"):
        app.synth()


def test_deferred_work_runs_once_and_lands_in_the_template(stack):
    runs = []

    def add_queue():
        runs.append(1)
        sqs.Queue(stack, f"Late{len(runs)}")

    StackContext.of(stack).defer(add_queue)
    Template.from_stack(stack).resource_count_is("AWS::SQS::Queue", 1)
    Template.from_stack(stack).resource_count_is("AWS::SQS::Queue", 1)
    assert runs == [1]
