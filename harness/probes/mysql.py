"""MySQL as the server sees it, on the probe's own direct connection (never through the proxy).

Per tick: the app user's connections grouped by command (Sleep, Query, other), how many have
slept at least ``zombie_idle_s`` (zombies) and the longest sleep; Threads_connected,
Prepared_stmt_count, Aborted_clients, Aborted_connects; and the limits they run into.
"""

from __future__ import annotations

import logging
from typing import Any

import pymysql

from harness.stack.mysql import MySQLEndpoint

log = logging.getLogger(__name__)

PROCESSLIST_SQL = (
    "SELECT COMMAND, COUNT(*), SUM(TIME >= %s), MAX(IF(COMMAND = 'Sleep', TIME, 0)) "
    "FROM information_schema.PROCESSLIST WHERE USER = %s AND ID <> CONNECTION_ID() GROUP BY COMMAND"
)
STATUS_SQL = ("SHOW GLOBAL STATUS WHERE Variable_name IN "
              "('Threads_connected', 'Prepared_stmt_count', 'Aborted_clients', 'Aborted_connects')")
LIMITS_SQL = "SELECT @@max_prepared_stmt_count, @@max_connections"


class MySQLSampler:
    name = "mysql"

    def __init__(self, endpoint: MySQLEndpoint, zombie_idle_s: float) -> None:
        self.endpoint = endpoint
        self.zombie_idle_s = zombie_idle_s
        self._conn: pymysql.connections.Connection | None = None

    def _connection(self) -> pymysql.connections.Connection:
        if self._conn is None or not self._conn.open:
            self._conn = self.endpoint.admin_connect(connect_timeout=2, read_timeout=5, write_timeout=5)
        return self._conn

    def sample(self) -> dict[str, Any]:
        try:
            return self._sample(self._connection())
        except pymysql.err.MySQLError:
            self.close()  # reconnect on the next tick (e.g. after mysql_restart)
            raise

    def _sample(self, conn: pymysql.connections.Connection) -> dict[str, Any]:
        row: dict[str, Any] = {}
        with conn.cursor() as cur:
            cur.execute(PROCESSLIST_SQL, (self.zombie_idle_s, self.endpoint.app_user))
            by_command = {str(r[0]): (int(r[1]), int(r[2] or 0), int(r[3] or 0)) for r in cur.fetchall()}
            sleep = by_command.get("Sleep", (0, 0, 0))
            query = by_command.get("Query", (0, 0, 0))
            total = sum(v[0] for v in by_command.values())
            row.update(mysql_app_connections=total, mysql_app_sleep=sleep[0], mysql_app_query=query[0],
                       mysql_app_other=total - sleep[0] - query[0], mysql_app_zombies=sleep[1],
                       mysql_app_max_idle_s=sleep[2])
            cur.execute(STATUS_SQL)
            status = {str(k).lower(): int(v) for k, v in cur.fetchall()}
            row.update(mysql_threads_connected=status.get("threads_connected"),
                       mysql_prepared_stmt_count=status.get("prepared_stmt_count"),
                       mysql_aborted_clients=status.get("aborted_clients"),
                       mysql_aborted_connects=status.get("aborted_connects"))
            cur.execute(LIMITS_SQL)
            limits = cur.fetchone()
            if limits:
                row.update(mysql_max_prepared_stmt_count=int(limits[0]), mysql_max_connections=int(limits[1]))
        return row

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass
            self._conn = None
