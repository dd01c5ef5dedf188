"""Helpers for the fault tests: a fault built from scenario keys and run against the real stack.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pymysql

from harness.faults import REGISTRY, Fault, FaultContext
from harness.history.recorder import Clock, EventLog
from harness.stack.mysql import EmbeddedMySQL, MySQLEndpoint, connect
from harness.stack.proxy import ProxyClient
from harness.stack.target import BuiltinApp
from tests.integration import app_helpers


def context(proxy: ProxyClient, proxy_name: str, server: EmbeddedMySQL, app: BuiltinApp | None,
            tmp_path: Path) -> FaultContext:
    assert server.endpoint is not None
    events = EventLog(tmp_path / "events.jsonl", Clock())
    return FaultContext(proxy=proxy, proxy_name=proxy_name, mysql=server, endpoint=server.endpoint, app=app,
                        events=events)


def fault(ctx: FaultContext, kind: str, index: int = 0, **keys: Any) -> Fault:
    """The runtime of a fault given by its scenario keys (validated like a scenario's)."""
    spec_cls, runtime = REGISTRY[kind]
    return runtime(spec_cls.model_validate({"type": kind, **keys}), index, ctx)


def through_proxy(mysql: MySQLEndpoint, host: str, port: int, **kwargs: Any) -> pymysql.connections.Connection:
    """An app-user connection through the fault proxy."""
    opts: dict[str, Any] = {"connect_timeout": 5, "read_timeout": 5, "write_timeout": 5, "autocommit": True}
    opts.update(kwargs)
    return connect(host=host, port=port, user=mysql.app_user, password=mysql.app_password, database=mysql.database,
                   **opts)


def timed(fn: Any, *args: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - started


def query(conn: pymysql.connections.Connection, sql: str) -> Any:
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def get(app: BuiltinApp, path: str = "/query", timeout_s: float = 10) -> tuple[int, Any, float]:
    """GET on the app: (status, JSON body, seconds)."""
    (status, body), seconds = timed(app_helpers.get, app, path, timeout_s)
    return status, body, seconds
