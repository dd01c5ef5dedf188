"""Error classes of the reference app: what a failed request answers, derived from error codes.

MySQL errors are classified by their numeric code, never by message text (SQLAlchemy's rule):
client codes 2006/2013/2014/2045/2055 (and MariaDB's 1927) mean the connection is gone.
"""

from __future__ import annotations

import socket

LOST_CONNECTION_CODES = frozenset({2006, 2013, 2014, 2045, 2055, 1927, 4031})
CONNECT_FAILED_CODES = frozenset({2003, 2002, 2005})
CODE_CLASSES = {
    1040: "too_many_connections",
    1461: "prepared_stmt_limit",
    1317: "query_killed",
    1205: "lock_wait_timeout",
    1213: "deadlock",
}


class PoolTimeout(Exception):
    """No connection became free within acquire_timeout_s; carries the pool's numbers."""

    error_class = "pool_timeout"


class PoolClosed(Exception):
    error_class = "pool_closed"


def mysql_code(exc: BaseException) -> int | None:
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], int):
        return int(args[0])
    return None


def is_disconnect(exc: BaseException) -> bool:
    """True when the connection that raised ``exc`` is dead and must be discarded."""
    code = mysql_code(exc)
    if code is not None:
        return code in LOST_CONNECTION_CODES or code in CONNECT_FAILED_CODES
    return isinstance(exc, ConnectionError | socket.timeout | BrokenPipeError | OSError)


def classify(exc: BaseException) -> str:
    """The error class a failed request reports in its JSON body."""
    explicit = getattr(exc, "error_class", None)
    if isinstance(explicit, str):
        return explicit
    code = mysql_code(exc)
    if code is not None:
        if code in LOST_CONNECTION_CODES:
            return "connection_lost"
        if code in CONNECT_FAILED_CODES:
            return "connect_failed"
        return CODE_CLASSES.get(code, "mysql_error")
    if isinstance(exc, ConnectionError | socket.timeout | BrokenPipeError):
        return "connection_lost"
    return "other"
