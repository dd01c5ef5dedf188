"""Toxic faults on the real stack: each one's effect on a MySQL connection through the fault proxy.

Every test drives the fault's own runtime (the scenario keys, the toxic it adds, its removal)
and observes what a MySQL client sees: time, errors, data. A toxic the embedded proxy does not
implement yet skips its test (400 "invalid toxic type").
"""

from __future__ import annotations

import time
from pathlib import Path

import pymysql
import pytest

from harness.faults import FaultContext
from harness.stack.mysql import EmbeddedMySQL, MySQLEndpoint
from harness.stack.proxy import ProxyClient
from tests.integration.app_helpers import app_connection_ids
from tests.integration.faultkit import context, fault, query, through_proxy, timed

Proxy = tuple[str, str, int]


@pytest.fixture
def ctx(proxy_client: ProxyClient, mysql_proxy: Proxy, mysql_server: EmbeddedMySQL, tmp_path: Path) -> FaultContext:
    return context(proxy_client, mysql_proxy[0], mysql_server, None, tmp_path)


def test_latency_delays_each_answer(ctx: FaultContext, mysql: MySQLEndpoint,
        mysql_proxy: Proxy) -> None:
    """latency_ms 200 downstream adds about 200 ms to a round trip, and nothing once the fault ends."""
    conn = through_proxy(mysql, mysql_proxy[1], mysql_proxy[2])
    base = min(timed(query, conn, "SELECT 1")[1] for _ in range(3))
    f = fault(ctx, "latency", latency_ms=200)
    f.start()
    slow = min(timed(query, conn, "SELECT 1")[1] for _ in range(2))
    f.stop()
    after = min(timed(query, conn, "SELECT 1")[1] for _ in range(3))
    assert 0.18 <= slow - base <= 0.6
    assert after < base + 0.05


def test_toxicity_zero_leaves_connections_alone(ctx: FaultContext, mysql: MySQLEndpoint,
        mysql_proxy: Proxy) -> None:
    """toxicity 0: the toxic exists but no connection is affected."""
    conn = through_proxy(mysql, mysql_proxy[1], mysql_proxy[2])
    f = fault(ctx, "latency", latency_ms=500, toxicity=0.0)
    f.start()
    elapsed = min(timed(query, conn, "SELECT 1")[1] for _ in range(3))
    f.stop()
    assert elapsed < 0.3


def test_bandwidth_slows_a_large_result(ctx: FaultContext, mysql: MySQLEndpoint,
        mysql_proxy: Proxy) -> None:
    """rate_kbps 50 downstream: a 40 KB result takes about 0.8 s instead of milliseconds, intact."""
    conn = through_proxy(mysql, mysql_proxy[1], mysql_proxy[2])
    sql = "SELECT REPEAT('x', 40000)"
    _, base = timed(query, conn, sql)
    f = fault(ctx, "bandwidth", rate_kbps=50)
    f.start()
    rows, slow = timed(query, conn, sql)
    f.stop()
    assert rows[0][0] == "x" * 40000
    assert base < 0.2 and 0.5 <= slow <= 6


def test_slow_close_keeps_the_server_session_after_the_client_left(ctx: FaultContext, mysql: MySQLEndpoint,
                                                                    mysql_proxy: Proxy) -> None:
    """delay_ms 1500 upstream: a client that drops its socket stays in the processlist ~1.5 s more."""
    f = fault(ctx, "slow_close", stream="upstream", delay_ms=1500)
    f.start()
    try:
        conn = through_proxy(mysql, mysql_proxy[1], mysql_proxy[2])
        conn_id = int(query(conn, "SELECT CONNECTION_ID()")[0][0])
        conn._force_close()  # the socket goes away without COM_QUIT, as when a process dies
        gone_at = None
        dropped = time.monotonic()
        while time.monotonic() - dropped < 8:
            if conn_id not in app_connection_ids(mysql):
                gone_at = time.monotonic() - dropped
                break
            time.sleep(0.05)
    finally:
        f.stop()
    assert gone_at is not None and 1.2 <= gone_at <= 6


def test_timeout_drops_data_then_closes(ctx: FaultContext, mysql: MySQLEndpoint,
        mysql_proxy: Proxy) -> None:
    """timeout_ms 500 upstream: the query never reaches MySQL and the connection dies after ~0.5 s,
    long before the client's own 10 s read timeout."""
    conn = through_proxy(mysql, mysql_proxy[1], mysql_proxy[2], read_timeout=10)
    query(conn, "SELECT 1")
    f = fault(ctx, "timeout", stream="upstream", timeout_ms=500)
    started = time.monotonic()  # the toxic's clock starts once it is added, so not before this
    f.start()
    try:
        with pytest.raises(pymysql.err.OperationalError) as info:
            query(conn, "SELECT 1")
        died_after_s = time.monotonic() - started
    finally:
        f.stop()
    assert info.value.args[0] in (2013, 2006)
    assert 0.4 <= died_after_s < 3


def test_timeout_zero_hangs_until_the_client_gives_up(ctx: FaultContext, mysql: MySQLEndpoint,
        mysql_proxy: Proxy) -> None:
    """timeout_ms 0: data is dropped and the proxy never closes; the driver's read timeout ends it."""
    conn = through_proxy(mysql, mysql_proxy[1], mysql_proxy[2], read_timeout=1)
    query(conn, "SELECT 1")
    f = fault(ctx, "timeout", stream="upstream", timeout_ms=0)
    f.start()
    started = time.monotonic()
    try:
        with pytest.raises(pymysql.err.OperationalError) as info:
            query(conn, "SELECT 1")
        waited = time.monotonic() - started
    finally:
        f.stop()
    assert info.value.args[0] == 2013 and 0.9 <= waited <= 5


def test_reset_peer_refuses_new_connections(ctx: FaultContext, mysql: MySQLEndpoint,
        mysql_proxy: Proxy) -> None:
    """reset_peer downstream: a new connection dies at the server's greeting; after the fault it works."""
    f = fault(ctx, "reset_peer", timeout_ms=0)
    f.start()
    try:
        with pytest.raises(pymysql.err.OperationalError) as info:
            through_proxy(mysql, mysql_proxy[1], mysql_proxy[2])
    finally:
        f.stop()
    assert info.value.args[0] in (2013, 2003, 2006)
    assert query(through_proxy(mysql, mysql_proxy[1], mysql_proxy[2]), "SELECT 7")[0][0] == 7


def test_slicer_delivers_intact_data_in_slow_pieces(ctx: FaultContext, mysql: MySQLEndpoint,
        mysql_proxy: Proxy) -> None:
    """64-byte pieces 2 ms apart: a 20 KB result arrives whole, ~0.6 s later than without."""
    conn = through_proxy(mysql, mysql_proxy[1], mysql_proxy[2])
    sql = "SELECT REPEAT('y', 20000)"
    _, base = timed(query, conn, sql)
    f = fault(ctx, "slicer", average_size_bytes=64, size_variation_bytes=16, delay_us=2000)
    f.start()
    rows, slow = timed(query, conn, sql)
    f.stop()
    assert rows[0][0] == "y" * 20000
    assert slow - base >= 0.3


def test_limit_data_cuts_a_connection_mid_result(ctx: FaultContext, mysql: MySQLEndpoint,
        mysql_proxy: Proxy) -> None:
    """bytes 2000 downstream: small answers pass, a 10 KB result loses the connection mid-transfer."""
    f = fault(ctx, "limit_data", bytes=2000)
    f.start()
    try:
        conn = through_proxy(mysql, mysql_proxy[1], mysql_proxy[2])
        small = query(conn, "SELECT 1")[0][0]
        with pytest.raises(pymysql.err.OperationalError) as info:
            query(conn, "SELECT REPEAT('z', 10000)")
    finally:
        f.stop()
    assert small == 1 and info.value.args[0] in (2013, 2006)
