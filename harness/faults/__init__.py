"""The nemesis's faults, one module per scenario ``type``; importing this package registers them."""

from harness.faults import latency  # noqa: F401  (registration side effect)
from harness.faults.base import REGISTRY, Fault, FaultContext, FaultSpec

__all__ = ["REGISTRY", "Fault", "FaultContext", "FaultSpec"]
