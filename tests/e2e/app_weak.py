#!/usr/bin/env python3
"""The meta-test's deliberately weakened e2e stack: the e2e app, its guarantees undone, synthesized unchecked.

``SecureConstructsE2EWeak`` is ``SecureConstructsE2E`` after L1 escape hatches (``node.default_child``
property overrides) and plain L2 calls undo what the e2e checks guard, and without ``add_checks`` (which
would refuse it). ``make e2e`` deploys it next to the real stack and runs the same checks against it:
each must fail (tests/e2e/weakened.py). What is undone:

- every route's auth: every route is public except ``/public``, which needs IAM; the functions answer
  under another name, so a check that the right function ran for a request fails too;
- the functions' roles: one more policy with a wildcard action each, and two functions share one role;
  tracing and JSON logs are off;
- the least-privilege pair (``CodeGranted``) runs with swapped roles: the function granted from its code
  runs with the role that lacks one inferred action, and the variant with the full grant;
- no alarms; the trail does not validate its log files, its bucket is not versioned; the user pool accepts
  8-character passwords.
"""

from __future__ import annotations

import sys
from pathlib import Path

from aws_cdk import App
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_e2e import E2EStack, environment  # noqa: E402

from secure_constructs.compute import SecureFunction  # noqa: E402
from secure_constructs.monitoring.function_alarms import opt_out_of_alarms  # noqa: E402

WEAK_STACK = "SecureConstructsE2EWeak"
REASON = "meta-test: a deliberately weakened deployment that every e2e check must catch"


def _override(construct: IConstruct, path: str, value: object) -> None:
    construct.node.default_child.add_property_override(path, value)  # type: ignore[union-attr]


def weaken(stack: E2EStack) -> None:
    # --- routes: auth undone ------------------------------------------------------------------------
    for method in stack.api.rest_api.methods:
        route = f"{method.http_method} {method.resource.path}"
        cfn = method.node.default_child
        assert isinstance(cfn, apigw.CfnMethod)
        if route == "GET /public":
            cfn.add_property_override("AuthorizationType", "AWS_IAM")
        else:
            cfn.add_property_override("AuthorizationType", "NONE")
            cfn.add_property_deletion_override("AuthorizerId")
            cfn.add_property_deletion_override("AuthorizationScopes")
    # --- functions ------------------------------------------------------------------------------------
    functions = stack.functions
    for name, fn in functions.items():
        _override(fn.function, "Environment.Variables.ROUTE_NAME", f"Weakened{name}")
        _override(fn.function, "TracingConfig.Mode", "PassThrough")
        _override(fn.function, "LoggingConfig.LogFormat", "Text")
        fn.role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:*"], resources=["*"]))
        opt_out_of_alarms(fn, REASON)
    _override(functions["PublicRoute"].function, "Role", functions["IamRoute"].role.role_arn)
    pair = stack.code_granted
    _override(pair.allowed.function, "Role", pair.denied.role.role_arn)
    _override(pair.denied.function, "Role", pair.allowed.role.role_arn)
    opt_out_of_alarms(stack.api, REASON)
    for construct in stack.node.find_all():
        if isinstance(construct, SecureFunction) and construct not in functions.values():  # the authorizers
            opt_out_of_alarms(construct, REASON)
    # --- no alarms at all (the trail's security alarms included) ---------------------------------------
    kinds = (cloudwatch.Alarm, cloudwatch.CompositeAlarm)
    alarms = [c for c in stack.node.find_all() if isinstance(c, kinds)]
    for alarm in alarms:
        alarm.node.scope.node.try_remove_child(alarm.node.id)  # type: ignore[union-attr]
    # --- trail, bucket, user pool -----------------------------------------------------------------------
    _override(stack.trail.trail, "EnableLogFileValidation", False)
    bucket = stack.trail.bucket.node.default_child
    assert isinstance(bucket, s3.CfnBucket)
    bucket.add_property_override("VersioningConfiguration.Status", "Suspended")
    _override(stack.users.user_pool, "Policies.PasswordPolicy.MinimumLength", 8)


def main() -> None:
    app = App()
    stack = E2EStack(app, WEAK_STACK, env=environment())
    weaken(stack)
    app.synth()  # no add_checks: they would refuse this stack


if __name__ == "__main__":
    main()
