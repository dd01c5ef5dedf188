"""One proxied TCP connection: the client's socket, the upstream socket, and a link each way.

Each accepted client gets its own upstream dial, concurrently (Toxiproxy dials inside its
accept loop, so one blackholed upstream stalls every later accept). If the dial fails the
client is closed: accept-then-close, which Toxiproxy's users rely on (its issue #265).

Neither socket is read until both links exist; MySQL speaks first and its greeting may arrive
before the dial has returned. Closing follows Toxiproxy: end of stream on either socket ends
the link it feeds, whose writer then fully closes the other socket.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from typing import TYPE_CHECKING, Literal

from harness.faultproxy.link import Link

if TYPE_CHECKING:
    from harness.faultproxy.proxy import Proxy

log = logging.getLogger(__name__)
LINGER_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends RST


class Side(asyncio.Protocol):
    """The protocol of one socket of a proxied connection (the client's or the upstream's)."""

    __slots__ = ("conn", "early", "link", "paused_by", "role", "transport")

    def __init__(self, conn: ProxyConnection, role: Literal["client", "upstream"]) -> None:
        self.conn = conn
        self.role = role
        self.transport: asyncio.Transport | None = None
        self.link: Link | None = None  # the link this socket's bytes feed
        self.paused_by: set[str] = set()
        self.early: list[bytes] = []  # read before the links existed

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's transports are not subclasses
        # A pause is not a barrier (uvloop may still deliver what one read returned): see ``early``.
        self.pause_reading("dial")
        if self.role == "client":
            self.conn.client_connected()

    def data_received(self, data: bytes) -> None:
        link = self.link
        if link is None:
            self.early.append(data)
            return
        link.feed(data)

    def start(self, link: Link) -> None:
        """Both links exist: hand over early bytes and start reading."""
        self.link = link
        early, self.early = self.early, []
        for data in early:
            link.feed(data)
        self.resume_reading("dial")

    def eof_received(self) -> bool:
        return False  # a FIN from either peer tears the whole connection down, as in Toxiproxy

    def connection_lost(self, exc: Exception | None) -> None:
        self.conn.side_lost(self)

    # Flow control: this socket's write buffer is full, so stop reading the socket that feeds it.
    def pause_writing(self) -> None:
        self.conn.link_into(self).dest_paused(True)

    def resume_writing(self) -> None:
        self.conn.link_into(self).dest_paused(False)

    def pause_reading(self, reason: str) -> None:
        if not self.paused_by and self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()
        self.paused_by.add(reason)

    def resume_reading(self, reason: str) -> None:
        if reason in self.paused_by:
            self.paused_by.discard(reason)
            if not self.paused_by and self.transport is not None and not self.transport.is_closing():
                self.transport.resume_reading()


class ProxyConnection:
    """A client connection and its upstream connection, joined by two links."""

    def __init__(self, proxy: Proxy) -> None:
        self.proxy = proxy
        self.client = Side(self, "client")
        self.upstream: Side | None = None
        self.up: Link | None = None  # client -> upstream
        self.down: Link | None = None  # upstream -> client
        self.closed = False
        self.dial_task: asyncio.Task[None] | None = None
        self.reset_on_close = False

    # -- set-up ------------------------------------------------------------------------------
    def client_connected(self) -> None:
        self.proxy.connection_opened(self)
        self.dial_task = asyncio.get_running_loop().create_task(self._dial())

    async def _dial(self) -> None:
        from harness.faultproxy.proxy import split_address

        loop = asyncio.get_running_loop()
        try:
            host, port = split_address(self.proxy.upstream)
            _, upstream = await loop.create_connection(lambda: Side(self, "upstream"), host or "localhost", port)
        except (OSError, ValueError) as e:
            log.info("proxy %s: upstream %s unavailable (%s); closing the client", self.proxy.name,
                     self.proxy.upstream, e)
            self.close()
            return
        if self.closed:
            if upstream.transport is not None:
                upstream.transport.abort()
            return
        self.upstream = upstream
        self.up = Link(self, "upstream", self.client, upstream)
        self.down = Link(self, "downstream", upstream, self.client)
        for toxic in self.proxy.toxics.chain("upstream"):
            self.up.add(toxic)
        for toxic in self.proxy.toxics.chain("downstream"):
            self.down.add(toxic)
        self.client.start(self.up)
        upstream.start(self.down)

    def link(self, direction: str) -> Link | None:
        return None if self.closed else self.up if direction == "upstream" else self.down

    def link_into(self, side: Side) -> Link:
        link = self.down if side.role == "client" else self.up
        assert link is not None
        return link

    # -- tear-down ---------------------------------------------------------------------------
    def reset(self) -> None:
        """SO_LINGER 0 on both sockets: every later close of this connection sends RST (reset_peer)."""
        self.reset_on_close = True
        for side in (self.client, self.upstream):
            sock = side.transport.get_extra_info("socket") if side is not None and side.transport else None
            if sock is not None:
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
                except OSError:
                    pass  # already closed

    def close_side(self, side: Side) -> None:
        """Close one socket after its buffered writes (the end of a link), or at once on a reset."""
        t = side.transport
        if t is not None and not t.is_closing():
            if self.reset_on_close:
                t.abort()
            else:
                t.close()

    def side_lost(self, side: Side) -> None:
        """A socket closed: end the link it fed; the other socket closes when that link's writer ends."""
        if side.link is None:
            self.close()  # closed before both links existed
            return
        side.link.feed_eof()
        if all(s is None or s.transport is None or s.transport.is_closing() for s in (self.client, self.upstream)):
            self._finish()

    def close(self) -> None:
        """Close both sockets now (proxy disabled or deleted, upstream unreachable)."""
        if self.dial_task is not None and not self.dial_task.done() and self.dial_task is not asyncio.current_task():
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
