#!/usr/bin/env python3
"""The app that `make e2e` deploys (to the local emulator, or to a real account): only our constructs.

One stack, ``SecureConstructsE2E``: four SecureFunctions behind a SecureRestApi with an IAM route, a second
IAM route, a Cognito route (SecureUserPool) without scopes and one with an OAuth scope of the pool's
resource server, three routes behind the JWT Lambda authorizer (``Auth.jwt_lambda``, when the harness serves
a JWKS: ``SC_E2E_JWKS_BASE``) and one public route with its reason; a DataEventsTrail. The functions' and
the API's default alarms (attached at synth) and the trail's security alarms notify the stack's encrypted
topic. Two IAM roles stand in for API callers: one granted exactly ``GET /iam`` with ``api.grant_invoke``,
one granted nothing. ``CodeGranted`` (tests/e2e/code_granted.py) is the least-privilege pair: a function
whose only data permissions come from ``grant_from_code()``, and one with the same code and one inferred
action fewer. The stack's outputs are what tests/e2e/test_e2e_*.py read back.

Everything is the library's secure default except what the tests need, each relaxed through the
construct's documented override with a reason (``accepted_risks``):
- the JWT authorizers run Python 3.11 on x86_64, the emulator's own interpreter (it runs every Python
  function in its own process; the bundled cryptography wheels must fit it);
- the test app client may also sign in with ADMIN_USER_PASSWORD_AUTH (server-side, IAM-signed), so a test
  can get a real token without SRP; the pool still requires MFA (TOTP), which the test enrolls and answers;
- the user pool's deletion protection is off, so that ``cdk destroy`` can remove it after each run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from aws_cdk import App, CfnOutput, Environment, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from secure_constructs import add_checks
from secure_constructs.acknowledgments import acknowledge, acknowledge_all
from secure_constructs.api import Auth, SecureRestApi
from secure_constructs.api.jwt_lambda import JwtLambdaAuthorizer
from secure_constructs.audit import DataEventsTrail
from secure_constructs.compute import SecureFunction
from secure_constructs.identity import SecureUserPool
from secure_constructs.monitoring import alarm_topic

sys.path.insert(0, str(Path(__file__).resolve().parent))
from code_granted import CodeGrantedPair  # noqa: E402
from e2e_support import (  # noqa: E402
    COGNITO_READ,
    COGNITO_SCOPE_SERVER,
    COGNITO_WRITE,
    JWKS_BASE,
    JWKS_PATH,
    JWT_AUDIENCE,
    JWT_ISSUER,
    JWT_READ,
    JWT_WRITE,
    OUTAGE_JWKS_PATH,
)

STACK_NAME = "SecureConstructsE2E"
#: The JWT authorizers' runtime and architecture: the emulator's own interpreter (see the docstring).
JWT_FUNCTION = {"runtime": lambda_.Runtime.PYTHON_3_11, "architecture": lambda_.Architecture.X86_64}

#: Echoes what API Gateway passed in, so a test can tell that this function ran for its request; fails on
#: purpose for an event with a "fail" key (only a direct invoke sends one).
HANDLER = """
import json, os

def handler(event, context):
    if "fail" in event:  # direct asynchronous invoke by the DLQ check: fail, so the event goes to the DLQ
        raise RuntimeError("failing on purpose for the e2e check " + str(event["fail"]))
    query = event.get("queryStringParameters") or {}
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = authorizer.get("claims") or {}
    body = {
        "function": os.environ.get("ROUTE_NAME"),
        "path": event.get("path"),
        "nonce": query.get("nonce"),
        "caller": ((event.get("requestContext") or {}).get("identity") or {}).get("userArn"),
        "username": claims.get("cognito:username") or claims.get("email"),
        "client_id": claims.get("client_id"),
        "principal": authorizer.get("principalId"),  # a Lambda authorizer's verdict, e.g. the JWT's sub
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

        functions = [function(name) for name in ("IamRoute", "CognitoRoute", "PublicRoute", "JwtRoute")]
        iam_fn, cognito_fn, public_fn, jwt_fn = functions
        self.functions = {fn.node.id: fn for fn in functions}

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

        # A resource server with two scopes, and a machine-to-machine client (client-credentials grant) that
        # may request either: its access tokens carry exactly the scopes it asked for.
        read = cognito.ResourceServerScope(scope_name="orders.read", scope_description="e2e: read")
        write = cognito.ResourceServerScope(scope_name="orders.write", scope_description="e2e: write")
        server = users.user_pool.add_resource_server(
            "Scopes", identifier=COGNITO_SCOPE_SERVER, scopes=[read, write]
        )
        names = [f"{COGNITO_SCOPE_SERVER}/{s.scope_name}" for s in (read, write)]
        assert names == [COGNITO_READ, COGNITO_WRITE]
        machine = users.add_client(
            "Machine",
            confidential=True,
            overrides={
                "o_auth": cognito.OAuthSettings(
                    flows=cognito.OAuthFlows(client_credentials=True),
                    scopes=[cognito.OAuthScope.resource_server(server, s) for s in (read, write)],
                )
            },
        )
        # The token endpoint of a real pool is on its domain; the emulator answers on its own endpoint.
        domain = users.user_pool.add_domain(
            "Domain",
            cognito_domain=cognito.CognitoDomainOptions(
                domain_prefix=f"sc-e2e-{self.stack_name.lower()}-{self.account}"  # unique in the region
            ),
        )

        api = SecureRestApi(self, "Api", description="secure_constructs e2e API")
        self.api = api
        api.add_route("GET", "/iam", iam_fn, request_parameters=NONCE)
        api.add_route("GET", "/iam/other", iam_fn, request_parameters=NONCE)
        id_token_route = api.add_route(
            "GET", "/cognito", cognito_fn, auth=Auth.cognito(users), request_parameters=NONCE
        )
        acknowledge(
            id_token_route,
            "SecureServerless-ApiCognitoScopes",
            "e2e only: this route checks that the emulator's user-pool authorizer accepts a real user's ID "
            "token and refuses a tampered one; /cognito/scoped checks the scoped (access token) path",
        )
        api.add_route(
            "GET",
            "/cognito/scoped",
            cognito_fn,
            auth=Auth.cognito(users, scopes=[COGNITO_READ]),
            request_parameters=NONCE,
        )
        if JWKS_BASE:
            jwt = dict(JWT_FUNCTION)
            routes = {JWT_READ: ["GET /jwt"], JWT_WRITE: ["GET /jwt/other"]}
            auth = Auth.jwt_lambda(JWT_ISSUER, [JWT_AUDIENCE], JWKS_BASE + JWKS_PATH, routes, **jwt)
            api.add_route("GET", "/jwt", jwt_fn, auth=auth, request_parameters=NONCE)
            api.add_route("GET", "/jwt/other", jwt_fn, auth=auth, request_parameters=NONCE)
            outage_routes = {JWT_READ: ["GET /jwt/outage"]}
            outage_jwks = JWKS_BASE + OUTAGE_JWKS_PATH
            outage = Auth.jwt_lambda(JWT_ISSUER, [JWT_AUDIENCE], outage_jwks, outage_routes, **jwt)
            api.add_route("GET", "/jwt/outage", jwt_fn, auth=outage, request_parameters=NONCE)
            for authorizer in api.node.find_all():
                if isinstance(authorizer, JwtLambdaAuthorizer):
                    acknowledge_all(
                        authorizer.function,
                        ["AwsSolutions-L1", "Serverless-LambdaLatestVersion"],
                        "e2e only: the local emulator runs every Python function in its own Python 3.11, so "
                        "the authorizer's bundled cryptography wheels are built for 3.11",
                    )
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
        self.granted, self.users = granted, users

        code_granted = CodeGrantedPair(self, "CodeGranted")
        self.code_granted = code_granted

        trail = DataEventsTrail(self, "Trail")
        self.trail = trail
        topic = alarm_topic(self)

        def out(name: str, value: str) -> None:
            CfnOutput(self, name, value=value)

        out("ApiUrl", api.url)
        out("ApiId", api.rest_api.rest_api_id)
        out("StageName", api.stage.stage_name)
        out("UserPoolId", users.user_pool.user_pool_id)
        out("UserPoolClientId", client.user_pool_client_id)
        out("MachineClientId", machine.user_pool_client_id)
        out("TokenEndpoint", domain.base_url() + "/oauth2/token")
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
        for name, fn in (("Allowed", code_granted.allowed), ("Denied", code_granted.denied)):
            out(f"CodeGranted{name}FunctionName", fn.function.function_name)
            out(f"CodeGranted{name}RoleArn", fn.role.role_arn)
        out("CodeGrantedTableName", code_granted.table.table_name)
        out("CodeGrantedSecretArn", code_granted.secret.secret_arn)
        out("CodeGrantedAcknowledgedFinding", code_granted.missing_finding)
        out("AlarmTopicArn", topic.topic_arn)
        out("AlarmTopicKeyArn", topic.master_key.key_arn)
        out("TrailName", trail.trail_name)
        out("TrailArn", trail.trail_arn)
        out("TrailBucketName", trail.bucket.bucket_name)
        out("TrailKeyArn", trail.key.key_arn)
        out("TrailLogGroupArn", trail.log_group.log_group_arn)


def environment() -> Environment:
    """The CLI sets these from the credentials it uses: the emulator's account, or a real one."""
    account, region = os.environ.get("CDK_DEFAULT_ACCOUNT"), os.environ.get("CDK_DEFAULT_REGION")
    return Environment(account=account, region=region)


def bundle_authorizer() -> None:
    """Build the JWT authorizer's bundle into the local cache (pip, from the package index).

    The harness runs this before it starts the emulator: the deploy itself runs with every network route
    but loopback closed, so there the bundle must come from the cache.
    """
    from secure_constructs.api.jwt_lambda import ASSET_DIR
    from secure_constructs.compute.bundling import python_code

    python_code(ASSET_DIR, **JWT_FUNCTION)


def main() -> None:
    if sys.argv[1:] == ["--bundle"]:
        bundle_authorizer()
        return
    app = App()
    E2EStack(app, STACK_NAME, env=environment())
    add_checks(app)
    app.synth()


if __name__ == "__main__":
    main()
