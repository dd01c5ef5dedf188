"""The nemesis's faults, one module per scenario ``type``; importing this package registers them."""

from harness.faults import (  # noqa: F401  (registration side effect)
    app_restart,
    bandwidth,
    freeze,
    kill_idle,
    latency,
    limit_data,
    mysql_restart,
    proxy_down,
    reset_peer,
    set_variable,
    slicer,
    slow_close,
    timeout,
)
from harness.faults.base import REGISTRY, Fault, FaultContext, FaultSpec

__all__ = ["REGISTRY", "Fault", "FaultContext", "FaultSpec"]
