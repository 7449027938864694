#!/usr/bin/env python3
"""The app that `make e2e` deploys (to the local emulator, or to a real account): only our constructs.

One stack, ``SecureConstructsE2E``: three SecureFunctions behind a SecureRestApi with an IAM route, a
second IAM route, a Cognito route (SecureUserPool) and one public route with its reason; a
DataEventsTrail. The functions' and the API's default alarms (attached at synth) and the trail's security
alarms notify the stack's encrypted topic. Two IAM roles stand in for API
callers: one granted exactly ``GET /iam`` with ``api.grant_invoke``, one granted nothing. The stack's
outputs are what tests/e2e/test_e2e_*.py read back.

Everything is the library's secure default except what the tests need, each relaxed through the
construct's documented override with a reason (``accepted_risks``):
- the test app client may also sign in with ADMIN_USER_PASSWORD_AUTH (server-side, IAM-signed), so a test
  can get a real token without SRP; the pool still requires MFA (TOTP), which the test enrolls and answers;
- the user pool's deletion protection is off, so that ``cdk destroy`` can remove it after each run.
"""

from __future__ import annotations

import os

from aws_cdk import App, CfnOutput, Environment, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from secure_constructs import add_checks
from secure_constructs.api import Auth, SecureRestApi
from secure_constructs.audit import DataEventsTrail
from secure_constructs.compute import SecureFunction
from secure_constructs.identity import SecureUserPool
from secure_constructs.monitoring import alarm_topic

STACK_NAME = "SecureConstructsE2E"

#: Echoes what API Gateway passed in, so a test can tell that this function ran for its request; fails on
#: purpose for an event with a "fail" key (only a direct invoke sends one).
HANDLER = """
import json, os

def handler(event, context):
    if "fail" in event:  # direct asynchronous invoke by the DLQ check: fail, so the event goes to the DLQ
        raise RuntimeError("failing on purpose for the e2e check " + str(event["fail"]))
    query = event.get("queryStringParameters") or {}
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims") or {}
    body = {
        "function": os.environ.get("ROUTE_NAME"),
        "path": event.get("path"),
        "nonce": query.get("nonce"),
        "caller": ((event.get("requestContext") or {}).get("identity") or {}).get("userArn"),
        "username": claims.get("cognito:username") or claims.get("email"),
    }
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
"""
NONCE = {"method.request.querystring.nonce": False}


class E2EStack(Stack):
    def __init__(self, scope: Construct, id: str, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)

        def function(name: str) -> SecureFunction:
            return SecureFunction(
                self, name, code=lambda_.Code.from_inline(HANDLER), handler="index.handler",
                environment={"ROUTE_NAME": name},
            )

        functions = [function("IamRoute"), function("CognitoRoute"), function("PublicRoute")]
        iam_fn, cognito_fn, public_fn = functions

        users = SecureUserPool(
            self,
            "Users",
            overrides={"deletion_protection": False},
            accepted_risks={
                "deletion_protection": "throwaway e2e stack: cdk destroy removes it after each run"
            },
        )
        client = users.add_client(
            "E2E",
            overrides={"auth_flows": cognito.AuthFlow(user_srp=True, admin_user_password=True)},
            accepted_risks={
                "auth_flows": "e2e test client only: the test signs users in server-side with IAM-signed "
                "AdminInitiateAuth instead of SRP; the pool still requires TOTP MFA for every user"
            },
        )

        api = SecureRestApi(self, "Api", description="secure_constructs e2e API")
        api.add_route("GET", "/iam", iam_fn, request_parameters=NONCE)
        api.add_route("GET", "/iam/other", iam_fn, request_parameters=NONCE)
        api.add_route("GET", "/cognito", cognito_fn, auth=Auth.cognito(users), request_parameters=NONCE)
        api.add_route(
            "GET",
            "/public",
            public_fn,
            auth=Auth.public("Uptime probe for the e2e test: returns only the route name, no data"),
            request_parameters=NONCE,
        )

        account = iam.AccountRootPrincipal()
        granted = iam.Role(self, "GrantedCaller", assumed_by=account, description="e2e: calls GET /iam only")
        api.grant_invoke(granted, "GET", "/iam")
        ungranted = iam.Role(self, "UngrantedCaller", assumed_by=account, description="e2e: no permission")

        trail = DataEventsTrail(self, "Trail")
        topic = alarm_topic(self)

        def out(name: str, value: str) -> None:
            CfnOutput(self, name, value=value)

        out("ApiUrl", api.url)
        out("ApiId", api.rest_api.rest_api_id)
        out("StageName", api.stage.stage_name)
        out("UserPoolId", users.user_pool.user_pool_id)
        out("UserPoolClientId", client.user_pool_client_id)
        out("GrantedCallerRoleArn", granted.role_arn)
        out("UngrantedCallerRoleArn", ungranted.role_arn)
        for fn in functions:
            name = fn.node.id
            out(f"{name}FunctionName", fn.function.function_name)
            out(f"{name}RoleArn", fn.role.role_arn)
            out(f"{name}EnvironmentKeyArn", fn.environment_key.key_arn)
            out(f"{name}LogGroupName", fn.log_group.log_group_name)
            out(f"{name}LogGroupKeyArn", fn.log_group.node.default_child.kms_key_id)
            out(f"{name}DeadLetterQueueArn", fn.dead_letter_queue.queue_arn)
            out(f"{name}DeadLetterQueueUrl", fn.dead_letter_queue.queue_url)
        out("AlarmTopicArn", topic.topic_arn)
        out("AlarmTopicKeyArn", topic.master_key.key_arn)
        out("TrailName", trail.trail_name)
        out("TrailArn", trail.trail_arn)
        out("TrailBucketName", trail.bucket.bucket_name)
        out("TrailKeyArn", trail.key.key_arn)
        out("TrailLogGroupArn", trail.log_group.log_group_arn)


def main() -> None:
    app = App()
    # The CLI sets these from the credentials it uses: the emulator's account, or a real one.
    account, region = os.environ.get("CDK_DEFAULT_ACCOUNT"), os.environ.get("CDK_DEFAULT_REGION")
    E2EStack(app, STACK_NAME, env=Environment(account=account, region=region))
    add_checks(app)
    app.synth()


if __name__ == "__main__":
    main()
