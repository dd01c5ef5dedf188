"""Proxies: a listener, its live connections and its toxics; and the collection of them all.

A proxy binds when it is created (or enabled) and then reports the address it really bound, as
Toxiproxy does (``localhost:0`` comes back as ``127.0.0.1:54321``). Disabling or deleting it
closes the listener (new connects are refused) and both sockets of every connection; its toxics
survive a disable. Addresses are resolved off the event loop, so a slow DNS answer never stalls
the data path of other proxies.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import TYPE_CHECKING, Any

from harness.faultproxy.connection import ProxyConnection
from harness.faultproxy.errors import ApiError, proxy_exists, proxy_not_found
from harness.faultproxy.toxic_collection import DIRECTIONS, ToxicCollection

if TYPE_CHECKING:
    from harness.faultproxy.link import Link

log = logging.getLogger(__name__)
LISTEN_BACKLOG = 1024


def split_address(address: str) -> tuple[str, int]:
    """``host:port`` the way Go's ``net.SplitHostPort`` reads it (a service name is a port too).

    An empty address is every interface on a random port, an empty port is port 0, as in Go.
    """
    if not address:
        return "", 0
    if address.startswith("["):
        host, bracket, rest = address[1:].partition("]")
        if not bracket or not rest.startswith(":"):
            raise ValueError(f"address {address}: missing port in address")
        port = rest[1:]
    else:
        host, colon, port = address.rpartition(":")
        if not colon:
            raise ValueError(f"address {address}: missing port in address")
        if ":" in host:
            raise ValueError(f"address {address}: too many colons in address")
    if not port:
        return host, 0
    if port.isascii() and port.isdigit():
        number = int(port)
        if number > 65535:
            raise ValueError(f"address {address}: invalid port")
        return host, number
    try:
        return host, socket.getservbyname(port, "tcp")
    except (OSError, UnicodeError):
        raise ValueError(f"lookup tcp/{port}: unknown port") from None


def format_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def resolve(address: str) -> tuple[socket.AddressFamily, tuple[Any, ...], str]:
    """Family, sockaddr and Go's ``ResolveTCPAddr(...).String()`` of a listen address.

    An empty host means every interface (IPv6 and IPv4 on one socket, reported as ``[::]:PORT``);
    a name takes its first IPv4 address if it has one, as Go does.
    """
    host, port = split_address(address)
    if not host:
        return socket.AF_INET6, ("::", port), f":{port}"
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as e:
        raise ValueError(f"lookup {host}: {os_message(e)}") from None
    infos.sort(key=lambda i: i[0] != socket.AF_INET)
    family, _, _, _, sockaddr = infos[0]
    return family, sockaddr, format_address(str(sockaddr[0]), port)


class Proxy:
    """One named proxy: a listener, its live connections and its toxics."""

    def __init__(self, name: str, listen: str, upstream: str) -> None:
        self.name = name
        self.listen = listen
        self.upstream = upstream
        self.enabled = False
        self.toxics = ToxicCollection(self)
        self.connections: set[ProxyConnection] = set()
        self.server: asyncio.AbstractServer | None = None
        self.connections_total = 0
        self.toxic_errors = 0
        self.retired_bytes = {d: [0, 0] for d in DIRECTIONS}  # received, sent by closed connections

    def to_json(self) -> dict[str, Any]:
        """Toxiproxy's shape first; our additive fields (connections, bytes) after it."""
        return {"name": self.name, "listen": self.listen, "upstream": self.upstream, "enabled": self.enabled,
                "toxics": [t.to_json() for t in self.toxics.all()],
                "connections": len(self.connections), "connections_total": self.connections_total,
                "bytes_upstream": self.bytes("upstream")[0], "bytes_downstream": self.bytes("downstream")[0]}

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Bind ``listen`` and accept; a bind or resolve failure is a 500 with Go's wording."""
        if self.enabled:
            return
        try:
            family, sockaddr, _ = await resolve(self.listen)
            sock = socket.socket(family, socket.SOCK_STREAM)
        except (OSError, ValueError) as e:
            raise ApiError(f"listen tcp {self.listen}: {os_message(e)}", 500) from None
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6 and sockaddr[0] == "::":
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            sock.bind(sockaddr)
            sock.listen(LISTEN_BACKLOG)
            sock.setblocking(False)
            self.server = await asyncio.get_running_loop().create_server(
                lambda: ProxyConnection(self).client, sock=sock, backlog=LISTEN_BACKLOG)
        except (OSError, OverflowError) as e:
            sock.close()
            raise ApiError(f"listen tcp {self.listen}: bind: {os_message(e)}", 500) from None
        host, port = sock.getsockname()[:2]
        self.listen = format_address(host, port)
        self.enabled = True
        log.info("proxy %s listening on %s -> %s", self.name, self.listen, self.upstream)

    def stop(self) -> None:
        """Close the listener (new connects are refused) and every connection, both sides."""
        self.enabled = False
        if self.server is not None:
            self.server.close()
            self.server = None
        for conn in list(self.connections):
            conn.close()

    async def differs(self, listen: str, upstream: str) -> bool:
        """Toxiproxy's ``Differs``: the new listen, resolved, is not the current one, or upstream changed."""
        try:
            _, _, resolved = await resolve(listen)
        except (OSError, ValueError) as e:
            raise ApiError(f"{os_message(e)}", 500) from None
        return resolved != self.listen or upstream != self.upstream

    async def update(self, listen: str, upstream: str, enabled: bool) -> None:
        if await self.differs(listen, upstream):
            self.stop()
            self.listen, self.upstream = listen, upstream
        if enabled and not self.enabled:
            await self.start()  # on failure the proxy stays disabled (Toxiproxy: Enabled = err == nil)
        elif not enabled and self.enabled:
            self.stop()

    # -- connections -------------------------------------------------------------------------
    def links(self, direction: str) -> list[Link]:
        """The live links in one direction, to apply a toxic change to."""
        return [link for conn in list(self.connections) if (link := conn.link(direction)) is not None]

    def connection_opened(self, conn: ProxyConnection) -> None:
        self.connections.add(conn)
        self.connections_total += 1

    def connection_closed(self, conn: ProxyConnection) -> None:
        self.connections.discard(conn)
        for link in (conn.up, conn.down):
            if link is not None:
                retired = self.retired_bytes[link.direction]
                retired[0] += link.received_bytes
                retired[1] += link.sent_bytes

    def bytes(self, direction: str) -> tuple[int, int]:
        """Bytes received from the source and sent to the destination in one direction, ever."""
        received, sent = self.retired_bytes[direction]
        for conn in self.connections:
            link = conn.up if direction == "upstream" else conn.down
            if link is not None:
                received += link.received_bytes
                sent += link.sent_bytes
        return received, sent


def os_message(e: BaseException) -> str:
    """An OS error as Go words it: lower case, no errno (``address already in use``)."""
    if isinstance(e, OSError) and e.strerror:
        return e.strerror[0].lower() + e.strerror[1:]
    return str(e)


class ProxyCollection:
    """Every proxy of the server, by name."""

    def __init__(self) -> None:
        self.proxies: dict[str, Proxy] = {}

    def get(self, name: str) -> Proxy:
        proxy = self.proxies.get(name)
        if proxy is None:
            raise proxy_not_found()
        return proxy

    async def add(self, proxy: Proxy, enabled: bool) -> Proxy:
        """Store a new proxy, binding it first if enabled: nothing is stored if the bind fails."""
        if proxy.name in self.proxies:
            raise proxy_exists()
        if enabled:
            await proxy.start()
        self.proxies[proxy.name] = proxy
        return proxy

    def remove(self, name: str) -> None:
        proxy = self.get(name)
        proxy.stop()
        del self.proxies[name]

    async def reset(self) -> None:
        """Enable every proxy and remove every toxic; stops at the first proxy that cannot bind."""
        for proxy in list(self.proxies.values()):
            await proxy.start()
            proxy.toxics.clear()

    def stop_all(self) -> None:
        for proxy in self.proxies.values():
            proxy.stop()
