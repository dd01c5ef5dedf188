"""kill_idle: KILL the app user's connections that have slept at least ``idle_s`` seconds, once
at ``at_s`` or every ``every_s`` seconds (for ``for_s``, or until the load ends): the zombie
killer of incidents 000 (a nightly cron) and 003 (an event every 5 minutes).

It runs on its own admin connection, straight to MySQL. A pool that does not validate hands the
killed connections out again, and their next query fails with a lost connection (2013); the
sessions (and their prepared statements) are freed on the server at once.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import pymysql
from pydantic import Field

from harness.faults.base import Fault, FaultSpec, register

UNKNOWN_THREAD = 1094  # the session ended between the SELECT and the KILL
MAX_IDS_IN_EVENT = 50


class Spec(FaultSpec):
    type: Literal["kill_idle"] = "kill_idle"
    idle_s: float = Field(ge=0, description="kill connections of the app user sleeping at least this long, "
                          "seconds")
    every_s: float | None = Field(None, ge=0.2, description="repeat every this many seconds; omitted = once, "
                                  "at at_s")
    for_s: float | None = Field(None, gt=0, description="with every_s: how long the killer runs; omitted = until "
                                "the load ends")

    def nominal_end_s(self, duration_s: float) -> float:
        return self.at_s if self.every_s is None else super().nominal_end_s(duration_s)

    def actions(self, duration_s: float) -> list[tuple[float, str]]:
        if self.every_s is None:
            return []
        end = self.end_s(duration_s)
        n = math.floor((end - self.at_s) / self.every_s + 1e-9)
        return [(self.at_s + k * self.every_s, "tick") for k in range(1, n + 1)]

    def uses(self) -> frozenset[str]:
        return frozenset({"MySQL server"})

    def problems(self, scenario: Any) -> list[str]:
        if self.for_s is not None and self.every_s is None:
            return ["for_s: a one-off kill_idle has no length; add every_s to repeat it"]
        return []


class KillIdle(Fault):
    def start(self) -> dict[str, Any]:
        return self.kill()

    def act(self, action: str) -> dict[str, Any]:
        if action != "tick":
            return super().act(action)
        return self.kill()

    def stop(self) -> dict[str, Any]:
        return {}

    def kill(self) -> dict[str, Any]:
        endpoint = self.ctx.endpoint
        mariadb = "mariadb" in endpoint.version.lower()
        # MariaDB has TIME_MS (sub-second); MySQL only whole seconds in TIME
        idle = ("TIME_MS >= %s", self.spec.idle_s * 1000.0) if mariadb else ("TIME >= %s", self.spec.idle_s)
        killed: list[int] = []
        with endpoint.admin_connect() as conn, conn.cursor() as cur:
            cur.execute("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = %s AND COMMAND = 'Sleep' "
                        f"AND ID <> CONNECTION_ID() AND {idle[0]} ORDER BY ID", (endpoint.app_user, idle[1]))
            for (conn_id,) in cur.fetchall():
                try:
                    cur.execute(f"KILL CONNECTION {int(conn_id)}")
                    killed.append(int(conn_id))
                except pymysql.err.OperationalError as e:
                    if e.args[0] != UNKNOWN_THREAD:
                        raise
        return {"killed": len(killed), "ids": killed[:MAX_IDS_IN_EVENT], "idle_s": self.spec.idle_s}


register(Spec, KillIdle)
