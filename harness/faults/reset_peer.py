"""reset_peer: on the first data in ``stream`` the proxy waits ``timeout_ms`` and resets the
connection (TCP RST for connections opened while the fault is active; Toxiproxy closes older
ones with a FIN). For MySQL, whose server speaks first, a downstream reset_peer kills every new
connection at the greeting: the pool cannot connect at all."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from harness.faults.base import register
from harness.faults.toxic import ToxicFault, ToxicSpec


class Spec(ToxicSpec):
    type: Literal["reset_peer"] = "reset_peer"
    timeout_ms: int = Field(0, ge=0, description="delay between the first data and the reset, milliseconds")

    def toxic_attributes(self) -> dict[str, int]:
        return {"timeout": self.timeout_ms}


register(Spec, ToxicFault)
