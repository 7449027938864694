"""SecureDatabaseInstance, SecureDatabaseProxy and SecureFunction.grant_db_connect: defaults and errors."""

from __future__ import annotations

import json

import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from aws_cdk.assertions import Template

from secure_constructs import (
    SecureConstructsError,
    SecureDatabaseInstance,
    SecureDatabaseProxy,
    SecureFunction,
    SecureNetwork,
)

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return None\n")
POSTGRES = rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_17_9)


def setup(stack, **instance_kwargs):
    network = SecureNetwork(stack, "Net")
    database = SecureDatabaseInstance(stack, "Db", engine=POSTGRES, network=network, **instance_kwargs)
    proxy = SecureDatabaseProxy(stack, "Proxy", database=database)
    function = SecureFunction(stack, "Fn", code=CODE, handler="index.handler", network=network)
    return network, database, proxy, function


def only(template: Template, kind: str) -> dict:
    (found,) = template.find_resources(kind).values()
    return found["Properties"]


def test_the_instance_requires_iam_is_encrypted_private_protected_and_rds_rotates_its_secret(stack):
    setup(stack)
    instance = only(Template.from_stack(stack), "AWS::RDS::DBInstance")
    assert instance["EnableIAMDatabaseAuthentication"] is True
    assert instance["StorageEncrypted"] is True and "Fn::GetAtt" in instance["KmsKeyId"]
    assert instance["PubliclyAccessible"] is False
    assert instance["DeletionProtection"] is True
    assert instance["ManageMasterUserPassword"] is True and "MasterUserPassword" not in instance
    assert instance["MasterUserSecret"] == {"KmsKeyId": instance["KmsKeyId"]}
    assert Template.from_stack(stack).find_resources("AWS::SecretsManager::Secret") == {}


def test_the_proxy_requires_tls_and_iam_end_to_end(stack):
    setup(stack)
    proxy = only(Template.from_stack(stack), "AWS::RDS::DBProxy")
    assert proxy["RequireTLS"] is True
    assert proxy["DefaultAuthScheme"] == "IAM_AUTH"
    assert "Auth" not in proxy  # no secret: the proxy itself signs in with IAM


def test_grant_db_connect_allows_exactly_that_user_of_that_proxy_and_opens_the_path(stack):
    _, database, proxy, function = setup(stack)
    function.grant_db_connect(proxy, "orders_reader")
    template = Template.from_stack(stack)
    role = template.find_resources("AWS::IAM::Role")[
        stack.resolve(function.role.node.default_child.logical_id)
    ]
    text = json.dumps(role["Properties"]["Policies"])
    assert '"Action": "rds-db:connect"' in text and "/orders_reader" in text and "dbuser:" in text
    assert "prx-" not in text  # the proxy's own id, read from its ARN at deploy time
    # the proxy's role may connect to the database as that user only
    proxy_policy = json.dumps([p["Properties"] for p in template.find_resources("AWS::IAM::Policy").values()])
    assert "DbiResourceId" in proxy_policy and "/orders_reader" in proxy_policy
    # the function reaches the proxy on 5432, and the proxy the database, and nothing else does
    ingress = [r["Properties"] for r in template.find_resources("AWS::EC2::SecurityGroupIngress").values()]
    pairs = sorted(
        (r["SourceSecurityGroupId"]["Fn::GetAtt"][0][:5], r["GroupId"]["Fn::GetAtt"][0][:5]) for r in ingress
    )
    assert pairs == [("FnSec", "Proxy"), ("Proxy", "DbSec")]
    assert all(
        r["FromPort"] == r["ToPort"] == {"Fn::GetAtt": ["DbInstanceD710EDDF", "Endpoint.Port"]}
        for r in ingress
    )


def test_the_master_user_and_malformed_users_are_refused(stack):
    _, database, proxy, function = setup(stack)
    for user in (database.master_username, "orders; DROP", "", 5):
        with pytest.raises(SecureConstructsError, match="SC-DB-002"):
            function.grant_db_connect(proxy, user)


def test_functions_connect_through_the_proxy_not_the_instance(stack):
    _, database, _, function = setup(stack)
    with pytest.raises(SecureConstructsError, match="SC-DB-003"):
        function.grant_db_connect(database, "app")
    with pytest.raises(SecureConstructsError, match="SC-DB-003"):
        function.grant_db_connect("orders-db", "app")


def test_plain_cdk_proxies_and_instances_get_cdk_s_own_grant(stack):
    network = SecureNetwork(stack, "Net")
    instance = rds.DatabaseInstance(
        stack,
        "Plain",
        engine=POSTGRES,
        vpc=network.vpc,
        vpc_subnets=network.function_subnets,
        iam_authentication=True,
    )
    function = SecureFunction(stack, "Fn", code=CODE, handler="index.handler", network=network)
    function.grant_db_connect(instance, "app")
    role = Template.from_stack(stack).find_resources("AWS::IAM::Role")
    assert "DbiResourceId" in json.dumps(role) and "/app" in json.dumps(role)


def test_the_database_needs_a_secure_network_and_the_proxy_a_secure_instance(stack):
    with pytest.raises(SecureConstructsError, match="SC-DB-001"):
        SecureDatabaseInstance(stack, "Db", engine=POSTGRES, network=None)
    with pytest.raises(SecureConstructsError, match="SC-DB-001"):
        SecureDatabaseProxy(stack, "Proxy", database=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "overrides",
    [
        {"iam_authentication": False},
        {"publicly_accessible": True},
        {"deletion_protection": False},
    ],
)
def test_weakening_the_instance_needs_a_reason(stack, overrides):
    network = SecureNetwork(stack, "Net")
    with pytest.raises(SecureConstructsError, match="SC-GEN-002"):
        SecureDatabaseInstance(stack, "Db", engine=POSTGRES, network=network, overrides=overrides)


def test_storage_encryption_cannot_be_turned_off(stack):
    network = SecureNetwork(stack, "Net")
    with pytest.raises(SecureConstructsError, match="SC-GEN-004"):
        SecureDatabaseInstance(
            stack, "Db", engine=POSTGRES, network=network, overrides={"storage_encrypted": False}
        )


def test_weakening_the_proxy_needs_a_reason(stack):
    network = SecureNetwork(stack, "Net")
    database = SecureDatabaseInstance(stack, "Db", engine=POSTGRES, network=network)
    with pytest.raises(SecureConstructsError, match="SC-GEN-002"):
        SecureDatabaseProxy(stack, "Proxy", database=database, overrides={"require_tls": False})
    with pytest.raises(SecureConstructsError, match="SC-GEN-004"):
        SecureDatabaseProxy(stack, "Other", database=database, overrides={"secrets": []})
