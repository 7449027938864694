"""Compute: SecureFunction, a Lambda function that is secure by default."""

from .function import SecureFunction, stack_dead_letter_queue

__all__ = ["SecureFunction", "stack_dead_letter_queue"]
