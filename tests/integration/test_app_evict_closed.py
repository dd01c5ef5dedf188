"""pool.evict_closed: a leaked connection's slot comes back when the server ends its session (incident
000's wait_timeout safety net works in Sequelize because its mysql dialect destroys a connection on a
socket error, borrowed or not)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.stack.mysql import MySQLEndpoint
from harness.stack.target import BuiltinApp
from tests.integration.app_helpers import get, kill_app_connections, pool, wait_until

AppFactory = Callable[[dict[str, Any]], BuiltinApp]


def test_evict_closed_frees_the_slots_of_leaked_connections(app_factory: AppFactory, mysql: MySQLEndpoint) -> None:
    """Two leaked connections exhaust a pool of 2; once the server kills them, evict_closed gives both
    slots back and /query answers again, while without it the pool stays exhausted."""
    outcome = {}
    for evict in (True, False):
        app = app_factory({"pool": {"max_size": 2, "acquire_timeout_s": 0.3, "housekeeping_interval_s": 0.1,
                                    "evict_closed": evict}, "bugs": {"leak_on_error": 1.0}})
        assert [get(app, f"/tx?fail=1&id={i}")[0] for i in (41, 42)] == [500, 500]  # rows of their own
        assert get(app, "/query")[1]["error_class"] == "pool_timeout"
        kill_app_connections(mysql)
        freed = wait_until(lambda app=app: pool(app)["active"] == 0, 3)
        outcome[evict] = (freed, get(app, "/query")[0], pool(app)["closed_total"])
        app.stop()
    assert outcome[True] == (True, 200, 2)
    assert outcome[False] == (False, 503, 0)


def test_sequelize_preset_evicts_closed_connections() -> None:
    """The sequelize preset turns evict_closed on; the plain pool (HikariCP-like) leaves it off."""
    from harness.app.config import AppConfig

    sequelize = AppConfig.model_validate({"pool": {"preset": {"name": "sequelize"}}}).pool
    assert (sequelize.evict_closed, AppConfig().pool.evict_closed) == (True, False)
