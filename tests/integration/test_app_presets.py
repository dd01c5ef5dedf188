"""Presets behave like the libraries they name, against the embedded MariaDB through the proxy."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from harness.stack.mysql import MySQLEndpoint
from harness.stack.target import BuiltinApp
from tests.integration.app_helpers import Background, fill, get, kill_app_connections, pool, wait_until

AppFactory = Callable[[dict[str, Any]], BuiltinApp]


def test_hikari_fills_minimum_idle_and_validates_after_half_a_second(app_factory: AppFactory,
                                                                     mysql: MySQLEndpoint) -> None:
    """HikariCP: minimumIdle connections open at start; a connection idle > 500 ms is validated at
    borrow, so connections killed server-side never reach the application."""
    app = app_factory({"pool": {"preset": {"name": "hikari", "maximumPoolSize": 4, "minimumIdle": 2}}})
    assert wait_until(lambda: pool(app)["idle"] == 2, 5)
    assert pool(app)["max_size"] == 4
    kill_app_connections(mysql)
    time.sleep(0.8)
    assert [get(app, "/query")[0] for _ in range(2)] == [200, 200]
    assert pool(app)["stale_errors_total"] == 2


def test_mysql2_hands_out_dead_connections_in_fifo_order(app_factory: AppFactory, mysql: MySQLEndpoint) -> None:
    """mysql2: the free list rotates (FIFO) and is never validated, so after the server killed the pool
    every connection fails once (incident 001's PROTOCOL_CONNECTION_LOST)."""
    app = app_factory({"pool": {"preset": {"name": "mysql2", "connectionLimit": 3}}})
    fill(app, 3)
    ids = [get(app, "/query")[1]["connection_id"] for _ in range(6)]
    assert len(set(ids)) == 3 and ids[:3] == ids[3:]
    kill_app_connections(mysql)
    time.sleep(0.2)
    statuses = [get(app, "/query")[0] for _ in range(4)]
    assert statuses == [500, 500, 500, 200]


def test_mysql2_without_wait_for_connections_fails_at_once(app_factory: AppFactory) -> None:
    """waitForConnections: false answers "no connection available" at once instead of queueing."""
    app = app_factory({"pool": {"preset": {"name": "mysql2", "connectionLimit": 1, "waitForConnections": False}}})
    bg = Background()
    bg.run(get, app, "/report?hold_ms=800")
    assert wait_until(lambda: pool(app)["active"] == 1, 5)
    status, body = get(app, "/query")
    bg.join()
    assert (status, body["error_class"]) == (503, "pool_queue_full")


def test_sequelize_acquire_timeout_and_idle_eviction(app_factory: AppFactory) -> None:
    """Sequelize: `acquire` bounds the wait (pool_timeout), and `idle`/`evict` shrink the pool to `min`."""
    app = app_factory({"pool": {"preset": {"name": "sequelize", "max": 2, "min": 0, "acquire": 300,
                                           "idle": 400, "evict": 100}}})
    bg = Background()
    for _ in range(2):
        bg.run(get, app, "/report?hold_ms=900")
    assert wait_until(lambda: pool(app)["active"] == 2, 5)
    status, body = get(app, "/query")
    bg.join()
    assert (status, body["error_class"]) == (503, "pool_timeout")
    assert "no connection within 0.3 s" in body["detail"]
    assert wait_until(lambda: pool(app)["total"] == 0, 5)


def test_prisma_pre_ping_misses_a_death_within_15_s(app_factory: AppFactory, mysql: MySQLEndpoint) -> None:
    """Prisma pings only connections idle for more than 15 s: one killed and reused sooner fails
    ("even Prisma isn't bulletproof", incident 001)."""
    app = app_factory({"pool": {"preset": {"name": "prisma", "connection_limit": 1}}})
    get(app, "/query")
    kill_app_connections(mysql)
    time.sleep(0.2)
    status, body = get(app, "/query")
    assert (status, body["error_class"]) == (500, "connection_lost")
