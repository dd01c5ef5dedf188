"""Shared fixtures: the real stack (a private MariaDB, the fault proxy, the reference app).

Integration tests never mock MySQL or the proxy. The MariaDB instance and the proxy server are
session-scoped (each starts in about a second); each test gets its own proxy and app.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.stack.mysql import EmbeddedMySQL, MySQLEndpoint
from harness.stack.net import split_host_port
from harness.stack.proxy import EmbeddedProxyServer, ProxyClient
from harness.stack.target import BuiltinApp

_names = itertools.count()


@pytest.fixture(scope="session")
def quickstart_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """`harness run` of the quickstart squeezed to 8 s per variant, once per session, through the CLI.

    Shared by the run-directory tests and the browser tests: (run dir, harness pid).
    """
    from tests.integration.app_helpers import harness_popen

    out = tmp_path_factory.mktemp("quickstart") / "run"
    proc = harness_popen("run", "scenarios/quickstart.yaml", "--out", str(out), "--duration-s", "8", "--quiet")
    _, err = proc.communicate(timeout=180)
    assert proc.returncode in (0, 1), err
    return out, proc.pid


@pytest.fixture(scope="session")
def mysql_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedMySQL]:
    """A private MariaDB for the whole session (max_prepared_stmt_count etc. at their defaults)."""
    server = EmbeddedMySQL({"max_connections": 300}, log_dir=tmp_path_factory.mktemp("mysql-logs"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mysql(mysql_server: EmbeddedMySQL) -> MySQLEndpoint:
    assert mysql_server.endpoint is not None
    return mysql_server.endpoint


@pytest.fixture(scope="session")
def proxy_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxyClient]:
    """Our fault proxy server, as its own process, driven through toxiproxy-python."""
    server = EmbeddedProxyServer(tmp_path_factory.mktemp("proxy-logs"))
    client = server.start()
    try:
        yield client
    finally:
        server.stop()


@pytest.fixture
def mysql_proxy(proxy_client: ProxyClient, mysql: MySQLEndpoint) -> Iterator[tuple[str, str, int]]:
    """A fresh proxy to the session's MariaDB: (proxy name, listen host, listen port)."""
    name = f"mysql_{next(_names)}"
    host, port = split_host_port(proxy_client.create(name, mysql.address))
    try:
        yield name, host, port
    finally:
        try:
            proxy_client.delete(name)
        except Exception:
            pass


@pytest.fixture
def app_factory(mysql: MySQLEndpoint, mysql_proxy: tuple[str, str, int], tmp_path: Path) -> Iterator[
        Callable[[dict[str, Any]], BuiltinApp]]:
    """Start the reference app (through this test's proxy) with a given app.builtin config."""
    started: list[BuiltinApp] = []
    _, host, port = mysql_proxy

    def start(config: dict[str, Any]) -> BuiltinApp:
        app = BuiltinApp(mysql.app_dsn(host, port), config, tmp_path / f"app-{len(started)}")
        started.append(app)
        app.start()
        return app

    try:
        yield start
    finally:
        for app in started:
            app.stop()
