"""The stack of one variant, up: MySQL, the fault proxy with a proxy to MySQL, the app behind it.

Used by `harness run` (one stack per variant) and `harness stack up`. Everything is registered
on the caller's ExitStack, so it is stopped in reverse order however the caller ends.
"""

from __future__ import annotations

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
from harness.stack.target import BuiltinApp

log = logging.getLogger(__name__)
PROXY_NAME = "mysql"


@dataclass
class Stack:
    mysql: EmbeddedMySQL | ExternalMySQL
    endpoint: MySQLEndpoint
    proxy: ProxyClient
    listen: str  # the proxy's listen address, as the proxy reports it
    app: BuiltinApp

    @property
    def app_url(self) -> str:
        return self.app.info.url

    def versions(self) -> dict[str, str]:
        return {"mysql": self.endpoint.version, "proxy": f"toxiproxy API {self.proxy.version()}",
                "app": "harness reference app"}

    def addresses(self) -> str:
        return f"app {self.app_url}, proxy {self.listen} (API {self.proxy.url}), mysql {self.endpoint.address}"


def start_stack(scenario: Scenario, exits: contextlib.ExitStack, logs: Path, *, mysql_dsn: str | None = None,
                toxiproxy_url: str | None = None, app_port: int | None = None) -> Stack:
    """Start MySQL, the proxy (and proxy ``mysql`` to the server) and the app; register their stops."""
    dsn = mysql_dsn or (scenario.mysql.dsn if scenario.mysql.mode == "external" else None)
    mysql = exits.enter_context(mysql_server(dsn, scenario.mysql.variables, logs))
    endpoint = mysql.endpoint
    assert endpoint is not None
    url = toxiproxy_url or (scenario.proxy.url if scenario.proxy.mode == "external" else None)
    proxy = exits.enter_context(fault_proxy(url, logs))
    listen = proxy.create(PROXY_NAME, scenario.proxy.upstream or endpoint.address, listen=scenario.proxy.listen)
    if url:  # a real toxiproxy outlives us: leave it as we found it
        exits.callback(_quietly, proxy.delete, PROXY_NAME)
    host, port = split_host_port(scenario.proxy.app_address or listen)
    app = BuiltinApp(endpoint.app_dsn("127.0.0.1" if host in ("0.0.0.0", "::", "") else host, port),
                     scenario.app.builtin.model_dump(mode="json"), logs)
    app.port = app_port or free_port()
    exits.callback(app.stop)
    app.start()
    return Stack(mysql=mysql, endpoint=endpoint, proxy=proxy, listen=listen, app=app)


def _quietly(fn: Any, *args: Any) -> None:
    try:
        fn(*args)
    except HarnessError as e:
        log.warning("cleanup: %s", e)
