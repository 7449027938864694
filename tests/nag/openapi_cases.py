"""Non-compliant and compliant cases of the OpenAPI Body rules (``rules/openapi.py``), in the format of
``test_nag_rules_raw.CASES``: (resources, expected findings, compliant resources)."""

from __future__ import annotations

from typing import Any

COGNITO = {
    "Cognito": {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "x-amazon-apigateway-authtype": "cognito_user_pools",
        "x-amazon-apigateway-authorizer": {
            "type": "cognito_user_pools",
            "providerARNs": ["arn:aws:cognito-idp:x"],
        },
    }
}
API_KEY = {"Key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}
VALIDATORS = {"body": {"validateRequestBody": True, "validateRequestParameters": False}}
BODY = {"content": {"application/json": {"schema": {"type": "object"}}}}


def rest(paths: dict[str, Any], lid: str = "Api", **extra: Any) -> tuple[str, str, dict[str, Any]]:
    body = {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": paths, **extra}
    return (lid, "AWS::ApiGateway::RestApi", {"Name": "t", "Body": body})


def http(paths: dict[str, Any], **extra: Any) -> tuple[str, str, dict[str, Any]]:
    body = {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": paths, **extra}
    return ("Http", "AWS::ApiGatewayV2::Api", {"Body": body})


def jwt(**config: Any) -> dict[str, Any]:
    return {
        "Jwt": {
            "type": "oauth2",
            "x-amazon-apigateway-authorizer": {
                "type": "jwt",
                "identitySource": "$request.header.Authorization",
                "jwtConfiguration": config,
            },
        }
    }


def lambda_authorizer(ttl: int, source: str = "method.request.header.Authorization") -> dict[str, Any]:
    return {
        "Fn": {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "x-amazon-apigateway-authtype": "custom",
            "x-amazon-apigateway-authorizer": {
                "type": "request",
                "identitySource": source,
                "authorizerUri": "arn:aws:apigateway:x",
                "authorizerResultTtlInSeconds": ttl,
            },
        }
    }


OPENAPI_CASES: dict[str, list[tuple[list[Any], list[str], list[Any]]]] = {
    "ApiSpecRouteAuth": [
        (
            [rest({"/orders": {"get": {}, "options": {}}})],
            ["ApiSpecRouteAuth[GET /orders]"],
            [
                rest(
                    {"/orders": {"get": {"security": [{"Cognito": []}]}, "options": {}}},
                    components={"securitySchemes": COGNITO},
                )
            ],
        ),
        (  # an API key alone, an empty requirement and an undefined scheme are not authorization
            [
                rest(
                    {
                        "/a": {"get": {"security": [{"Key": []}]}},
                        "/b": {"get": {"security": [{"Cognito": []}, {}]}},
                        "/c": {"get": {"security": [{"Nope": []}]}},
                    },
                    components={"securitySchemes": {**API_KEY, **COGNITO}},
                )
            ],
            ["ApiSpecRouteAuth[GET /a]", "ApiSpecRouteAuth[GET /b]", "ApiSpecRouteAuth[GET /c]"],
            [
                rest(  # IAM through the API Gateway extension, and API key together with an authorizer
                    {
                        "/a": {"get": {"x-amazon-apigateway-auth": {"type": "AWS_IAM"}}},
                        "/b": {"get": {"security": [{"Key": [], "Cognito": []}]}},
                    },
                    components={"securitySchemes": {**API_KEY, **COGNITO}},
                )
            ],
        ),
        (  # HTTP API: root-level security applies to every operation
            [http({"/items": {"x-amazon-apigateway-any-method": {}}})],
            ["ApiSpecRouteAuth[ANY /items]"],
            [
                http(
                    {"/items": {"x-amazon-apigateway-any-method": {}}},
                    security=[{"Jwt": []}],
                    components={"securitySchemes": jwt(audience=["app"], issuer="https://issuer")},
                )
            ],
        ),
    ],
    "ApiSpecRequestValidation": [
        (
            [
                rest(
                    {
                        "/a": {
                            "post": {"x-amazon-apigateway-auth": {"type": "AWS_IAM"}, "requestBody": BODY}
                        },
                        "/b": {"put": {"x-amazon-apigateway-request-validator": "params"}},
                        "/c": {"patch": {"x-amazon-apigateway-request-validator": "body"}},
                    },
                    **{
                        "x-amazon-apigateway-request-validators": {
                            **VALIDATORS,
                            "params": {"validateRequestBody": False},
                        }
                    },
                )
            ],
            [
                "ApiSpecRequestValidation[PATCH /c]",
                "ApiSpecRequestValidation[POST /a]",
                "ApiSpecRequestValidation[PUT /b]",
            ],
            [
                rest(
                    {"/a": {"post": {"requestBody": BODY}, "get": {}}},
                    **{
                        "x-amazon-apigateway-request-validator": "body",
                        "x-amazon-apigateway-request-validators": VALIDATORS,
                    },
                )
            ],
        ),
    ],
    "ApiSpecAuthorizer": [
        (
            [
                rest(
                    {},
                    components={
                        "securitySchemes": lambda_authorizer(3600, "method.request.querystring.token")
                    },
                )
            ],
            ["ApiSpecAuthorizer[CacheTtl::Fn]", "ApiSpecAuthorizer[QueryToken::Fn]"],
            [rest({}, components={"securitySchemes": lambda_authorizer(300)})],
        ),
        (
            [http({}, components={"securitySchemes": jwt()})],
            ["ApiSpecAuthorizer[NoAudience::Jwt]", "ApiSpecAuthorizer[NoIssuer::Jwt]"],
            [http({}, components={"securitySchemes": jwt(audience=["app"], issuer="https://issuer")})],
        ),
    ],
}
