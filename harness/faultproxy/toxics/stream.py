"""The plumbing between toxics: chunks of bytes and the queues that carry them down a chain.

A chunk is what one socket read returned, stamped with the monotonic time it was read (latency
counts from then). ``None`` in a queue means end of stream: the source closed.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable


class Chunk:
    """Bytes read from a socket, stamped with the monotonic time they were read (seconds).

    ``data`` may be a memoryview of another chunk's bytes (slicer's pieces), so cutting never copies.
    """

    __slots__ = ("data", "ts")

    def __init__(self, data: bytes | memoryview, ts: float | None = None) -> None:
        self.data = data
        self.ts = time.monotonic() if ts is None else ts


Item = Chunk | None  # None: end of stream


MAX_QUEUED_BYTES = 32 * 1024 * 1024  # Toxiproxy's worst case too: 1024 latency chunks of 32 KiB


class ChunkQueue:
    """A single-consumer queue of chunks with a soft capacity (Toxiproxy's buffered channels).

    ``put`` waits while the queue is at capacity (back-pressure up the chain); ``put_nowait``
    never waits (the socket feed, end of stream, and the chunk an interrupted toxic forwards),
    and the socket feed pauses its reads instead when ``full()``. ``on_drain`` runs when a get
    makes room again, so a paused socket resumes. Capacity counts chunks, and bytes too, so a
    latency toxic on a fast stream cannot buffer more than ``MAX_QUEUED_BYTES``.
    """

    __slots__ = ("_bytes", "_capacity", "_getter", "_items", "_putters", "on_drain")

    def __init__(self, capacity: int = 1) -> None:
        self._items: deque[Item] = deque()
        self._capacity = max(1, capacity)
        self._bytes = 0
        self._getter: asyncio.Future[None] | None = None
        self._putters: deque[asyncio.Future[None]] = deque()
        self.on_drain: Callable[[], None] | None = None

    def __len__(self) -> int:
        return len(self._items)

    def full(self) -> bool:
        return len(self._items) >= self._capacity or self._bytes >= MAX_QUEUED_BYTES

    def put_nowait(self, item: Item) -> None:
        self._items.append(item)
        if item is not None:
            self._bytes += len(item.data)
        getter = self._getter
        if getter is not None and not getter.done():
            getter.set_result(None)

    async def put(self, item: Item) -> None:
        while self.full():
            fut = asyncio.get_running_loop().create_future()
            self._putters.append(fut)
            try:
                await fut
            finally:
                if fut in self._putters:
                    self._putters.remove(fut)
        self.put_nowait(item)

    async def get(self) -> Item:
        while not self._items:
            fut = asyncio.get_running_loop().create_future()
            self._getter = fut
            try:
                await fut
            finally:
                if self._getter is fut:
                    self._getter = None
        item = self._items.popleft()
        if item is not None:
            self._bytes -= len(item.data)
        if not self.full():
            self._wake_putter()
            if self.on_drain is not None:
                self.on_drain()
        return item

    def _wake_putter(self) -> None:
        while self._putters:
            putter = self._putters.popleft()
            if not putter.done():
                putter.set_result(None)
                return

    def take_all(self) -> list[Item]:
        """Empty the queue (a removed toxic's input moving on to its output)."""
        items = list(self._items)
        self._items.clear()
        self._bytes = 0
        self._wake_putter()
        return items
