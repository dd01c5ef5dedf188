"""latency: delays each chunk by ``latency`` ms ± ``jitter`` ms, counted from when it was read.

The delay counts from the chunk's read timestamp, so chunks are pipelined rather than delayed
one after another, and each send advances the timestamp by the sleep, so stacked latency toxics
add up (Toxiproxy 2.0 semantics). The delay is uniform over [latency-jitter, latency+jitter) ms;
a negative one sends at once. One coroutine per link keeps the order: a chunk drawn a short delay
waits behind one drawn a long one. An interrupt forwards the chunk in hand at once (the stub
does that), and the toxic buffers up to 1024 chunks, as Toxiproxy's does.
"""

from __future__ import annotations

import random
import time

from harness.faultproxy.toxics.base import Field, Stub, Toxic, register, sleep_s


@register
class LatencyToxic(Toxic):
    type_name = "latency"
    go_struct = "LatencyToxic"
    fields = (Field("latency", unit="ms"), Field("jitter", unit="ms"))
    buffer_size = 1024

    def delay_s(self) -> float:
        latency_ms, jitter_ms = self.attrs["latency"], self.attrs["jitter"]
        if jitter_ms > 0:
            latency_ms += random.randrange(2 * jitter_ms) - jitter_ms
        return latency_ms / 1000.0

    async def pipe(self, stub: Stub) -> None:
        while True:
            chunk = await stub.recv()
            if chunk is None:
                stub.close()
                return
            wait_s = self.delay_s() - (time.monotonic() - chunk.ts)
            if wait_s > 0:
                await sleep_s(wait_s)
                chunk.ts += wait_s
            await stub.send(chunk)
