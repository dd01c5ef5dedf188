"""One direction of a proxied connection: source socket -> chain of toxic stubs -> destination.

A link with no toxics is *direct*: bytes read from the source are written to the destination
in the same callback, with no task, queue or copy in between; that is what keeps the proxy's
cost on every query small (see docs/benchmarks.md). The first toxic turns it into a chain,
``feed -> stub -> ... -> writer -> socket``, each hop a ChunkQueue; once the last toxic has
left and the chain has drained, the writer turns it back. Toxiproxy instead heads every chain
with a hidden noop; the direct mode plays that part without a hop per chunk.

Changes mirror Toxiproxy's ``link.go``: a new toxic joins at the end (the old last stub is
interrupted and rewired); an updated toxic is interrupted and restarted; a removed one is
interrupted with its predecessor, what waits in its input moves on in order, and the chain is
spliced, unless its toxic closes the stream on removal (timeout). An interrupted stub forwards
the chunk in hand to its current output first, so nothing is lost or reordered.

End of stream travels down the chain as ``None``; the writer then fully closes its destination,
which ends the other direction too (no half-close, as in Toxiproxy).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Literal

from harness.faultproxy.toxics.base import Stub, Toxic, passthrough
from harness.faultproxy.toxics.stream import Chunk, ChunkQueue

if TYPE_CHECKING:
    from harness.faultproxy.connection import ProxyConnection, Side

log = logging.getLogger(__name__)

Direction = Literal["upstream", "downstream"]
QUEUE_CAPACITY = 4  # chunks a hop holds before the socket read pauses (latency holds 1024)


class Link:
    """Source socket -> toxics -> destination socket, for one direction of one connection."""

    def __init__(self, conn: ProxyConnection, direction: Direction, source: Side, dest: Side) -> None:
        self.conn = conn
        self.direction = direction
        self.source = source
        self.dest = dest
        self.stubs: list[Stub] = []
        self.feed_q: ChunkQueue | None = None  # None: direct mode
        self.writer_q: ChunkQueue | None = None
        self.writer: asyncio.Task[None] | None = None
        self.dest_ready: asyncio.Future[None] | None = None
        self.ended = False  # the source reached end of stream
        self.received_bytes = 0  # read from the source
        self.sent_bytes = 0  # written to the destination

    # -- the socket side (hot path) ----------------------------------------------------------
    def feed(self, data: bytes) -> None:
        self.received_bytes += len(data)
        q = self.feed_q
        if q is None:
            self.sent_bytes += len(data)
            self.dest.transport.write(data)  # type: ignore[union-attr]  # set before any read
            return
        q.put_nowait(Chunk(data))
        if q.full():
            self.source.pause_reading("chain")

    def feed_eof(self) -> None:
        if self.ended:
            return
        self.ended = True
        if self.feed_q is None:
            self.conn.close_side(self.dest)
        else:
            self.feed_q.put_nowait(None)

    def dest_paused(self, paused: bool) -> None:
        """The destination's write buffer is full (or drained): stop (or resume) reading the source."""
        if paused:
            self.source.pause_reading("dest")
            if self.dest_ready is None:
                self.dest_ready = asyncio.get_running_loop().create_future()
        else:
            self.source.resume_reading("dest")
            if self.dest_ready is not None and not self.dest_ready.done():
                self.dest_ready.set_result(None)
            self.dest_ready = None

    # -- toxics come and go ------------------------------------------------------------------
    def add(self, toxic: Toxic) -> None:
        """Append a toxic to the chain (also on a connection that is already open)."""
        if self.feed_q is None:
            if self.ended:
                return  # the link has finished; nothing will flow again
            self.writer_q = self.feed_q = ChunkQueue(QUEUE_CAPACITY)
            self._watch_feed()
            self.writer = asyncio.get_running_loop().create_task(self._write())
        assert self.writer_q is not None
        stub = Stub(toxic, ChunkQueue(max(QUEUE_CAPACITY, toxic.buffer_size)), self.writer_q, self.conn.reset)
        if self.stubs:
            last = self.stubs[-1]
            self._interrupt(last)
            last.output = stub.input
            self._run(last)
        else:
            self._move_feed(stub.input)
        self.stubs.append(stub)
        self._run(stub)

    def update(self, toxic: Toxic) -> None:
        """The toxic's settings changed: restart its stub (toxicity is rolled again)."""
        for stub in self.stubs:
            if stub.toxic is toxic:
                self._interrupt(stub)
                stub.updated()
                self._run(stub)

    def remove(self, toxic: Toxic) -> None:
        index = next((i for i, s in enumerate(self.stubs) if s.toxic is toxic), None)
        if index is None:
            return
        stub = self.stubs.pop(index)
        self._interrupt(stub)
        if not stub.closed and stub.enabled and toxic.on_remove(stub):
            stub.close()  # the stream ends here; the input it leaves behind is never delivered
            return
        prev = self.stubs[index - 1] if index > 0 else None
        if prev is not None:
            self._interrupt(prev)  # its chunk in hand joins the removed stub's input, in order
        for item in stub.input.take_all():
            stub.output.put_nowait(item)
        if prev is not None:
            prev.output = stub.output
            self._run(prev)
        else:
            self._move_feed(stub.output)

    def _move_feed(self, q: ChunkQueue) -> None:
        """The socket's bytes now go into ``q`` (the chain's new head)."""
        if self.feed_q is not None and self.feed_q is not q:
            self.feed_q.on_drain = None
        self.feed_q = q
        self._watch_feed()

    def _watch_feed(self) -> None:
        q = self.feed_q
        assert q is not None
        q.on_drain = lambda: self.source.resume_reading("chain")
        if q.full():
            self.source.pause_reading("chain")
        else:
            self.source.resume_reading("chain")

    def _run(self, stub: Stub) -> None:
        if stub.closed:
            return
        stub.task = asyncio.get_running_loop().create_task(self._pipe(stub))

    async def _pipe(self, stub: Stub) -> None:
        try:
            await (stub.toxic.pipe(stub) if stub.enabled else passthrough(stub))
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug in a toxic: say so, and never leave a half-dead connection
            log.exception("toxic %s (%s) failed on a %s link of proxy %s; closing the connection",
                          stub.toxic.name, stub.toxic.type_name, self.direction, self.conn.proxy.name)
            self.conn.proxy.toxic_errors += 1
            self.conn.close()

    @staticmethod
    def _interrupt(stub: Stub) -> None:
        """Stop a stub now; the chunk it was holding goes on to its output immediately."""
        if stub.task is not None and not stub.task.done():
            stub.task.cancel()
        stub.task = None
        if stub.holding is not None:
            stub.output.put_nowait(stub.holding)
            stub.holding = None

    # -- the destination side ----------------------------------------------------------------
    async def _write(self) -> None:
        """Send what reaches the end of the chain; on end of stream close the destination."""
        q = self.writer_q
        assert q is not None
        try:
            while True:
                if not self.stubs and not len(q):
                    self._to_direct()
                    return
                item = await q.get()
                if item is None:
                    self.conn.close_side(self.dest)
                    return
                if self.dest_ready is not None:
                    await self.dest_ready
                t = self.dest.transport
                if t is None or t.is_closing():
                    return
                self.sent_bytes += len(item.data)
                t.write(item.data)
        except asyncio.CancelledError:
            raise
        except Exception:  # pragma: no cover - a bug; never leave a half-dead connection
            log.exception("link writer failed (%s, proxy %s)", self.direction, self.conn.proxy.name)
            self.conn.proxy.toxic_errors += 1
            self.conn.close()

    def _to_direct(self) -> None:
        """No toxics and nothing queued: bytes go straight from socket to socket again."""
        if self.feed_q is not None:
            self.feed_q.on_drain = None
        self.feed_q = self.writer_q = None
        self.writer = None
        self.source.resume_reading("chain")

    def cancel(self) -> None:
        """The connection is gone: stop every task of this link."""
        tasks: list[asyncio.Task[None] | None] = [s.task for s in self.stubs] + [self.writer]
        for task in tasks:
            if task is not None and not task.done():
                task.cancel()
