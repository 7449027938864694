"""Secure defaults as data: one module per AWS service, each a set of functions that return CDK kwargs.

The security settings are not written here but taken from the declarations of their properties
(``secure_constructs.nag.rules``), which also give the rule that checks them; constructs merge the defaults
with the user's overrides through :class:`secure_constructs._overrides.Guard`, which judges the result with
those rules.
"""
