"""Handlers of the plain test app: read and write one DynamoDB table, read one secret."""

import json
import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def list_orders(event, context):
    items = TABLE.scan(Limit=50).get("Items", [])
    return {"statusCode": 200, "body": json.dumps([i["pk"] for i in items])}


def get_order(event, context):
    item = TABLE.get_item(Key={"pk": event["pathParameters"]["id"]}).get("Item")
    return {"statusCode": 200 if item else 404, "body": json.dumps(item or {})}


def create_order(event, context):
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["PAYMENT_SECRET_ARN"])
    TABLE.put_item(Item={"pk": json.loads(event["body"])["id"], "paid": bool(secret["SecretString"])})
    return {"statusCode": 201, "body": "{}"}


def delete_order(event, context):
    TABLE.delete_item(Key={"pk": event["pathParameters"]["id"]})
    return {"statusCode": 204, "body": ""}
