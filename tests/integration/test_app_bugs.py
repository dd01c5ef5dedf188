"""The incidents' bugs as switches: what a user sees with each bug on, and with its fix."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from harness.stack.mysql import MySQLEndpoint
from harness.stack.target import BuiltinApp
from tests.integration.app_helpers import (
    Background,
    abort_request,
    admin_rows,
    get,
    global_status,
    global_variable,
    open_transactions,
    pool,
    wait_until,
)

AppFactory = Callable[[dict[str, Any]], BuiltinApp]


def test_release_on_abort_late_leaks_early_does_not(app_factory: AppFactory) -> None:
    """Incident 002: clients that hang up while the pool is saturated. With late, every connection they
    were waiting for stays borrowed after the load stops and the app stops answering /query; with early,
    active returns to zero and /query works."""
    outcome = {}
    for mode in ("late", "early"):
        app = app_factory({"pool": {"max_size": 2, "acquire_timeout_s": 2}, "bugs": {"release_on_abort": mode}})
        holders = Background()
        for _ in range(2):
            holders.run(get, app, "/report?hold_ms=700")
        assert wait_until(lambda app=app: pool(app)["active"] == 2, 5)
        aborters = Background()
        for _ in range(4):
            aborters.run(abort_request, app, "/query", 0.1)
        aborters.join()
        holders.join()
        time.sleep(2.5)  # every aborted request has had its connection, or timed out waiting
        active = pool(app)["active"]
        status = get(app, "/query")[0]
        outcome[mode] = (active, status)
        app.stop()
    assert outcome["late"] == (2, 503)
    assert outcome["early"] == (0, 200)


def test_leak_on_error_leaves_zombies_with_open_transactions(app_factory: AppFactory, mysql: MySQLEndpoint) -> None:
    """Incident 000: with leak_on_error 1, each failed /tx keeps its connection borrowed and its transaction
    open (a Sleep zombie in the processlist); with 0 the error path rolls back and gives it back."""
    outcome = {}
    for p, ids in ((1.0, (11, 12, 13)), (0.0, (14, 15, 16))):
        app = app_factory({"pool": {"max_size": 5}, "bugs": {"leak_on_error": p}})
        # Rows of their own: a leaked transaction keeps its row locked, and a random row that met one
        # would wait for innodb_lock_wait_timeout (seen once: a 15 s client timeout in a fresh clone).
        classes = [get(app, f"/tx?fail=1&id={i}")[1]["error_class"] for i in ids]
        assert classes == ["duplicate_key"] * 3
        sleeping = admin_rows(mysql, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = %s AND "
                              "COMMAND = 'Sleep'", (mysql.app_user,))[0][0]
        outcome[p] = (pool(app)["active"], open_transactions(mysql), sleeping)
        app.stop()
    assert outcome[1.0] == (3, 3, 3)
    assert outcome[0.0] == (0, 0, 1)


def test_a_leaked_transaction_keeps_its_row_locked(app_factory: AppFactory, mysql: MySQLEndpoint) -> None:
    """Incident 000's zombies hold more than a connection: the leaked transaction's row lock stays, so a
    later request on that row waits for innodb_lock_wait_timeout (here 1 s) and fails with 1205, while
    other rows are served."""
    # A global variable applies to new sessions only: the app's, opened below.
    with global_variable(mysql, "innodb_lock_wait_timeout", 1):
        app = app_factory({"pool": {"max_size": 5}, "bugs": {"leak_on_error": 1.0}})
        assert get(app, "/tx?fail=1&id=21")[1]["error_class"] == "duplicate_key"
        assert get(app, "/tx?id=22")[0] == 200
        status, body = get(app, "/tx?id=21")
        assert (status, body["error_class"]) == (500, "lock_wait_timeout")


def test_leak_on_error_exhausts_the_pool(app_factory: AppFactory) -> None:
    """Leaked connections starve the pool: once max_size requests failed, healthy ones time out."""
    app = app_factory({"pool": {"max_size": 2, "acquire_timeout_s": 0.5}, "bugs": {"leak_on_error": 1.0}})
    get(app, "/tx?fail=1&id=31")
    get(app, "/tx?fail=1&id=32")  # another row: the first leaked transaction still locks 31
    status, body = get(app, "/query")
    assert (status, body["error_class"]) == (503, "pool_timeout")
    assert "(total=2, active=2, idle=0, waiting=1)" in body["detail"]


def statement_growth(app: BuiltinApp, mysql: MySQLEndpoint, path: str, requests: int) -> int:
    get(app, path)  # warm: the connection and (if cached) its statements exist
    before = global_status(mysql, "Prepared_stmt_count")
    for _ in range(requests):
        assert get(app, path)[0] == 200
    return global_status(mysql, "Prepared_stmt_count") - before


def test_server_uncached_statements_climb_cached_stay_flat(app_factory: AppFactory, mysql: MySQLEndpoint) -> None:
    """Incident 003: server_uncached adds one server-side statement per request (Prepared_stmt_count
    climbs by 20 over 20 requests); server_cached and client stay flat."""
    growth = {}
    for mode in ("server_uncached", "server_cached", "client"):
        app = app_factory({"pool": {"max_size": 1}, "bugs": {"prepared_statements": mode}})
        growth[mode] = statement_growth(app, mysql, "/query", 20)
        app.stop()
    assert growth == {"server_uncached": 20, "server_cached": 0, "client": 0}


def test_statements_are_freed_with_their_connection(app_factory: AppFactory, mysql: MySQLEndpoint) -> None:
    """Statements live as long as their connection: max_lifetime_s recycling (incident 003's fix #2)
    frees what server_uncached accumulated."""
    app = app_factory({"pool": {"max_size": 1, "max_lifetime_s": 0.5, "housekeeping_interval_s": 0.1},
                       "bugs": {"prepared_statements": "server_uncached"}})
    before = global_status(mysql, "Prepared_stmt_count")
    for _ in range(10):
        get(app, "/query")
    assert wait_until(lambda: global_status(mysql, "Prepared_stmt_count") == before, 5)


def test_prepared_statement_limit_fails_with_its_class(app_factory: AppFactory, mysql: MySQLEndpoint) -> None:
    """With max_prepared_stmt_count reached, server_uncached requests fail with prepared_stmt_limit (1461)."""
    app = app_factory({"pool": {"max_size": 1}, "bugs": {"prepared_statements": "server_uncached"}})
    get(app, "/query")
    with global_variable(mysql, "max_prepared_stmt_count", global_status(mysql, "Prepared_stmt_count") + 5):
        results = [get(app, "/query") for _ in range(8)]
    statuses = [s for s, _ in results]
    assert statuses == [200] * 5 + [500] * 3
    assert results[-1][1]["error_class"] == "prepared_stmt_limit"


def test_in_list_padding_bounds_distinct_statements(app_factory: AppFactory, mysql: MySQLEndpoint) -> None:
    """IN lists of 1..16 ids with a statement cache: each length is its own statement unless padded to
    powers of two, which leaves at most five (1, 2, 4, 8, 16)."""
    growth = {}
    for padding in (False, True):
        app = app_factory({"pool": {"max_size": 1},
                           "bugs": {"prepared_statements": "server_cached", "in_list_padding": padding}})
        before = global_status(mysql, "Prepared_stmt_count")
        bodies = [get(app, "/items?n=1-16")[1] for _ in range(60)]
        growth[padding] = global_status(mysql, "Prepared_stmt_count") - before
        app.stop()
        sent = {b["placeholders"] for b in bodies}
        assert sent <= {1, 2, 4, 8, 16} if padding else sent == {b["requested"] for b in bodies}
    assert growth[False] > 5
    assert growth[True] <= 5


def test_statement_cache_size_bounds_statements_per_connection(app_factory: AppFactory, mysql: MySQLEndpoint) -> None:
    """statement_cache_size 2: the least recently used statement is deallocated, so varying IN lists
    never hold more than two statements on the connection."""
    app = app_factory({"pool": {"max_size": 1},
                       "bugs": {"prepared_statements": "server_cached", "statement_cache_size": 2}})
    before = global_status(mysql, "Prepared_stmt_count")
    peak = 0
    for _ in range(30):
        assert get(app, "/items?n=1-16")[0] == 200
        peak = max(peak, global_status(mysql, "Prepared_stmt_count") - before)
    assert peak == 2
