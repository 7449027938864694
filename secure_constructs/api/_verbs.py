"""The verbs REST and HTTP APIs share: exact execute-api ARNs, invoke grants and denies, stage metrics."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam

from . import _routes


class ApiVerbs:
    """Mixed into SecureRestApi and SecureHttpApi; needs ``self.stage`` and ``self._api`` (the L2 API)."""

    stage: Any
    _api: Any

    # --- callers --------------------------------------------------------------------------------------

    def arn_for(self, method: str, path: str, *, stage: str | None = None) -> str:
        """The execute-api ARN of ``method path`` on ``stage`` (wildcards only where passed: ``*``, ``/x/*``).

        :param method: an HTTP method, ``ANY`` or ``*`` (every method). Default: none (required).
        :param path: a resource path; path parameters match any value, a last segment ``*`` everything
            below. Default: none (required).
        :param stage: the stage name, or ``*``. Default: this API's stage.
        """
        method = _routes.check_method(self, method, allow_wildcard=True)  # type: ignore[arg-type]
        path = _routes.check_path(self, path, allow_wildcard=True)  # type: ignore[arg-type]
        return str(
            self._api.arn_for_execute_api(
                _routes.arn_method(method), _routes.arn_path(path), stage or self.stage.stage_name
            )
        )

    def grant_invoke(
        self, grantee: iam.IGrantable, method: str, path: str, *, stage: str | None = None
    ) -> iam.Grant:
        """Allow ``grantee`` ``execute-api:Invoke`` on exactly ``method path`` of the stage (IAM-auth routes).

        :param grantee: the role, user or other grantable. Default: none (required).
        :param method: an HTTP method, ``ANY`` or ``*`` (every method). Default: none (required).
        :param path: a resource path; path parameters match any value, a last segment ``*`` everything
            below. Default: none (required).
        :param stage: the stage name, or ``*``. Default: this API's stage.
        """
        return _routes.grant_execute(grantee, self.arn_for(method, path, stage=stage))

    def deny_invoke(
        self, grantee: iam.IGrantable, method: str, path: str, *, stage: str | None = None
    ) -> iam.AddToPrincipalPolicyResult:
        """Add an explicit Deny of ``execute-api:Invoke`` on ``method path`` to ``grantee``'s policy.

        With ``grant_invoke(role, "*", "/*")`` this gives "everything except ...".

        :param grantee: the role, user or other grantable. Default: none (required).
        :param method: an HTTP method, ``ANY`` or ``*`` (every method). Default: none (required).
        :param path: a resource path; path parameters match any value, a last segment ``*`` everything
            below. Default: none (required).
        :param stage: the stage name, or ``*``. Default: this API's stage.
        """
        return _routes.deny_execute(grantee, self.arn_for(method, path, stage=stage))

    # --- metrics --------------------------------------------------------------------------------------

    def metric_server_error(self, **props: Any) -> cloudwatch.Metric:
        """5XX responses of the stage (Sum). ``props``: ``cloudwatch.MetricOptions`` arguments."""
        return self.stage.metric_server_error(**props)  # type: ignore[no-any-return]

    def metric_client_error(self, **props: Any) -> cloudwatch.Metric:
        """4XX responses of the stage (Sum)."""
        return self.stage.metric_client_error(**props)  # type: ignore[no-any-return]

    def metric_latency(self, **props: Any) -> cloudwatch.Metric:
        """End-to-end latency of the stage (Average unless ``statistic`` is given)."""
        return self.stage.metric_latency(**props)  # type: ignore[no-any-return]

    def metric_integration_latency(self, **props: Any) -> cloudwatch.Metric:
        """Backend (integration) latency of the stage."""
        return self.stage.metric_integration_latency(**props)  # type: ignore[no-any-return]

    def metric_count(self, **props: Any) -> cloudwatch.Metric:
        """Requests to the stage (SampleCount)."""
        return self.stage.metric_count(**props)  # type: ignore[no-any-return]
