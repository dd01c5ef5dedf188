"""The stack of one variant, up: MySQL, the fault proxy with a proxy to MySQL, the app behind it.

Used by `harness run` (one stack per variant) and `harness stack up`. Everything is registered
on the caller's ExitStack, so it is stopped in reverse order however the caller ends.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.scenario.model import Scenario
from harness.stack.mysql import EmbeddedMySQL, ExternalMySQL, MySQLEndpoint, mysql_server
from harness.stack.net import free_port, split_host_port
from harness.stack.proxy import ProxyClient, fault_proxy
from harness.stack.target import BuiltinApp, CommandApp, TargetApp, UrlApp, app_url

log = logging.getLogger(__name__)
PROXY_NAME = "mysql"


@dataclass
class Stack:
    mysql: EmbeddedMySQL | ExternalMySQL
    endpoint: MySQLEndpoint
    proxy: ProxyClient
    listen: str  # the proxy's listen address, as the proxy reports it
    app: TargetApp | UrlApp
    app_dsn: str  # the DSN the app uses: through the proxy

    @property
    def app_url(self) -> str:
        return self.app.url

    def versions(self) -> dict[str, str]:
        app = "harness reference app" if isinstance(self.app, BuiltinApp) else self.app.kind
        return {"mysql": self.endpoint.version, "proxy": f"toxiproxy API {self.proxy.version()}", "app": app}

    def addresses(self) -> str:
        return f"app {self.app_url}, proxy {self.listen} (API {self.proxy.url}), mysql {self.endpoint.address}"


def start_stack(scenario: Scenario, exits: contextlib.ExitStack, logs: Path, *, mysql_dsn: str | None = None,
                toxiproxy_url: str | None = None, app_port: int | None = None) -> Stack:
    """Start MySQL, the proxy (and proxy ``mysql`` to the server) and the app; register their stops."""
    dsn = mysql_dsn or (scenario.mysql.dsn if scenario.mysql.mode == "external" else None)
    url = toxiproxy_url or (scenario.proxy.url if scenario.proxy.mode == "external" else None)
    # MySQL and the proxy server do not need each other to start: start them side by side (~0.5 s).
    proxy_cm = fault_proxy(url, logs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="proxy-start") as pool:
        proxy_started = pool.submit(proxy_cm.__enter__)
        try:
            mysql = exits.enter_context(mysql_server(dsn, scenario.mysql.variables, logs))
        finally:
            proxy = proxy_started.result()  # whatever happened to MySQL, the proxy is registered to stop
            exits.push(proxy_cm.__exit__)
    endpoint = mysql.endpoint
    assert endpoint is not None
    listen = proxy.create(PROXY_NAME, scenario.proxy.upstream or endpoint.address, listen=scenario.proxy.listen)
    if url:  # a real toxiproxy outlives us: leave it as we found it
        exits.callback(_quietly, proxy.delete, PROXY_NAME)
    host, port = split_host_port(scenario.proxy.app_address or listen)
    dsn = endpoint.app_dsn("127.0.0.1" if host in ("0.0.0.0", "::", "") else host, port)
    app = make_app(scenario, dsn, logs)
    if not isinstance(app, UrlApp):
        app.port = app_port or free_port()
    exits.callback(app.stop)
    app.start()
    return Stack(mysql=mysql, endpoint=endpoint, proxy=proxy, listen=listen, app=app, app_dsn=dsn)


def planned_url(scenario: Scenario, port: int) -> str:
    """Where the app will answer, known before it starts (the load process is started first)."""
    spec = scenario.app
    if spec.url is not None:
        return app_url(spec.url, port)
    return f"http://127.0.0.1:{port}"


def pool_path(scenario: Scenario) -> str | None:
    """The app's /pool-shaped endpoint: the reference app's, or app.pool_path for yours (maybe none)."""
    return "/pool" if scenario.app.builtin_app else scenario.app.pool_path


def make_app(scenario: Scenario, dsn: str, logs: Path) -> TargetApp | UrlApp:
    """The built-in reference app, your app by command, or your app already running at a URL."""
    spec = scenario.app
    if spec.command is not None:
        return CommandApp(spec.command, dsn, dict(spec.env), spec.cwd, logs, spec.ready_path, spec.ready_timeout_s,
                          url=spec.url)
    if spec.url is not None:
        return UrlApp(spec.url, spec.ready_path, spec.ready_timeout_s)
    return BuiltinApp(dsn, spec.builtin.model_dump(mode="json"), logs)


def _quietly(fn: Any, *args: Any) -> None:
    try:
        fn(*args)
    except HarnessError as e:
        log.warning("cleanup: %s", e)
