"""The toxics, one small file each; importing this package fills the registry."""

from harness.faultproxy.toxics import latency, noop  # noqa: F401  (registration side effect)
from harness.faultproxy.toxics.base import REGISTRY, BadAttributes, Toxic

__all__ = ["REGISTRY", "BadAttributes", "Toxic"]
