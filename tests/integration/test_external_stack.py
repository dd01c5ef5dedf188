"""The docker-compose path without Docker: `harness run --mysql-dsn ... --toxiproxy-url ...` against a
MySQL server and a toxiproxy that the harness did not start.

Stand-ins for docker-compose's two services: the session's MariaDB, with a user, password and database
of its own (what MYSQL_USER / MYSQL_PASSWORD / MYSQL_DATABASE make), and a separate `harness proxy serve`
process (toxiproxy 2.12's API; the conformance suite runs against a real toxiproxy with TOXIPROXY_URL).
What a docker-compose user relies on: the fault goes through their toxiproxy, the run leaves it as it
found it, their server is neither stopped nor changed for good, the harness stops only what it
started, and their password is in no file of the run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pymysql import connect

from harness.stack.mysql import EmbeddedMySQL, make_dsn
from harness.stack.processes import owned_by
from harness.stack.proxy import EmbeddedProxyServer
from harness.stack.up import PROXY_NAME
from tests.integration.app_helpers import harness_popen

PROXY_LOG = "faultproxy.log"  # what EmbeddedProxyServer names its server's log, in the run or out of it
SECRET = "Ext-pw-7f3a9c"  # the external user's password: it must appear in no file of the run


@pytest.fixture(scope="module")
def external(mysql_server: EmbeddedMySQL, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One `harness run` of the quickstart's small pool (8 s) against the external pair."""
    ep = mysql_server.endpoint
    assert ep is not None
    with ep.admin_connect() as admin, admin.cursor() as cur:
        cur.execute("CREATE DATABASE IF NOT EXISTS ext_app")
        cur.execute("CREATE USER IF NOT EXISTS 'ext_user'@'%%' IDENTIFIED BY %s", (SECRET,))
        cur.execute("GRANT ALL PRIVILEGES ON ext_app.* TO 'ext_user'@'%'")
    tmp = tmp_path_factory.mktemp("external")
    toxiproxy = EmbeddedProxyServer(tmp / "toxiproxy")
    client = toxiproxy.start()
    assert toxiproxy.process is not None
    out = tmp / "run"
    try:
        proc = harness_popen("run", "scenarios/quickstart.yaml", "--variant", "small-pool", "--duration-s", "8",
                             "--quiet", "--out", str(out),
                             "--mysql-dsn", make_dsn("ext_user", SECRET, ep.host, ep.port, "ext_app"),
                             "--toxiproxy-url", client.url)
        stdout, stderr = proc.communicate(timeout=180)
        yield {"out": out, "code": proc.returncode, "pid": proc.pid, "output": stdout + stderr, "url": client.url,
               "toxiproxy_pid": toxiproxy.process.pid, "toxiproxy_log": tmp / "toxiproxy" / PROXY_LOG, "mysql": ep}
    finally:
        toxiproxy.stop()


def test_the_run_measures_through_the_external_pair(external: dict[str, Any]) -> None:
    """Real figures, and the latency fault made the small pool run dry: it went through their toxiproxy."""
    assert external["code"] in (0, 1), external["output"][-3000:]
    summary = json.loads((external["out"] / "summary.json").read_text())
    small = summary["variants"]["small-pool"]
    assert summary["status"] == "completed" and summary["stack"]["proxy"] == "toxiproxy API 2.12.0"
    assert small["requests"]["total"] > 200 and small["pool"]["exhausted_at_s"] is not None
    assert small["mysql"]["peak_connections"] == 5  # the pool's sessions of ext_user, seen by the probe
    events = [json.loads(line) for line in (external["out"] / "small-pool" / "events.jsonl").read_text().splitlines()]
    assert [e["event"] for e in events if e["event"].startswith("latency.")] == ["latency.start", "latency.stop"]


def test_the_proxy_of_the_run_was_theirs(external: dict[str, Any]) -> None:
    """The embedded proxy also speaks toxiproxy 2.12: no embedded server ran, and theirs created the run's proxy."""
    assert [str(p.relative_to(external["out"])) for p in external["out"].rglob(PROXY_LOG)] == []
    their_log = external["toxiproxy_log"].read_text()
    created = rf"proxy {PROXY_NAME} listening on \S+ -> {re.escape(external['mysql'].address)}\n"
    assert re.search(created, their_log), their_log[-2000:]


def test_their_toxiproxy_is_left_as_it_was_found(external: dict[str, Any]) -> None:
    """Still serving, no proxy of the run left behind (its toxics went with it), not stopped by the harness."""
    assert requests.get(f"{external['url']}/proxies", timeout=5).json() == {}
    assert requests.get(f"{external['url']}/version", timeout=5).ok
    assert Path(f"/proc/{external['toxiproxy_pid']}").exists()


def test_their_server_is_still_up_and_the_harness_stopped_only_its_own(external: dict[str, Any]) -> None:
    ep = external["mysql"]
    conn = connect(host=ep.host, port=ep.port, user="ext_user", password=SECRET, database="ext_app")
    with conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM items")  # the app's table, in their database
        row = cur.fetchone()
        assert row is not None and row[0] > 0
        cur.execute("SELECT COUNT(*) FROM information_schema.processlist WHERE user = 'ext_user'")
        row = cur.fetchone()
        assert row is not None and row[0] == 1  # this connection: the app's pool and the probe are gone
    assert owned_by(external["pid"]) == []


def test_their_password_is_in_no_file_of_the_run(external: dict[str, Any]) -> None:
    leaks = [str(p.relative_to(external["out"])) for p in external["out"].rglob("*")
             if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert leaks == [] and SECRET not in external["output"]
