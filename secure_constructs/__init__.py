"""secure_constructs: AWS CDK v2 constructs for serverless apps that are secure by default.

The public API is what ``__all__`` lists; everything else is private.
"""

from .acknowledgments import acknowledge
from .checks import add_checks
from .errors import SecureConstructsError

__all__ = [
    "SecureConstructsError",
    "acknowledge",
    "add_checks",
]

# Each area below re-exports its public names. Keep one block per area (edit only your own block).
# --- compute ---
# --- api ---
# --- identity ---
# --- audit / monitoring ---
# --- nag ---
