"""Each weakening the issue tracker listed, made through the L1 escape hatch on the demo service, fails its
synth with a finding on the weakened resource that says how to fix it."""

from __future__ import annotations

from typing import Any

import pytest
from examples_support import cdk_examples
from mutation import MUTANT_CONDITION, Mutant, baseline, synth

from secure_constructs.nag import RULES
from secure_constructs.nag._model import Mutation, if_, remove, set_

DEMO = next(p for p in cdk_examples() if p.stem == "orders_service")
SPECS = {spec.name: spec for spec in RULES}
ADMIN_IF = [
    {
        "PolicyName": "Weakened",
        "PolicyDocument": {
            "Statement": [
                {"Effect": {"Fn::If": [MUTANT_CONDITION, "Allow", "Deny"]}, "Action": "*", "Resource": "*"}
            ]
        },
    }
]

#: (the weakening as listed, the construct path of the L1 weakened, the rule expected on it, the change)
LISTED: list[tuple[str, str, str, Mutation]] = [
    (
        "Lambda TracingConfig.Mode -> PassThrough",
        "Orders/ListOrders/Function/Resource",
        "LambdaTracing",
        set_("TracingConfig.Mode", "PassThrough"),
    ),
    (
        "Lambda DeadLetterConfig removed",
        "Orders/GetOrder/Function/Resource",
        "LambdaDeadLetterQueue",
        remove("DeadLetterConfig"),
    ),
    (
        "Lambda LoggingConfig removed",
        "Orders/CreateOrder/Function/Resource",
        "LambdaLogGroup",
        remove("LoggingConfig"),
    ),
    (
        "Lambda RecursiveLoop -> Allow",
        "Orders/DeleteOrder/Function/Resource",
        "LambdaRecursiveLoop",
        set_("RecursiveLoop", "Allow"),
    ),
    ("WAF web ACL Rules: []", "Orders/InternalApi/WebAcl", "WafManagedRules", set_("Rules", [])),
    (
        "User pool EnabledMfas with SMS_MFA",
        "Orders/Customers/UserPool/Resource",
        "CognitoMfa",
        set_("EnabledMfas", ["SOFTWARE_TOKEN_MFA", "SMS_MFA"]),
    ),
    (
        "User pool DeletionProtection INACTIVE",
        "Orders/Customers/UserPool/Resource",
        "CognitoDeletionProtection",
        set_("DeletionProtection", "INACTIVE"),
    ),
    (
        "User pool account recovery by SMS",
        "Orders/Customers/UserPool/Resource",
        "CognitoAccountRecovery",
        set_("AccountRecoverySetting.RecoveryMechanisms", [{"Name": "verified_phone_number", "Priority": 1}]),
    ),
    # weakened on the pool's risk configuration, reported on the pool
    (
        "Compromised-credentials risk configuration removed",
        "Orders/Customers/ThreatProtection",
        "CognitoCompromisedCredentials",
        remove("CompromisedCredentialsRiskConfiguration"),
    ),
    (
        "Cognito-authorized method without AuthorizationScopes",
        "Orders/PublicApi/Api/Default/orders/{id}/GET/Resource",
        "ApiCognitoScopes",
        remove("AuthorizationScopes"),
    ),
    (
        "Trail bucket versioning removed",
        "Orders/Audit/Bucket/Resource",
        "S3Versioning",
        remove("VersioningConfiguration"),
    ),
    (
        "Trail bucket ObjectOwnership ObjectWriter",
        "Orders/Audit/Bucket/Resource",
        "S3ObjectOwnership",
        set_("OwnershipControls.Rules", [{"ObjectOwnership": "ObjectWriter"}]),
    ),
    (
        "REST stage throttling 1,000,000 requests/s",
        "Orders/InternalApi/Api/DeploymentStage.prod/Resource",
        "ApiThrottling",
        set_(
            "MethodSettings",
            [
                {
                    "HttpMethod": "*",
                    "ResourcePath": "/*",
                    "LoggingLevel": "ERROR",
                    "MetricsEnabled": True,
                    "DataTraceEnabled": False,
                    "ThrottlingRateLimit": 1_000_000,
                    "ThrottlingBurstLimit": 200,
                }
            ],
        ),
    ),
    (
        "Role statement with an Fn::If Effect, Action *, Resource *",
        "Orders/ListOrders/Role/Resource",
        "IamNoWildcardAction",
        set_("Policies", ADMIN_IF),
    ),
    (
        "Role statement with a wildcard inside Fn::Sub",
        "Orders/GetOrder/Role/Resource",
        "IamNoWildcardResource",
        set_(
            "Policies",
            [
                {
                    "PolicyName": "Weakened",
                    "PolicyDocument": {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "s3:DeleteObject",
                                "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::*"},
                            }
                        ]
                    },
                }
            ],
        ),
    ),
    (
        "Principal * behind a vacuous aws:SourceArn condition",
        "Orders/SecureConstructsAlarmTopic/Policy/Resource",
        "ResourcePolicyAnyPrincipal",
        set_(
            "PolicyDocument",
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "sns:Publish",
                        "Resource": "*",
                        "Condition": {"ArnLike": {"aws:SourceArn": "*"}},
                    }
                ]
            },
        ),
    ),
    (
        "Fn::If with an insecure branch on a function's tracing",
        "Orders/Health/Function/Resource",
        "LambdaTracing",
        if_("TracingConfig.Mode", "PassThrough"),
    ),
]


#: Weakened on one resource, reported on the one the property belongs to.
REPORTED_ON = {"Orders/Customers/ThreatProtection": "Orders/Customers/UserPool/Resource"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return baseline(DEMO, tmp_path_factory.mktemp("demo") / "base")


def test_every_listed_weakening_fails_the_demo_synth_naming_the_resource_and_the_fix(demo, tmp_path):
    by_path = {path: (stack, lid) for (stack, lid), path in demo.paths.items()}
    groups: list[list[tuple[str, Mutant]]] = [[], [], []]  # one weakening per rule and resource per synth
    for listed, path, rule, mutation in LISTED:
        stack, lid = by_path[path]
        expected = REPORTED_ON.get(path, path)
        value: Any = mutation.value
        if mutation.kind == "if":
            value = {"Fn::If": [MUTANT_CONDITION, mutation.value, "Active"]}
        mutant = Mutant(
            SPECS[rule], mutation, stack, [lid], by_path[expected][1], expected, {lid: path}, {lid: value}
        )
        group = next(g for g in groups if all(m.spec.name != rule and lid not in m.targets for _, m in g))
        group.append((listed, mutant))
    failures = []
    for index, group in enumerate(g for g in groups if g):
        result, _ = synth(DEMO, tmp_path / f"weakened{index}", [m for _, m in group])
        for listed, mutant in group:
            found = [
                f
                for f in result.violations
                if f.path == mutant.expected_path
                and f.rule.split("[")[0] == f"SecureServerless-{mutant.spec.name}"
            ]
            if not found:
                failures.append(f"{listed}: no {mutant.spec.rule_id} on {mutant.expected_path}")
            elif found[0]["severity"] != "error":
                failures.append(
                    f"{listed}: reported as {found[0]['severity']}, which does not fail the synth"
                )
    assert failures == []
    assert all(spec.explanation for spec in SPECS.values())  # the fix each finding carries
