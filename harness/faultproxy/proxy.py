"""Proxies and their toxics: the state behind the API, and the listener of each proxy.

A proxy binds at creation and reports the address it really bound; every accepted client gets
its own concurrent upstream dial (an unreachable upstream means accept-then-close, as clients of
Toxiproxy expect, but never blocks other accepts). Disabling or deleting a proxy closes its
listener and every client and upstream socket; its toxics survive a disable.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from typing import Any

from harness.faultproxy.link import ProxyConnection
from harness.faultproxy.toxics import REGISTRY, BadAttributes, Toxic
from harness.stack.net import split_host_port

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error the API answers with ``{"error", "status"}``; messages match Toxiproxy's."""

    def __init__(self, message: str, status: int, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.extra = extra or {}


PROXY_NOT_FOUND = ("proxy not found", 404)
PROXY_EXISTS = ("proxy already exists", 409)
INVALID_STREAM = ("stream was invalid, can be either upstream or downstream", 400)
INVALID_TOXIC_TYPE = ("invalid toxic type", 400)
TOXIC_EXISTS = ("toxic already exists", 409)
TOXIC_NOT_FOUND = ("toxic not found", 404)


def api_error(kind: tuple[str, int]) -> ApiError:
    return ApiError(*kind)


def parse_direction(stream: Any) -> str:
    if isinstance(stream, str) and stream.lower() in ("upstream", "downstream"):
        return stream.lower()
    raise api_error(INVALID_STREAM)


class ToxicCollection:
    """A proxy's toxics: two chains (upstream, downstream), names unique across both."""

    def __init__(self, proxy: Proxy) -> None:
        self.proxy = proxy
        self.chains: dict[str, list[Toxic]] = {"upstream": [], "downstream": []}

    def chain(self, direction: str) -> list[Toxic]:
        return list(self.chains[direction])

    def all(self) -> list[Toxic]:
        return self.chains["upstream"] + self.chains["downstream"]

    def find(self, name: str) -> Toxic | None:
        return next((t for t in self.all() if t.name == name), None)

    def add(self, body: dict[str, Any]) -> Toxic:
        """Create a toxic, validating in the same order as Toxiproxy's ``AddToxicJson``."""
        stream = body.get("stream", "downstream")
        toxicity = body.get("toxicity", 1.0)
        if toxicity is None:
            toxicity = 1.0
        if isinstance(toxicity, bool) or not isinstance(toxicity, int | float):
            raise ApiError("bad request body: json: cannot unmarshal into Go struct field "
                           "ToxicWrapper.toxicity of type float32", 400)
        name = body.get("name")
        if name is not None and not isinstance(name, str):
            raise ApiError("bad request body: json: cannot unmarshal into Go struct field "
                           "ToxicWrapper.name of type string", 400)
        direction = parse_direction(stream)
        type_name = body.get("type")
        if not name:
            name = f"{type_name if isinstance(type_name, str) else ''}_{stream}"
        cls = REGISTRY.get(type_name) if isinstance(type_name, str) else None
        if cls is None:
            raise api_error(INVALID_TOXIC_TYPE)
        if self.find(name) is not None:
            raise api_error(TOXIC_EXISTS)
        attributes = body.get("attributes")
        if attributes is not None and not isinstance(attributes, dict):
            raise ApiError("bad request body: json: cannot unmarshal into Go struct field "
                           "ToxicWrapper.attributes", 400)
        try:
            toxic = cls(name=name, stream=stream, toxicity=float(toxicity), attributes=attributes)
        except BadAttributes as e:
            raise ApiError(str(e), 400) from None
        self.chains[direction].append(toxic)
        self.proxy.apply_toxics()
        return toxic

    def update(self, name: str, body: dict[str, Any]) -> Toxic:
        toxic = self.find(name)
        if toxic is None:
            raise api_error(TOXIC_NOT_FOUND)
        attributes = body.get("attributes")
        if attributes is not None and not isinstance(attributes, dict):
            raise ApiError("bad request body: json: cannot unmarshal into Go struct field "
                           "ToxicWrapper.attributes", 400)
        toxicity = body.get("toxicity")
        if toxicity is not None and (isinstance(toxicity, bool) or not isinstance(toxicity, int | float)):
            raise ApiError("bad request body: json: cannot unmarshal into Go struct field "
                           "ToxicWrapper.toxicity of type float32", 400)
        try:
            toxic.update_attributes(attributes or {})
        except BadAttributes as e:
            raise ApiError(str(e), 400) from None
        if toxicity is not None:
            toxic.toxicity = float(toxicity)
        self.proxy.apply_toxics()
        return toxic

    def remove(self, name: str) -> None:
        for chain in self.chains.values():
            for toxic in chain:
                if toxic.name == name:
                    chain.remove(toxic)
                    self.proxy.apply_toxics()
                    return
        raise api_error(TOXIC_NOT_FOUND)

    def clear(self) -> None:
        self.chains = {"upstream": [], "downstream": []}
        self.proxy.apply_toxics()


class Proxy:
    """One named proxy: a listener, its live connections and its toxics."""

    def __init__(self, name: str, listen: str, upstream: str, enabled: bool = True) -> None:
        self.name = name
        self.listen = listen
        self.upstream = upstream
        self.enabled = False
        self.want_enabled = enabled
        self.toxics = ToxicCollection(self)
        self.connections: set[ProxyConnection] = set()
        self.server: asyncio.AbstractServer | None = None
        self.bytes_total = {"upstream": 0, "downstream": 0}
        self.connections_total = 0

    # -- JSON --------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """Toxiproxy's shape first; our additive fields (connections, bytes) after it."""
        return {"name": self.name, "listen": self.listen, "upstream": self.upstream, "enabled": self.enabled,
                "toxics": [t.to_json() for t in self.toxics.all()],
                "connections": len(self.connections), "connections_total": self.connections_total,
                "bytes_upstream": self.bytes_total["upstream"], "bytes_downstream": self.bytes_total["downstream"]}

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        if self.server is not None:
            self.enabled = True
            return
        sock, bound = bind_listener(self.listen)
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(self._client_protocol, sock=sock)
        self.listen = bound
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

    def _client_protocol(self) -> asyncio.Protocol:
        return ProxyConnection(self).client

    def upstream_address(self) -> tuple[str, int]:
        return split_host_port(self.upstream)

    def apply_toxics(self) -> None:
        for conn in list(self.connections):
            conn.apply_toxics()

    # -- bookkeeping -------------------------------------------------------------------------
    def counter(self, direction: str) -> Callable[[int], None]:
        totals = self.bytes_total

        def add(n: int) -> None:
            totals[direction] += n

        return add

    def connection_opened(self, conn: ProxyConnection) -> None:
        self.connections.add(conn)
        self.connections_total += 1

    def connection_closed(self, conn: ProxyConnection) -> None:
        self.connections.discard(conn)


def bind_listener(listen: str) -> tuple[socket.socket, str]:
    """Bind like Go's net.Listen: resolve to one address; an empty host means every interface."""
    host, port = split_host_port(listen)
    if not host:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        addr: tuple[Any, ...] = ("::", port)
    else:
        infos = socket.getaddrinfo(host, port, socket.AF_UNSPEC, socket.SOCK_STREAM)
        infos.sort(key=lambda i: i[0] != socket.AF_INET)  # prefer IPv4 for "localhost", like Go
        family, _, _, _, addr = infos[0]
        sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
        sock.listen(1024)
    except OSError as e:
        sock.close()
        raise ApiError(f"listen tcp {listen}: bind: {e.strerror.lower() if e.strerror else e}", 500) from None
    sock.setblocking(False)
    h, p = sock.getsockname()[:2]
    bound = f"[{h}]:{p}" if ":" in h else f"{h}:{p}"
    return sock, bound


class ProxyCollection:
    """Every proxy of the server, by name."""

    def __init__(self) -> None:
        self.proxies: dict[str, Proxy] = {}

    def get(self, name: str) -> Proxy:
        proxy = self.proxies.get(name)
        if proxy is None:
            raise api_error(PROXY_NOT_FOUND)
        return proxy

    async def add(self, proxy: Proxy) -> Proxy:
        if proxy.name in self.proxies:
            raise api_error(PROXY_EXISTS)
        if proxy.want_enabled:
            await proxy.start()
        self.proxies[proxy.name] = proxy
        return proxy

    def remove(self, name: str) -> None:
        proxy = self.get(name)
        proxy.stop()
        del self.proxies[name]

    async def reset(self) -> None:
        for proxy in self.proxies.values():
            await proxy.start()
            proxy.toxics.clear()
