"""The JWT authorizer asset: ``handler.handler`` plus PyJWT (bundled by ``secure_constructs.api``)."""
