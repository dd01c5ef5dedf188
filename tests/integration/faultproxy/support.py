"""Test helpers for the fault proxy: an HTTP client for its API, and a real TCP upstream.

Both work against any Toxiproxy-compatible server: ours, or a real toxiproxy at ``TOXIPROXY_URL``
(the upstream must then be reachable from it: run it on this host, or set
``TOXIPROXY_UPSTREAM_HOST`` to an address of this machine that it can reach).
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

UPSTREAM_HOST = os.environ.get("TOXIPROXY_UPSTREAM_HOST", "127.0.0.1")
CLOSE_MARK = b"<close>"  # the echo server hangs up after echoing a chunk that ends with this
TIMEOUT_S = 5.0


@dataclass
class Http:
    """The API at ``base``, with the status and body of every answer, never raising on 4xx/5xx."""

    base: str
    created: list[str] = field(default_factory=list)

    def call(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None,
             headers: dict[str, str] | None = None) -> requests.Response:
        hdrs = {"User-Agent": "pool-harness-conformance"} | (headers or {})
        kwargs: dict[str, Any] = {"data": raw} if raw is not None else {"json": body} if body is not None else {}
        return requests.request(method, self.base + path, headers=hdrs, timeout=30, allow_redirects=False,
                                **kwargs)

    def new_name(self, prefix: str = "conf") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self.created.append(name)
        return name

    def create(self, upstream: str, listen: str = "127.0.0.1:0", enabled: bool | None = None,
               name: str | None = None) -> dict[str, Any]:
        """Create a proxy (a fresh name unless given); fail the test unless the server says 201."""
        body: dict[str, Any] = {"name": name or self.new_name(), "upstream": upstream, "listen": listen}
        if enabled is not None:
            body["enabled"] = enabled
        r = self.call("POST", "/proxies", body)
        assert r.status_code == 201, r.text
        result: dict[str, Any] = r.json()
        return result

    def add_toxic(self, proxy: str, toxic_type: str, stream: str = "downstream", **attributes: Any) -> str:
        r = self.call("POST", f"/proxies/{proxy}/toxics", {"type": toxic_type, "stream": stream,
                                                           "attributes": attributes})
        assert r.status_code == 200, r.text
        return str(r.json()["name"])

    def cleanup(self) -> None:
        for name in self.created:
            self.call("DELETE", f"/proxies/{name}")
        self.created.clear()


def address_of(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    host = host.strip("[]")
    return ("127.0.0.1" if host in ("", "0.0.0.0") else "::1" if host == "::" else host), int(port)


def dial(listen: str, timeout_s: float = TIMEOUT_S) -> socket.socket:
    sock = socket.create_connection(address_of(listen), timeout=timeout_s)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        more = sock.recv(size - len(data))
        if not more:
            break
        data += more
    return data


def recv_all(sock: socket.socket) -> bytes:
    """Everything until the peer closes."""
    data = b""
    while more := sock.recv(65536):
        data += more
    return data


def round_trip_ms(sock: socket.socket, payload: bytes = b"ping") -> float:
    started = time.perf_counter()
    sock.sendall(payload)
    assert recv_exactly(sock, len(payload)) == payload
    return (time.perf_counter() - started) * 1000


def closed_by_peer(sock: socket.socket, within_s: float = TIMEOUT_S) -> str:
    """How the peer ended the connection: ``"eof"``, ``"reset"``, or ``"open"`` if it did not."""
    sock.settimeout(within_s)
    try:
        while sock.recv(65536):
            pass
        return "eof"
    except ConnectionResetError:
        return "reset"
    except TimeoutError:
        return "open"


class EchoServer:
    """A real TCP upstream: echoes every byte back; counts the connections it has open."""

    def __init__(self, host: str = UPSTREAM_HOST, sock: socket.socket | None = None) -> None:
        self.sock = sock or socket.create_server((host, 0))
        self.address = f"{host}:{self.sock.getsockname()[1]}"
        self.open_connections = 0
        self.accepted = 0
        self._lock = threading.Lock()
        self._stopped = False
        threading.Thread(target=self._serve, daemon=True, name="echo-accept").start()

    def _serve(self) -> None:
        while not self._stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.open_connections += 1
                self.accepted += 1
            threading.Thread(target=self._echo, args=(conn,), daemon=True, name="echo").start()

    def _echo(self, conn: socket.socket) -> None:
        try:
            while data := conn.recv(65536):
                conn.sendall(data)
                if data.endswith(CLOSE_MARK):
                    break
        except OSError:
            pass
        finally:
            conn.close()
            with self._lock:
                self.open_connections -= 1

    def wait_open(self, count: int, timeout_s: float = TIMEOUT_S) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.open_connections == count:
                return True
            time.sleep(0.01)
        return self.open_connections == count

    def close(self) -> None:
        self._stopped = True
        self.sock.close()


def closed_port() -> str:
    """An address where nothing listens (bound, then closed)."""
    with socket.create_server((UPSTREAM_HOST, 0)) as s:
        return f"{UPSTREAM_HOST}:{s.getsockname()[1]}"
