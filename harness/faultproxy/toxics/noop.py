"""noop: passes data through unchanged. It can be added through the API like any toxic."""

from __future__ import annotations

from harness.faultproxy.toxics.base import Stub, Toxic, passthrough, register


@register
class NoopToxic(Toxic):
    type_name = "noop"
    go_struct = "NoopToxic"

    async def pipe(self, stub: Stub) -> None:
        await passthrough(stub)
