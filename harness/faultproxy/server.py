"""`harness proxy serve`: the fault proxy as a process, a drop-in for ``toxiproxy-server``.

Same flags and defaults (``--host`` localhost, ``--port`` 8474, ``--config`` a ``/populate``
style JSON file applied at start), graceful stop on SIGINT/SIGTERM. Runs on uvloop when it is
installed (measured faster on the data path; see docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

from harness.faultproxy.api import VERSION, Api, make_app
from harness.faultproxy.proxy import ApiError, Proxy

log = logging.getLogger("harness.faultproxy")

LOG_LEVELS = {"panic": logging.CRITICAL, "fatal": logging.CRITICAL, "error": logging.ERROR,
              "warn": logging.WARNING, "info": logging.INFO, "debug": logging.DEBUG, "trace": logging.DEBUG}


async def load_config(api: Api, path: Path) -> None:
    """Create the proxies (and, as an extension, their toxics) of a ``--config`` file."""
    try:
        items: Any = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise SystemExit(f"faultproxy: cannot read config {path}: {e}") from None
    if not isinstance(items, list):
        raise SystemExit(f"faultproxy: config {path}: expected a JSON array of proxies")
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not item.get("name") or not item.get("upstream"):
            raise SystemExit(f"faultproxy: config {path}: proxy {i} needs a name and an upstream")
        proxy = Proxy(name=item["name"], listen=item.get("listen") or "", upstream=item["upstream"],
                      enabled=item.get("enabled", True) is not False)
        try:
            await api.proxies.add(proxy)
            for toxic in item.get("toxics") or []:
                proxy.toxics.add(toxic)
        except ApiError as e:
            raise SystemExit(f"faultproxy: config {path}: proxy {item['name']}: {e.message}") from None


async def serve(host: str, port: int, config: Path | None, metrics: bool) -> None:
    from harness.faultproxy.proxy import ProxyCollection

    api = Api(proxies=ProxyCollection(), metrics_enabled=metrics)
    if config is not None:
        await load_config(api, config)
    runner = web.AppRunner(make_app(api), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host=host, port=port, reuse_address=True)
    await site.start()
    log.info("API listening on %s:%s (toxiproxy %s compatible)", host, port, VERSION)
    print(f"faultproxy: API on http://{host}:{port}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for proxy in list(api.proxies.proxies.values()):
        proxy.stop()
    await asyncio.wait_for(runner.cleanup(), 30)


def main(host: str = "127.0.0.1", port: int = 8474, config: str | None = None, metrics: bool = False) -> int:
    level = LOG_LEVELS.get(os.environ.get("LOG_LEVEL", "info").lower(), logging.INFO)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        pass
    asyncio.run(serve(host, port, Path(config) if config else None, metrics))
    return 0
