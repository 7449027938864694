"""Counts a customer's orders in PostgreSQL, through the RDS Proxy, with IAM authentication over verified TLS.

No password exists anywhere: ``rds_iam.connect`` signs a 15-minute token with the function's role (which may
connect as ``orders_reader`` only) and verifies the proxy's certificate and host name.
"""

import os

import rds_iam

_connection = None


def _db():
    global _connection
    if _connection is None:  # one connection per execution environment
        _connection = rds_iam.connect(
            os.environ["DB_PROXY_ENDPOINT"], 5432, "orders_reader", "orders", engine="postgres"
        )
    return _connection


def handler(event, context):
    cursor = _db().cursor()
    cursor.execute("SELECT count(*) FROM orders WHERE customer_id = %s", (str(event["customerId"]),))
    (count,) = cursor.fetchone()
    return {"orders": count}
