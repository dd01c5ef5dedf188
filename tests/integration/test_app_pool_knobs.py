"""The reference pool's knobs, each shown against the embedded MariaDB through the fault proxy."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from harness.stack.mysql import MySQLEndpoint
from harness.stack.proxy import ProxyClient
from harness.stack.target import BuiltinApp
from tests.integration.app_helpers import (
    Background,
    app_connection_ids,
    fill,
    get,
    global_variable,
    kill_app_connections,
    pool,
    wait_until,
)

AppFactory = Callable[[dict[str, Any]], BuiltinApp]
FAST_HOUSEKEEPING = {"housekeeping_interval_s": 0.2}


def test_min_idle_opens_connections_at_start(app_factory: AppFactory, mysql: MySQLEndpoint) -> None:
    """min_idle 3: three idle connections exist before any request, and MariaDB sees them."""
    app = app_factory({"pool": {"min_idle": 3, **FAST_HOUSEKEEPING}})
    assert wait_until(lambda: pool(app)["idle"] == 3, 5)
    assert len(app_connection_ids(mysql)) == 3


def test_idle_timeout_closes_connections_above_min_idle(app_factory: AppFactory) -> None:
    """idle_timeout_s 0.5 with min_idle 1: after a burst of 4 (plus the idle one housekeeping adds while
    all are busy, as HikariCP does), the pool shrinks back to 1."""
    app = app_factory({"pool": {"min_idle": 1, "idle_timeout_s": 0.5, **FAST_HOUSEKEEPING}})
    fill(app, 4)
    peak = pool(app)["total"]
    assert wait_until(lambda: pool(app)["total"] == 1, 5)
    assert peak >= 4
    assert peak - 1 == pool(app)["closed_total"]


def test_max_idle_caps_idle_connections(app_factory: AppFactory) -> None:
    """max_idle 2 (mysql2's maxIdle): after a burst of 5, housekeeping closes idle connections down to 2."""
    app = app_factory({"pool": {"max_idle": 2, **FAST_HOUSEKEEPING}})
    fill(app, 5)
    assert wait_until(lambda: pool(app)["idle"] == 2, 5)
    assert pool(app)["total"] == 2


def test_max_lifetime_replaces_old_connections(app_factory: AppFactory) -> None:
    """max_lifetime_s 0.6: a connection is replaced once it is older, and the old one is closed."""
    app = app_factory({"pool": {"max_size": 1, "max_lifetime_s": 0.6, **FAST_HOUSEKEEPING}})
    first = get(app, "/query")[1]["connection_id"]
    time.sleep(1.0)
    later = get(app, "/query")[1]["connection_id"]
    assert later != first
    assert pool(app)["closed_total"] >= 1


def test_keepalive_keeps_connections_alive_past_wait_timeout(app_factory: AppFactory, mysql: MySQLEndpoint) -> None:
    """MySQL closes connections idle for wait_timeout 2 s; keepalive_s 0.5 pings them so they survive,
    while without keepalive the next request meets a dead connection."""
    outcome = {}
    for keepalive in (None, 0.5):
        with global_variable(mysql, "wait_timeout", 2):
            app = app_factory({"pool": {"max_size": 1, "min_idle": 1, "keepalive_s": keepalive,
                                        **FAST_HOUSEKEEPING}})
            assert wait_until(lambda app=app: pool(app)["idle"] == 1, 5)
        before = get(app, "/query")[1]["connection_id"]
        time.sleep(3.5)
        status, body = get(app, "/query")
        outcome[keepalive] = (status, body.get("connection_id") == before, body.get("error_class"))
        app.stop()
    assert outcome[None] == (500, False, "connection_lost")
    assert outcome[0.5] == (200, True, None)


def test_validate_always_hides_killed_connections(app_factory: AppFactory, mysql: MySQLEndpoint) -> None:
    """Every pooled connection killed server-side: validate never fails the next request; validate
    always pings, drops the dead ones and serves it on a fresh connection."""
    outcome = {}
    for validate in ("never", "always"):
        app = app_factory({"pool": {"max_size": 3, "min_idle": 3, "validate": validate, **FAST_HOUSEKEEPING}})
        assert wait_until(lambda app=app: pool(app)["idle"] == 3, 5)
        kill_app_connections(mysql)
        time.sleep(0.2)
        outcome[validate] = (get(app, "/query")[0], pool(app)["stale_errors_total"])
        app.stop()
    assert outcome["never"] == (500, 1)
    assert outcome["always"] == (200, 3)


def test_validate_after_idle_pings_only_idle_connections(app_factory: AppFactory, mysql: MySQLEndpoint) -> None:
    """validate after_idle 2 s: a connection killed and then idle for 2.5 s is validated and replaced;
    one used again within the window is not pinged, and the request fails (Prisma's blind spot)."""
    app = app_factory({"pool": {"max_size": 1, "validate": "after_idle", "validate_after_idle_s": 2.0}})
    get(app, "/query")
    kill_app_connections(mysql)
    time.sleep(2.5)
    assert get(app, "/query")[0] == 200
    kill_app_connections(mysql)
    time.sleep(0.1)
    status, body = get(app, "/query")
    assert (status, body["error_class"]) == (500, "connection_lost")


def test_on_stale_after_a_freeze_that_killed_every_connection(app_factory: AppFactory, mysql: MySQLEndpoint) -> None:
    """Incident 001's table: the app is frozen (SIGSTOP) while every pooled connection dies; after the
    thaw raise fails, retry_once fails too (its retry takes another dead connection), and
    drain_and_retry succeeds on a fresh connection."""
    outcome = {}
    for on_stale in ("raise", "retry_once", "drain_and_retry"):
        app = app_factory({"pool": {"max_size": 3, "min_idle": 3, "on_stale": on_stale}})
        assert wait_until(lambda app=app: pool(app)["idle"] == 3, 5)
        app.freeze()
        try:
            kill_app_connections(mysql)
            time.sleep(0.3)
        finally:
            app.thaw()
        status, body = get(app, "/query")
        outcome[on_stale] = (status, body.get("error_class"))
        app.stop()
    assert outcome["raise"] == (500, "connection_lost")
    assert outcome["retry_once"] == (500, "connection_lost")
    assert outcome["drain_and_retry"] == (200, None)


def test_retry_once_is_enough_when_one_connection_died(app_factory: AppFactory, mysql: MySQLEndpoint) -> None:
    """retry_once recovers when only the connection it got first was dead (the write-up's first fix)."""
    app = app_factory({"pool": {"max_size": 1, "on_stale": "retry_once"}})
    get(app, "/query")
    kill_app_connections(mysql)
    time.sleep(0.2)
    status, _ = get(app, "/query")
    assert status == 200
    assert pool(app)["stale_errors_total"] == 1


def test_leak_detection_logs_where_and_counts(app_factory: AppFactory) -> None:
    """leak_detection_s 0.3: a connection held 1 s by /report is reported once, with the borrowing request."""
    app = app_factory({"pool": {"leak_detection_s": 0.3}})
    assert get(app, "/report?hold_ms=1000")[0] == 200
    assert get(app, "/query")[0] == 200
    assert pool(app)["leaks_detected_total"] == 1
    assert app.process is not None
    log = app.process.log_tail(200)
    assert "apparent connection leak" in log and "/report?hold_ms=1000" in log
    assert "previously reported leaked connection" in log


def test_housekeeping_survives_failures(app_factory: AppFactory, mysql_proxy: tuple[str, str, int],
                                        proxy_client: ProxyClient) -> None:
    """With the database unreachable, refilling min_idle fails on every run; housekeeping counts the
    failures, keeps running, and fills the pool once the database is back."""
    name, _, _ = mysql_proxy
    app = app_factory({"pool": {"min_idle": 2, "connect_timeout_s": 0.5, **FAST_HOUSEKEEPING}})
    assert wait_until(lambda: pool(app)["idle"] == 2, 5)
    proxy_client.disable(name)
    try:
        statuses = [get(app, "/query")[0] for _ in range(2)]  # the two idle connections died with the proxy
        assert statuses == [500, 500]
        assert wait_until(lambda: pool(app)["housekeeping_errors_total"] >= 2, 10)
    finally:
        proxy_client.enable(name)
    assert wait_until(lambda: pool(app)["idle"] == 2, 10)
    assert get(app, "/query")[0] == 200


def test_acquire_timeout_null_waits_for_a_connection(app_factory: AppFactory) -> None:
    """acquire_timeout_s null (mysql2's pool): a waiter is served whenever a connection frees up."""
    app = app_factory({"pool": {"max_size": 1, "acquire_timeout_s": None}})
    bg = Background()
    bg.run(get, app, "/report?hold_ms=1200")
    assert wait_until(lambda: pool(app)["active"] == 1, 5)
    started = time.monotonic()
    status, _ = get(app, "/query")
    bg.join()
    assert status == 200
    assert time.monotonic() - started > 0.8


def test_query_timeout_cuts_a_stalled_query(app_factory: AppFactory, mysql_proxy: tuple[str, str, int],
                                            proxy_client: ProxyClient) -> None:
    """query_timeout_s 0.5: a query whose answer is 1.5 s late fails as connection_lost after ~0.5 s."""
    name, _, _ = mysql_proxy
    app = app_factory({"pool": {"max_size": 1, "query_timeout_s": 0.5}})
    get(app, "/query")
    proxy_client.add_toxic(name, "latency", {"latency": 1500})
    started = time.monotonic()
    status, body = get(app, "/query")
    elapsed_s = time.monotonic() - started
    assert (status, body["error_class"]) == (500, "connection_lost")
    assert 0.4 < elapsed_s < 1.4


def test_validation_timeout_decides_what_counts_as_dead(app_factory: AppFactory, mysql_proxy: tuple[str, str, int],
                                                        proxy_client: ProxyClient) -> None:
    """With 800 ms of latency, a validation ping allowed 3 s passes; one allowed 0.3 s declares the
    connection dead (stale_errors_total), and the request is served on a new connection."""
    name, _, _ = mysql_proxy
    stale = {}
    for timeout_s in (3.0, 0.3):
        app = app_factory({"pool": {"max_size": 2, "validate": "always", "validation_timeout_s": timeout_s,
                                    "connect_timeout_s": 10}})
        get(app, "/query")
        proxy_client.add_toxic(name, "latency", {"latency": 800})
        try:
            status, _ = get(app, "/query", timeout_s=30)
        finally:
            proxy_client.remove_toxic(name, "latency_downstream")
        stale[timeout_s] = (status, pool(app)["stale_errors_total"])
        app.stop()
    assert stale == {3.0: (200, 0), 0.3: (200, 1)}


def test_health_answers_503_within_its_own_timeout(app_factory: AppFactory, mysql_proxy: tuple[str, str, int],
                                                   proxy_client: ProxyClient) -> None:
    """health_timeout_s 0.5: with the database 1.5 s slow, /health answers 503 health_timeout in ~0.5 s."""
    name, _, _ = mysql_proxy
    app = app_factory({"health_timeout_s": 0.5})
    assert get(app, "/health")[0] == 200
    proxy_client.add_toxic(name, "latency", {"latency": 1500})
    started = time.monotonic()
    status, body = get(app, "/health")
    elapsed_s = time.monotonic() - started
    assert (status, body["error_class"]) == (503, "health_timeout")
    assert elapsed_s < 1.4
