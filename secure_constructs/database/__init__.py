"""Database access without stored passwords: SecureDatabaseInstance, SecureDatabaseProxy (IAM authentication
and TLS required) and grant_db_connect."""

from .database import SecureDatabaseInstance, SecureDatabaseProxy

__all__ = ["SecureDatabaseInstance", "SecureDatabaseProxy"]
