"""SecureAlbRoutes: Lambda functions behind an internet-facing Application Load Balancer whose listener
authenticates every route (Cognito or OIDC) unless it is public with a reason, over HTTPS only, with the
REST APIs' WAF, strict header handling and access logs in a hardened bucket."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import ArnFormat, Duration, Names, RemovalPolicy, SecretValue, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_elasticloadbalancingv2_actions as elb_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from .._defaults import alb as _d
from .._defaults.cloudtrail import access_logs_bucket_props
from .._overrides import Guard
from .._sources import record_creation_site
from ..acknowledgments import acknowledge, acknowledge_all, check_reason
from ..api.waf import WafOptions, regional_web_acl, web_acl_logging
from ..errors import SecureConstructsError
from ..monitoring.api_alarms import waf_blocked_requests_metric
from ..monitoring.factory import AlarmFactory
from ..monitoring.thresholds import AnomalyThresholds

_PATH = re.compile(r"^/[A-Za-z0-9_\-./*?~%]*$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_PUBLIC_RULES = ("SecureServerless-AlbRouteAuth[NoAuth]",)


@dataclass(frozen=True)
class AlbAuth:
    """How a route of :class:`SecureAlbRoutes` authenticates callers before the function runs.

    Use :meth:`cognito`, :meth:`oidc` or :meth:`public`. ``machine=True`` answers an unauthenticated
    request with 401 (``OnUnauthenticatedRequest: deny``) instead of a redirect to the login page.
    """

    kind: str
    machine: bool = False
    user_pool: Any = None
    domain: cognito.IUserPoolDomain | None = None
    oidc_config: Mapping[str, Any] = field(default_factory=dict)
    reason: str | None = None
    scope: str = "openid"

    @staticmethod
    def cognito(
        user_pool: Any, domain: cognito.IUserPoolDomain, *, machine: bool = False, scope: str = "openid"
    ) -> AlbAuth:
        """Sign in with a ``SecureUserPool`` (its managed login at ``domain``); the routes get a confidential
        client of their own with the load balancer's callback URL."""
        return AlbAuth("cognito", machine=machine, user_pool=user_pool, domain=domain, scope=scope)

    @staticmethod
    def oidc(
        *,
        issuer: str,
        authorization_endpoint: str,
        token_endpoint: str,
        user_info_endpoint: str,
        client_id: str,
        client_secret: SecretValue,
        machine: bool = False,
        scope: str = "openid",
    ) -> AlbAuth:
        """Sign in with any OpenID Connect provider; ``client_secret`` is a ``SecretValue`` (Secrets Manager),
        never a plain string."""
        return AlbAuth(
            "oidc",
            machine=machine,
            scope=scope,
            oidc_config={
                "issuer": issuer,
                "authorization_endpoint": authorization_endpoint,
                "token_endpoint": token_endpoint,
                "user_info_endpoint": user_info_endpoint,
                "client_id": client_id,
                "client_secret": client_secret,
            },
        )

    @staticmethod
    def public(reason: str) -> AlbAuth:
        """No authentication, for ``reason`` (written to the validation report)."""
        return AlbAuth("public", reason=check_reason("AlbAuth.public", reason, "A public route"))


class SecureAlbRoutes(Construct):
    """Lambda functions behind an internet-facing Application Load Balancer, secure by default.

    Defaults: an HTTPS listener (TLS 1.2+ policy, TLS 1.3 preferred) whose default action answers 404; an
    HTTP listener that only redirects to HTTPS; each route authenticates with ``default_auth`` (Cognito or
    OIDC) before it forwards, unless it is ``AlbAuth.public(reason)``; machine routes deny instead of
    redirecting; invalid header fields dropped; the strictest desync mitigation; access logs in an
    SSE-S3 bucket that blocks public access, refuses non-TLS requests, is versioned and logs its own access to
    a second hardened bucket; the REST APIs' WAF (managed rule groups, rate limit, logging); each function
    invocable by its target group only (``SourceArn`` names the target group), and told the load balancer's
    ARN (``ALB_ARN``) so that it verifies ``x-amzn-oidc-data`` with ``secure_constructs.runtime.alb_oidc``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        network: Any,
        certificate: acm.ICertificate,
        domain_name: str,
        default_auth: AlbAuth,
        waf: WafOptions | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        overrides: Mapping[str, Any] | None = None,
        accepted_risks: Mapping[str, str] | None = None,
    ) -> None:
        """
        :param network: a ``SecureNetwork`` with ``public_subnets=True`` (the load balancer's subnets;
            SC-ALB-001 otherwise). Default: none (required).
        :param certificate: the HTTPS listener's ACM certificate. Default: none (required).
        :param domain_name: the name clients use (the certificate's); Cognito redirects to
            ``https://<domain_name>/oauth2/idpresponse``. Default: none (required).
        :param default_auth: how routes authenticate unless ``add_route`` says otherwise (``AlbAuth.cognito``
            or ``AlbAuth.oidc``; SC-ALB-002 otherwise). Default: none (required).
        :param waf: the web ACL, as for ``SecureRestApi``. Default: ``WafOptions()`` (a new web ACL).
        :param log_retention: retention of the WAF log group. Default: one year.
        :param removal_policy: what happens to the log buckets and log group when they leave the stack.
            Default: ``RemovalPolicy.RETAIN``.
        :param overrides: other ``elbv2.ApplicationLoadBalancer`` keyword arguments (weakening
            ``drop_invalid_header_fields`` or ``desync_mitigation_mode`` raises SC-GEN-002 without a reason).
            Default: none.
        :param accepted_risks: ``{override key: reason}`` for deliberate weakenings. Default: none.
        """
        super().__init__(scope, id)
        record_creation_site(self)
        from ..network import SecureNetwork

        if not isinstance(network, SecureNetwork) or not network.vpc.public_subnets:
            raise SecureConstructsError(
                "SC-ALB-001",
                self,
                "the load balancer needs a SecureNetwork with public subnets",
                received=type(network).__name__,
                fix="Pass network=SecureNetwork(stack, 'Network', public_subnets=True)",
            )
        if not isinstance(domain_name, str) or not _DOMAIN.match(domain_name):
            raise SecureConstructsError(
                "SC-ALB-003",
                self,
                "domain_name must be the DNS name of the certificate",
                received=domain_name,
                fix="Pass e.g. domain_name='shop.example.com'",
            )
        _check_auth(self, default_auth, allow_public=False)
        waf = waf if waf is not None else WafOptions()
        waf.check(self)
        self.network = network
        self.domain_name = domain_name
        self.default_auth = default_auth
        guard = Guard(self, "SecureAlbRoutes", accepted_risks)
        props = guard.merge(
            elbv2.ApplicationLoadBalancer,
            _d.load_balancer_props(),
            overrides,
            managed=_d.LOAD_BALANCER_MANAGED,
        )
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            vpc=network.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            internet_facing=True,
            **props,
        )
        acknowledge(
            self.load_balancer,
            "AwsSolutions-EC23",
            "An internet-facing load balancer: its security group admits 443 (HTTPS) and 80 (redirected to "
            "HTTPS) from anywhere, and every route authenticates or is public with a reason",
        )
        self.access_logs_bucket, self.logs_bucket = self._log_buckets(removal_policy)
        self.load_balancer.log_access_logs(self.logs_bucket, prefix="alb")
        self.https_listener = self.load_balancer.add_listener(
            "Https",
            port=443,
            protocol=elbv2.ApplicationProtocol.HTTPS,
            certificates=[elbv2.ListenerCertificate.from_certificate_manager(certificate)],
            ssl_policy=_d.SSL_POLICY,
            default_action=elbv2.ListenerAction.fixed_response(
                404, content_type="text/plain", message_body="Not found"
            ),
        )
        self.http_listener = self.load_balancer.add_listener(
            "HttpRedirect",
            port=80,
            protocol=elbv2.ApplicationProtocol.HTTP,
            default_action=elbv2.ListenerAction.redirect(protocol="HTTPS", port="443", permanent=True),
        )
        self.web_acl: wafv2.CfnWebACL | None = None
        if waf.disabled_reason is not None:
            acknowledge(
                self.load_balancer, "SecureServerless-AlbWaf", f"WAF turned off: {waf.disabled_reason}"
            )
        else:
            acl_arn = waf.web_acl_arn
            if acl_arn is None:
                self.web_acl = regional_web_acl(
                    self, "WebAcl", waf, metric_prefix=Names.unique_id(self)[-60:]
                )
                self.waf_log_group, _ = web_acl_logging(
                    self,
                    self.web_acl,
                    name=Names.unique_resource_name(self, max_length=400, separator="-"),
                    retention=log_retention,
                    removal_policy=removal_policy,
                )
                acl_arn = self.web_acl.attr_arn
                factory = AlarmFactory(self)
                self.waf_blocked_spike_alarm = factory.spike_alarm(
                    self,
                    "WafBlockedSpikeCritical",
                    subject=f"Requests blocked by the web ACL of {self.node.path}",
                    metric=waf_blocked_requests_metric(self.web_acl),
                    thresholds=AnomalyThresholds(),
                )
            wafv2.CfnWebACLAssociation(
                self,
                "WebAclAssociation",
                resource_arn=self.load_balancer.load_balancer_arn,
                web_acl_arn=acl_arn,
            )
        self._clients: dict[int, cognito.UserPoolClient] = {}
        self._priority_of: dict[str, int] = {}
        self.routes: dict[str, elbv2.ApplicationListenerRule] = {}
        self.target_groups: dict[str, elbv2.ApplicationTargetGroup] = {}
        guard.check(self.load_balancer)

    # --- routes -------------------------------------------------------------------------------------------

    def add_route(self, path: str, handler: Any, *, priority: int, auth: AlbAuth | None = None) -> None:
        """Send requests whose path matches ``path`` (``/orders``, ``/orders/*``) to ``handler`` (a
        SecureFunction or ``aws_lambda`` function) after ``auth`` (default: the routes' ``default_auth``).

        :param priority: the listener rule's priority, 1 to 50000, unique (SC-ALB-004). Default: none.
        """
        auth = auth if auth is not None else self.default_auth
        _check_auth(self, auth, allow_public=True)
        if not isinstance(path, str) or not _PATH.match(path) or path in self.routes:
            raise SecureConstructsError(
                "SC-ALB-004",
                self,
                "a route path must start with '/', be unique and use only URL characters",
                received=path,
                fix="Pass e.g. '/orders' or '/orders/*'",
            )
        if (
            isinstance(priority, bool)
            or not isinstance(priority, int)
            or not 1 <= priority <= 50_000
            or any(rule_priority == priority for rule_priority in self._priorities())
        ):
            raise SecureConstructsError(
                "SC-ALB-004",
                self,
                "the priority must be a unique whole number from 1 to 50000",
                received=priority,
                fix="Give each route its own priority (lower runs first)",
            )
        function = getattr(handler, "function", handler)
        if not isinstance(function, lambda_.Function):
            raise SecureConstructsError(
                "SC-ALB-005",
                self,
                "a route handler must be a SecureFunction or an aws_lambda.Function",
                received=type(handler).__name__,
                fix="Pass the function that serves the route",
            )
        index = len(self.routes) + 1
        target_group = self._target_group(f"Route{index}", function)
        forward = elbv2.ListenerAction.forward([target_group])
        action = self._authenticated(auth, forward)
        rule = elbv2.ApplicationListenerRule(
            self,
            f"Route{index}Rule",
            listener=self.https_listener,
            priority=priority,
            conditions=[elbv2.ListenerCondition.path_patterns([path])],
            action=action,
        )
        self._priority_of[path] = priority
        self.routes[path] = rule
        self.target_groups[path] = target_group
        if auth.kind == "public":
            acknowledge_all(rule, list(_PUBLIC_RULES), f"Public route: {auth.reason}")
        if hasattr(handler, "add_environment"):
            handler.add_environment(_d.ALB_ARN_ENV, self.load_balancer.load_balancer_arn)
        else:
            function.add_environment(_d.ALB_ARN_ENV, self.load_balancer.load_balancer_arn)

    def _priorities(self) -> list[int]:
        return list(self._priority_of.values())

    def _authenticated(self, auth: AlbAuth, forward: elbv2.ListenerAction) -> elbv2.ListenerAction:
        on_unauthenticated = (
            elbv2.UnauthenticatedAction.DENY if auth.machine else elbv2.UnauthenticatedAction.AUTHENTICATE
        )
        if auth.kind == "public":
            return forward
        if auth.kind == "oidc":
            return elbv2.ListenerAction.authenticate_oidc(
                next=forward,
                on_unauthenticated_request=on_unauthenticated,
                scope=auth.scope,
                session_timeout=_d.SESSION_TIMEOUT,
                **auth.oidc_config,
            )
        client = self._client(auth)
        return elb_actions.AuthenticateCognitoAction(
            next=forward,
            user_pool=auth.user_pool.user_pool,
            user_pool_client=client,
            user_pool_domain=auth.domain,  # type: ignore[arg-type]  # _check_auth made sure it is set
            on_unauthenticated_request=on_unauthenticated,
            scope=auth.scope,
            session_timeout=_d.SESSION_TIMEOUT,
        )

    def _client(self, auth: AlbAuth) -> cognito.UserPoolClient:
        pool = auth.user_pool
        client = self._clients.get(id(pool))
        if client is None:
            name = "Alb" + re.sub(r"[^A-Za-z0-9]", "", self.node.id)[:40]
            client = pool.add_client(
                name,
                confidential=True,  # the load balancer keeps the secret and redeems the code
                callback_urls=[f"https://{self.domain_name}/oauth2/idpresponse"],
                oauth_scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
            )
            self._clients[id(pool)] = client
        return client

    def _target_group(self, id: str, function: lambda_.Function) -> elbv2.ApplicationTargetGroup:
        """A Lambda target group of a fixed name, whose function may be invoked by that target group only.

        The permission must exist before the function is registered, and a SourceArn of the target group's
        full ARN would make the two depend on each other; the name (unique per account and region) fixes
        the ARN up to its suffix, so the permission names ``targetgroup/<name>/*``.
        """
        name = Names.unique_resource_name(self, max_length=24, separator="-").strip("-") + f"-{id}"[-7:]
        name = re.sub(r"[^A-Za-z0-9-]", "", name)[:32].strip("-")
        target_group = elbv2.ApplicationTargetGroup(
            self, f"{id}Targets", target_type=elbv2.TargetType.LAMBDA, target_group_name=name
        )
        stack = Stack.of(self)
        permission = lambda_.CfnPermission(
            self,
            f"{id}Invoke",
            action="lambda:InvokeFunction",
            function_name=function.function_arn,
            principal="elasticloadbalancing.amazonaws.com",
            source_arn=stack.format_arn(
                service="elasticloadbalancing",
                resource="targetgroup",
                resource_name=f"{name}/*",
                arn_format=ArnFormat.SLASH_RESOURCE_NAME,
            ),
        )
        cfn = target_group.node.default_child
        assert isinstance(cfn, elbv2.CfnTargetGroup)
        cfn.targets = [elbv2.CfnTargetGroup.TargetDescriptionProperty(id=function.function_arn)]
        cfn.node.add_dependency(permission)
        return target_group

    def _log_buckets(self, removal_policy: RemovalPolicy) -> tuple[s3.Bucket, s3.Bucket]:
        """The ALB's log bucket (SSE-S3: the only encryption ALB log delivery supports) and the bucket that
        receives its server access logs, both hardened like the audit trail's."""
        lifecycle = [
            s3.LifecycleRule(
                id="ExpireLogs",
                expiration=_d.LOGS_EXPIRE_AFTER,
                noncurrent_version_expiration=Duration.days(30),
                abort_incomplete_multipart_upload_after=Duration.days(7),
            )
        ]
        access = s3.Bucket(
            self,
            "AccessLogsBucket",
            removal_policy=removal_policy,
            lifecycle_rules=lifecycle,
            **access_logs_bucket_props(),
        )
        logs_bucket = s3.Bucket(
            self,
            "LogsBucket",
            removal_policy=removal_policy,
            lifecycle_rules=lifecycle,
            **access_logs_bucket_props(),
        )
        cfn = logs_bucket.node.default_child
        assert isinstance(cfn, s3.CfnBucket)
        cfn.logging_configuration = s3.CfnBucket.LoggingConfigurationProperty(
            destination_bucket_name=access.bucket_name, log_file_prefix="alb-logs-bucket/"
        )
        access.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowServerAccessLogDeliveryForTheAlbLogsBucket",
                principals=[iam.ServicePrincipal("logging.s3.amazonaws.com")],
                actions=["s3:PutObject"],
                resources=[access.arn_for_objects("alb-logs-bucket/*")],
                conditions={
                    "ArnLike": {"aws:SourceArn": logs_bucket.bucket_arn},
                    "StringEquals": {"aws:SourceAccount": Stack.of(self).account},
                },
            )
        )
        for bucket in (access, logs_bucket):
            acknowledge_all(
                bucket,
                ["NIST.800.53.R5-S3DefaultEncryptionKMS", "NIST.800.53.R5-S3BucketReplicationEnabled"],
                "Load balancer and S3 server access log delivery write with SSE-S3 only; the buckets block "
                "public access and non-TLS requests, and copying logs elsewhere is an organization-level "
                "choice",
            )
        return access, logs_bucket


def _check_auth(where: Construct, auth: Any, *, allow_public: bool) -> None:
    kinds = ("cognito", "oidc", "public") if allow_public else ("cognito", "oidc")
    if not isinstance(auth, AlbAuth) or auth.kind not in kinds:
        raise SecureConstructsError(
            "SC-ALB-002",
            where,
            "routes authenticate with AlbAuth.cognito(...) or AlbAuth.oidc(...)"
            + (", or are AlbAuth.public(reason)" if allow_public else " by default"),
            received=getattr(auth, "kind", type(auth).__name__),
            fix="Pass default_auth=AlbAuth.cognito(user_pool, domain); a public route says why with "
            "auth=AlbAuth.public('<reason>')",
        )
    if auth.kind == "cognito":
        from ..identity import SecureUserPool

        if not isinstance(auth.user_pool, SecureUserPool) or auth.domain is None:
            raise SecureConstructsError(
                "SC-ALB-002",
                where,
                "AlbAuth.cognito needs a SecureUserPool and its domain",
                received=type(auth.user_pool).__name__,
                fix="Pass AlbAuth.cognito(users, users.user_pool.add_domain(...))",
            )
    if auth.kind == "oidc":
        secret = auth.oidc_config.get("client_secret")
        urls = [
            auth.oidc_config.get(k)
            for k in ("issuer", "authorization_endpoint", "token_endpoint", "user_info_endpoint")
        ]
        if not isinstance(secret, SecretValue) or not all(
            isinstance(u, str) and u.startswith("https://") for u in urls
        ):
            raise SecureConstructsError(
                "SC-ALB-002",
                where,
                "AlbAuth.oidc needs https endpoints and a SecretValue client secret",
                received=[u if isinstance(u, str) else type(u).__name__ for u in urls],
                fix="Pass https URLs and client_secret=SecretValue.secrets_manager('<secret>')",
            )


__all__ = ["AlbAuth", "SecureAlbRoutes"]
