"""What every toxic is made of: a chunk, a queue, a stub, the Toxic base class and the registry.

Borrowed from Toxiproxy's design: settings live on the toxic (one object serves every
connection), per-connection state lives on the stub, and each toxic is a small ``pipe`` coroutine
that reads chunks from its stub's input and writes them to its output.

Interrupts are task cancellation. A stub remembers the chunk it is ``holding`` (received, not yet
sent); when the link interrupts it (a toxic was added, removed or updated), that chunk is
forwarded at once, so a toxic only handles ``CancelledError`` when it has more state than one
chunk (a slicer's remainder, say).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar


class Chunk:
    """Bytes read from a socket, stamped with the monotonic time they were read (seconds)."""

    __slots__ = ("data", "ts")

    def __init__(self, data: bytes, ts: float | None = None) -> None:
        self.data = data
        self.ts = time.monotonic() if ts is None else ts


# ``None`` in a queue means end of stream: the source closed.
Item = Chunk | None


class ChunkQueue:
    """A single-consumer queue of chunks with a soft capacity.

    ``put`` waits while the queue is at capacity (back-pressure, like Toxiproxy's channels);
    ``put_nowait`` never waits (the socket feed, and flushing a removed stub), and the feed pauses
    the socket read instead when ``full()``. ``on_drain`` runs when a get makes room again.
    """

    __slots__ = ("_capacity", "_getter", "_items", "_putters", "on_drain")

    def __init__(self, capacity: int = 1) -> None:
        self._items: deque[Item] = deque()
        self._capacity = max(1, capacity)
        self._getter: asyncio.Future[None] | None = None
        self._putters: deque[asyncio.Future[None]] = deque()
        self.on_drain: Callable[[], None] | None = None

    def __len__(self) -> int:
        return len(self._items)

    def full(self) -> bool:
        return len(self._items) >= self._capacity

    def put_nowait(self, item: Item) -> None:
        self._items.append(item)
        getter = self._getter
        if getter is not None and not getter.done():
            getter.set_result(None)

    async def put(self, item: Item) -> None:
        while len(self._items) >= self._capacity:
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
                self._getter = None
        item = self._items.popleft()
        if len(self._items) < self._capacity:
            while self._putters:
                putter = self._putters.popleft()
                if not putter.done():
                    putter.set_result(None)
                    break
            if self.on_drain is not None:
                self.on_drain()
        return item

    def take_all(self) -> list[Item]:
        items = list(self._items)
        self._items.clear()
        return items


class Stub:
    """One toxic's place in one connection's chain: its input, its output and its state."""

    __slots__ = ("closed", "holding", "input", "output", "state", "task", "toxic")

    def __init__(self, toxic: Toxic, input_q: ChunkQueue, output_q: ChunkQueue) -> None:
        self.toxic = toxic
        self.input = input_q
        self.output = output_q
        self.state: Any = toxic.new_state()
        self.holding: Item = None
        self.closed = False
        self.task: asyncio.Task[None] | None = None

    async def recv(self) -> Item:
        item = await self.input.get()
        self.holding = item
        return item

    async def send(self, item: Item) -> None:
        await self.output.put(item)
        self.holding = None

    def drop(self) -> None:
        """Forget the chunk in hand (a toxic that discards data)."""
        self.holding = None

    def hold(self, item: Item) -> None:
        """Replace the chunk in hand (e.g. the unsent remainder of a sliced chunk)."""
        self.holding = item

    async def close(self) -> None:
        """End this direction: pass end-of-stream down the chain; the writer then closes its socket."""
        self.closed = True
        self.holding = None
        await self.output.put(None)


@dataclass(frozen=True)
class Field:
    """One attribute of a toxic as the API shows it: JSON name, Go type name, unit for the docs."""

    name: str
    go_type: str = "int64"
    unit: str = ""


class BadAttributes(ValueError):
    """Attributes that the real server would reject with 400 (or crash on, for the slicer)."""


class Toxic:
    """Base class: a toxic's settings and its ``pipe`` coroutine. Subclasses register themselves."""

    type_name: ClassVar[str] = ""
    go_struct: ClassVar[str] = ""
    fields: ClassVar[tuple[Field, ...]] = ()
    buffer_size: ClassVar[int] = 1  # chunks its input queue holds; only latency buffers (1024)

    def __init__(self, name: str, stream: str, toxicity: float, attributes: dict[str, Any] | None) -> None:
        self.name = name
        self.stream = stream  # stored exactly as sent; direction() normalises it
        self.toxicity = toxicity
        self.attrs: dict[str, int] = {f.name: 0 for f in self.fields}
        self.update_attributes(attributes or {})

    # -- attributes --------------------------------------------------------------------------
    def update_attributes(self, attributes: dict[str, Any]) -> None:
        """Merge attributes like Go's json.Unmarshal into the existing struct; validate the result."""
        new = dict(self.attrs)
        for f in self.fields:
            if f.name not in attributes or attributes[f.name] is None:
                continue
            value = attributes[f.name]
            if isinstance(value, bool) or not isinstance(value, int):
                kind = {str: "string", float: "number", bool: "bool", list: "array", dict: "object"}.get(
                    type(value), "value")
                shown = f" {value}" if kind == "number" else ""
                raise BadAttributes(f"bad request body: json: cannot unmarshal {kind}{shown} into Go struct "
                                    f"field {self.go_struct}.{f.name} of type {f.go_type}")
            if not -(2**63) <= value < 2**63:
                raise BadAttributes(f"bad request body: json: cannot unmarshal number {value} into Go struct "
                                    f"field {self.go_struct}.{f.name} of type {f.go_type}")
            new[f.name] = value
        self.validate(new)
        self.attrs = new

    def validate(self, attrs: dict[str, int]) -> None:
        """Reject settings that would crash or hang the proxy (default: everything goes)."""

    def to_json(self) -> dict[str, Any]:
        return {"attributes": dict(self.attrs), "name": self.name, "type": self.type_name,
                "stream": self.stream, "toxicity": self.toxicity}

    # -- behaviour ---------------------------------------------------------------------------
    def new_state(self) -> Any:
        """Per-connection state that survives interrupts and updates (limit_data's byte count)."""
        return None

    def rolls(self) -> bool:
        """Toxicity is rolled each time a stub starts running: per connection, not per chunk."""
        return random.random() < self.toxicity

    async def pipe(self, stub: Stub) -> None:
        raise NotImplementedError

    def on_remove(self, stub: Stub) -> bool:
        """Called when the toxic is removed from a live link; True closes the stream (timeout)."""
        return False


REGISTRY: dict[str, type[Toxic]] = {}


def register(cls: type[Toxic]) -> type[Toxic]:
    REGISTRY[cls.type_name] = cls
    return cls


async def passthrough(stub: Stub) -> None:
    """The noop behaviour, also what a toxic does when it loses the toxicity roll."""
    while True:
        item = await stub.recv()
        if item is None:
            await stub.close()
            return
        await stub.send(item)
