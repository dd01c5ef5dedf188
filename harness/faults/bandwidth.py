"""bandwidth: the proxy forwards at most ``rate_kbps`` kilobytes per second in ``stream`` (a
saturated link; large result sets crawl while small queries barely notice)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from harness.faults.base import register
from harness.faults.toxic import ToxicFault, ToxicSpec


class Spec(ToxicSpec):
    type: Literal["bandwidth"] = "bandwidth"
    rate_kbps: int = Field(ge=0, description="kilobytes per second (1 KB = 1000 bytes, Toxiproxy's unit); "
                           "0 stalls the data while the connection stays open")

    def toxic_attributes(self) -> dict[str, int]:
        return {"rate": self.rate_kbps}


register(Spec, ToxicFault)
