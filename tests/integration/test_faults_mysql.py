"""Faults on the MySQL server itself: kill_idle (the zombie killer), set_variable, mysql_restart."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest
from pymysql.constants import COMMAND

from harness.faults import REGISTRY
from harness.history.recorder import Clock, EventLog
from harness.run.nemesis import Nemesis
from harness.stack.mysql import EmbeddedMySQL, MySQLEndpoint
from harness.stack.net import split_host_port
from harness.stack.proxy import ProxyClient
from tests.integration.app_helpers import admin_rows, app_connection_ids
from tests.integration.faultkit import context, fault, query, through_proxy

Proxy = tuple[str, str, int]


def session_id(conn: pymysql.connections.Connection) -> int:
    return int(query(conn, "SELECT CONNECTION_ID()")[0][0])


def test_kill_idle_removes_sleeping_connections(proxy_client: ProxyClient, mysql_proxy: Proxy,
                                                mysql_server: EmbeddedMySQL, mysql: MySQLEndpoint,
                                                tmp_path: Path) -> None:
    """idle_s 1: sessions asleep for 1 s are killed (gone from the processlist, their next query
    fails with 2013); a busy one and a freshly used one survive."""
    _, host, port = mysql_proxy
    sleepers = [through_proxy(mysql, host, port) for _ in range(3)]
    sleeper_ids = {session_id(c) for c in sleepers}
    busy = through_proxy(mysql, host, port, read_timeout=10)
    busy_id = session_id(busy)
    busy._execute_command(COMMAND.COM_QUERY, "SELECT SLEEP(3)")  # sent, not awaited: the session is in Query
    time.sleep(1.3)
    fresh = through_proxy(mysql, host, port)
    fresh_id = session_id(fresh)
    details = fault(context(proxy_client, mysql_proxy[0], mysql_server, None, tmp_path), "kill_idle",
                    idle_s=1).start()
    left = set(app_connection_ids(mysql))
    with pytest.raises(pymysql.err.OperationalError) as info:
        query(sleepers[0], "SELECT 1")
    assert sleeper_ids <= set(details["ids"]) and not sleeper_ids & left
    assert {busy_id, fresh_id} <= left and not {busy_id, fresh_id} & set(details["ids"])
    assert info.value.args[0] in (2013, 2006)


def test_kill_idle_every_s_keeps_killing(proxy_client: ProxyClient, mysql_proxy: Proxy, mysql_server: EmbeddedMySQL,
                                         mysql: MySQLEndpoint, tmp_path: Path) -> None:
    """every_s 0.5 on the nemesis timeline: a connection that falls asleep later is killed by a later
    tick; each tick is a recorded event."""
    clock = Clock()
    events_path = tmp_path / "events.jsonl"
    ctx = context(proxy_client, mysql_proxy[0], mysql_server, None, tmp_path)
    ctx.events = EventLog(events_path, clock)
    spec = REGISTRY["kill_idle"][0].model_validate({"type": "kill_idle", "at_s": 0, "idle_s": 0.4, "every_s": 0.5,
                                                    "for_s": 2.2})
    nemesis = Nemesis([spec], ctx, clock, duration_s=3)
    nemesis.start()
    time.sleep(0.3)
    late = through_proxy(mysql, mysql_proxy[1], mysql_proxy[2])
    late_id = session_id(late)
    time.sleep(2.4)
    nemesis.heal_all()
    ctx.events.close()
    events = [json.loads(line) for line in events_path.read_text().splitlines()]
    names = [e["event"] for e in events]
    killed = {i for e in events for i in e.get("ids", [])}
    assert names[0] == "kill_idle.start" and names[-1] == "kill_idle.stop" and names.count("kill_idle.tick") == 4
    assert late_id in killed and late_id not in app_connection_ids(mysql)


def test_set_variable_changes_and_restores_the_global(proxy_client: ProxyClient, mysql_proxy: Proxy,
                                                      mysql_server: EmbeddedMySQL, mysql: MySQLEndpoint,
                                                      tmp_path: Path) -> None:
    """wait_timeout 2: the global changes, a new session gets it (an old one keeps its own), and a
    new session idle 3 s is dropped by the server; the old value is back after the fault."""
    _, host, port = mysql_proxy
    old_session = through_proxy(mysql, host, port)
    f = fault(context(proxy_client, mysql_proxy[0], mysql_server, None, tmp_path), "set_variable",
              name="wait_timeout", value=2)
    details = f.start()
    try:
        new_session = through_proxy(mysql, host, port)
        new_value = query(new_session, "SELECT @@session.wait_timeout")[0][0]
        old_value = query(old_session, "SELECT @@session.wait_timeout")[0][0]
        time.sleep(3.2)
        with pytest.raises(pymysql.err.OperationalError) as info:
            query(new_session, "SELECT 1")
    finally:
        restored = f.stop()
    rows = admin_rows(mysql, "SELECT @@global.wait_timeout")
    assert (details["old"], details["new"], new_value, old_value) == (28800, 2, 2, 28800)
    assert info.value.args[0] in (2013, 2006, 4031)
    assert restored["restored"] is True and rows == [(28800,)]


@pytest.fixture
def own_server(tmp_path: Path, proxy_client: ProxyClient) -> Iterator[tuple[EmbeddedMySQL, str, int]]:
    """A private server of this test's own (it gets killed), behind its own proxy."""
    server = EmbeddedMySQL({}, log_dir=tmp_path / "mysql")
    server.start()
    assert server.endpoint is not None
    name = f"restart_{id(server)}"
    _, port = split_host_port(proxy_client.create(name, server.endpoint.address))
    try:
        yield server, name, port
    finally:
        try:
            proxy_client.delete(name)
        finally:
            server.stop()


def test_mysql_restart_drops_connections_then_comes_back(own_server: tuple[EmbeddedMySQL, str, int],
                                                         proxy_client: ProxyClient, tmp_path: Path) -> None:
    """crash for 1 s: the pooled connection dies, nobody can connect while it is down, and afterwards
    the same address and data answer again; a clean shutdown does the same."""
    server, name, port = own_server
    endpoint = server.endpoint
    assert endpoint is not None
    conn = through_proxy(endpoint, "127.0.0.1", port)
    ctx = context(proxy_client, name, server, None, tmp_path)
    for shutdown in ("crash", "clean"):
        f = fault(ctx, "mysql_restart", for_s=1, shutdown=shutdown)
        f.start()
        try:
            with pytest.raises(pymysql.err.OperationalError) as lost:
                query(conn, "SELECT 1")
            with pytest.raises(pymysql.err.OperationalError):
                through_proxy(endpoint, "127.0.0.1", port, connect_timeout=2)
            time.sleep(1)
        finally:
            back = f.stop()
        assert lost.value.args[0] in (2013, 2006)
        conn = through_proxy(endpoint, "127.0.0.1", port)
        assert query(conn, "SELECT DATABASE()")[0][0] == "app"  # same data dir: the app user and database
        assert "MariaDB" in back["version"] and back["down_s"] >= 1.0
