"""timeout: drops every byte in its direction; closes the connection after ``timeout`` ms.

``timeout`` 0 drops data until the toxic is removed and never closes by itself: the classic
"the server stopped answering" that makes a client wait for its own read timeout. Removing the
toxic closes the connection (Toxiproxy 2.1.1: the data already dropped would otherwise corrupt
the stream). The end of stream from the source closes at once.

Deliberate difference: the ``timeout`` clock starts when the toxic begins to act on the
connection (or is updated) and is not restarted by each dropped chunk. Toxiproxy re-arms its
timer on every chunk, so under steady traffic it may never fire; its README says "closes the
connection after timeout", which is what this does.
"""

from __future__ import annotations

import asyncio
import time

from harness.faultproxy.toxics.base import Field, Stub, Toxic, register

NEVER_S = 100 * 365 * 86_400.0


@register
class TimeoutToxic(Toxic):
    type_name = "timeout"
    go_struct = "TimeoutToxic"
    fields = (Field("timeout", unit="ms"),)

    async def pipe(self, stub: Stub) -> None:
        timeout_ms = self.attrs["timeout"]
        left_s = stub.started_s + timeout_ms / 1000.0 - time.monotonic() if timeout_ms > 0 else None
        if left_s is not None and left_s > NEVER_S:
            left_s = None  # event loop timers overflow; a century is forever here
        try:
            async with asyncio.timeout(left_s):
                while await stub.recv() is not None:
                    stub.drop()
        except TimeoutError:
            pass
        stub.close()

    def on_remove(self, stub: Stub) -> bool:
        return True
