"""One proxied TCP connection: two sockets, two links (one per direction), each a chain of stubs.

A link with no toxics is a *direct* link: bytes read from the source socket are written to the
destination in the same callback, with no task, queue or copy in between; that is what keeps the
proxy's overhead on every query small. When the first toxic arrives the link switches to a chain:
``feed -> queue -> stub -> queue -> ... -> writer -> socket``. When the last one leaves and the
chain has drained, it switches back. (Toxiproxy instead puts a hidden noop at the head of every
chain; the direct mode plays that role here without a hop per chunk.)

Closing follows Toxiproxy: end-of-stream from a source flows down the chain as ``None`` and the
writer then fully closes its destination, which ends the other direction too (no half-close).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from harness.faultproxy.toxics.base import Chunk, ChunkQueue, Stub, Toxic, passthrough

if TYPE_CHECKING:
    from harness.faultproxy.proxy import Proxy

log = logging.getLogger(__name__)

Direction = Literal["upstream", "downstream"]
FEED_CAPACITY = 16  # chunks queued from the socket before its reads are paused (chain mode only)


class Side(asyncio.Protocol):
    """The protocol of one socket of a proxied connection (the client's or the upstream's)."""

    __slots__ = ("conn", "early", "paused_by", "role", "transport")

    def __init__(self, conn: ProxyConnection, role: Literal["client", "upstream"]) -> None:
        self.conn = conn
        self.role = role
        self.transport: asyncio.Transport | None = None
        self.paused_by: set[str] = set()
        self.early: list[bytes] | None = []  # bytes read before the links existed

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's transports are not subclasses
        # Neither socket is read until both links exist: MySQL speaks first, and its greeting may
        # arrive before the dialling coroutine has resumed. A pause is not a barrier (uvloop may
        # deliver what one read already returned), so early bytes are kept in ``early``.
        self.pause_reading("dial")
        if self.role == "client":
            self.conn.client_connected(self)

    def data_received(self, data: bytes) -> None:
        if self.early is not None:
            self.early.append(data)
            return
        self.conn.link_from(self.role).feed(data)

    def linked(self) -> None:
        """Both links exist: hand over early bytes and start reading."""
        early, self.early = self.early, None
        link = self.conn.link_from(self.role)
        for data in early or ():
            link.feed(data)
        self.resume_reading("dial")

    def eof_received(self) -> bool:
        return False  # a FIN from either peer tears the whole connection down, as in Toxiproxy

    def connection_lost(self, exc: Exception | None) -> None:
        self.conn.side_lost(self)

    # Flow control: our transport's write buffer is full, so stop reading from the other socket.
    def pause_writing(self) -> None:
        self.conn.link_into(self.role).dest_paused(True)

    def resume_writing(self) -> None:
        self.conn.link_into(self.role).dest_paused(False)

    def pause_reading(self, reason: str) -> None:
        if not self.paused_by and self.transport is not None:
            self.transport.pause_reading()
        self.paused_by.add(reason)

    def resume_reading(self, reason: str) -> None:
        if reason in self.paused_by:
            self.paused_by.discard(reason)
            if not self.paused_by and self.transport is not None and not self.transport.is_closing():
                self.transport.resume_reading()


class Link:
    """One direction of a connection: source socket -> toxic chain -> destination socket."""

    def __init__(self, conn: ProxyConnection, direction: Direction, source: Side, dest: Side) -> None:
        self.conn = conn
        self.direction = direction
        self.source = source
        self.dest = dest
        self.stubs: list[Stub] = []
        self.feed_q: ChunkQueue | None = None  # chain mode only: where the socket's bytes go
        self.writer_q: ChunkQueue | None = None  # chain mode only: what the writer sends
        self.writer: asyncio.Task[None] | None = None
        self.dest_ready: asyncio.Future[None] | None = None
        self.ended = False
        self.on_bytes: Callable[[int], None] = conn.proxy.counter(direction)

    # -- the socket side ---------------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        self.on_bytes(len(data))
        q = self.feed_q
        if q is None:
            t = self.dest.transport
            if t is not None:
                t.write(data)
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
        if paused:
            self.source.pause_reading("dest")
            if self.dest_ready is None:
                self.dest_ready = asyncio.get_running_loop().create_future()
        else:
            self.source.resume_reading("dest")
            if self.dest_ready is not None and not self.dest_ready.done():
                self.dest_ready.set_result(None)
            self.dest_ready = None

    # -- the chain ---------------------------------------------------------------------------
    def set_toxics(self, toxics: list[Toxic]) -> None:
        """Make the chain match ``toxics`` (in order), keeping each kept toxic's stub and state.

        Every running stub is interrupted (its chunk in hand forwarded), removed stubs are flushed
        (what waits in their input moves on to their output, in order, Toxiproxy's removal flush),
        the chain is rewired and restarted. Queued chunks keep their place, so none is lost or
        reordered. New toxics only ever join at the end, as in Toxiproxy.
        """
        if self.ended and self.feed_q is None:
            return
        if not toxics and not self.stubs:
            return
        for stub in self.stubs:
            self._interrupt(stub)
        if self.feed_q is None:  # direct -> chain
            self.writer_q = self.feed_q = ChunkQueue(FEED_CAPACITY)
        assert self.writer_q is not None
        wanted = {id(t) for t in toxics}
        for stub in self.stubs:  # front to back, so removed neighbours cascade
            if id(stub.toxic) not in wanted:
                for item in stub.input.take_all():
                    stub.output.put_nowait(item)
                if stub.toxic.on_remove(stub) and not stub.closed:
                    stub.output.put_nowait(None)
                    stub.closed = True
        kept = {id(s.toxic): s for s in self.stubs if id(s.toxic) in wanted}
        chain = [kept.get(id(t)) or Stub(t, ChunkQueue(t.buffer_size), self.writer_q) for t in toxics]
        if chain and id(chain[0].toxic) not in kept:
            chain[0].input = ChunkQueue(max(FEED_CAPACITY, chain[0].toxic.buffer_size))
        for stub, nxt in itertools.pairwise(chain):
            stub.output = nxt.input
        if chain:
            chain[-1].output = self.writer_q
        old_feed = self.feed_q
        self.feed_q = chain[0].input if chain else self.writer_q
        if old_feed is not self.feed_q:
            old_feed.on_drain = None
        self.feed_q.on_drain = lambda: self.source.resume_reading("chain")
        if not self.feed_q.full():
            self.source.resume_reading("chain")
        self.stubs = chain
        for stub in chain:
            if not stub.closed:
                self._run(stub)
        if not chain and not len(self.writer_q):
            self._to_direct()
        elif self.writer is None or self.writer.done():
            self.writer = asyncio.get_running_loop().create_task(self._write())

    def _to_direct(self) -> None:
        if self.writer is not None and not self.writer.done() and self.writer is not asyncio.current_task():
            self.writer.cancel()
        self.writer = None
        if self.feed_q is not None:
            self.feed_q.on_drain = None
        self.feed_q = self.writer_q = None
        self.source.resume_reading("chain")

    def _run(self, stub: Stub) -> None:
        async def run() -> None:
            await (stub.toxic.pipe(stub) if stub.toxic.rolls() else passthrough(stub))

        stub.task = asyncio.get_running_loop().create_task(run())

    def _interrupt(self, stub: Stub) -> None:
        """Stop a stub now; the chunk it was holding goes on to its output immediately."""
        if stub.task is not None and not stub.task.done():
            stub.task.cancel()
        stub.task = None
        if stub.holding is not None:
            stub.output.put_nowait(stub.holding)
            stub.holding = None

    async def _write(self) -> None:
        """Send what reaches the end of the chain; on end-of-stream close the destination."""
        q = self.writer_q
        assert q is not None
        try:
            while True:
                if not len(q) and not self.stubs:
                    self._to_direct()  # chain empty and drained
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
                t.write(item.data)
        except asyncio.CancelledError:
            raise
        except Exception:  # pragma: no cover - a bug; never leave a half-dead connection
            log.exception("link writer failed (%s)", self.direction)
            self.conn.close()

    def cancel(self) -> None:
        for stub in self.stubs:
            if stub.task is not None:
                stub.task.cancel()
        if self.writer is not None:
            self.writer.cancel()


class ProxyConnection:
    """A client connection and its upstream connection, joined by two links."""

    def __init__(self, proxy: Proxy) -> None:
        self.proxy = proxy
        self.client: Side = Side(self, "client")
        self.upstream: Side | None = None
        self.up: Link | None = None
        self.down: Link | None = None
        self.closed = False
        self.dial_task: asyncio.Task[None] | None = None
        self.reset_on_close = False

    # -- set-up ------------------------------------------------------------------------------
    def client_connected(self, side: Side) -> None:
        self.proxy.connection_opened(self)
        self.dial_task = asyncio.get_running_loop().create_task(self._dial())

    async def _dial(self) -> None:
        host, port = self.proxy.upstream_address()
        loop = asyncio.get_running_loop()
        try:
            _, upstream = await loop.create_connection(lambda: Side(self, "upstream"), host, port)
        except (OSError, ValueError) as e:
            log.info("proxy %s: upstream %s:%s unavailable (%s); closing client", self.proxy.name, host, port, e)
            self.close()
            return
        if self.closed:
            if upstream.transport is not None:
                upstream.transport.abort()
            return
        self.upstream = upstream
        self.up = Link(self, "upstream", self.client, upstream)
        self.down = Link(self, "downstream", upstream, self.client)
        self.apply_toxics()
        self.client.linked()
        upstream.linked()

    def link_from(self, role: str) -> Link:
        link = self.up if role == "client" else self.down
        assert link is not None
        return link

    def link_into(self, role: str) -> Link:
        link = self.down if role == "client" else self.up
        assert link is not None
        return link

    def apply_toxics(self) -> None:
        if self.up is None or self.down is None or self.closed:
            return
        self.up.set_toxics(self.proxy.toxics.chain("upstream"))
        self.down.set_toxics(self.proxy.toxics.chain("downstream"))

    # -- tear-down ---------------------------------------------------------------------------
    def set_reset(self) -> None:
        """SO_LINGER 0 on both sockets: every later close sends RST (reset_peer)."""
        self.reset_on_close = True
        for side in (self.client, self.upstream):
            if side is not None and side.transport is not None:
                sock = side.transport.get_extra_info("socket")
                if sock is not None:
                    try:
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    except OSError:
                        pass

    def close_side(self, side: Side) -> None:
        """Close one socket after its buffered writes (the end of a link)."""
        t = side.transport
        if t is not None and not t.is_closing():
            if self.reset_on_close:
                t.abort()
            else:
                t.close()

    def side_lost(self, side: Side) -> None:
        """A socket closed: end the link it fed; the other link ends when its writer closes."""
        if self.up is None or self.down is None:
            self.close()  # closed while we were still dialling
            return
        (self.up if side.role == "client" else self.down).feed_eof()
        if all(s is None or s.transport is None or s.transport.is_closing()
               for s in (self.client, self.upstream)):
            self._finish()

    def close(self) -> None:
        """Close both sockets now (proxy disabled or deleted)."""
        if self.dial_task is not None and not self.dial_task.done():
            self.dial_task.cancel()
        for side in (self.client, self.upstream):
            if side is not None and side.transport is not None and not side.transport.is_closing():
                side.transport.abort()
        self._finish()

    def _finish(self) -> None:
        if self.closed:
            return
        self.closed = True
        for link in (self.up, self.down):
            if link is not None:
                link.cancel()
        self.proxy.connection_closed(self)
