"""slow_close: when one side closes, the proxy waits ``delay_ms`` before closing the other (a
server-side connection outlives its client for a while, as behind a slow load balancer)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from harness.faults.base import register
from harness.faults.toxic import ToxicFault, ToxicSpec


class Spec(ToxicSpec):
    type: Literal["slow_close"] = "slow_close"
    delay_ms: int = Field(ge=0, description="delay before the close reaches the other side, milliseconds")

    def toxic_attributes(self) -> dict[str, int]:
        return {"delay": self.delay_ms}


register(Spec, ToxicFault)
