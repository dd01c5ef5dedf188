"""Faults on the app and the path to MySQL: freeze/thaw (each death), app_restart, proxy_down.

The reference app runs with its defaults (``on_stale: raise``, no validation), so a pooled
connection that died while the app was frozen fails the first request that borrows it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.faults import FaultContext
from harness.stack.mysql import EmbeddedMySQL, MySQLEndpoint
from harness.stack.proxy import ProxyClient
from harness.stack.target import BuiltinApp
from tests.integration.app_helpers import app_connection_ids, global_variable
from tests.integration.faultkit import context, fault, get

AppFactory = Callable[[dict[str, Any]], BuiltinApp]
Proxy = tuple[str, str, int]


def process_state(app: BuiltinApp) -> str:
    """The kernel's state letter of the app process: 'T' while stopped by SIGSTOP."""
    assert app.process is not None
    return Path(f"/proc/{app.process.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


@pytest.fixture
def make_ctx(proxy_client: ProxyClient, mysql_proxy: Proxy, mysql_server: EmbeddedMySQL,
             tmp_path: Path) -> Callable[[BuiltinApp], FaultContext]:
    return lambda app: context(proxy_client, mysql_proxy[0], mysql_server, app, tmp_path)


def warm(app: BuiltinApp) -> None:
    """One request, so the pool holds an idle connection."""
    assert get(app)[0] == 200


def test_freeze_reset_fails_the_first_query_after_thaw(app_factory: AppFactory, make_ctx: Any,
                                                       mysql: MySQLEndpoint) -> None:
    """death reset: the app is stopped, its sessions vanish; after thaw the first query fails with a
    lost connection (fast), the next one works on a fresh connection."""
    app = app_factory({"pool": {"max_size": 2}})
    warm(app)
    before = set(app_connection_ids(mysql))
    f = fault(make_ctx(app), "freeze", for_s=1, death="reset")
    details = f.start()
    try:
        frozen_state = process_state(app)
        time.sleep(0.5)
        during = set(app_connection_ids(mysql))
    finally:
        f.stop()
    first_status, first_body, first_s = get(app)
    second_status = get(app)[0]
    assert (frozen_state, details["death"]) == ("T", "reset")
    assert before and not (before & during)  # the proxy closed them: the server let them go
    assert (first_status, first_body["error_class"]) == (500, "connection_lost") and first_s < 1.0
    assert second_status == 200


def test_freeze_blackhole_makes_the_first_query_hang(app_factory: AppFactory, make_ctx: Any,
                                                     mysql: MySQLEndpoint) -> None:
    """death blackhole: the server keeps the sessions; after thaw a query hangs until the driver's
    read timeout (1 s) and fails as a lost connection; once the blackhole lifts, requests work."""
    app = app_factory({"pool": {"max_size": 2, "query_timeout_s": 1.0}})
    warm(app)
    before = set(app_connection_ids(mysql))
    f = fault(make_ctx(app), "freeze", at_s=0, for_s=0.5, death="blackhole", blackhole_after_s=3)
    f.start()  # the blackhole is a `timeout` toxic
    try:
        time.sleep(0.5)
        during = set(app_connection_ids(mysql))
        f.act("thaw")
        status, body, hung_s = get(app)
    finally:
        f.stop()
    assert before and before <= during  # nothing reached MySQL: its sessions are still there
    assert (status, body["error_class"]) == (500, "connection_lost")
    assert 0.9 <= hung_s <= 5
    assert get(app)[0] == 200


def test_freeze_server_timeout_lets_mysql_close_idle_sessions(app_factory: AppFactory, make_ctx: Any,
                                                             mysql: MySQLEndpoint) -> None:
    """death server_timeout: MySQL's wait_timeout (1 s) ends the frozen app's idle sessions; the
    first query after a 2.5 s freeze fails with a lost connection."""
    with global_variable(mysql, "wait_timeout", 1):
        app = app_factory({"pool": {"max_size": 2}})
        warm(app)
        before = set(app_connection_ids(mysql))
        f = fault(make_ctx(app), "freeze", for_s=2.5, death="server_timeout")
        details = f.start()
        try:
            time.sleep(2.5)
            during = set(app_connection_ids(mysql))
        finally:
            f.stop()
    status, body, _ = get(app)
    assert (details["wait_timeout_s"], "warning" in details) == (1.0, False)
    assert before and not (before & during)
    assert (status, body["error_class"]) == (500, "connection_lost")
    assert get(app)[0] == 200


def test_freeze_none_queues_requests_until_thaw(app_factory: AppFactory, make_ctx: Any) -> None:
    """death none: a request sent during a 1.5 s freeze waits and succeeds after the thaw."""
    app = app_factory({"pool": {"max_size": 2}})
    warm(app)
    f = fault(make_ctx(app), "freeze", for_s=1.5, death="none")
    result: list[tuple[int, Any, float]] = []
    f.start()
    try:
        sender = threading.Thread(target=lambda: result.append(get(app)))
        sender.start()
        time.sleep(1.5)
    finally:
        f.stop()
    sender.join(10)
    status, _, waited_s = result[0]
    assert status == 200 and 1.0 <= waited_s <= 6


def test_app_restart_refuses_requests_then_serves_a_new_process(app_factory: AppFactory, make_ctx: Any) -> None:
    """app_restart: requests are refused while the app is down; afterwards a new process (new pid,
    empty pool) answers them."""
    app = app_factory({"pool": {"max_size": 2}})
    warm(app)
    f = fault(make_ctx(app), "app_restart", for_s=0.5)
    started = f.start()
    try:
        with pytest.raises(OSError):
            get(app, timeout_s=2)
    finally:
        stopped = f.stop()
    status, _, _ = get(app)
    pool = get(app, "/pool")[1]
    assert started["pid"] != stopped["pid"] and stopped["down_s"] >= 0
    assert status == 200 and pool["created_total"] == 1


def test_proxy_down_fails_requests_during_the_window_and_not_after(app_factory: AppFactory, make_ctx: Any) -> None:
    """proxy_down: every request fails while the proxy is disabled; every one succeeds afterwards."""
    app = app_factory({"pool": {"max_size": 2, "connect_timeout_s": 1}})
    warm(app)
    f = fault(make_ctx(app), "proxy_down")
    f.start()
    try:
        during = [get(app) for _ in range(4)]
    finally:
        f.stop()
    after = [get(app)[0] for _ in range(4)]
    assert [s for s, _, _ in during] == [500] * 4
    assert {b["error_class"] for _, b, _ in during} <= {"connection_lost", "connect_failed"}
    assert after == [200] * 4
