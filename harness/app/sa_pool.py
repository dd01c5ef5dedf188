"""Engine ``sqlalchemy``: the real SQLAlchemy QueuePool behind the same contract as our pool.

Requests run on SQLAlchemy ``Connection`` objects through ``exec_driver_sql``, so what users see
is the library's own behaviour, not an imitation: reset-on-return (a ROLLBACK at every checkin),
``pool_pre_ping``, ``pool_recycle`` checked lazily at checkout, LIFO/FIFO, overflow connections
closed on return, and on a disconnect the invalidation of the *whole* pool by bumping a
timestamp (so every older connection is replaced at its next checkout). That last point is why
``drain_idle`` does nothing here: SQLAlchemy already did it.

The gauges come from QueuePool itself (checked in = idle, checked out = active) and from pool
events (``connect``, ``close``, ``invalidate``); QueuePool does not count its waiters, so
``waiting`` is the checkouts in progress beyond the free slots.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection
from sqlalchemy.pool import QueuePool

from harness.app.config import PoolConfig
from harness.app.connections import PoolStats, open_raw
from harness.app.errors import PoolTimeout, is_disconnect
from harness.app.session import Row
from harness.stack.mysql import DSN


class SaSession:
    """A SQLAlchemy Connection; ``info`` is SQLAlchemy's per-DBAPI-connection dict (cleared when
    the connection is invalidated, exactly when the server forgets its prepared statements)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.info: dict[str, Any] = conn.connection.info

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        result = self.conn.exec_driver_sql(sql, tuple(params))
        return [tuple(r) for r in result.fetchall()] if result.returns_rows else []

    def begin(self) -> None:
        if not self.conn.in_transaction():
            self.conn.begin()

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()


class SaLease:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.session = SaSession(conn)


class SaPool:
    engine = "sqlalchemy"

    def __init__(self, dsn: DSN, config: PoolConfig) -> None:
        args = config.sqlalchemy_args()
        self.max_size = args["pool_size"] + args["max_overflow"]
        # autocommit off: SQLAlchemy expects the DBAPI's implicit transactions (its "autobegin").
        self.sa_engine = create_engine("mysql+pymysql://", creator=lambda: open_raw(dsn, config, autocommit=False),
                                       poolclass=QueuePool, **args)
        self.stats = PoolStats()
        self._checking_out = 0
        self._held = 0
        pool = self.sa_engine.pool
        event.listen(pool, "connect", self._on_connect)
        event.listen(pool, "close", self._on_close)
        event.listen(pool, "close_detached", self._on_close_detached)
        event.listen(pool, "invalidate", self._on_invalidate)

    # -- pool events -----------------------------------------------------------------------------
    def _on_connect(self, dbapi_conn: Any, record: Any) -> None:
        self.stats.created_total += 1

    def _on_close(self, dbapi_conn: Any, record: Any) -> None:
        self.stats.closed_total += 1

    def _on_close_detached(self, dbapi_conn: Any) -> None:
        self.stats.closed_total += 1

    def _on_invalidate(self, dbapi_conn: Any, record: Any, exception: BaseException | None) -> None:
        if exception is not None and (isinstance(exception, sa_exc.DisconnectionError) or is_disconnect(exception)):
            self.stats.stale_errors_total += 1

    # -- the contract ----------------------------------------------------------------------------
    def start(self) -> None:
        """QueuePool has no background task: recycling and pre-ping happen at checkout."""

    def borrow(self, timeout_s: float | None = None, label: str = "") -> SaLease:
        """A checkout; QueuePool's own ``pool_timeout`` applies (the /health deadline still cuts it short)."""
        self._checking_out += 1
        try:
            conn = self.sa_engine.connect()
        except sa_exc.TimeoutError as e:
            self.stats.acquire_timeouts_total += 1
            reason = str(e).split(" (Background on this error", 1)[0]
            raise PoolTimeout(f"pool exhausted: {reason} ({self._numbers()})") from None
        finally:
            self._checking_out -= 1
        self._held += 1
        return SaLease(conn)

    def give_back(self, lease: SaLease) -> None:
        self._held -= 1
        lease.conn.close()

    def discard(self, lease: SaLease, error: BaseException | None = None) -> None:
        self._held -= 1
        if not lease.conn.invalidated:
            lease.conn.invalidate(error)
        lease.conn.close()

    def drain_idle(self) -> int:
        return 0

    def close(self) -> None:
        self.sa_engine.dispose()

    # -- gauges ----------------------------------------------------------------------------------
    def _gauges(self) -> tuple[int, int, int, int]:
        pool = self.sa_engine.pool
        assert isinstance(pool, QueuePool)
        idle, active = pool.checkedin(), pool.checkedout()
        waiting = max(0, self._checking_out - max(0, self.max_size - self._held))
        return idle + active, active, idle, waiting

    def _numbers(self) -> str:
        total, active, idle, waiting = self._gauges()
        return f"total={total}, active={active}, idle={idle}, waiting={waiting}"

    def snapshot(self) -> dict[str, Any]:
        total, active, idle, waiting = self._gauges()
        s = self.stats
        return {"engine": self.engine, "max_size": self.max_size, "total": total, "active": active, "idle": idle,
                "waiting": waiting, "created_total": s.created_total, "closed_total": s.closed_total,
                "acquire_timeouts_total": s.acquire_timeouts_total, "stale_errors_total": s.stale_errors_total,
                "leaks_detected_total": s.leaks_detected_total, "housekeeping_errors_total": 0}
