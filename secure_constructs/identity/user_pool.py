"""SecureUserPool: a hardened Cognito user pool and its app clients (SRP, code grant + PKCE, short tokens)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from aws_cdk import Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from .._defaults.cognito import (
    CLIENT_MANAGED,
    DEFAULT_OAUTH_SCOPES,
    USER_POOL_MANAGED,
    client_defaults,
    field,
    user_pool_defaults,
)
from .._overrides import Guard
from .._shared import add_key_statement_once, stack_key
from .._sources import record_creation_site
from ..errors import SecureConstructsError

_CLIENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}$")
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_SENDER_TRIGGERS = ("custom_email_sender", "custom_sms_sender")
_TOKEN = re.compile(r"\$\{Token\[[^\]]*\]\}")


class SecureUserPool(Construct):
    """A Cognito user pool with secure defaults, and the verb to add hardened app clients to it.

    Defaults (each can be changed through ``overrides``; weakening one needs a reason in ``accepted_risks``):
    no self sign-up; MFA required with TOTP only; passwords of 12+ characters with every character class,
    temporary passwords valid one day; threat protection enforced (Plus feature plan) with compromised
    credentials blocked and high-risk sign-ins blocked; sign-in by email, verified, case-insensitive; the
    verified email kept until a new one is verified; recovery by verified email only; deletion protection.
    Cognito encrypts user-pool data at rest with AWS-owned keys and offers no customer-managed key for it;
    the one key it accepts, for custom email/SMS sender triggers, is the stack's shared
    ``SecureConstructsKeyCognitoSender`` when such a trigger is set and no key is given.

    Attributes: ``user_pool`` (``cognito.UserPool``; its L1 is ``user_pool.node.default_child``),
    ``issuer_url`` (``https://cognito-idp.<region>.amazonaws.com/<poolId>``, the JWT issuer),
    ``clients`` (name -> ``cognito.UserPoolClient``), ``client_ids`` (their ids, in the order added),
    ``risk_configuration`` (the threat-protection actions, or ``None`` when threat protection is not
    enforced), ``custom_sender_key`` (the KMS key for custom sender triggers, or ``None``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        overrides: Mapping[str, Any] | None = None,
        accepted_risks: Mapping[str, str] | None = None,
    ) -> None:
        """
        :param scope: the parent construct.
        :param id: the construct id.
        :param overrides: keyword arguments of ``cognito.UserPool`` that replace the secure defaults, e.g.
            ``{"email": cognito.UserPoolEmail.with_ses(...), "user_pool_name": "shop"}``. Unknown keys raise
            SC-GEN-001; ``advanced_security_mode`` (deprecated; conflicts with threat protection) raises
            SC-GEN-004. Default: no overrides (the secure defaults above).
        :param accepted_risks: ``{override_key: reason}`` for each override that weakens a security default;
            the reason is recorded as an audited acknowledgment of the findings the weaker value triggers
            (e.g. ``AwsSolutions-COG2`` for ``mfa``). Default: no weakening accepted (SC-GEN-002).
        """
        super().__init__(scope, id)
        record_creation_site(self)
        guard = Guard(self, "SecureUserPool", accepted_risks)
        props = guard.merge(cognito.UserPool, user_pool_defaults(), overrides, managed=USER_POOL_MANAGED)
        _check_threat_protection_plan(self, props)
        self.custom_sender_key: kms.IKey | None = props.get("custom_sender_kms_key")
        senders = [field(props.get("lambda_triggers"), t) for t in _SENDER_TRIGGERS]
        if self.custom_sender_key is None and any(senders):
            self.custom_sender_key = self._sender_key()
            props["custom_sender_kms_key"] = self.custom_sender_key

        self.user_pool = cognito.UserPool(self, "UserPool", **props)
        self._grant_senders_decrypt(props.get("lambda_triggers"))
        self.issuer_url: str = f"https://{self.user_pool.user_pool_provider_url}"
        self.clients: dict[str, cognito.UserPoolClient] = {}
        self.risk_configuration: cognito.CfnUserPoolRiskConfigurationAttachment | None = None
        if (
            props.get("feature_plan") == cognito.FeaturePlan.PLUS
            and props.get("standard_threat_protection_mode")
            == cognito.StandardThreatProtectionMode.FULL_FUNCTION
        ):
            self.risk_configuration = self._risk_configuration()
        guard.check(*(c for c in (self.user_pool, self.risk_configuration) if c is not None))

    @property
    def client_ids(self) -> list[str]:
        """The ids of the clients added with :meth:`add_client`, in the order they were added."""
        return [client.user_pool_client_id for client in self.clients.values()]

    def add_client(
        self,
        name: str,
        *,
        confidential: bool = False,
        callback_urls: Sequence[str] | None = None,
        logout_urls: Sequence[str] | None = None,
        oauth_scopes: Sequence[cognito.OAuthScope] | None = None,
        overrides: Mapping[str, Any] | None = None,
        accepted_risks: Mapping[str, str] | None = None,
    ) -> cognito.UserPoolClient:
        """Add a hardened app client named ``name`` and return it (also in ``clients[name]``).

        Defaults: SRP and refresh-token sign-in only; access and ID tokens valid one hour, refresh tokens
        seven days; token revocation on; user-existence errors prevented; no secret unless ``confidential``.
        With ``callback_urls`` the client signs users in through the managed login pages with the OAuth
        authorization-code grant only (the implicit grant is refused, SC-ID-002). Cognito cannot be told to
        require PKCE: a public client has no secret, so its code must be redeemed with PKCE (Amplify and
        every OIDC library do this by default).

        :param name: a CamelCase name (letters and digits), unique in this pool; also the client's name in
            Cognito and its construct id ``Client<name>``. Default: none (required).
        :param confidential: ``True`` for a server-side app that can keep a secret: the client gets a secret
            and passes the end user's context (IP, device) to threat protection. Default: ``False`` (a public
            client: browser or mobile app, no secret).
        :param callback_urls: where the managed login pages may redirect with a code; https only, plain http
            for localhost/127.0.0.1 (development), no fragment (SC-ID-001). Default: no OAuth at all (the
            app signs in with SRP through the Cognito API).
        :param logout_urls: where sign-out may redirect; same rules. Default: none.
        :param oauth_scopes: scopes the client may request. Default: ``openid``, ``email``, ``profile``.
        :param overrides: keyword arguments of ``cognito.UserPoolClient`` that replace the defaults, e.g.
            ``{"refresh_token_validity": Duration.days(1)}``; an ``o_auth`` override is checked like the
            parameters above and cannot be combined with them (SC-ID-005); ``user_pool`` and
            ``generate_secret`` are set by the construct (SC-GEN-004). Default: no overrides.
        :param accepted_risks: ``{override_key: reason}`` for overrides that weaken a default (extra auth
            flows such as ``USER_PASSWORD_AUTH``, longer tokens, no revocation...). Default: none
            (SC-GEN-002).
        """
        if not isinstance(name, str) or not _CLIENT_NAME.match(name):
            raise SecureConstructsError(
                "SC-ID-004", self, "the client name must be a CamelCase word of letters and digits",
                received=name, fix="Pass e.g. 'Web' or 'MobileApp'",
            )
        if name in self.clients:
            raise SecureConstructsError(
                "SC-ID-004", self, f"a client named {name!r} was already added", received=name,
                fix="Give each client its own name",
            )
        where = f"{self.node.path}/Client{name}"
        guard = Guard(where, "SecureUserPool.add_client", accepted_risks)
        props = guard.merge(
            cognito.UserPoolClient,
            {**client_defaults(confidential=confidential), "user_pool_client_name": name},
            overrides,
            managed=CLIENT_MANAGED,
        )
        props.update(self._oauth(where, props, confidential, callback_urls, logout_urls, oauth_scopes))
        client = self.user_pool.add_client(f"Client{name}", **props)
        guard.check(client)
        self.clients[name] = client
        return client

    # --- helpers ------------------------------------------------------------------------------------------

    def _oauth(
        self,
        where: str,
        props: dict[str, Any],
        confidential: bool,
        callback_urls: Sequence[str] | None,
        logout_urls: Sequence[str] | None,
        oauth_scopes: Sequence[cognito.OAuthScope] | None,
    ) -> dict[str, Any]:
        given = props.pop("o_auth", None)
        disabled = props.pop("disable_o_auth", None)
        if given is not None and (callback_urls or logout_urls or oauth_scopes):
            raise SecureConstructsError(
                "SC-ID-005", where, "OAuth settings were given both as an o_auth override and as parameters",
                received=sorted(k for k, v in (("callback_urls", callback_urls), ("logout_urls", logout_urls),
                                               ("oauth_scopes", oauth_scopes)) if v),
                fix="Pass either callback_urls/logout_urls/oauth_scopes or overrides={'o_auth': ...}",
            )
        if given is None and not callback_urls:
            if logout_urls or oauth_scopes:
                raise SecureConstructsError(
                    "SC-ID-001", where, "logout URLs or OAuth scopes were given without callback URLs",
                    received=list(logout_urls or []) or "oauth_scopes", fix="Also pass callback_urls",
                )
            # CDK would otherwise enable the code and implicit grants with https://example.com as callback.
            return {"disable_o_auth": True}
        if disabled:
            raise SecureConstructsError(
                "SC-ID-005", where, "OAuth settings were given with disable_o_auth=True", received=True,
                fix="Drop disable_o_auth, or drop the OAuth settings",
            )
        if given is None:
            flows = cognito.OAuthFlows(authorization_code_grant=True)
            urls, logouts, scopes = list(callback_urls or []), list(logout_urls or []), oauth_scopes
            default_redirect = None
        else:
            flows = field(given, "flows")
            urls = list(field(given, "callback_urls", []))
            logouts = list(field(given, "logout_urls", []))
            scopes = field(given, "scopes")
            default_redirect = field(given, "default_redirect_uri")
            if flows is None:  # CDK's default turns the implicit grant on
                flows = cognito.OAuthFlows(authorization_code_grant=True)
        if field(flows, "implicit_code_grant", False):
            raise SecureConstructsError(
                "SC-ID-002", where, "the OAuth implicit grant returns tokens in the URL and is refused",
                received="implicit_code_grant=True",
                fix="Use OAuthFlows(authorization_code_grant=True): the code grant with PKCE",
            )
        if field(flows, "client_credentials", False) and not confidential:
            raise SecureConstructsError(
                "SC-ID-003", where, "the client-credentials grant needs a client secret",
                received="client_credentials=True",
                fix="Pass confidential=True for a machine-to-machine client",
            )
        code_grant = bool(field(flows, "authorization_code_grant", False))
        if code_grant and not urls:
            raise SecureConstructsError(
                "SC-ID-001", where, "the authorization-code grant needs callback URLs", received=[],
                fix="Pass callback_urls=['https://app.example.com/callback']",
            )
        for url in [*urls, *logouts, *([default_redirect] if default_redirect else [])]:
            _check_url(where, url)
        settings = cognito.OAuthSettings(
            flows=cognito.OAuthFlows(
                authorization_code_grant=code_grant,
                client_credentials=bool(field(flows, "client_credentials", False)),
            ),
            callback_urls=urls or None,
            logout_urls=logouts or None,
            scopes=list(scopes) if scopes is not None else list(DEFAULT_OAUTH_SCOPES),
            default_redirect_uri=default_redirect,
        )
        return {"o_auth": settings}

    def _sender_key(self) -> kms.Key:
        key = stack_key(
            self, "CognitoSender",
            description="Encrypts the codes and temporary passwords Cognito hands to custom sender triggers",
        )
        add_key_statement_once(key, "AllowCognitoSenderEncrypt", lambda: iam.PolicyStatement(
            sid="AllowCognitoSenderEncrypt",
            principals=[iam.ServicePrincipal("cognito-idp.amazonaws.com")],
            actions=["kms:Encrypt", "kms:GenerateDataKey"],
            resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
        ))
        return key

    def _grant_senders_decrypt(self, triggers: Any) -> None:
        if self.custom_sender_key is None:
            return
        for name in _SENDER_TRIGGERS:
            fn = field(triggers, name)
            if fn is not None:
                self.custom_sender_key.grant_decrypt(fn)

    def _risk_configuration(self) -> cognito.CfnUserPoolRiskConfigurationAttachment:
        return risk_configuration(self, "ThreatProtection", self.user_pool.user_pool_id)


def risk_configuration(
    scope: Construct, id: str, user_pool_id: str
) -> cognito.CfnUserPoolRiskConfigurationAttachment:
    """Threat protection's actions for every client of a pool on the Plus plan: block sign-ins, sign-ups and
    password changes with breached credentials; block high-risk sign-ins and ask for MFA at medium risk."""
    actions = cognito.CfnUserPoolRiskConfigurationAttachment
    return actions(
        scope,
        id,
        user_pool_id=user_pool_id,
        client_id="ALL",
        compromised_credentials_risk_configuration=actions.CompromisedCredentialsRiskConfigurationTypeProperty(
            actions=actions.CompromisedCredentialsActionsTypeProperty(event_action="BLOCK"),
            event_filter=["SIGN_IN", "PASSWORD_CHANGE", "SIGN_UP"],
        ),
        account_takeover_risk_configuration=actions.AccountTakeoverRiskConfigurationTypeProperty(
            actions=actions.AccountTakeoverActionsTypeProperty(
                high_action=actions.AccountTakeoverActionTypeProperty(event_action="BLOCK", notify=False),
                medium_action=actions.AccountTakeoverActionTypeProperty(
                    event_action="MFA_REQUIRED", notify=False
                ),
                low_action=actions.AccountTakeoverActionTypeProperty(
                    event_action="NO_ACTION", notify=False
                ),
            ),
        ),
    )


def _check_threat_protection_plan(where: Construct, props: Mapping[str, Any]) -> None:
    if props.get("feature_plan") == cognito.FeaturePlan.PLUS:
        return
    standard = props.get("standard_threat_protection_mode")
    custom = props.get("custom_threat_protection_mode")
    if custom is not None or standard not in (None, cognito.StandardThreatProtectionMode.NO_ENFORCEMENT):
        raise SecureConstructsError(
            "SC-ID-010", where,
            "threat protection needs the Plus feature plan; CloudFormation would reject this pool",
            received={"feature_plan": str(props.get("feature_plan")), "standard_threat_protection_mode":
                      str(standard), "custom_threat_protection_mode": str(custom)},
            fix="Keep the Plus plan, or also override standard_threat_protection_mode and "
            "custom_threat_protection_mode with None (each with a reason in accepted_risks)",
        )


def _check_url(where: str, url: Any) -> None:
    # A token (e.g. a distribution's domain name) stands for one host label here; the scheme stays checkable.
    text = _TOKEN.sub("token", url) if isinstance(url, str) else ""
    parts = urlsplit(text) if text else None
    host = (parts.hostname or "") if parts else ""
    ok = (
        parts is not None
        and bool(parts.netloc)
        and not parts.fragment
        and "*" not in text
        and (parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK_HOSTS))
    )
    if not ok:
        raise SecureConstructsError(
            "SC-ID-001", where,
            "callback and logout URLs must be https (plain http only for localhost), without a fragment or a "
            "wildcard",
            received=url,
            fix="Use e.g. 'https://app.example.com/callback' or 'http://localhost:3000/callback'; build URLs "
            "from tokens as f'https://{distribution.domain_name}/callback'",
        )
