"""The toxics, one small file each; importing this package fills the registry."""

from harness.faultproxy.toxics import (  # noqa: F401  (registration side effect)
    bandwidth,
    latency,
    limit_data,
    noop,
    reset_peer,
    slicer,
    slow_close,
    timeout,
)
from harness.faultproxy.toxics.base import REGISTRY, Toxic

__all__ = ["REGISTRY", "Toxic"]
