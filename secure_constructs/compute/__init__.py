"""Compute: SecureFunction, a Lambda function that is secure by default."""

from .function import SecureFunction

__all__ = ["SecureFunction"]
