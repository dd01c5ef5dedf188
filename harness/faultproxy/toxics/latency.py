"""latency: delays each chunk by ``latency`` ms ± ``jitter`` ms, counted from when it was read.

The delay counts from the chunk's read timestamp, so chunks are pipelined rather than delayed
one after another, and each send advances the timestamp by the sleep, so stacked latency toxics
add up (Toxiproxy 2.0 semantics). The distribution is uniform over [latency-jitter, latency+jitter).
An interrupt forwards the chunk in hand at once (the stub does that for us).
"""

from __future__ import annotations

import asyncio
import random
import time

from harness.faultproxy.toxics.base import Field, Stub, Toxic, register


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
                await stub.close()
                return
            sleep_s = self.delay_s() - (time.monotonic() - chunk.ts)
            if sleep_s > 0:
                await asyncio.sleep(sleep_s)
                chunk.ts += sleep_s
            await stub.send(chunk)
