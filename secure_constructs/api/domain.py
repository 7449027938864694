"""Custom domains for the API constructs: TLS 1.2 or newer only, and the default endpoint switched off."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aws_cdk import Token
from aws_cdk import aws_apigateway as apigw
from constructs import IConstruct

from ..errors import SecureConstructsError

_NAME = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass(frozen=True)
class DomainOptions:
    """A custom domain for an API; the default ``execute-api`` endpoint is disabled so it cannot be bypassed.

    :param name: the fully qualified domain name, e.g. ``api.example.com``. Default: none (required).
    :param certificate: an ACM certificate for ``name`` in the API's region. Default: none (required).
    :param security_policy: the minimum TLS policy (``apigateway.SecurityPolicy``; TLS 1.0 is refused).
        Default: ``SecurityPolicy.TLS_1_2``.
    :param base_path: the path under the domain that maps to the API. Default: the root.
    """

    name: str
    certificate: Any
    security_policy: apigw.SecurityPolicy = apigw.SecurityPolicy.TLS_1_2
    base_path: str | None = None

    def check(self, where: IConstruct) -> None:
        if not isinstance(self.name, str) or (
            not Token.is_unresolved(self.name) and not _NAME.match(self.name.lower())
        ):
            raise SecureConstructsError(
                "SC-API-011",
                where,
                "the custom domain name is not a fully qualified domain name",
                received=self.name,
                fix="Pass e.g. name='api.example.com'",
            )
        if self.certificate is None or not hasattr(self.certificate, "certificate_arn"):
            raise SecureConstructsError(
                "SC-API-011",
                where,
                "the custom domain needs an ACM certificate",
                received=type(self.certificate).__name__,
                fix="Pass certificate=acm.Certificate(...) or acm.Certificate.from_certificate_arn(...)",
            )
        if self.security_policy == apigw.SecurityPolicy.TLS_1_0:
            raise SecureConstructsError(
                "SC-API-011",
                where,
                "TLS 1.0 is not allowed on a custom domain",
                received="TLS_1_0",
                fix="Use security_policy=apigateway.SecurityPolicy.TLS_1_2 (the default) or a TLS 1.3 policy",
            )
