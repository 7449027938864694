"""Lambda functions behind an Application Load Balancer: SecureAlbRoutes and AlbAuth."""

from .alb import AlbAuth, SecureAlbRoutes

__all__ = ["AlbAuth", "SecureAlbRoutes"]
