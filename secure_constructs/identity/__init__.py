"""Identity: a hardened Cognito user pool with its app clients, and an identity pool with per-group roles."""

from .identity_pool import (
    IDENTITY_ID,
    ITEM_READ_ACTIONS,
    ITEM_WRITE_ACTIONS,
    OBJECT_READ_ACTIONS,
    OBJECT_WRITE_ACTIONS,
    SecureIdentityPool,
)
from .user_pool import SecureUserPool

__all__ = [
    "IDENTITY_ID",
    "ITEM_READ_ACTIONS",
    "ITEM_WRITE_ACTIONS",
    "OBJECT_READ_ACTIONS",
    "OBJECT_WRITE_ACTIONS",
    "SecureIdentityPool",
    "SecureUserPool",
]
