"""The reference pool: the semantics of the pools in the incidents, with HikariCP's vocabulary.

Gauges are ``total``, ``active``, ``idle`` and ``waiting``; verbs are borrow and give back. A
borrow takes an idle connection (``order``: LIFO like HikariCP and Prisma, or FIFO like the mysql2
of incident 001 and Sequelize), else opens one while ``total < max_size``, else waits up to
``acquire_timeout_s`` (null: forever) and fails with a PoolTimeout that carries the numbers;
with ``queue_limit`` requests already waiting it fails at once. Before handing a connection out
it checks ``max_lifetime_s`` and, per ``validate``, pings it (HikariCP's isValid with
``validation_timeout_s``); a connection that fails is closed and the borrow tries the next one.
A discarded connection (it raised a disconnect) is closed, never handed out again.

Housekeeping (every ``housekeeping_interval_s``) retires connections past ``max_lifetime_s``,
idle past ``idle_timeout_s`` above ``min_idle``, and above ``max_idle``; pings those idle for
``keepalive_s``; and refills to ``min_idle``. With ``evict_closed`` it first forgets every
connection whose server hung up, borrowed ones included, as Sequelize does on a socket's error
event: a leaked connection's slot comes back once ``wait_timeout`` or a KILL ends its session
(incident 000's safety net). Time is ``time.monotonic()`` throughout.

Everything runs on one OS thread under gevent (the app patches the standard library first), so
``threading.Condition`` is a cooperative one, a waiting request costs a greenlet, and counters
need no lock of their own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

from harness.app.config import PoolConfig
from harness.app.connections import PooledConnection, PoolStats, close_raw, open_raw, ping, server_hung_up
from harness.app.errors import PoolQueueFull, PoolTimeout, is_disconnect
from harness.app.housekeeping import Housekeeper
from harness.app.leaks import NO_WATCH, LeakDetector, NoLeakDetector
from harness.app.session import RawSession
from harness.stack.mysql import DSN

log = logging.getLogger("harness.app.pool")

class ReferencePool:
    """A bounded pool of PyMySQL connections (see the module docstring for its semantics)."""

    engine = "reference"

    def __init__(self, dsn: DSN, config: PoolConfig) -> None:
        self.dsn = dsn
        self.config = config
        self.max_size = config.max_size
        self._idle: deque[PooledConnection] = deque()
        self._active: set[PooledConnection] = set()
        self._opening = 0  # being opened for a borrower: counted active
        self._reserved = 0  # held by housekeeping (ping, refill): in total, neither active nor idle
        self._waiting = 0
        self._cond = threading.Condition()
        self._closed = False
        self.stats = PoolStats()
        self.leaks: LeakDetector | NoLeakDetector = NoLeakDetector()
        if config.leak_detection_s is not None:
            self.leaks = LeakDetector(config.leak_detection_s, self._count_leak)
        self.housekeeper = Housekeeper(f"{self.engine} pool housekeeping", config.housekeeping_interval_s,
                                       self.housekeep)

    def start(self) -> None:
        self.housekeeper.start()

    # -- borrow / give back / discard --------------------------------------------------------------
    def borrow(self, timeout_s: float | None = None, label: str = "") -> PooledConnection:
        timeout_s = self.config.acquire_timeout_s if timeout_s is None else timeout_s
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            conn = self._take(deadline, timeout_s)
            if conn is None:
                conn = self._open_for_borrower()
                break
            if self._usable(conn):
                break
        conn.watch = self.leaks.watch(label)
        return conn

    def _take(self, deadline: float | None, timeout_s: float | None) -> PooledConnection | None:
        """An idle connection, or None with a slot reserved to open one; waits while the pool is full."""
        with self._cond:
            limit = self.config.queue_limit
            if limit is not None and not self._idle and self._total() >= self.max_size and self._waiting >= limit:
                raise PoolQueueFull(f"queue limit reached: {self._waiting} requests already waiting (queue_limit="
                                    f"{limit}, {self._numbers()})")
            self._waiting += 1
            try:
                while True:
                    if self._idle:
                        conn = self._idle.pop() if self.config.order == "lifo" else self._idle.popleft()
                        self._active.add(conn)
                        return conn
                    if self._total() < self.max_size:
                        self._opening += 1
                        return None
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        self.stats.acquire_timeouts_total += 1
                        raise PoolTimeout(f"pool exhausted: no connection within {timeout_s:g} s ({self._numbers()})")
                    self._cond.wait(remaining)
            finally:
                self._waiting -= 1

    def _open_for_borrower(self) -> PooledConnection:
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

    def _usable(self, conn: PooledConnection) -> bool:
        """Lifetime and validation at borrow; an unusable connection is closed here."""
        now = time.monotonic()
        if self._expired(conn, now):
            self._drop_active(conn)
            return False
        mode = self.config.validate
        if mode == "always" or (mode == "after_idle" and now - conn.last_used_s > self.config.validate_after_idle_s):
            try:
                alive = ping(conn.raw, self.config.validation_timeout_s)
            except BaseException:  # e.g. the /health deadline interrupted the ping
                self._drop_active(conn)
                raise
            if not alive:
                self.stats.stale_errors_total += 1
                self._drop_active(conn)
                return False
        return True

    def give_back(self, conn: PooledConnection) -> None:
        """Return a borrowed connection; one past max_lifetime_s is closed instead."""
        conn.watch.cancel()
        conn.watch = NO_WATCH
        now = time.monotonic()
        with self._cond:
            if conn not in self._active:
                return
            self._active.discard(conn)
            keep = not self._closed and not self._expired(conn, now)
            if keep:
                conn.last_used_s = now
                self._idle.append(conn)
            self._cond.notify()
        if not keep:
            self._close(conn)

    def discard(self, conn: PooledConnection, error: BaseException | None = None) -> None:
        """Close a borrowed connection that must not be reused (it raised a disconnect, or was cut off)."""
        conn.watch.cancel()
        conn.watch = NO_WATCH
        if error is not None and is_disconnect(error):
            self.stats.stale_errors_total += 1
        self._drop_active(conn)

    def drain_idle(self) -> int:
        """Close every idle connection (incident 001's drainFreeConnections); returns how many."""
        with self._cond:
            idle, self._idle = list(self._idle), deque()
            self._cond.notify_all()
        for conn in idle:
            self._close(conn)
        return len(idle)

    # -- housekeeping ------------------------------------------------------------------------------
    def housekeep(self) -> None:
        if self.config.evict_closed:
            self.evict_closed()
        now = time.monotonic()
        cfg = self.config
        retire: list[PooledConnection] = []
        pings: list[PooledConnection] = []
        with self._cond:
            for conn in [c for c in self._idle if self._expired(c, now)]:
                self._idle.remove(conn)
                retire.append(conn)
            by_idleness = sorted(self._idle, key=lambda c: c.last_used_s)
            if cfg.idle_timeout_s is not None:
                excess = len(self._idle) - cfg.min_idle
                for conn in by_idleness:
                    if excess <= 0:
                        break
                    if now - conn.last_used_s > cfg.idle_timeout_s:
                        self._idle.remove(conn)
                        retire.append(conn)
                        excess -= 1
            if cfg.max_idle is not None:
                for conn in [c for c in by_idleness if c in self._idle][:max(0, len(self._idle) - cfg.max_idle)]:
                    self._idle.remove(conn)
                    retire.append(conn)
            if cfg.keepalive_s is not None:
                for conn in [c for c in self._idle if now - max(c.last_used_s, c.last_ping_s) >= cfg.keepalive_s]:
                    self._idle.remove(conn)
                    pings.append(conn)
                    self._reserved += 1
            refill = max(0, min(cfg.min_idle - len(self._idle) - len(pings), self.max_size - self._total()))
            self._reserved += refill
        for conn in retire:
            self._close(conn)
        for conn in pings:
            alive = ping(conn.raw, cfg.validation_timeout_s)
            conn.last_ping_s = time.monotonic()
            self._unreserve(conn if alive else None)
            if not alive:
                self.stats.stale_errors_total += 1
                self._close(conn)
        for i in range(refill):
            try:
                conn = self._open()
            except BaseException:
                with self._cond:
                    self._reserved -= refill - i
                raise
            self._unreserve(conn)

    def evict_closed(self) -> int:
        """Close and forget every connection, idle or borrowed, whose server hung up; returns how many.

        A borrowed one may be in a request's hands: that request's next read fails as a lost
        connection, which it would have anyway; one nobody will give back (a leak) frees its slot.
        """
        with self._cond:
            idle = [c for c in self._idle if server_hung_up(c.raw)]
            borrowed = [c for c in self._active if server_hung_up(c.raw)]
            for conn in idle:
                self._idle.remove(conn)
            for conn in borrowed:
                self._active.discard(conn)
                conn.watch.cancel()
            if idle or borrowed:
                self._cond.notify(len(idle) + len(borrowed))
        for conn in idle + borrowed:
            self._close(conn)
        if borrowed:
            log.info("evicted %d borrowed and %d idle connections the server closed", len(borrowed), len(idle))
        return len(idle) + len(borrowed)

    def _unreserve(self, conn: PooledConnection | None) -> None:
        """Hand a housekeeping connection back as idle, behind the ones borrowers will take first."""
        with self._cond:
            self._reserved -= 1
            if conn is not None and not self._closed:
                if self.config.order == "lifo":
                    self._idle.appendleft(conn)
                else:
                    self._idle.append(conn)
                self._cond.notify()

    # -- connections -----------------------------------------------------------------------------
    def _open(self) -> PooledConnection:
        raw = open_raw(self.dsn, self.config)
        now = time.monotonic()
        self.stats.created_total += 1
        return PooledConnection(raw=raw, session=RawSession(raw), created_s=now, last_used_s=now, last_ping_s=now)

    def _expired(self, conn: PooledConnection, now: float) -> bool:
        return self.config.max_lifetime_s is not None and now - conn.created_s >= self.config.max_lifetime_s

    def _drop_active(self, conn: PooledConnection) -> None:
        with self._cond:
            if conn not in self._active:
                return
            self._active.discard(conn)
            self._cond.notify()
        self._close(conn)

    def _close(self, conn: PooledConnection) -> None:
        close_raw(conn.raw)
        self.stats.closed_total += 1

    def _count_leak(self) -> None:
        self.stats.leaks_detected_total += 1

    def close(self) -> None:
        self.housekeeper.stop()
        with self._cond:
            self._closed = True
        self.drain_idle()

    # -- gauges ----------------------------------------------------------------------------------
    def _total(self) -> int:
        return len(self._idle) + len(self._active) + self._opening + self._reserved

    def _numbers(self) -> str:
        return (f"total={self._total()}, active={len(self._active) + self._opening}, idle={len(self._idle)}, "
                f"waiting={self._waiting}")

    def snapshot(self) -> dict[str, Any]:
        """The ``GET /pool`` body (DESIGN.md contract), plus housekeeping's failure count."""
        s = self.stats
        return {"engine": self.engine, "max_size": self.max_size, "total": self._total(),
                "active": len(self._active) + self._opening, "idle": len(self._idle), "waiting": self._waiting,
                "created_total": s.created_total, "closed_total": s.closed_total,
                "acquire_timeouts_total": s.acquire_timeouts_total, "stale_errors_total": s.stale_errors_total,
                "leaks_detected_total": s.leaks_detected_total,
                "housekeeping_errors_total": self.housekeeper.errors_total}


class SinglePool(ReferencePool):
    """One shared connection, requests serialized behind it (incident 004): a reference pool of one."""

    engine = "single"
