"""`harness proxy serve`: the fault proxy as a process, a drop-in for ``toxiproxy-server``.

Same flags and defaults (``-host`` localhost, ``-port`` 8474, ``-config`` a ``/populate``-style
JSON file applied at start, ``-seed``, ``-proxy-metrics``/``-runtime-metrics`` for ``/metrics``,
``-version``), ``LOG_LEVEL`` from the environment, graceful stop on SIGINT/SIGTERM. Runs on uvloop
(measured: see docs/benchmarks.md). Deliberate difference: a config file that cannot be read or
does not validate stops the server with a one-line error naming the file (Toxiproxy logs it and
starts empty, which hides the mistake).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
import socket
import sys
from pathlib import Path

from aiohttp import web

from harness.errors import BadInput
from harness.faultproxy import populate
from harness.faultproxy.api import VERSION, Api, make_app
from harness.faultproxy.decode import parse_body
from harness.faultproxy.errors import ApiError

log = logging.getLogger("harness.faultproxy")

LOG_LEVELS = {"panic": logging.CRITICAL, "fatal": logging.CRITICAL, "error": logging.ERROR,
              "warn": logging.WARNING, "info": logging.INFO, "debug": logging.DEBUG, "trace": logging.DEBUG}
SHUTDOWN_TIMEOUT_S = 30.0


async def load_config(api: Api, path: Path) -> None:
    """Create the proxies (and, as an extension, their toxics) of a ``--config`` file."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise BadInput(f"{path}: cannot read the proxy config: {e.strerror or e}") from None
    try:
        proxies = await populate.apply(api.proxies, populate.parse_items(parse_body(raw)))
    except ApiError as e:
        raise BadInput(f"{path}: {e.message} (expected a JSON array of proxies, as POST /populate takes)") from None
    log.info("populated %d proxies from %s", len(proxies), path)


def bind_api(host: str, port: int) -> socket.socket:
    """The API's socket, bound like Go's ``net.Listen``: a name takes its first IPv4 address."""
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as e:
        raise BadInput(f"proxy serve: cannot resolve --host {host!r}: {e.strerror or e}") from None
    infos.sort(key=lambda i: i[0] != socket.AF_INET)
    family, _, _, _, sockaddr = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(sockaddr)
    except OSError as e:
        sock.close()
        raise BadInput(f"proxy serve: cannot listen on {host}:{port}: {e.strerror or e}") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


async def serve(host: str, port: int, config: Path | None, metrics: bool) -> None:
    api = Api(metrics_enabled=metrics)
    sock = bind_api(host, port)
    if config is not None:
        await load_config(api, config)
    runner = web.AppRunner(make_app(api), access_log=None, handle_signals=False)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    bound_host, bound_port = sock.getsockname()[:2]
    log.info("API listening on %s:%s (toxiproxy %s compatible)", bound_host, bound_port, VERSION)
    print(f"faultproxy: API on http://{bound_host}:{bound_port}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        api.proxies.stop_all()
        await asyncio.wait_for(runner.cleanup(), SHUTDOWN_TIMEOUT_S)


def main(host: str = "localhost", port: int = 8474, config: str | None = None, metrics: bool = False,
         seed: int | None = None) -> int:
    level = LOG_LEVELS.get(os.environ.get("LOG_LEVEL", "info").lower(), logging.INFO)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if seed is not None:
        random.seed(seed)  # jitter, toxicity rolls and slicer cuts become reproducible
    import uvloop

    uvloop.run(serve(host, port, Path(config) if config else None, metrics))
    return 0
