"""Readable rendering of CloudFormation intrinsics, and the logical ids a value refers to."""

from secure_constructs.report.intrinsics import references, render


def test_literals_render_as_themselves():
    assert render("arn:aws:s3:::bucket") == "arn:aws:s3:::bucket"
    assert render(5) == "5"
    assert render(True) == "true"
    assert render(["a", "b"]) == "a, b"


def test_ref_and_getatt_render_as_names():
    assert render({"Ref": "Table"}) == "Table"
    assert render({"Fn::GetAtt": ["Table", "Arn"]}) == "Table.Arn"
    assert render({"Fn::GetAtt": "Table.StreamArn"}) == "Table.StreamArn"


def test_join_is_flattened_with_token_placeholders():
    value = {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":dynamodb:",
                {"Ref": "AWS::Region"},
                ":111122223333:table/",
                {"Ref": "Table"},
            ],
        ]
    }
    assert render(value) == "arn:${AWS::Partition}:dynamodb:${AWS::Region}:111122223333:table/${Table}"
    index = {"Fn::Join": ["", [{"Fn::GetAtt": ["Table", "Arn"]}, "/index/*"]]}
    assert render(index) == "${Table.Arn}/index/*"
    assert render({"Fn::Join": [",", ["a", {"Ref": "B"}]]}) == "a,${B}"


def test_sub_keeps_its_placeholders_and_applies_its_map():
    assert render({"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:q"}) == (
        "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:q"
    )
    assert render({"Fn::Sub": ["${Arn}/*", {"Arn": {"Fn::GetAtt": ["Bucket", "Arn"]}}]}) == "${Bucket.Arn}/*"


def test_other_intrinsics_render_as_calls_and_unknown_dicts_as_json():
    assert render({"Fn::ImportValue": "SharedKeyArn"}) == "import:SharedKeyArn"
    assert render({"Fn::Select": [0, {"Fn::GetAZs": ""}]}) == "Select(0, GetAZs())"
    assert render({"a": 1, "b": 2}) == '{"a":1,"b":2}'


def test_references_finds_ref_getatt_and_sub_variables_but_not_pseudo_parameters():
    value = {"Fn::Join": ["", [{"Ref": "AWS::Partition"}, {"Ref": "Fn1"}, {"Fn::GetAtt": ["Table", "Arn"]}]]}
    assert references(value) == {"Fn1", "Table"}
    assert references({"Fn::Sub": "${Queue.Arn}:${AWS::Region}:${!Literal}"}) == {"Queue"}
    assert references({"Fn::GetAtt": "Role.Arn"}) == {"Role"}
    assert references("plain") == set()
