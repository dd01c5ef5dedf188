"""timeout: the proxy silently drops all data in ``stream``; after ``timeout_ms`` without data it
closes the connection (0: never, data is dropped until the fault ends). A half-dead network:
queries hang until the client's own read timeout. As in Toxiproxy, removing the toxic closes
the connections it held, so the fault's end is a wave of closed connections too."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from harness.faults.base import register
from harness.faults.toxic import ToxicFault, ToxicSpec


class Spec(ToxicSpec):
    type: Literal["timeout"] = "timeout"
    timeout_ms: int = Field(0, ge=0, description="close the connection after this long, milliseconds "
                            "(0 = never; data is dropped until the fault ends)")

    def toxic_attributes(self) -> dict[str, int]:
        return {"timeout": self.timeout_ms}


register(Spec, ToxicFault)
