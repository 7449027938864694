"""TemplateContext: the whole-template lookups that cross-resource rules use."""

from __future__ import annotations

import pytest
from nag_fixtures import template_of

from secure_constructs.nag import TemplateContext, Undecidable
from secure_constructs.nag._template import flatten

CTX = TemplateContext(
    template_of(
        ("Role", "AWS::IAM::Role", {}),
        ("Fn", "AWS::Lambda::Function", {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}),
        (
            "Perm",
            "AWS::Lambda::Permission",
            {
                "FunctionName": {"Ref": "Fn"},
                "SourceArn": {"Fn::Sub": "arn:aws:execute-api:${AWS::Region}:${Api}/*"},
            },
        ),
        ("Api", "AWS::ApiGateway::RestApi", {"Name": "shop"}),
        Parameters={"Mode": {"Type": "String", "AllowedValues": ["A", "B"]}, "Free": {"Type": "String"}},
    )
)


def test_target_resolves_ref_and_getatt_to_logical_ids():
    assert CTX.target({"Ref": "Fn"}) == "Fn"
    assert CTX.target({"Fn::GetAtt": ["Role", "Arn"]}) == "Role"
    assert CTX.target({"Fn::GetAtt": "Role.Arn"}) == "Role"
    assert CTX.target({"Ref": "Mode"}) is None and CTX.target("Fn") is None


def test_references_and_referrers_cover_sub():
    assert CTX.references(CTX.resources["Perm"]["Properties"]) == {"Fn", "Api"}
    assert CTX.referrers("Api") == ["Perm"]
    assert CTX.referrers("Role", "AWS::Lambda::Function") == ["Fn"]
    assert CTX.referrers("Role", "AWS::Lambda::Permission") == []


def test_branches_expand_conditions_and_allowed_values():
    assert CTX.branches({"Fn::If": ["C", "x", {"Ref": "AWS::NoValue"}]}) == ["x", None]
    assert CTX.branches({"Ref": "Mode"}) == ["A", "B"]
    assert CTX.branches({"Ref": "Free"}) == [{"Ref": "Free"}]


def test_decide_and_literal_fail_closed():
    assert CTX.decide({"Fn::If": ["C", "A", "B"]}, lambda v: v in ("A", "B"), "X") is True
    with pytest.raises(Undecidable, match="differ") as raised:
        CTX.decide({"Ref": "Mode"}, lambda v: v == "A", "X")
    assert raised.value.finding == "Unresolved::X"
    with pytest.raises(Undecidable, match="parameter Free"):
        CTX.literal({"Ref": "Free"}, "X")


def test_flatten_keeps_literal_parts():
    joined = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":lambda"]]}
    assert flatten(joined) == "arn:${AWS::Partition}:lambda"
    assert (
        flatten({"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/X"})
        == "arn:${AWS::Partition}:iam::aws:policy/X"
    )
    assert flatten({"Fn::If": ["C", "a", "b"]}) is None
