"""limit_data: lets ``bytes`` bytes through in its direction, then closes the connection.

The chunk that crosses the limit is truncated to it. The count is per link and lives on the
stub, so it survives updates and interrupts (Toxiproxy's stateful toxic, 2.1.0): raising the
limit on an open connection lets more through, lowering it below what was sent closes on the
next chunk. ``bytes`` 0 closes on the first chunk without sending anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.faultproxy.toxics.base import Field, Stub, Toxic, register
from harness.faultproxy.toxics.stream import Chunk


@dataclass
class LimitState:
    sent_bytes: int = 0


@register
class LimitDataToxic(Toxic):
    type_name = "limit_data"
    go_struct = "LimitDataToxic"
    fields = (Field("bytes", unit="bytes"),)

    def new_state(self) -> LimitState:
        return LimitState()

    async def pipe(self, stub: Stub) -> None:
        state: LimitState = stub.state
        while True:
            chunk = await stub.recv()
            if chunk is None:
                stub.close()
                return
            allowed = max(0, self.attrs["bytes"] - state.sent_bytes)
            if allowed < len(chunk.data):
                chunk = Chunk(chunk.data[:allowed], chunk.ts)
                stub.hold(chunk if chunk.data else None)
            if chunk.data:
                state.sent_bytes += len(chunk.data)  # counted now: an interrupt forwards it anyway
                await stub.send(chunk)
            if self.attrs["bytes"] - state.sent_bytes <= 0:
                stub.close()
                return
