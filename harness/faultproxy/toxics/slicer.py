"""slicer: cuts each chunk into pieces of about ``average_size`` ± ``size_variation`` bytes and
sends them ``delay`` µs apart: one write becomes many small TCP segments.

Pieces are made as Toxiproxy makes them: halve, shift the cut by up to ± ``size_variation``,
and repeat on each half until a piece is no more than ``average_size + size_variation`` (done
iteratively here). Toxiproxy recurses forever when ``average_size`` <= 0 (the server dies of a
stack overflow) and panics when ``size_variation`` >= ``average_size``; such settings answer
400 here. An interrupt forwards the unsent rest of the chunk at once.
"""

from __future__ import annotations

import itertools
import random

from harness.faultproxy.toxics.base import Field, Stub, Toxic, register, sleep_s
from harness.faultproxy.toxics.stream import Chunk


@register
class SlicerToxic(Toxic):
    type_name = "slicer"
    go_struct = "SlicerToxic"
    fields = (Field("average_size", "int", "bytes"), Field("size_variation", "int", "bytes"),
              Field("delay", "int", "µs"))

    def invalid(self, attrs: dict[str, int]) -> str | None:
        if attrs["average_size"] <= 0:
            return f"average_size must be > 0 (bytes), got {attrs['average_size']}"
        if not 0 <= attrs["size_variation"] < attrs["average_size"]:
            return (f"size_variation must be >= 0 and < average_size ({attrs['average_size']}), "
                    f"got {attrs['size_variation']}")
        return None

    def cuts(self, size: int) -> list[int]:
        """Piece boundaries of a ``size``-byte chunk: ``[0, ..., size]``."""
        average, variation = self.attrs["average_size"], self.attrs["size_variation"]
        bounds = [0]
        todo = [(0, size)]
        while todo:
            start, end = todo.pop()
            if (end - start) - average <= variation:
                bounds.append(end)
                continue
            mid = start + (end - start) // 2
            if variation > 0:
                mid += random.randrange(2 * variation) - variation
            todo.append((mid, end))
            todo.append((start, mid))
        return bounds

    async def pipe(self, stub: Stub) -> None:
        while True:
            chunk = await stub.recv()
            if chunk is None:
                stub.close()
                return
            view = memoryview(chunk.data)  # pieces and the held rest are views: no copy per piece
            for start, end in itertools.pairwise(self.cuts(len(view))):
                await stub.output.put(Chunk(view[start:end], chunk.ts))
                stub.hold(Chunk(view[end:], chunk.ts) if end < len(view) else None)
                await sleep_s(self.attrs["delay"] / 1_000_000.0)
