"""The proxy between PyMySQL and the embedded MariaDB: what each fault does to a real query.

These go through ``ProxyClient`` (toxiproxy-python), the way the harness drives every fault, and
measure what an application would see: round-trip times, MySQL client error codes (2013 lost
connection, 2003 cannot connect), and recovery.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from typing import Any

import pymysql
import pytest

from harness.errors import ProxyError
from harness.stack.mysql import MySQLEndpoint, connect
from harness.stack.proxy import ProxyClient

LOST = 2013
CANNOT_CONNECT = 2003


@pytest.fixture
def through_proxy(mysql: MySQLEndpoint, mysql_proxy: tuple[str, str, int]) -> Iterator[Any]:
    """Open app-user connections through this test's proxy; all closed afterwards."""
    _, host, port = mysql_proxy
    opened: list[pymysql.connections.Connection] = []

    def open_connection(read_timeout_s: float = 10) -> pymysql.connections.Connection:
        conn = connect(host=host, port=port, user=mysql.app_user, password=mysql.app_password,
                       database=mysql.database, connect_timeout=5, read_timeout=read_timeout_s, autocommit=True)
        opened.append(conn)
        return conn

    yield open_connection
    for conn in opened:
        try:
            conn.close()
        except Exception:
            pass


def query_ms(conn: pymysql.connections.Connection) -> float:
    started = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)
    return (time.perf_counter() - started) * 1000


def error_code(fn: Any) -> int:
    try:
        fn()
    except pymysql.err.OperationalError as e:
        return int(e.args[0])
    return 0


def test_latency_adds_its_delay_to_a_query(through_proxy: Any, proxy_client: ProxyClient,
                                           mysql_proxy: tuple[str, str, int]) -> None:
    """200 ms of downstream latency adds 200 ms (within 20 ms) to a query on an open connection."""
    conn = through_proxy()
    base = statistics.median(query_ms(conn) for _ in range(7))
    proxy_client.add_toxic(mysql_proxy[0], "latency", {"latency": 200, "jitter": 0}, name="latency_0")
    slow = [query_ms(conn) for _ in range(5)]
    assert min(slow) >= 200
    assert statistics.median(slow) - base <= 200 + 20


def test_jitter_stays_within_its_range(through_proxy: Any, proxy_client: ProxyClient,
                                       mysql_proxy: tuple[str, str, int]) -> None:
    """latency 100 ± 40 ms: every query takes 60-140 ms more (+ 20 ms slack), and they vary."""
    conn = through_proxy()
    base = min(query_ms(conn) for _ in range(5))
    proxy_client.add_toxic(mysql_proxy[0], "latency", {"latency": 100, "jitter": 40}, name="latency_0")
    added = [query_ms(conn) - base for _ in range(12)]
    assert (min(added) >= 60 - 1, statistics.median(added) <= 140 + 20) == (True, True)
    assert max(added) - min(added) > 10


def test_timeout_zero_hangs_until_the_read_timeout(through_proxy: Any, proxy_client: ProxyClient,
                                                    mysql_proxy: tuple[str, str, int]) -> None:
    """timeout 0: a query hangs until the client's 1 s read timeout (2013); removal closes the others."""
    hanging, bystander = through_proxy(read_timeout_s=1), through_proxy()
    query_ms(hanging)
    query_ms(bystander)
    proxy_client.add_toxic(mysql_proxy[0], "timeout", {"timeout": 0}, name="timeout_0")
    started = time.perf_counter()
    assert error_code(lambda: query_ms(hanging)) == LOST
    assert time.perf_counter() - started >= 0.95
    proxy_client.remove_toxic(mysql_proxy[0], "timeout_0")
    assert error_code(lambda: query_ms(bystander)) == LOST  # closed when the toxic was removed
    assert query_ms(through_proxy()) < 1000


def test_reset_peer_on_an_open_connection_is_a_lost_connection(through_proxy: Any, proxy_client: ProxyClient,
                                                               mysql_proxy: tuple[str, str, int]) -> None:
    """reset_peer added to an already open connection: the next query fails 2013, connection reset by peer."""
    conn = through_proxy()
    query_ms(conn)
    proxy_client.add_toxic(mysql_proxy[0], "reset_peer", {"timeout": 0}, name="reset_peer_0")
    try:
        query_ms(conn)
        raised: Exception | None = None
    except pymysql.err.OperationalError as e:
        raised = e
    assert raised is not None
    assert (raised.args[0], "reset by peer" in str(raised.args[1]).lower()) == (LOST, True)


def test_reset_peer_on_new_connections(through_proxy: Any, proxy_client: ProxyClient,
                                       mysql_proxy: tuple[str, str, int]) -> None:
    """reset_peer in place before connecting: the server greeting is dropped and the connect fails."""
    proxy_client.add_toxic(mysql_proxy[0], "reset_peer", {"timeout": 50}, name="reset_peer_0")
    assert error_code(through_proxy) in (LOST, CANNOT_CONNECT)
    proxy_client.remove_toxic(mysql_proxy[0], "reset_peer_0")
    assert query_ms(through_proxy()) < 1000


def test_disable_fails_open_connections_and_refuses_new_ones(through_proxy: Any, proxy_client: ProxyClient,
                                                             mysql_proxy: tuple[str, str, int]) -> None:
    """Disabled: the open connection's next query is lost (2013), new connects fail (2003); enabled: served."""
    conn = through_proxy()
    query_ms(conn)
    proxy_client.disable(mysql_proxy[0])
    assert error_code(lambda: query_ms(conn)) == LOST
    assert error_code(through_proxy) == CANNOT_CONNECT
    proxy_client.enable(mysql_proxy[0])
    assert query_ms(through_proxy()) < 1000


def test_stats_count_connections_and_bytes(through_proxy: Any, proxy_client: ProxyClient,
                                           mysql_proxy: tuple[str, str, int]) -> None:
    """ProxyClient.stats sees the open connections and the bytes of their queries."""
    before = proxy_client.stats(mysql_proxy[0])
    conns = [through_proxy() for _ in range(3)]
    for conn in conns:
        query_ms(conn)
    after = proxy_client.stats(mysql_proxy[0])
    assert (after["connections"], after["connections_total"] - before["connections_total"]) == (3, 3)
    assert after["bytes_upstream"] > before["bytes_upstream"] and after["bytes_downstream"] > before["bytes_downstream"]


def test_a_rejected_toxic_is_a_proxy_error_with_the_servers_reason(proxy_client: ProxyClient,
                                                                    mysql_proxy: tuple[str, str, int]) -> None:
    """ProxyClient.add_toxic with invalid slicer sizes raises ProxyError carrying the API's 400 message."""
    with pytest.raises(ProxyError) as info:
        proxy_client.add_toxic(mysql_proxy[0], "slicer", {"average_size": 0}, name="slicer_0")
    assert "400 bad request body: slicer: average_size must be > 0" in str(info.value)
    assert proxy_client.toxics(mysql_proxy[0]) == []
