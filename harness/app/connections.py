"""One physical connection: how the app opens, closes and pings it, and what a pool records about
it. Shared by the reference pool, engine ``single`` and engine ``none`` (the sqlalchemy engine
opens its connections with ``open_raw`` too, so every engine talks to MySQL the same way).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pymysql

from harness.app.bugs import client_gone
from harness.app.config import PoolConfig
from harness.app.leaks import NO_WATCH, Watch
from harness.app.session import RawSession
from harness.stack.mysql import DSN, connect

log = logging.getLogger("harness.app.pool")


@dataclass(eq=False)
class PooledConnection:
    """A DB connection and what the pool knows about it (monotonic seconds)."""

    raw: pymysql.connections.Connection
    session: RawSession
    created_s: float
    last_used_s: float
    last_ping_s: float = 0.0
    watch: Watch = field(default=NO_WATCH, repr=False)


@dataclass
class PoolStats:
    created_total: int = 0
    closed_total: int = 0
    acquire_timeouts_total: int = 0
    stale_errors_total: int = 0
    leaks_detected_total: int = 0


def open_raw(dsn: DSN, config: PoolConfig, autocommit: bool = True) -> pymysql.connections.Connection:
    return connect(host=dsn.host, port=dsn.port, user=dsn.user, password=dsn.password, database=dsn.database,
                   connect_timeout=config.connect_timeout_s, read_timeout=config.query_timeout_s,
                   write_timeout=config.query_timeout_s, autocommit=autocommit)


def close_raw(raw: pymysql.connections.Connection) -> None:
    """COM_QUIT if the socket still works, else just drop it; never raises."""
    try:
        raw.close()
    except Exception:
        try:
            raw._force_close()
        except Exception:
            pass


def server_hung_up(raw: pymysql.connections.Connection) -> bool:
    """True when MySQL has closed this connection (its FIN or RST arrived: ``wait_timeout`` or a KILL
    ended the session), found without reading from the socket: the hang-up test of
    ``bugs.client_gone``, on the database side."""
    sock = getattr(raw, "_sock", None)
    return sock is None or client_gone(sock)


def ping(raw: pymysql.connections.Connection, timeout_s: float) -> bool:
    """COM_PING within ``timeout_s`` (HikariCP sets the network timeout to validationTimeout the same
    way); False if the connection is dead. PyMySQL keeps its timeouts in private fields."""
    saved = raw._read_timeout, raw._write_timeout
    raw._read_timeout = raw._write_timeout = timeout_s
    try:
        raw.ping(reconnect=False)
        return True
    except Exception as e:
        log.info("validation failed: %s", e)
        return False
    finally:
        raw._read_timeout, raw._write_timeout = saved
