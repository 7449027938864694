"""The declarations agree with the constructs: a declared setting is an argument the construct (or the CDK
class it wraps) really takes, with the declared default; the guard and the defaults derive from them."""

from __future__ import annotations

import inspect

import pytest
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_cognito_identitypool as identitypool
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds

from secure_constructs import (
    DataEventsTrail,
    SecureAlbRoutes,
    SecureDatabaseInstance,
    SecureDatabaseProxy,
    SecureFunction,
    SecureHttpApi,
    SecureIdentityPool,
    SecureNetwork,
    SecureRestApi,
    SecureUserPool,
)
from secure_constructs._overrides import keyword_names
from secure_constructs.nag._model import WIRED
from secure_constructs.nag.declarations import WRAPPED, all_settings, class_settings, defaults_of

#: construct name -> (the construct's callable, {via: the CDK class its overrides go to})
CONSTRUCTS = {
    "SecureFunction": (SecureFunction.__init__, {"overrides": lambda_.Function}),
    "SecureRestApi": (
        SecureRestApi.__init__,
        {"overrides": apigw.RestApi, "stage_overrides": apigw.StageOptions},
    ),
    "SecureHttpApi": (
        SecureHttpApi.__init__,
        {"overrides": apigwv2.HttpApi, "stage_overrides": apigwv2.HttpStage},
    ),
    "SecureUserPool": (SecureUserPool.__init__, {"overrides": cognito.UserPool}),
    "SecureUserPool.add_client": (SecureUserPool.add_client, {"overrides": cognito.UserPoolClient}),
    "SecureIdentityPool": (SecureIdentityPool.__init__, {"overrides": identitypool.IdentityPool}),
    "DataEventsTrail": (DataEventsTrail.__init__, {"overrides": cloudtrail.Trail}),
    "SecureNetwork": (SecureNetwork.__init__, {"overrides": ec2.Vpc}),
    "SecureDatabaseInstance": (SecureDatabaseInstance.__init__, {"overrides": rds.DatabaseInstance}),
    "SecureDatabaseProxy": (SecureDatabaseProxy.__init__, {"overrides": rds.DatabaseProxy}),
    "SecureAlbRoutes": (SecureAlbRoutes.__init__, {"overrides": elbv2.ApplicationLoadBalancer}),
    "SecureAlbRoutes.add_route": (SecureAlbRoutes.add_route, {}),
}
SETTINGS = [(s, spec) for s, spec in all_settings() if s.construct in CONSTRUCTS]


@pytest.mark.parametrize(
    ("setting", "spec"), SETTINGS, ids=[f"{s.construct}.{s.argument}" for s, _ in SETTINGS]
)
def test_a_declared_setting_is_a_real_argument_with_the_declared_default(setting, spec):
    function, classes = CONSTRUCTS[setting.construct]
    if setting.via in classes:
        assert setting.argument in keyword_names(classes[setting.via]), (spec.name, setting.argument)
    elif setting.via == "parameter" and setting.is_guarded:
        parameter = inspect.signature(function).parameters[setting.argument]
        assert setting.default != WIRED and parameter.default == setting.value(), (
            spec.name,
            setting.argument,
        )


def test_construct_defaults_include_every_declared_default():
    from secure_constructs._defaults import apigateway
    from secure_constructs._defaults import cognito as cognito_defaults
    from secure_constructs._defaults import lambda_ as lambda_defaults

    for declared, actual in (
        (defaults_of("SecureFunction"), lambda_defaults.function_defaults()),
        (defaults_of("SecureRestApi", via="stage_overrides"), apigateway.rest_stage_options()),
        (defaults_of("SecureHttpApi", via="stage_overrides"), apigateway.http_stage_props()),
        (defaults_of("SecureUserPool"), cognito_defaults.user_pool_defaults()),
        (defaults_of("SecureUserPool.add_client"), cognito_defaults.client_defaults(confidential=False)),
    ):
        assert declared and set(declared) <= set(actual)
        assert all(type(actual[key]) is type(value) for key, value in declared.items())


def test_every_construct_setting_names_a_known_construct():
    harden_classes = {s.construct for s, _ in all_settings() if s.via == "harden"}
    known = set(CONSTRUCTS) | {"alarm_topic", "harden()"} | harden_classes
    assert {s.construct for s, _ in all_settings()} <= known
    assert all(c.startswith("aws_") for c in harden_classes)


def _cdk_class(path: str) -> type:
    import importlib

    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(f"aws_cdk.{module}"), name)


def test_wrapped_names_the_classes_the_constructs_pass_their_overrides_to():
    for (construct, via), (cls, struct) in WRAPPED.items():
        expected = CONSTRUCTS[construct][1][via]
        if struct is None:
            assert _cdk_class(cls) is expected, (construct, via)
        else:  # the fields of a struct argument of the class (RestApi's deploy_options: StageOptions)
            assert struct in keyword_names(_cdk_class(cls))
            assert expected is apigw.StageOptions
            assert (cls, struct) == ("aws_apigateway.RestApi", "deploy_options")


HARDEN_SETTINGS = [(s, spec) for s, spec in all_settings() if s.via == "harden"]


@pytest.mark.parametrize(
    ("setting", "spec"), HARDEN_SETTINGS, ids=[f"{s.construct}.{s.argument}" for s, _ in HARDEN_SETTINGS]
)
def test_a_harden_setting_is_a_keyword_argument_of_its_class(setting, spec):
    cls = _cdk_class(setting.construct)
    head, _, field = setting.argument.partition(".")
    assert head in keyword_names(cls), (spec.name, setting.argument)
    if field:
        struct = {"deploy_options": apigw.StageOptions, "default_method_options": apigw.MethodOptions}[head]
        assert field in keyword_names(struct), (spec.name, setting.argument)
    if setting.default != WIRED:
        setting.value()  # builds


def test_a_class_setting_is_declared_once():
    """harden() derives what a wrapped class is given from the construct's overrides; a via="harden" row
    for the same keyword would be a second copy of that default."""
    classes = {cls for cls, _ in WRAPPED.values()} | {s.construct for s, _ in HARDEN_SETTINGS}
    for cls in classes:
        derived: list[str] = []
        for setting, _ in all_settings():
            target = WRAPPED.get((setting.construct, setting.via))
            if target is not None and target[0] == cls and setting.default != WIRED:
                derived.append(f"{target[1]}.{setting.argument}" if target[1] else setting.argument)
        own = [s.argument for s, _ in HARDEN_SETTINGS if s.construct == cls]
        assert len(own) == len(set(own)), cls
        assert not set(own) & set(derived), cls
        assert sorted(c.argument for c in class_settings(cls)) == sorted(set(derived + own))
