"""Each pool engine as a user sees it: the reference pool, SQLAlchemy's QueuePool, none, single."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from harness.stack.mysql import MySQLEndpoint
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


def timed(app: BuiltinApp, path: str) -> tuple[int, Any, float]:
    started = time.monotonic()
    status, body = get(app, path)
    return status, body, time.monotonic() - started


def test_every_engine_serves_every_endpoint(app_factory: AppFactory) -> None:
    """Each engine answers /query, /tx, /report, /items and /health, and /pool has the contract's keys."""
    keys = {"engine", "max_size", "total", "active", "idle", "waiting", "created_total", "closed_total",
            "acquire_timeouts_total", "stale_errors_total", "leaks_detected_total"}
    for engine in ("reference", "sqlalchemy", "none", "single"):
        app = app_factory({"pool": {"engine": engine}})
        statuses = [get(app, p)[0] for p in ("/query", "/tx", "/report?hold_ms=5", "/items?ids=3,1,2", "/health")]
        snapshot = pool(app)
        app.stop()
        assert statuses == [200] * 5, engine
        assert keys <= set(snapshot) and engine == snapshot["engine"]


def test_reference_lifo_reuses_one_connection_fifo_rotates(app_factory: AppFactory) -> None:
    """order: lifo serves sequential requests from one warm connection; fifo cycles through all of them."""
    seen = {}
    for order in ("lifo", "fifo"):
        app = app_factory({"pool": {"max_size": 3, "min_idle": 3, "order": order}})
        assert wait_until(lambda app=app: pool(app)["idle"] == 3, 5)
        seen[order] = {get(app, "/query")[1]["connection_id"] for _ in range(6)}
        app.stop()
    assert len(seen["lifo"]) == 1
    assert len(seen["fifo"]) == 3


def test_reference_queue_limit_rejects_at_once(app_factory: AppFactory) -> None:
    """With queue_limit 1, a second waiter gets pool_queue_full immediately, not after acquire_timeout_s."""
    app = app_factory({"pool": {"max_size": 1, "queue_limit": 1, "acquire_timeout_s": 10}})
    bg = Background()
    bg.run(get, app, "/report?hold_ms=1500")
    assert wait_until(lambda: pool(app)["active"] == 1, 5)
    bg.run(get, app, "/query")  # the one allowed waiter
    assert wait_until(lambda: pool(app)["waiting"] == 1, 5)
    status, body, elapsed_s = timed(app, "/query")
    results = bg.join()
    assert (status, body["error_class"]) == (503, "pool_queue_full")
    assert elapsed_s < 1.5  # far from acquire_timeout_s (10 s): it did not wait
    assert "queue_limit=1" in body["detail"] and "waiting=1" in body["detail"]
    assert sorted(s for s, _ in results) == [200, 200]


def test_sqlalchemy_overflow_opens_and_closes_extra_connections(app_factory: AppFactory) -> None:
    """pool_size 2 + max_overflow 2: four overlapping requests open four connections; two close on return."""
    app = app_factory({"pool": {"engine": "sqlalchemy", "sqlalchemy": {"pool_size": 2, "max_overflow": 2}}})
    bg = Background()
    for _ in range(4):
        bg.run(get, app, "/report?hold_ms=800")
    assert wait_until(lambda: pool(app)["active"] == 4, 5)
    during = pool(app)
    bg.join()
    after = pool(app)
    assert (during["max_size"], during["total"], during["active"]) == (4, 4, 4)
    assert (after["total"], after["idle"], after["active"]) == (2, 2, 0)
    assert (after["created_total"], after["closed_total"]) == (4, 2)


def test_sqlalchemy_pool_timeout_is_a_pool_timeout(app_factory: AppFactory) -> None:
    """QueuePool's own timeout error comes back as pool_timeout with the numbers."""
    app = app_factory({"pool": {"engine": "sqlalchemy", "max_size": 1,
                                "sqlalchemy": {"pool_timeout": 0.3}}})
    bg = Background()
    bg.run(get, app, "/report?hold_ms=1200")
    assert wait_until(lambda: pool(app)["active"] == 1, 5)
    status, body = get(app, "/query")
    bg.join()
    assert (status, body["error_class"]) == (503, "pool_timeout")
    assert "QueuePool limit of size 1 overflow 0" in body["detail"] and "waiting=1" in body["detail"]
    assert pool(app)["acquire_timeouts_total"] == 1


def test_sqlalchemy_invalidates_the_whole_pool_after_one_disconnect(app_factory: AppFactory,
                                                                     mysql: MySQLEndpoint) -> None:
    """Every pooled connection killed: without pre_ping the first request fails, then SQLAlchemy has
    invalidated the whole pool and the next ones succeed; with pool_pre_ping none fails."""
    outcomes = {}
    for pre_ping in (False, True):
        app = app_factory({"pool": {"engine": "sqlalchemy", "max_size": 3,
                                    "sqlalchemy": {"pool_pre_ping": pre_ping}}})
        fill(app, 3)
        kill_app_connections(mysql)
        outcomes[pre_ping] = [get(app, "/query")[0] for _ in range(4)]
        stale = pool(app)["stale_errors_total"]
        app.stop()
        assert stale >= 1
    assert outcomes[False] == [500, 200, 200, 200]
    assert outcomes[True] == [200, 200, 200, 200]


def test_sqlalchemy_pool_recycle_replaces_old_connections(app_factory: AppFactory) -> None:
    """pool_recycle 2 s: a connection older than that is replaced at the next checkout."""
    app = app_factory({"pool": {"engine": "sqlalchemy", "max_size": 1, "sqlalchemy": {"pool_recycle": 2.0}}})
    first = get(app, "/query")[1]["connection_id"]
    same = get(app, "/query")[1]["connection_id"]
    time.sleep(2.3)
    later = get(app, "/query")[1]["connection_id"]
    assert first == same
    assert later != first


def test_sqlalchemy_use_lifo(app_factory: AppFactory) -> None:
    """pool_use_lifo true reuses the warmest connection; false is QueuePool's FIFO rotation."""
    seen = {}
    for lifo in (True, False):
        app = app_factory({"pool": {"engine": "sqlalchemy", "max_size": 3, "sqlalchemy": {"pool_use_lifo": lifo}}})
        fill(app, 3)
        seen[lifo] = len({get(app, "/query")[1]["connection_id"] for _ in range(6)})
        app.stop()
    assert seen == {True: 1, False: 3}


def test_none_opens_a_connection_per_request_until_too_many(app_factory: AppFactory, mysql: MySQLEndpoint) -> None:
    """Engine none: every request opens its own connection; a burst beyond max_connections fails with 1040."""
    app = app_factory({"pool": {"engine": "none"}})
    ids = {get(app, "/query")[1]["connection_id"] for _ in range(3)}
    assert len(ids) == 3
    with global_variable(mysql, "max_connections", len(app_connection_ids(mysql)) + 6):
        bg = Background()
        for _ in range(12):
            bg.run(get, app, "/report?hold_ms=600")
        results = bg.join()
    classes = sorted(body.get("error_class", "ok") for _, body in results)
    assert "too_many_connections" in classes and "ok" in classes
    assert pool(app)["total"] == 0


def test_single_connection_blocks_behind_a_slow_query(app_factory: AppFactory) -> None:
    """Engine single: a quick query waits for a slow one on the shared connection (head-of-line
    blocking, incident 004); a pool of two serves it at once."""
    waited = {}
    for config in ({"engine": "single"}, {"engine": "reference", "max_size": 2}):
        app = app_factory({"pool": config})
        get(app, "/query")
        bg = Background()
        bg.run(get, app, "/report?hold_ms=1200")
        assert wait_until(lambda app=app: pool(app)["active"] == 1, 5)
        status, _, waited[config["engine"]] = timed(app, "/query")
        bg.join()
        app.stop()
        assert status == 200
    assert waited["single"] > 0.6
    assert waited["reference"] < 0.6
