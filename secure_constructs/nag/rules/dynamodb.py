"""DynamoDB: tables keep a point-in-time recovery window (encryption is in ``encryption``)."""

from __future__ import annotations

from .._model import Cdk, RuleSpec, Setting, if_, remove, set_
from ._common import E, expect, truthy

TABLE = "AWS::DynamoDB::Table"

dynamodb_point_in_time_recovery = expect(
    "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled", truthy
)

RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "DynamoDbPointInTimeRecovery",
        "general",
        (TABLE,),
        "Point-in-time recovery of the table is off.",
        "Set PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled to true "
        "(point_in_time_recovery_specification in CDK), so that the table can be restored to any second of "
        "the last 35 days after a bad write or a deletion of items. Global tables (CDK's TableV2) set it per "
        "replica and are not judged by this rule.",
        E,
        dynamodb_point_in_time_recovery,
        paths=("PointInTimeRecoverySpecification",),
        settings=(
            Setting(
                "aws_dynamodb.Table",
                "point_in_time_recovery_specification",
                Cdk("aws_dynamodb.PointInTimeRecoverySpecification", point_in_time_recovery_enabled=True),
                via="harden",
            ),
        ),
        stock_ids=("AwsSolutions-DDB3",),
        mutations=(
            set_("PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled", False),
            remove("PointInTimeRecoverySpecification"),
            if_("PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled", False),
        ),
    ),
)
