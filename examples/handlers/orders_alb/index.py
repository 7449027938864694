"""Lists the signed-in customer's orders behind the load balancer.

The listener authenticated the caller, but the function does not take that on trust: it verifies the
``x-amzn-oidc-data`` header (ES256, signed by this load balancer, not expired) with ``alb_oidc`` before it
reads the caller's identity from it.
"""

import json

import alb_oidc

_verifier = alb_oidc.Verifier.from_env()  # ALB_ARN, set by SecureAlbRoutes


def handler(event, context):
    try:
        claims = _verifier.verify(alb_oidc.header_of(event))
    except alb_oidc.Rejected as refused:
        print(json.dumps({"refused": refused.reason}))  # the reason only, never the header
        return {"statusCode": 401, "headers": {"Content-Type": "text/plain"}, "body": "Unauthorized"}
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"customer": claims["sub"], "orders": []}),
    }
