"""Secure defaults as data: one module per AWS service, each a set of functions that return CDK kwargs.

Constructs merge these with the user's overrides (:func:`secure_constructs._overrides.merge_props`); the
invariants next to the defaults say which overrides weaken security and need a reason.
"""
