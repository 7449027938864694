"""A function that reads PostgreSQL without any stored password: IAM authentication through an RDS Proxy.

``SecureDatabaseInstance`` keeps the database in the network's isolated subnets with IAM authentication on,
storage and the RDS-managed (rotated) master secret encrypted with a customer managed key, no public address
and deletion protection. ``SecureDatabaseProxy`` requires TLS and IAM authentication end to end. The
function is granted ``rds-db:connect`` as one database user only (``grant_db_connect``), and connects with
the ``rds_iam`` runtime helper. Run it with every check on: ``python examples/database_iam.py``.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import App, Environment, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds

import secure_constructs
from secure_constructs import (
    SecureDatabaseInstance,
    SecureDatabaseProxy,
    SecureFunction,
    SecureNetwork,
    acknowledge,
    handler_code,
)
from secure_constructs.acknowledgments import acknowledge_all

HANDLER_DIR = Path(__file__).resolve().parent / "handlers" / "orders_db"


def build(app: App) -> Stack:
    stack = Stack(app, "DatabaseIam", env=Environment(account="111122223333", region="eu-west-1"))
    network = SecureNetwork(stack, "Network", flow_log_retention=logs.RetentionDays.ONE_MONTH)
    database = SecureDatabaseInstance(
        stack,
        "Orders",
        engine=rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_17_9),
        network=network,
        database_name="orders",
    )
    proxy = SecureDatabaseProxy(stack, "OrdersProxy", database=database)

    count_orders = SecureFunction(
        stack,
        "CountOrders",
        code=handler_code(HANDLER_DIR, helpers=["rds_iam"]),
        handler="index.handler",
        environment={"DB_PROXY_ENDPOINT": proxy.endpoint},
        network=network,
        log_retention=logs.RetentionDays.ONE_MONTH,  # example stack: short retention
    )
    count_orders.grant_db_connect(proxy, "orders_reader")  # rds-db:connect as orders_reader, nothing else
    acknowledge(
        database.instance,
        "AwsSolutions-RDS11",
        "The database is reachable only from its proxy's security group in isolated subnets; a non-default "
        "port would hide nothing from a caller that can reach it",
    )
    acknowledge_all(
        count_orders.function,
        ["SecureServerless-LambdaUnusedPermission[UnresolvedCalls]"],
        "rds-db:connect authorizes the IAM token rds_iam signs (generate_db_auth_token names no database "
        "user the analysis can read); grant_db_connect scopes it to exactly one user of this proxy",
    )
    return stack


if __name__ == "__main__":
    app = App()
    build(app)
    secure_constructs.add_checks(app)
    app.synth()
