"""The pool engines a scenario chooses with ``pool.engine``, and engine ``none``.

- ``reference``: our pool with the incidents' semantics (``pool.ReferencePool``);
- ``single``: one shared connection, requests serialized behind it (``pool.SinglePool``);
- ``sqlalchemy``: the real SQLAlchemy QueuePool (``sa_pool.SaPool``, imported only when chosen);
- ``none``: no pool at all, a new connection per request, closed after it (incident 004's "poor"
  code): every request pays the handshake, and a burst opens as many connections as it has
  requests, up to MySQL's ``max_connections`` (then ERROR 1040, too_many_connections).
"""

from __future__ import annotations

import time
from typing import Any

from harness.app.config import PoolConfig
from harness.app.connections import PooledConnection, PoolStats, close_raw, open_raw
from harness.app.errors import is_disconnect
from harness.app.pool import ReferencePool, SinglePool
from harness.app.session import Pool, RawSession
from harness.stack.mysql import DSN


class NoPool:
    engine = "none"

    def __init__(self, dsn: DSN, config: PoolConfig) -> None:
        self.dsn = dsn
        self.config = config
        self.stats = PoolStats()
        self._open: set[PooledConnection] = set()
        self._connecting = 0

    def start(self) -> None:
        pass

    def borrow(self, timeout_s: float | None = None, label: str = "") -> PooledConnection:
        self._connecting += 1
        try:
            raw = open_raw(self.dsn, self.config)
        finally:
            self._connecting -= 1
        self.stats.created_total += 1
        now = time.monotonic()
        conn = PooledConnection(raw=raw, session=RawSession(raw), created_s=now, last_used_s=now)
        self._open.add(conn)
        return conn

    def give_back(self, conn: PooledConnection) -> None:
        if conn in self._open:
            self._open.discard(conn)
            close_raw(conn.raw)
            self.stats.closed_total += 1

    def discard(self, conn: PooledConnection, error: BaseException | None = None) -> None:
        if error is not None and is_disconnect(error):
            self.stats.stale_errors_total += 1
        self.give_back(conn)

    def drain_idle(self) -> int:
        return 0

    def close(self) -> None:
        pass

    def snapshot(self) -> dict[str, Any]:
        """``max_size`` is null: nothing bounds the connections but MySQL's max_connections."""
        s = self.stats
        active = len(self._open) + self._connecting
        return {"engine": self.engine, "max_size": None, "total": active, "active": active, "idle": 0, "waiting": 0,
                "created_total": s.created_total, "closed_total": s.closed_total,
                "acquire_timeouts_total": 0, "stale_errors_total": s.stale_errors_total,
                "leaks_detected_total": 0, "housekeeping_errors_total": 0}


def make_pool(dsn: DSN, config: PoolConfig) -> Pool:
    if config.engine == "reference":
        return ReferencePool(dsn, config)
    if config.engine == "single":
        return SinglePool(dsn, config)
    if config.engine == "none":
        return NoPool(dsn, config)
    from harness.app.sa_pool import SaPool

    return SaPool(dsn, config)
