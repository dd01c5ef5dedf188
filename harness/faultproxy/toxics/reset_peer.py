"""reset_peer: on the first chunk (or end of stream) in its direction, waits ``timeout`` ms and
then resets the connection: both sockets are closed with SO_LINGER 0, so both peers get an RST.

For MySQL (the server speaks first) a downstream reset_peer fires on the server's greeting, or,
on an open connection, on the reply to the next query; an upstream one on the client's next
bytes. The chunk that triggered it is dropped.

Deliberate differences from Toxiproxy, both improvements a client can only benefit from:
Toxiproxy sets SO_LINGER 0 when a connection *starts* with a reset_peer in its chain, so a toxic
added to an open connection closes it with a plain FIN, and a connection that lost the toxicity
roll still resets on every later close (its issue #603). Here linger is set when the toxic
fires, on any connection, and only then. Once triggered, the reset happens even if the toxic is
removed meanwhile (Toxiproxy makes the removal wait for it; here the removal resets at once).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from harness.faultproxy.toxics.base import Field, Stub, Toxic, register, sleep_s


@dataclass
class ResetState:
    fire_at_s: float | None = None  # monotonic time of the reset, once triggered


@register
class ResetPeerToxic(Toxic):
    type_name = "reset_peer"
    go_struct = "ResetToxic"
    fields = (Field("timeout", unit="ms"),)

    def new_state(self) -> ResetState:
        return ResetState()

    async def pipe(self, stub: Stub) -> None:
        state: ResetState = stub.state
        if state.fire_at_s is None:
            await stub.recv()
            stub.drop()
            state.fire_at_s = time.monotonic() + self.attrs["timeout"] / 1000.0
        await sleep_s(state.fire_at_s - time.monotonic())
        stub.reset_connection()
        stub.close()

    def on_remove(self, stub: Stub) -> bool:
        state: ResetState = stub.state
        if state.fire_at_s is None:
            return False
        stub.reset_connection()
        return True
