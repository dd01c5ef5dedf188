"""The stack's parts together: the app reaches MariaDB only through the fault proxy."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.stack.mysql import MySQLEndpoint
from harness.stack.proxy import ProxyClient
from harness.stack.target import BuiltinApp, http_get_json


def timed_get(url: str, timeout_s: float = 5) -> tuple[int, Any, float]:
    started = time.perf_counter()
    status, body = http_get_json(url, timeout_s)
    return status, body, (time.perf_counter() - started) * 1000


def test_app_queries_through_the_proxy(app_factory: Callable[[dict[str, Any]], BuiltinApp],
                                       mysql_proxy: tuple[str, str, int], proxy_client: ProxyClient,
                                       mysql: MySQLEndpoint) -> None:
    """/query works, and its connections are the app user's, coming through the proxy."""
    app = app_factory({"pool": {"max_size": 3}})
    status, body, _ = timed_get(app.url + "/query")
    assert status == 200 and {"id", "name", "qty", "connection_id"} == set(body)
    name, _, _ = mysql_proxy
    assert proxy_client.stats(name)["connections"] >= 1
    with mysql.admin_connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = %s", (mysql.app_user,))
        row = cur.fetchone()
        assert row is not None and row[0] >= 1


def test_latency_toxic_slows_the_app(app_factory: Callable[[dict[str, Any]], BuiltinApp],
                                     mysql_proxy: tuple[str, str, int], proxy_client: ProxyClient) -> None:
    """A 150 ms downstream latency toxic adds about 150 ms to /query, and removing it takes it away."""
    app = app_factory({"pool": {"max_size": 2}})
    timed_get(app.url + "/query")  # open the connection first
    name, _, _ = mysql_proxy
    base = min(timed_get(app.url + "/query")[2] for _ in range(5))
    proxy_client.add_toxic(name, "latency", {"latency": 150})
    slow = min(timed_get(app.url + "/query")[2] for _ in range(3))
    proxy_client.remove_toxic(name, "latency_downstream")
    after = min(timed_get(app.url + "/query")[2] for _ in range(5))
    assert 140 <= slow - base <= 200
    assert after < base + 20


def test_disabled_proxy_fails_requests_with_a_class(app_factory: Callable[[dict[str, Any]], BuiltinApp],
                                                    mysql_proxy: tuple[str, str, int],
                                                    proxy_client: ProxyClient) -> None:
    """With the proxy down, /query answers 5xx with an error class from the MySQL error code; then recovers."""
    app = app_factory({"pool": {"max_size": 2, "connect_timeout_s": 1}})
    assert timed_get(app.url + "/query")[0] == 200
    name, _, _ = mysql_proxy
    proxy_client.disable(name)
    status, body, _ = timed_get(app.url + "/query")
    assert status == 500 and body["error_class"] in ("connection_lost", "connect_failed")
    proxy_client.enable(name)
    statuses = [timed_get(app.url + "/query")[0] for _ in range(3)]
    assert statuses[-1] == 200


def test_pool_timeout_carries_the_numbers(app_factory: Callable[[dict[str, Any]], BuiltinApp],
                                          mysql_proxy: tuple[str, str, int], proxy_client: ProxyClient) -> None:
    """A request that cannot get a connection fails with pool_timeout and HikariCP-style numbers."""
    import threading

    app = app_factory({"pool": {"max_size": 1, "acquire_timeout_s": 0.3}})
    name, _, _ = mysql_proxy
    proxy_client.add_toxic(name, "latency", {"latency": 1000})
    holder = threading.Thread(target=timed_get, args=(app.url + "/query",))
    holder.start()
    time.sleep(0.2)
    status, body, _ = timed_get(app.url + "/query")
    holder.join()
    assert status == 503 and body["error_class"] == "pool_timeout"
    assert "(total=1, active=1, idle=0, waiting=1)" in body["detail"]
    assert http_get_json(app.url + "/pool", 2)[1]["acquire_timeouts_total"] == 1


def test_two_proxy_clients_in_one_process_each_reach_their_own_server(proxy_client: ProxyClient,
                                                                      mysql: MySQLEndpoint, tmp_path: Path) -> None:
    """toxiproxy-python keeps one server address per process: a second client (a test's own toxiproxy
    beside the session's) must not redirect the first one's calls, during its life or after it."""
    from harness.stack.proxy import EmbeddedProxyServer

    second_server = EmbeddedProxyServer(tmp_path)
    second = second_server.start()
    try:
        second.create("second_only", mysql.address)
        proxy_client.create("first_only", mysql.address)
        assert ("second_only" in second.proxies(), "first_only" in second.proxies()) == (True, False)
        assert ("first_only" in proxy_client.proxies(), "second_only" in proxy_client.proxies()) == (True, False)
    finally:
        second_server.stop()
    try:
        assert "first_only" in proxy_client.proxies()  # the stopped server's address is not the one used
    finally:
        proxy_client.delete("first_only")
