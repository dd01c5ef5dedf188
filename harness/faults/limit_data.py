"""limit_data: each connection may carry ``bytes`` bytes in ``stream``; the chunk that crosses
the limit is cut and the connection closed (a result set that dies mid-transfer; the client sees
a lost connection during the query)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from harness.faults.base import register
from harness.faults.toxic import ToxicFault, ToxicSpec


class Spec(ToxicSpec):
    type: Literal["limit_data"] = "limit_data"
    bytes: int = Field(ge=0, description="bytes a connection may carry in `stream` before it is closed "
                       "(0 = closed on its first data)")

    def toxic_attributes(self) -> dict[str, int]:
        return {"bytes": self.bytes}


register(Spec, ToxicFault)
