"""Helpers for the integration tests: ``harness`` run as a user runs it (from the repository root), MariaDB
seen from the admin side (directly, never through the proxy), and small HTTP clients, including one that
aborts like incident 002's ``curl --max-time 0.001``."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.stack.mysql import MySQLEndpoint
from harness.stack.processes import owned_by
from harness.stack.processes import wait_until as wait_until  # re-exported: the app tests import it from here
from harness.stack.target import BuiltinApp, http_get_json

ROOT = Path(__file__).resolve().parents[2]  # the repository: `harness` runs from here, as in the README


def harness_popen(*args: str, stderr: int | None = subprocess.PIPE) -> subprocess.Popen[str]:
    """``python -m harness *args`` started from ROOT, stdout piped (text), for a test that signals it.

    ``stderr=None`` leaves it on the terminal, for a process nobody reads to the end (`stack up`).
    """
    return subprocess.Popen([sys.executable, "-m", "harness", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=stderr, text=True)


def harness_cli(*args: str, timeout_s: float = 180) -> subprocess.CompletedProcess[str]:
    """``python -m harness *args`` run to its end (output captured); nothing it started may outlive it."""
    proc = harness_popen(*args)
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()  # its children die with it (PR_SET_PDEATHSIG)
        proc.communicate()
        raise
    assert owned_by(proc.pid) == [], f"harness {' '.join(args)} left processes running"
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def get(app: BuiltinApp, path: str, timeout_s: float = 15.0) -> tuple[int, Any]:
    return http_get_json(app.url + path, timeout_s)


def pool(app: BuiltinApp) -> dict[str, Any]:
    status, body = get(app, "/pool", 5)
    assert status == 200, body
    return dict(body)


def admin_rows(mysql: MySQLEndpoint, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with mysql.admin_connect() as conn, conn.cursor() as cur:
        cur.execute(sql, args or None)
        return list(cur.fetchall())


def app_connection_ids(mysql: MySQLEndpoint) -> list[int]:
    rows = admin_rows(mysql, "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = %s ORDER BY ID",
                      (mysql.app_user,))
    return [int(r[0]) for r in rows]


def kill_app_connections(mysql: MySQLEndpoint) -> int:
    """KILL CONNECTION every connection of the app user (the server side of a stale pool)."""
    ids = app_connection_ids(mysql)
    with mysql.admin_connect() as conn, conn.cursor() as cur:
        for conn_id in ids:
            with contextlib.suppress(Exception):
                cur.execute(f"KILL CONNECTION {conn_id}")
    return len(ids)


def global_status(mysql: MySQLEndpoint, name: str) -> int:
    rows = admin_rows(mysql, "SHOW GLOBAL STATUS LIKE %s", (name,))
    return int(rows[0][1])


def open_transactions(mysql: MySQLEndpoint) -> int:
    rows = admin_rows(mysql, "SELECT COUNT(*) FROM information_schema.INNODB_TRX t JOIN "
                      "information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id WHERE p.USER = %s",
                      (mysql.app_user,))
    return int(rows[0][0])


@contextlib.contextmanager
def global_variable(mysql: MySQLEndpoint, name: str, value: Any) -> Iterator[None]:
    """SET GLOBAL for the duration of a block, restored afterwards (the server is shared by the session)."""
    before = admin_rows(mysql, f"SELECT @@GLOBAL.{name}")[0][0]
    with mysql.admin_connect() as conn, conn.cursor() as cur:
        cur.execute(f"SET GLOBAL {name} = %s", (value,))
    try:
        yield
    finally:
        with mysql.admin_connect() as conn, conn.cursor() as cur:
            cur.execute(f"SET GLOBAL {name} = %s", (before,))


def abort_request(app: BuiltinApp, path: str, abort_after_s: float) -> None:
    """Send a GET and hang up ``abort_after_s`` later without reading the answer."""
    parts = urlsplit(app.url)
    sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=5)
    try:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode())
        time.sleep(abort_after_s)
    finally:
        sock.close()


class Background:
    """Run calls in threads and collect their results (requests that must overlap in time)."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.results: list[Any] = []
        self._lock = threading.Lock()

    def run(self, fn: Callable[..., Any], *args: Any) -> None:
        def target() -> None:
            result = fn(*args)
            with self._lock:
                self.results.append(result)

        t = threading.Thread(target=target, daemon=True)
        t.start()
        self.threads.append(t)

    def join(self, timeout_s: float = 30.0) -> list[Any]:
        for t in self.threads:
            t.join(timeout_s)
        return self.results


def fill(app: BuiltinApp, count: int, hold_ms: int = 300) -> None:
    """Make the pool open ``count`` connections at once (``count`` overlapping slow requests)."""
    bg = Background()
    for _ in range(count):
        bg.run(get, app, f"/report?hold_ms={hold_ms}")
    statuses = [status for status, _ in bg.join()]
    assert statuses == [200] * count, statuses
