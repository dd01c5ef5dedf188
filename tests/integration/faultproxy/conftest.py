"""Fixtures of the fault-proxy tests: which server they talk to, an API client, a real upstream.

The server is our ``harness proxy serve`` (its own process, started with ``--proxy-metrics``),
or, when ``TOXIPROXY_URL`` is set, that server, so the same conformance suite checks a real
toxiproxy. Tests of our extensions and deliberate differences are marked ``ours_only``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.stack.proxy import EmbeddedProxyServer
from tests.integration.faultproxy.support import EchoServer, Http

REAL_TOXIPROXY_URL = os.environ.get("TOXIPROXY_URL", "").rstrip("/")
ours_only = pytest.mark.skipif(bool(REAL_TOXIPROXY_URL),
                               reason="an extension or deliberate difference of the embedded fault proxy")


@pytest.fixture(scope="session")
def toxiproxy_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server under test: ``TOXIPROXY_URL``, or our own started for this session."""
    if REAL_TOXIPROXY_URL:
        yield REAL_TOXIPROXY_URL if "://" in REAL_TOXIPROXY_URL else f"http://{REAL_TOXIPROXY_URL}"
        return
    server = EmbeddedProxyServer(Path(tmp_path_factory.mktemp("faultproxy-conformance")))
    client = server.start()
    try:
        yield client.url
    finally:
        server.stop()


@pytest.fixture
def api(toxiproxy_url: str) -> Iterator[Http]:
    """The API; every proxy a test creates through it is deleted afterwards."""
    http = Http(toxiproxy_url)
    try:
        yield http
    finally:
        http.cleanup()


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    server = EchoServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def echo_proxy(api: Http, echo: EchoServer) -> dict[str, str]:
    """A proxy in front of a fresh echo server: its ``name`` and ``listen``."""
    proxy = api.create(echo.address)
    return {"name": proxy["name"], "listen": proxy["listen"]}
