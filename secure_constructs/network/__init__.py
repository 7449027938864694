"""Private networking for Lambda functions: SecureNetwork (isolated subnets, VPC endpoints limited to this
account, flow logs) and the mapping from granted services to endpoints."""

from .endpoints import endpoint_name, endpoint_names, service_prefixes
from .network import NetworkEgress, SecureNetwork

__all__ = ["NetworkEgress", "SecureNetwork", "endpoint_name", "endpoint_names", "service_prefixes"]
