"""slow_close: passes data unchanged, but holds the end of stream for ``delay`` ms.

When the source of this direction closes, the close reaches the destination ``delay`` ms later.
The moment the end of stream arrived is kept on the stub, so an interrupt (a neighbour toxic
added, this one updated) neither loses the close nor restarts its delay; removing the toxic
closes at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from harness.faultproxy.toxics.base import Field, Stub, Toxic, register, sleep_s


@dataclass
class SlowCloseState:
    eof_at_s: float | None = None  # monotonic time the end of stream arrived


@register
class SlowCloseToxic(Toxic):
    type_name = "slow_close"
    go_struct = "SlowCloseToxic"
    fields = (Field("delay", unit="ms"),)

    def new_state(self) -> SlowCloseState:
        return SlowCloseState()

    async def pipe(self, stub: Stub) -> None:
        state: SlowCloseState = stub.state
        while state.eof_at_s is None:
            chunk = await stub.recv()
            if chunk is None:
                state.eof_at_s = time.monotonic()
                stub.drop()
                break
            await stub.send(chunk)
        await sleep_s(state.eof_at_s + self.attrs["delay"] / 1000.0 - time.monotonic())
        stub.close()

    def on_remove(self, stub: Stub) -> bool:
        state: SlowCloseState = stub.state
        return state.eof_at_s is not None
