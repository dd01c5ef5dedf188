"""The reference pool: the semantics of the pools in the incidents, with HikariCP's vocabulary.

Gauges are ``total``, ``active``, ``idle`` and ``waiting``; verbs are borrow and return. A borrow
takes an idle connection, else opens one while ``total < max_size``, else waits up to
``acquire_timeout_s`` and fails with a PoolTimeout that carries the numbers. A connection that
raised a disconnect error is discarded on return, never handed out again.

Runs under gevent (the app patches the standard library first), so ``threading.Condition`` is a
cooperative one and a waiting request costs a greenlet, not a thread.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import pymysql

from harness.app.config import PoolConfig
from harness.app.errors import PoolTimeout
from harness.stack.mysql import DSN, connect


@dataclass(eq=False)
class PooledConnection:
    """A DB connection and what the pool knows about it (monotonic seconds)."""

    raw: pymysql.connections.Connection
    created_s: float
    last_used_s: float
    broken: bool = False
    borrowed_at: Any = field(default=None, repr=False)


@dataclass
class PoolStats:
    created_total: int = 0
    closed_total: int = 0
    acquire_timeouts_total: int = 0
    stale_errors_total: int = 0
    leaks_detected_total: int = 0


class ReferencePool:
    """A bounded pool of PyMySQL connections with an acquire timeout."""

    engine = "reference"

    def __init__(self, dsn: DSN, config: PoolConfig) -> None:
        self.dsn = dsn
        self.config = config
        self.max_size = config.max_size
        self._idle: deque[PooledConnection] = deque()
        self._active: set[PooledConnection] = set()
        self._opening = 0
        self._waiting = 0
        self._cond = threading.Condition()
        self.stats = PoolStats()

    # -- borrow / return -------------------------------------------------------------------------
    def borrow(self, timeout_s: float | None = None) -> PooledConnection:
        timeout_s = self.config.acquire_timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + timeout_s
        with self._cond:
            self._waiting += 1
            try:
                while True:
                    if self._idle:
                        conn = self._idle.pop()  # LIFO: the warmest connection first
                        self._active.add(conn)
                        return conn
                    if self._total_locked() < self.max_size:
                        self._opening += 1
                        break
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        self.stats.acquire_timeouts_total += 1
                        raise PoolTimeout(self._timeout_message(timeout_s))
                    self._cond.wait(remaining)
            finally:
                self._waiting -= 1
        try:
            conn = self._open()
        except BaseException:
            with self._cond:
                self._opening -= 1
                self._cond.notify()
            raise
        with self._cond:
            self._opening -= 1
            self._active.add(conn)
        return conn

    def give_back(self, conn: PooledConnection) -> None:
        """Return a borrowed connection; a broken one is closed instead of reused."""
        with self._cond:
            if conn not in self._active:
                return
            self._active.discard(conn)
            if not conn.broken:
                conn.last_used_s = time.monotonic()
                self._idle.append(conn)
            self._cond.notify()
        if conn.broken:
            self._close(conn)

    # -- connections -----------------------------------------------------------------------------
    def _open(self) -> PooledConnection:
        d = self.dsn
        raw = connect(host=d.host, port=d.port, user=d.user, password=d.password, database=d.database,
                              connect_timeout=self.config.connect_timeout_s,
                              read_timeout=self.config.query_timeout_s, write_timeout=self.config.query_timeout_s,
                              autocommit=True)
        now = time.monotonic()
        with self._cond:
            self.stats.created_total += 1
        return PooledConnection(raw=raw, created_s=now, last_used_s=now)

    def _close(self, conn: PooledConnection) -> None:
        try:
            conn.raw.close()
        except Exception:
            try:
                conn.raw._force_close()
            except Exception:
                pass
        with self._cond:
            self.stats.closed_total += 1

    def close(self) -> None:
        with self._cond:
            idle, self._idle = list(self._idle), deque()
        for conn in idle:
            self._close(conn)

    # -- gauges ----------------------------------------------------------------------------------
    def _total_locked(self) -> int:
        return len(self._idle) + len(self._active) + self._opening

    def _timeout_message(self, timeout_s: float) -> str:
        return (f"pool exhausted: no connection within {timeout_s:g} s (total={self._total_locked()}, "
                f"active={len(self._active) + self._opening}, idle={len(self._idle)}, waiting={self._waiting})")

    def snapshot(self) -> dict[str, Any]:
        """The ``GET /pool`` body (DESIGN.md contract)."""
        with self._cond:
            return {"engine": self.engine, "max_size": self.max_size, "total": self._total_locked(),
                    "active": len(self._active) + self._opening, "idle": len(self._idle),
                    "waiting": self._waiting,
                    "created_total": self.stats.created_total, "closed_total": self.stats.closed_total,
                    "acquire_timeouts_total": self.stats.acquire_timeouts_total,
                    "stale_errors_total": self.stats.stale_errors_total,
                    "leaks_detected_total": self.stats.leaks_detected_total}
