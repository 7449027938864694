"""The fixture corpus: each handler folder with the (action, environment variable) pairs it calls, written
by hand from the code. The tests and benchmarks/bench_least_privilege.py compare the analysis with it."""

from __future__ import annotations

import pathlib

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"

EXPECTED: dict[str, set[tuple[str, str | None]]] = {
    "multi_module": {("dynamodb:PutItem", "ORDERS_TABLE"), ("sqs:SendMessage", "EVENTS_QUEUE_URL")},
    "aliases": {("sns:Publish", "ALERTS_TOPIC_ARN"), ("lambda:InvokeFunction", "WORKER_FUNCTION")},
    "s3_transfers": {
        ("s3:PutObject", "UPLOADS_BUCKET"),
        ("s3:AbortMultipartUpload", "UPLOADS_BUCKET"),
        ("s3:GetObject", "UPLOADS_BUCKET"),
        ("s3:ListBucket", "UPLOADS_BUCKET"),
        ("s3:DeleteObject", "UPLOADS_BUCKET"),
    },
    "dynamodb": {("dynamodb:BatchWriteItem", "ORDERS_TABLE"), ("dynamodb:Query", "ORDERS_TABLE")},
    "reads_and_messages": {
        ("secretsmanager:GetSecretValue", "API_TOKEN_SECRET_ARN"),
        ("ssm:GetParameter", "LIMIT_PARAMETER_NAME"),
        ("kms:Decrypt", "DATA_KEY_ARN"),
        ("sqs:SendMessage", "JOBS_QUEUE_URL"),
    },
    "paginators_waiters": {("dynamodb:Scan", "ORDERS_TABLE"), ("dynamodb:DescribeTable", "ORDERS_TABLE")},
    "dynamic": {("s3:GetObject", "UPLOADS_BUCKET")},
    "vendored": {("sqs:SendMessage", "JOBS_QUEUE_URL")},
}
