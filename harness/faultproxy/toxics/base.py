"""What every toxic is made of: the Toxic base class, its stub on each connection, the registry.

Borrowed from Toxiproxy's design: settings live on the toxic (one object serves every
connection), per-connection state lives on the stub, and each toxic is a small ``pipe`` coroutine
that takes chunks from its stub's input and puts them on its output.

Interrupts are task cancellation. A stub remembers the chunk it is ``holding`` (received, not yet
sent); when the link interrupts it (its neighbour changed, or it was updated or removed), that
chunk is forwarded at once, as Toxiproxy's toxics do, so a toxic only handles ``CancelledError``
when it has more state than one chunk. What must outlive an interrupt lives in ``stub.state``.

Toxicity is rolled once per connection, when the toxic joins the link, and again when the toxic
is updated (Toxiproxy re-rolls every time a stub restarts, so adding a second toxic re-rolls the
first on every open connection; its maintainers describe toxicity as "per-connection").
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from harness.faultproxy.decode import GoObject, convert, float32_json
from harness.faultproxy.errors import bad_body
from harness.faultproxy.toxics.stream import Chunk, ChunkQueue, Item

MAX_SLEEP_S = 86_400.0  # longer sleeps are taken a day at a time (event loop timers overflow)


class Stub:
    """One toxic's place in one connection's chain: its input, its output and its state."""

    __slots__ = ("closed", "enabled", "holding", "input", "output", "reset_connection", "started_s", "state",
                 "task", "toxic")

    def __init__(self, toxic: Toxic, input_q: ChunkQueue, output_q: ChunkQueue,
                 reset_connection: Callable[[], None]) -> None:
        self.toxic = toxic
        self.input = input_q
        self.output = output_q
        self.state: Any = toxic.new_state()
        self.holding: Chunk | None = None
        self.closed = False
        self.task: asyncio.Task[None] | None = None
        self.enabled = toxic.rolls()
        self.started_s = time.monotonic()  # when the toxic's current settings began to apply here
        self.reset_connection = reset_connection  # SO_LINGER 0: later closes of this connection send RST

    def updated(self) -> None:
        """The toxic's settings changed: roll toxicity again and restart its clock."""
        self.enabled = self.toxic.rolls()
        self.started_s = time.monotonic()

    async def recv(self) -> Item:
        item = await self.input.get()
        self.holding = item
        return item

    async def send(self, chunk: Chunk) -> None:
        await self.output.put(chunk)
        self.holding = None

    def drop(self) -> None:
        """Forget the chunk in hand (a toxic that discards data)."""
        self.holding = None

    def hold(self, chunk: Chunk | None) -> None:
        """Replace the chunk in hand (e.g. the unsent rest of a sliced chunk)."""
        self.holding = chunk

    def close(self) -> None:
        """End this direction: end of stream goes down the chain and the writer closes its socket."""
        self.closed = True
        self.holding = None
        self.output.put_nowait(None)


@dataclass(frozen=True)
class Field:
    """One attribute as the API shows it: JSON name, Go type (for error messages), unit (for docs)."""

    name: str
    go_type: Literal["int64", "int"] = "int64"
    unit: str = ""


class Toxic:
    """Base class: a toxic's settings and its ``pipe`` coroutine. Subclasses ``@register``."""

    type_name: ClassVar[str] = ""
    go_struct: ClassVar[str] = ""
    fields: ClassVar[tuple[Field, ...]] = ()
    buffer_size: ClassVar[int] = 1  # chunks its input queue holds; only latency buffers (1024)

    def __init__(self, name: str, stream: str, toxicity: float, attributes: GoObject | None) -> None:
        self.name = name
        self.stream = stream  # stored exactly as sent; the direction is its lower case
        self.direction = stream.lower()
        self.toxicity = toxicity
        self.attrs: dict[str, int] = {f.name: 0 for f in self.fields}
        self.update_attributes(attributes)

    # -- attributes --------------------------------------------------------------------------
    def update_attributes(self, attributes: GoObject | None) -> None:
        """Merge attributes like Go's json.Unmarshal into the existing struct; validate the result.

        Absent or null keys keep their value, unknown keys are ignored, keys match
        case-insensitively. Nothing changes unless the whole update is valid.
        """
        new = dict(self.attrs)
        for key, raw in attributes.pairs if attributes is not None else ():
            if raw is None:
                continue
            for f in self.fields:
                if key == f.name or key.casefold() == f.name:
                    new[f.name] = convert(raw, f.go_type, f"struct field {self.go_struct}.{f.name}")
        problem = self.invalid(new)
        if problem:
            raise bad_body(f"{self.type_name}: {problem}")
        self.attrs = new

    def invalid(self, attrs: dict[str, int]) -> str | None:
        """Why settings would crash or hang the proxy, if they would (default: all are fine)."""
        return None

    def to_json(self) -> dict[str, Any]:
        return {"attributes": dict(self.attrs), "name": self.name, "type": self.type_name,
                "stream": self.stream, "toxicity": float32_json(self.toxicity)}

    # -- behaviour ---------------------------------------------------------------------------
    def new_state(self) -> Any:
        """Per-connection state that survives interrupts and updates (limit_data's byte count)."""
        return None

    def rolls(self) -> bool:
        """Does this toxic act on a connection? ``toxicity`` is the probability."""
        return random.random() < self.toxicity

    async def pipe(self, stub: Stub) -> None:
        raise NotImplementedError

    def on_remove(self, stub: Stub) -> bool:
        """The toxic leaves a live link; True closes that direction (timeout does, as in Toxiproxy)."""
        return False


REGISTRY: dict[str, type[Toxic]] = {}


def register(cls: type[Toxic]) -> type[Toxic]:
    REGISTRY[cls.type_name] = cls
    return cls


async def passthrough(stub: Stub) -> None:
    """The noop behaviour, also what a toxic does on a connection where it lost the toxicity roll."""
    while True:
        item = await stub.recv()
        if item is None:
            stub.close()
            return
        await stub.send(item)


async def sleep_s(seconds: float) -> None:
    """``asyncio.sleep`` for any duration an int64 of milliseconds can express."""
    while seconds > MAX_SLEEP_S:
        await asyncio.sleep(MAX_SLEEP_S)
        seconds -= MAX_SLEEP_S
    if seconds > 0:
        await asyncio.sleep(seconds)


async def forever() -> None:
    """Wait until interrupted (a toxic that holds its data indefinitely)."""
    await asyncio.get_running_loop().create_future()
