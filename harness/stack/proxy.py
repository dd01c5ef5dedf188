"""The fault proxy of a run: the embedded server as its own process, or a real toxiproxy by URL.

The harness drives every proxy through ``toxiproxy-python`` and nothing else, so the embedded
server and Shopify's binary are interchangeable by construction. That client keeps its server
address in class-level globals (one server per process), so every call here runs on one shared
worker thread, one call at a time, and points them at its own server first: a second ProxyClient
in the same process (a test's own toxiproxy beside the session's) cannot redirect the first one's
calls. It sets no HTTP timeout either, so every call here runs with a deadline of its own.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from harness.errors import ProxyError
from harness.stack.net import free_port
from harness.stack.processes import ManagedProcess

log = logging.getLogger(__name__)
T = TypeVar("T")
API_TIMEOUT_S = 30.0
# One worker: toxiproxy-python's server address is one global per process, so calls take turns.
_calls = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="toxiproxy-api")


class ProxyClient:
    """A Toxiproxy API at ``host:port``, through toxiproxy-python."""

    def __init__(self, host: str, port: int) -> None:
        from toxiproxy import Toxiproxy  # imported here: it pulls in `requests` and `future`

        self.host = host
        self.port = port
        self.server = Toxiproxy()  # its address is set by _call, on the worker thread, before each call

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def running(self) -> bool:
        """Whether anything accepts TCP connections at our own address (the client's check reads the global)."""
        from toxiproxy.utils import can_connect_to

        return bool(can_connect_to(self.host, self.port))

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """Run a client call with a deadline; turn its exceptions into one clear ProxyError."""
        def pointed() -> T:
            self.server.update_api_consumer(self.host, self.port)
            return fn()

        future = _calls.submit(pointed)
        try:
            return future.result(timeout=API_TIMEOUT_S)
        except concurrent.futures.TimeoutError:
            raise ProxyError(f"fault proxy at {self.url}: {what} took longer than {API_TIMEOUT_S:.0f} s") from None
        except ProxyError:
            raise
        except Exception as e:
            detail = server_error(e) or f"{type(e).__name__}: {e}"
            raise ProxyError(f"fault proxy at {self.url}: {what} failed: {detail}") from None

    def version(self) -> str:
        """The server's version: JSON since toxiproxy 2.7, plain text before."""
        raw = self._call("version", self.server.version)
        text = raw.decode().strip() if isinstance(raw, bytes) else str(raw)
        try:
            parsed = json.loads(text)
        except ValueError:
            return text
        return str(parsed.get("version", text)) if isinstance(parsed, dict) else text

    def create(self, name: str, upstream: str, listen: str = "127.0.0.1:0") -> str:
        """Create (replacing any old one) proxy ``name``; return the address it really listens on."""
        def create() -> str:
            old = self.server.get_proxy(name)
            if old is not None:
                old.destroy()
            proxy = self.server.create(upstream=upstream, name=name, listen=listen)
            return str(proxy.listen)

        return self._call(f"create proxy {name}", create)

    def _proxy(self, name: str) -> Any:
        proxy = self.server.get_proxy(name)
        if proxy is None:
            raise ProxyError(f"fault proxy at {self.url}: no proxy named {name!r}")
        return proxy

    def add_toxic(self, proxy: str, toxic_type: str, attributes: dict[str, Any], *, name: str | None = None,
                  stream: str = "downstream", toxicity: float = 1.0) -> str:
        toxic_name = name or f"{toxic_type}_{stream}"

        def add() -> str:
            self._proxy(proxy).add_toxic(type=toxic_type, name=toxic_name, stream=stream, toxicity=toxicity,
                                         attributes=attributes)
            if self._proxy(proxy).get_toxic(toxic_name) is None:  # the client ignores most error codes
                raise ProxyError(f"fault proxy at {self.url}: toxic {toxic_name} was not created")
            return toxic_name

        return self._call(f"add toxic {toxic_name} to {proxy}", add)

    def remove_toxic(self, proxy: str, name: str) -> None:
        self._call(f"remove toxic {name} from {proxy}", lambda: self._proxy(proxy).destroy_toxic(name))

    def toxics(self, proxy: str) -> list[str]:
        return self._call(f"list toxics of {proxy}", lambda: sorted(self._proxy(proxy).toxics()))

    def disable(self, proxy: str) -> None:
        self._call(f"disable {proxy}", lambda: self._proxy(proxy).disable())

    def enable(self, proxy: str) -> None:
        self._call(f"enable {proxy}", lambda: self._proxy(proxy).enable())

    def proxies(self) -> dict[str, Any]:
        return self._call("list proxies", self.server.proxies)

    def delete(self, proxy: str) -> None:
        self._call(f"delete {proxy}", lambda: self._proxy(proxy).destroy())

    def reset(self) -> None:
        """Re-enable every proxy and remove every toxic (used to heal all faults)."""
        self._call("reset", self.server.reset)

    def stats(self, proxy: str) -> dict[str, Any]:
        """Our server's additive fields (connections, bytes); empty for a real toxiproxy."""
        from toxiproxy.api import APIConsumer

        def get() -> dict[str, Any]:
            body = APIConsumer.get(f"/proxies/{proxy}", timeout=2).json()
            return {k: body[k] for k in ("connections", "connections_total", "bytes_upstream",
                                          "bytes_downstream") if k in body}

        return self._call(f"stats of {proxy}", get)


def server_error(e: Exception) -> str | None:
    """The API's own message, when toxiproxy-python raised with the response body (400, 404, 409)."""
    body = e.args[0] if e.args else None
    if not isinstance(body, bytes):
        return None
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    if isinstance(parsed, dict) and "error" in parsed:
        return f"{parsed.get('status', '')} {parsed['error']}".strip()
    return None


class EmbeddedProxyServer:
    """``harness proxy serve`` as a child process on a free loopback port."""

    def __init__(self, log_dir: Path | None = None) -> None:
        self.log_dir = log_dir
        self.port = 0
        self.process: ManagedProcess | None = None

    def start(self) -> ProxyClient:
        self.port = free_port()
        log_path = self.log_dir / "faultproxy.log" if self.log_dir else None
        argv = [sys.executable, "-m", "harness", "proxy", "serve", "--host", "127.0.0.1",
                "--port", str(self.port), "--proxy-metrics"]
        self.process = ManagedProcess("faultproxy", argv, log_path=log_path, stop_timeout_s=5).start()
        client = ProxyClient("127.0.0.1", self.port)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if not self.process.alive():
                raise ProxyError(f"the fault proxy exited with code {self.process.returncode()} at start:\n"
                                 f"{self.process.log_tail()}")
            with contextlib.suppress(ProxyError):
                if client.running():
                    client.version()
                    return client
            time.sleep(0.05)
        raise ProxyError(f"the fault proxy did not answer on 127.0.0.1:{self.port} within 20 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


@contextlib.contextmanager
def fault_proxy(url: str | None, log_dir: Path | None) -> Iterator[ProxyClient]:
    """The embedded server (started and always stopped), or a real toxiproxy at ``url``."""
    if url:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        client = ProxyClient(parts.hostname or "127.0.0.1", parts.port or 8474)
        if not client.running():
            raise ProxyError(f"no toxiproxy answers at {url}")
        yield client
        return
    server = EmbeddedProxyServer(log_dir)
    try:
        yield server.start()
    finally:
        server.stop()
