"""SecureIdentityPool: authenticated identities only, per-group roles, per-user data isolation."""

import pytest
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from secure_constructs import SecureConstructsError, add_checks
from secure_constructs.identity import ITEM_READ_ACTIONS, SecureIdentityPool, SecureUserPool
from secure_constructs.testing import synth_and_validate

SUB = "${cognito-identity.amazonaws.com:sub}"


def users(stack, *clients):
    pool = SecureUserPool(stack, "Users")
    for name in clients or ("Web",):
        pool.add_client(name)
    return pool


def ref(stack, construct):
    return {"Ref": stack.get_logical_id(construct.node.default_child)}


def arn(stack, construct):
    return {"Fn::GetAtt": [stack.get_logical_id(construct.node.default_child), "Arn"]}


def statements(stack, role):
    policies = Template.from_stack(stack).find_resources("AWS::IAM::Policy", {
        "Properties": {"Roles": [ref(stack, role)]}})
    return [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]


def test_only_authenticated_identities_and_no_classic_flow(stack):
    SecureIdentityPool(stack, "Ids", user_pool=users(stack))
    Template.from_stack(stack).has_resource_properties("AWS::Cognito::IdentityPool", {
        "AllowUnauthenticatedIdentities": False, "AllowClassicFlow": False})


def test_tokens_are_checked_server_side_for_every_client(stack):
    pool = users(stack, "Web", "Mobile")
    SecureIdentityPool(stack, "Ids", user_pool=pool)
    providers = next(iter(Template.from_stack(stack).find_resources("AWS::Cognito::IdentityPool").values()))[
        "Properties"]["CognitoIdentityProviders"]
    assert [p["ClientId"] for p in providers] == [ref(stack, pool.clients[n]) for n in ("Web", "Mobile")]
    assert all(p["ServerSideTokenCheck"] is True for p in providers)


def test_roles_come_from_the_token_and_ambiguity_is_denied(stack):
    pool = users(stack, "Web", "Mobile")
    SecureIdentityPool(stack, "Ids", user_pool=pool)
    mappings = next(iter(Template.from_stack(stack).find_resources(
        "AWS::Cognito::IdentityPoolRoleAttachment").values()))["Properties"]["RoleMappings"]
    assert sorted(mappings) == ["Mobile", "Web"]
    for name, mapping in mappings.items():
        assert mapping["Type"] == "Token" and mapping["AmbiguousRoleResolution"] == "Deny"
        assert mapping["IdentityProvider"]["Fn::Join"][1][-1] == ref(stack, pool.clients[name])


def test_each_group_gets_a_role_trusted_only_by_this_pool_for_authenticated_identities(stack):
    ids = SecureIdentityPool(stack, "Ids", user_pool=users(stack), groups=["Admins", "Customers"])
    template = Template.from_stack(stack)
    for name, precedence in (("Admins", 0), ("Customers", 1)):
        template.has_resource_properties("AWS::IAM::Role", {
            "Description": Match.string_like_regexp(f"members of group {name}$"),
            "AssumeRolePolicyDocument": {"Statement": [{
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Condition": {
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": ref(stack, ids.identity_pool)},
                    "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
                },
            }], "Version": "2012-10-17"},
        })
        template.has_resource_properties("AWS::Cognito::UserPoolGroup", {
            "GroupName": name, "Precedence": precedence, "RoleArn": arn(stack, ids.roles[name])})
    assert statements(stack, ids.roles["Admins"]) == []


def test_the_default_authenticated_role_has_no_permissions(stack):
    ids = SecureIdentityPool(stack, "Ids", user_pool=users(stack), groups=["Admins"])
    assert statements(stack, ids.authenticated_role) == []
    Template.from_stack(stack).has_resource_properties("AWS::Cognito::IdentityPoolRoleAttachment", {
        "Roles": Match.object_like({"authenticated": arn(stack, ids.authenticated_role)})})


def test_add_group_returns_the_role_and_takes_an_explicit_precedence(stack):
    ids = SecureIdentityPool(stack, "Ids", user_pool=users(stack), groups=["Admins"])
    role = ids.add_group("Support", precedence=5, description="Help desk")
    assert ids.roles["Support"] is role and isinstance(role, iam.Role)
    ids.add_group("Viewers")
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::Cognito::UserPoolGroup", {
        "GroupName": "Support", "Precedence": 5, "Description": "Help desk"})
    template.has_resource_properties("AWS::Cognito::UserPoolGroup", {"GroupName": "Viewers", "Precedence": 6})


def test_clients_can_be_chosen(stack):
    pool = users(stack, "Web", "Admin")
    SecureIdentityPool(stack, "Ids", user_pool=pool, clients=[pool.clients["Web"]])
    providers = next(iter(Template.from_stack(stack).find_resources("AWS::Cognito::IdentityPool").values()))[
        "Properties"]["CognitoIdentityProviders"]
    assert [p["ClientId"] for p in providers] == [ref(stack, pool.clients["Web"])]


def test_a_plain_user_pool_works_with_explicit_clients(stack):
    pool = cognito.UserPool(stack, "Plain")
    client = pool.add_client("App")
    SecureIdentityPool(stack, "Ids", user_pool=pool, clients=[client])
    mappings = next(iter(Template.from_stack(stack).find_resources(
        "AWS::Cognito::IdentityPoolRoleAttachment").values()))["Properties"]["RoleMappings"]
    assert list(mappings) == ["App"]


def test_no_client_is_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-ID-006.*Test/Ids"):
        SecureIdentityPool(stack, "Ids", user_pool=SecureUserPool(stack, "Users"))


def test_plain_user_pool_without_clients_is_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-ID-006"):
        SecureIdentityPool(stack, "Ids", user_pool=cognito.UserPool(stack, "Plain"))


def test_a_client_of_another_pool_is_refused(stack):
    other = cognito.UserPool(stack, "Other").add_client("Stray")
    with pytest.raises(SecureConstructsError, match="SC-ID-006.*Test/Other/Stray"):
        SecureIdentityPool(stack, "Ids", user_pool=users(stack), clients=[other])


def test_user_pool_of_the_wrong_type_is_refused(stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-005.*str"):
        SecureIdentityPool(stack, "Ids", user_pool="eu-west-1_abc")


@pytest.mark.parametrize("name", ["", "has space", "slash/name", "x" * 129, "-lead"])
def test_invalid_group_name_is_refused(stack, name):
    ids = SecureIdentityPool(stack, "Ids", user_pool=users(stack))
    with pytest.raises(SecureConstructsError, match="SC-ID-004"):
        ids.add_group(name)


def test_duplicate_group_is_refused(stack):
    ids = SecureIdentityPool(stack, "Ids", user_pool=users(stack), groups=["Admins"])
    with pytest.raises(SecureConstructsError, match="SC-ID-004.*'Admins'"):
        ids.add_group("Admins")


def test_shared_precedence_is_refused(stack):
    ids = SecureIdentityPool(stack, "Ids", user_pool=users(stack), groups=["Admins"])
    with pytest.raises(SecureConstructsError, match="SC-ID-004.*precedence 0.*'Admins'"):
        ids.add_group("Support", precedence=0)


@pytest.mark.parametrize("precedence", [-1, 1.5, True])
def test_bad_precedence_is_refused(stack, precedence):
    ids = SecureIdentityPool(stack, "Ids", user_pool=users(stack))
    with pytest.raises(SecureConstructsError, match="SC-GEN-005"):
        ids.add_group("Admins", precedence=precedence)


def test_unauthenticated_identities_need_a_reason(stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-002.*allow_unauthenticated_identities"):
        SecureIdentityPool(stack, "Ids", user_pool=users(stack),
                           overrides={"allow_unauthenticated_identities": True})


def test_classic_flow_needs_a_reason(stack):
    with pytest.raises(SecureConstructsError, match="SC-GEN-002.*allow_classic_flow"):
        SecureIdentityPool(stack, "Ids", user_pool=users(stack), overrides={"allow_classic_flow": True})


@pytest.mark.parametrize("key", ["role_mappings", "authentication_providers", "authenticated_role",
                                 "unauthenticated_role"])
def test_providers_mappings_and_default_roles_are_managed(stack, key):
    with pytest.raises(SecureConstructsError, match=f"SC-GEN-004.*'{key}'"):
        SecureIdentityPool(stack, "Ids", user_pool=users(stack), overrides={key: None})


def test_guest_access_cannot_be_accepted_even_with_a_reason(app, stack):
    # IdentityPoolUnauthenticated is fatal: no reason makes credentials for anonymous callers acceptable
    reason = "Anonymous visitors may read the public product catalogue through the guest role."
    with pytest.raises(SecureConstructsError, match="SC-GEN-006.*allow_unauthenticated_identities"):
        SecureIdentityPool(stack, "Ids", user_pool=users(stack),
                           overrides={"allow_unauthenticated_identities": True},
                           accepted_risks={"allow_unauthenticated_identities": reason})
    assert stack.node.try_find_child("Ids") is None


# --- per-user data isolation --------------------------------------------------------------------------


def table(stack, **kwargs):
    return dynamodb.Table(stack, "Orders", partition_key=dynamodb.Attribute(
        name="pk", type=dynamodb.AttributeType.STRING), **kwargs)


def test_grant_own_items_binds_the_partition_key_to_the_identity_id(stack):
    ids = SecureIdentityPool(stack, "Ids", user_pool=users(stack), groups=["Customers"])
    orders = table(stack)
    grant = ids.grant_own_items(ids.roles["Customers"], orders)
    assert isinstance(grant, iam.Grant) and grant.success
    assert statements(stack, ids.roles["Customers"]) == [{
        "Action": ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
                   "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
                   "dynamodb:ConditionCheckItem"],
        "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [SUB]}},
        "Effect": "Allow",
        "Resource": arn(stack, orders),
    }]


def test_grant_own_items_read_only_with_a_table_key_decrypts_through_dynamodb_only(stack):
    ids = SecureIdentityPool(stack, "Ids", user_pool=users(stack), groups=["Customers"])
    key = kms.Key(stack, "TableKey", enable_key_rotation=True)
    orders = table(stack, encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED, encryption_key=key)
    ids.grant_own_items(ids.roles["Customers"], orders, actions=ITEM_READ_ACTIONS)
    items, key_statement = statements(stack, ids.roles["Customers"])
    assert items["Action"] == list(ITEM_READ_ACTIONS)
    assert key_statement == {
        "Action": ["kms:Decrypt", "kms:DescribeKey"],
        "Condition": {"StringEquals": {"kms:ViaService": {
            "Fn::Join": ["", ["dynamodb.eu-west-1.", {"Ref": "AWS::URLSuffix"}]]}}},
        "Effect": "Allow",
        "Resource": arn(stack, key),
    }


@pytest.mark.parametrize("actions", [["dynamodb:Scan"], ["dynamodb:*"], ["dynamodb:ExecuteStatement"], []])
def test_actions_that_cannot_be_bound_to_a_key_are_refused(stack, actions):
    ids = SecureIdentityPool(stack, "Ids", user_pool=users(stack), groups=["Customers"])
    with pytest.raises(SecureConstructsError, match="SC-ID-009.*DynamoDB"):
        ids.grant_own_items(ids.roles["Customers"], table(stack), actions=actions)


def test_per_user_grants_on_other_roles_are_refused(stack):
    ids = SecureIdentityPool(stack, "Ids", user_pool=users(stack), groups=["Customers"])
    stranger = iam.Role(stack, "Stranger", assumed_by=iam.AccountRootPrincipal())
    with pytest.raises(SecureConstructsError, match="SC-ID-007.*Test/Stranger"):
        ids.grant_own_items(stranger, table(stack))
    with pytest.raises(SecureConstructsError, match="SC-ID-007"):
        ids.grant_own_prefix(stranger, s3.Bucket(stack, "Files"))


def test_the_authenticated_role_may_get_per_user_grants(stack):
    ids = SecureIdentityPool(stack, "Ids", user_pool=users(stack))
    ids.grant_own_items(ids.authenticated_role, table(stack))
    assert len(statements(stack, ids.authenticated_role)) == 1


def test_grant_own_prefix_limits_objects_and_listing_to_the_callers_folder(stack):
    ids = SecureIdentityPool(stack, "Ids", user_pool=users(stack), groups=["Customers"])
    bucket = s3.Bucket(stack, "Files")
    ids.grant_own_prefix(ids.roles["Customers"], bucket, prefix="private/")
    assert statements(stack, ids.roles["Customers"]) == [
        {
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            "Effect": "Allow",
            "Resource": {"Fn::Join": ["", [arn(stack, bucket), f"/private/{SUB}/*"]]},
        },
        {
            "Action": "s3:ListBucket",
            "Condition": {"StringLike": {"s3:prefix": [f"private/{SUB}/", f"private/{SUB}/*"]}},
            "Effect": "Allow",
            "Resource": arn(stack, bucket),
        },
    ]


def test_grant_own_prefix_read_only_without_listing_with_a_bucket_key(stack):
    ids = SecureIdentityPool(stack, "Ids", user_pool=users(stack), groups=["Customers"])
    bucket = s3.Bucket(stack, "Files", encryption=s3.BucketEncryption.KMS)
    ids.grant_own_prefix(ids.roles["Customers"], bucket, actions=["s3:GetObject"], list_objects=False)
    objects, key_statement = statements(stack, ids.roles["Customers"])
    assert objects["Action"] == "s3:GetObject"
    assert objects["Resource"] == {"Fn::Join": ["", [arn(stack, bucket), f"/{SUB}/*"]]}
    assert key_statement["Action"] == ["kms:Decrypt", "kms:DescribeKey"]
    assert key_statement["Condition"] == {"StringEquals": {"kms:ViaService": {
        "Fn::Join": ["", ["s3.eu-west-1.", {"Ref": "AWS::URLSuffix"}]]}}}


@pytest.mark.parametrize("prefix", ["private", "/private/", "a/*/", f"{SUB}/", "a//", "a b/"])
def test_malformed_prefix_is_refused(stack, prefix):
    ids = SecureIdentityPool(stack, "Ids", user_pool=users(stack), groups=["Customers"])
    with pytest.raises(SecureConstructsError, match="SC-ID-008"):
        ids.grant_own_prefix(ids.roles["Customers"], s3.Bucket(stack, "Files"), prefix=prefix)


@pytest.mark.parametrize("actions", [["s3:*"], ["s3:GetObject*"], ["s3:PutObjectAcl"]])
def test_object_actions_outside_the_allow_list_are_refused(stack, actions):
    ids = SecureIdentityPool(stack, "Ids", user_pool=users(stack), groups=["Customers"])
    with pytest.raises(SecureConstructsError, match="SC-ID-009.*S3"):
        ids.grant_own_prefix(ids.roles["Customers"], s3.Bucket(stack, "Files"), actions=actions)


def test_defaults_and_per_user_grants_pass_every_check(app, stack):
    add_checks(app)  # includes the SecureServerless pack
    ids = SecureIdentityPool(stack, "Ids", user_pool=users(stack), groups=["Admins", "Customers"])
    ids.grant_own_items(ids.roles["Customers"], table(stack))
    bucket = s3.Bucket(stack, "Files", enforce_ssl=True, server_access_logs_prefix="access-logs/")
    ids.grant_own_prefix(ids.roles["Customers"], bucket, prefix="private/")
    result = synth_and_validate(app)
    role_findings = [f for f in result.violations if f.path.startswith("Test/Ids")]
    assert role_findings == [], result.format()
    [finding] = [f for f in result.suppressed if f.rule.startswith("AwsSolutions-IAM5")]
    bucket_id = stack.get_logical_id(bucket.node.default_child)
    assert finding.rule == (
        f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/private/<cognito-identity.amazonaws.com:sub>/*]")
    assert finding.path == "Test/Ids/CustomersRole/DefaultPolicy/Resource"
    assert "own folder" in finding["reason"]


def test_per_user_prefix_on_an_imported_bucket_is_acknowledged_by_its_exact_finding(app, stack):
    add_checks(app)
    ids = SecureIdentityPool(stack, "Ids", user_pool=users(stack), groups=["Customers"])
    shared = s3.Bucket.from_bucket_name(stack, "Shared", "shared-uploads")
    ids.grant_own_prefix(ids.roles["Customers"], shared)
    result = synth_and_validate(app)
    assert [f for f in result.violations if f.path.startswith("Test/Ids")] == [], result.format()
    assert "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::shared-uploads/" \
        "<cognito-identity.amazonaws.com:sub>/*]" in result.rules(suppressed=True)


def test_a_client_added_after_the_identity_pool_fails_the_synth(app, stack):
    pool = users(stack, "Web")
    SecureIdentityPool(stack, "Ids", user_pool=pool)
    pool.add_client("Late")
    with pytest.raises(RuntimeError, match=r"SC-ID-006.*Test/Ids.*'Late'"):
        app.synth()


def test_a_client_added_later_is_fine_when_clients_were_chosen(app, stack):
    pool = users(stack, "Web")
    SecureIdentityPool(stack, "Ids", user_pool=pool, clients=[pool.clients["Web"]])
    pool.add_client("Admin")
    app.synth()


def test_the_folder_acknowledgment_follows_a_later_logical_id_change(app, stack):
    add_checks(app)
    ids = SecureIdentityPool(stack, "Ids", user_pool=users(stack), groups=["Customers"])
    bucket = s3.Bucket(stack, "Files", enforce_ssl=True, server_access_logs_prefix="access-logs/")
    ids.grant_own_prefix(ids.roles["Customers"], bucket)
    bucket.node.default_child.override_logical_id("Uploads")
    result = synth_and_validate(app)
    assert [f for f in result.violations if f.path.startswith("Test/Ids")] == [], result.format()
    finding = "AwsSolutions-IAM5[Resource::<Uploads.Arn>/<cognito-identity.amazonaws.com:sub>/*]"
    assert finding in result.rules(suppressed=True)
