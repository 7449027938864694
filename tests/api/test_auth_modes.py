"""Every auth mode of the Auth factory is either translated by an API kind or refused with SC-API-001, as
the table in ``Auth``'s docstring says; a kind that forgot a mode would refuse one it supports."""

import pytest
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_

from secure_constructs import SecureConstructsError
from secure_constructs.api import Auth, SecureHttpApi, SecureRestApi

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc"


class _PoolWithClients:
    """A user pool as SecureUserPool exposes it (issuer and client ids), which HTTP APIs use through JWT."""

    def __init__(self, user_pool):
        self.user_pool = user_pool
        self.issuer_url = ISSUER
        self.client_ids = ["client"]


def _modes(stack):
    handler = lambda_.Function(
        stack, "Authorizer", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return {}\n"),
    )
    pool = _PoolWithClients(cognito.UserPool(stack, "Pool"))
    return {
        "iam": Auth.iam(),
        "cognito": Auth.cognito(pool),
        "lambda_token": Auth.lambda_token(handler),
        "lambda_request": Auth.lambda_request(handler),
        "jwt": Auth.jwt(ISSUER, ["client"]),
        "jwt_lambda": Auth.jwt_lambda(ISSUER, ["client"], scopes_to_routes={"orders/read": ["GET /orders"]}),
        "public": Auth.public("Health probe for the load balancer; returns a constant"),
    }


#: the table of Auth's docstring: which modes each kind supports
SUPPORTED = {
    SecureRestApi: {"iam", "cognito", "lambda_token", "lambda_request", "jwt_lambda", "public"},
    SecureHttpApi: {"iam", "cognito", "lambda_request", "jwt", "public"},
}


@pytest.mark.parametrize("kind", [SecureRestApi, SecureHttpApi], ids=lambda k: k.__name__)
def test_each_mode_is_translated_or_refused_as_documented(stack, kind):
    for name, mode in _modes(stack).items():
        if name in SUPPORTED[kind]:
            kind(stack, f"Api{name}", default_auth=mode)  # translated (authorizers are made by routes)
        else:
            with pytest.raises(SecureConstructsError, match="SC-API-001"):
                kind(stack, f"Api{name}", default_auth=mode)
