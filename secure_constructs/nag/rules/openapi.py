"""APIs defined by an OpenAPI document: the ``Body`` of a REST (``AWS::ApiGateway::RestApi``) or HTTP API.

SAM's implicit and explicit APIs and CDK's ``SpecRestApi`` make no ``AWS::ApiGateway::Method`` resources:
their routes live in the document. Each operation is checked as a route (auth, request validation) and
each authorizer declared in it like an authorizer resource (cache TTL, token in the query string, JWT
audience and issuer), with the thresholds of the resource rules in ``apigateway.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._model import Compliance, Level, RuleResult, RuleSpec, Undecidable, set_
from .._template import TemplateContext, as_list, get_path, props
from .apigateway import BODY_METHODS, MAX_AUTHORIZER_TTL_SECONDS

REST_API, HTTP_API = "AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"
OPERATIONS = (
    "get",
    "put",
    "post",
    "delete",
    "options",
    "head",
    "patch",
    "trace",
    "x-amazon-apigateway-any-method",
)
AUTHORIZER = "x-amazon-apigateway-authorizer"
AUTHTYPE = "x-amazon-apigateway-authtype"
VALIDATOR, VALIDATORS = "x-amazon-apigateway-request-validator", "x-amazon-apigateway-request-validators"


def _document(resource: dict[str, Any], ctx: TemplateContext) -> dict[str, Any] | None:
    """The API's OpenAPI document; one without operations when it has no Body (its routes are then resources
    of their own, which other rules check), None for a WebSocket API (no OpenAPI)."""
    p = props(resource)
    if resource.get("Type") == HTTP_API and p.get("ProtocolType") == "WEBSOCKET":
        return None
    if p.get("BodyS3Location") is not None and p.get("Body") is None:
        raise Undecidable(
            "Unresolved::BodyS3Location",
            "the routes are defined in an OpenAPI document in S3 (BodyS3Location), which a template check "
            "cannot read; inline it as Body (e.g. ApiDefinition.from_inline) to have it checked",
        )
    body = ctx.literal(p.get("Body"), "Body")
    if body is None:
        return {"paths": {}}
    if not isinstance(body, dict):
        raise Undecidable("Unresolved::Body", "the Body is not an OpenAPI document (a JSON object)")
    return body if isinstance(body.get("paths"), dict) else {**body, "paths": {}}


def _schemes(doc: dict[str, Any]) -> dict[str, Any]:
    schemes = get_path(doc, "components", "securitySchemes") or doc.get("securityDefinitions")
    return schemes if isinstance(schemes, dict) else {}


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(route, method, operation) for every operation, e.g. ``("POST /orders", "post", {...})``."""
    for path, item in doc["paths"].items():
        if not isinstance(item, dict):
            continue
        for method in OPERATIONS:
            operation = item.get(method)
            if isinstance(operation, dict):
                verb = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
                yield f"{verb} {path}", method, operation


def _is_api_key(scheme: Any) -> bool:
    """A plain API key (usage-plan key), not an authorizer."""
    return (
        isinstance(scheme, dict)
        and scheme.get("type") == "apiKey"
        and AUTHORIZER not in scheme
        and str(scheme.get(AUTHTYPE, "")).lower() not in ("awssigv4", "cognito_user_pools", "custom")
    )


def _route_open(operation: dict[str, Any], doc: dict[str, Any], schemes: dict[str, Any]) -> str | None:
    """Why the operation needs no credentials, or None when every way in is authorized."""
    auth = operation.get("x-amazon-apigateway-auth")
    if isinstance(auth, dict) and str(auth.get("type", "")).upper() == "AWS_IAM":
        return None
    security = operation.get("security", doc.get("security"))
    requirements = as_list(security)
    if not requirements:
        return "no security requirement"
    for requirement in requirements:
        if not isinstance(requirement, dict) or not requirement:
            return "an empty security requirement ({}) lets callers in without credentials"
        names = list(requirement)
        missing = [name for name in names if name not in schemes]
        if missing:
            return f"security scheme {missing[0]!r} is not defined"
        if all(_is_api_key(schemes[name]) for name in names):
            return "only an API key, which identifies callers for usage plans but is not a credential"
    return None


def openapi_route_auth(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Every operation of the API's OpenAPI document requires authorization (CORS preflight excepted)."""
    doc = _document(resource, ctx)
    if doc is None:
        return Compliance.NOT_APPLICABLE
    schemes = _schemes(doc)
    findings: list[str | tuple[str, str]] = []
    for route, method, operation in operations(doc):
        if method == "options":
            continue
        why = _route_open(operation, doc, schemes)
        if why is not None:
            findings.append((route, why))
    return findings


def _body_schema(operation: dict[str, Any]) -> bool:
    content = get_path(operation, "requestBody", "content")
    if isinstance(content, dict) and any(isinstance(c, dict) and c.get("schema") for c in content.values()):
        return True
    return any(
        isinstance(p, dict) and p.get("in") == "body" and p.get("schema")
        for p in as_list(operation.get("parameters"))
    )


def openapi_request_validation(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """REST operations that take a body validate it (a request validator with validateRequestBody and a
    request body schema)."""
    if resource.get("Type") != REST_API:
        return Compliance.NOT_APPLICABLE  # HTTP APIs have no request validation
    doc = _document(resource, ctx)
    if doc is None:
        return Compliance.NOT_APPLICABLE
    declared = doc.get(VALIDATORS)
    validators: dict[str, Any] = declared if isinstance(declared, dict) else {}
    findings: list[str | tuple[str, str]] = []
    for route, method, operation in operations(doc):
        verb = "ANY" if method.startswith("x-") else method.upper()
        if verb not in BODY_METHODS:
            continue
        name = operation.get(VALIDATOR, doc.get(VALIDATOR))
        validator = validators.get(name) if isinstance(name, str) else None
        if validator is None:
            findings.append((route, "no request validator"))
        elif not isinstance(validator, dict) or validator.get("validateRequestBody") not in (True, "true"):
            findings.append((route, f"request validator {name!r} does not validate the body"))
        elif not _body_schema(operation):
            findings.append((route, "no request body schema (model)"))
    return findings


def openapi_authorizers(logical_id: str, resource: dict[str, Any], ctx: TemplateContext) -> RuleResult:
    """Authorizers declared in the document: cache TTL at most 300 s, token not in the query string, JWT
    authorizers check audience and issuer."""
    doc = _document(resource, ctx)
    if doc is None:
        return Compliance.NOT_APPLICABLE
    findings: list[str | tuple[str, str]] = []
    for name, scheme in _schemes(doc).items():
        authorizer = scheme.get(AUTHORIZER) if isinstance(scheme, dict) else None
        if not isinstance(authorizer, dict):
            continue
        kind = str(authorizer.get("type", "")).lower()
        if kind == "jwt":
            jwt = authorizer.get("jwtConfiguration")
            if not as_list(get_path(jwt, "audience")):
                findings.append((f"NoAudience::{name}", "the JWT authorizer accepts tokens for any audience"))
            if get_path(jwt, "issuer") in (None, ""):
                findings.append((f"NoIssuer::{name}", "the JWT authorizer does not check the issuer"))
            continue
        ttl = ctx.literal(
            authorizer.get("authorizerResultTtlInSeconds", 300 if resource.get("Type") == REST_API else 0),
            "authorizerResultTtlInSeconds",
        )
        try:
            seconds = int(ttl)
        except (TypeError, ValueError) as error:
            raise Undecidable(
                "Unresolved::authorizerResultTtlInSeconds", "authorizerResultTtlInSeconds is not a number"
            ) from error
        if seconds > MAX_AUTHORIZER_TTL_SECONDS:
            findings.append((f"CacheTtl::{name}", f"results are cached for {seconds} seconds"))
        sources = [str(ctx.literal(s, "identitySource")) for s in as_list(authorizer.get("identitySource"))]
        sources = [part.strip() for source in sources for part in source.split(",")]
        in_query = [s for s in sources if ".querystring." in s]
        if in_query or (kind == "token" and scheme.get("in") == "query"):
            findings.append((f"QueryToken::{name}", "the authorizer reads the token from the query string"))
    return findings


TYPES = (REST_API, HTTP_API)


def _weak_document(operation: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An OpenAPI document with one route, a weakening the self-mutation test writes into an API's Body."""
    integration = {"type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'}}
    return {
        "openapi": "3.0.1",
        "info": {"title": "weakened", "version": "1"},
        "paths": {"/orders": {"post": {**operation, "x-amazon-apigateway-integration": integration}}},
        **extra,
    }


_OPEN_ROUTE = _weak_document({"responses": {"200": {"description": "ok"}}})
_NO_VALIDATOR = _weak_document(
    {
        "security": [{"sigv4": []}],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {"200": {"description": "ok"}},
    },
    components={
        "securitySchemes": {
            "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", AUTHTYPE: "awsSigv4"}
        }
    },
)
_LONG_CACHE = _weak_document(
    {"security": [{"tokens": []}], "responses": {"200": {"description": "ok"}}},
    components={
        "securitySchemes": {
            "tokens": {
                "type": "apiKey",
                "name": "token",
                "in": "query",
                AUTHTYPE: "custom",
                AUTHORIZER: {
                    "type": "request",
                    "identitySource": "method.request.querystring.token",
                    "authorizerResultTtlInSeconds": 3600,
                    "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                    "arn:aws:lambda:us-east-1:111111111111:function:auth/invocations",
                },
            }
        }
    },
)

RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "ApiSpecRouteAuth",
        "auth",
        TYPES,
        "An operation of the API's OpenAPI document has no authorization.",
        "Give every operation a security requirement that names an authorizer (Cognito, JWT, Lambda) or IAM "
        "(x-amazon-apigateway-auth type AWS_IAM, or a sigv4 scheme); an API key alone is not authorization. "
        "Only CORS preflight (OPTIONS) may be open; acknowledge a deliberately public route with the reason.",
        Level.ERROR,
        openapi_route_auth,
        paths=("Body",),
        finding_ids=("<METHOD> <path>",),
        mutations=(set_("Body", _OPEN_ROUTE),),
    ),
    RuleSpec(
        "ApiSpecRequestValidation",
        "network",
        (REST_API,),
        "An operation of the REST API's OpenAPI document that takes a body does not validate it.",
        "Declare a request validator with validateRequestBody (x-amazon-apigateway-request-validators), "
        "select it with x-amazon-apigateway-request-validator, and give the operation a request body schema.",
        Level.WARNING,
        openapi_request_validation,
        paths=("Body",),
        finding_ids=("<METHOD> <path>",),
        mutations=(set_("Body", _NO_VALIDATOR),),
    ),
    RuleSpec(
        "ApiSpecAuthorizer",
        "auth",
        TYPES,
        "An authorizer declared in the API's OpenAPI document is weak.",
        "Cache authorizer results for at most 300 seconds, read tokens from a header rather than the query "
        "string, and give JWT authorizers an issuer and the audiences (app client ids) they accept.",
        Level.ERROR,
        openapi_authorizers,
        paths=("Body",),
        finding_ids=(
            "CacheTtl::<scheme>",
            "QueryToken::<scheme>",
            "NoAudience::<scheme>",
            "NoIssuer::<scheme>",
        ),
        mutations=(set_("Body", _LONG_CACHE),),
    ),
)
