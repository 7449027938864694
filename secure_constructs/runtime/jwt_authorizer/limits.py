"""The authorizer's fixed limits, shared by the handler and the construct that configures it (no imports)."""

#: Asymmetric JWS algorithms only: never ``none`` and never HS* (a public key used as an HMAC secret).
ALLOWED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
#: Clock-skew tolerance for ``exp`` and ``nbf`` is at most this many seconds.
MAX_LEEWAY_SECONDS = 300
#: Route methods of the scope-to-routes map (``ANY`` becomes ``*`` in the method ARN).
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"})
#: ``token_use`` values a token may be required to carry (Cognito's access and ID tokens).
TOKEN_USES = frozenset({"access", "id"})
