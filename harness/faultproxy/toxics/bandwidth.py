"""bandwidth: limits a direction to ``rate`` KB/s (1 KB = 1000 bytes), per connection.

Toxiproxy's algorithm: a running sleep debt grows by each chunk's transmission time at ``rate``;
a chunk larger than 100 ms worth of data goes out in 100 ms slices; the rest waits out the debt.
The debt carries the timer's error forward, so the average rate holds over many chunks.

``rate`` 0 holds the data while the connection stays open (Toxiproxy loops on empty slices to the
same effect; users rely on it as a "half-open connection"). A negative rate crashes Toxiproxy;
here it is a 400. An interrupt forwards whatever of the chunk is left at once.
"""

from __future__ import annotations

import time

from harness.faultproxy.toxics.base import Field, Stub, Toxic, forever, register, sleep_s
from harness.faultproxy.toxics.stream import Chunk

SLICE_S = 0.1


@register
class BandwidthToxic(Toxic):
    type_name = "bandwidth"
    go_struct = "BandwidthToxic"
    fields = (Field("rate", unit="KB/s"),)

    def invalid(self, attrs: dict[str, int]) -> str | None:
        return "rate must be >= 0 (KB/s)" if attrs["rate"] < 0 else None

    async def pipe(self, stub: Stub) -> None:
        debt_s = 0.0
        while True:
            chunk = await stub.recv()
            if chunk is None:
                stub.close()
                return
            rate_kbps = self.attrs["rate"]
            if rate_kbps <= 0:
                await forever()
            debt_s += len(chunk.data) / (rate_kbps * 1000.0)
            slice_bytes = rate_kbps * 100  # what the rate lets through in one 100 ms slice
            data = chunk.data
            while len(data) > slice_bytes:
                await sleep_s(SLICE_S)
                await stub.output.put(Chunk(data[:slice_bytes], chunk.ts))
                data = data[slice_bytes:]
                stub.hold(Chunk(data, chunk.ts))
                debt_s -= SLICE_S
            started = time.monotonic()
            await sleep_s(debt_s)
            debt_s -= time.monotonic() - started
            await stub.send(Chunk(data, chunk.ts) if data is not chunk.data else chunk)
