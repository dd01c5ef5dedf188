"""latency: every chunk through the proxy waits ``latency_ms`` ± ``jitter_ms`` (a slow network or
a slow MySQL as the app sees it)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from harness.faults.base import register
from harness.faults.toxic import ToxicFault, ToxicSpec


class Spec(ToxicSpec):
    type: Literal["latency"] = "latency"
    latency_ms: int = Field(ge=0, description="added delay per chunk, milliseconds")
    jitter_ms: int = Field(0, ge=0, description="uniform jitter around latency_ms, milliseconds")

    def toxic_attributes(self) -> dict[str, int]:
        return {"latency": self.latency_ms, "jitter": self.jitter_ms}


register(Spec, ToxicFault)
