"""Error classes of the reference app: what a failed request answers, derived from error codes.

MySQL errors are classified by their numeric code, never by message text (SQLAlchemy's rule):
client codes 2006/2013/2014/2045/2055 (and MariaDB's 1927, MySQL's 4031) mean the connection is
gone. SQLAlchemy wraps driver errors; the driver's error (``.orig``) is what gets classified.

    Exception
    ├── AppError            a failure the app itself decides; carries error_class and HTTP status
    │   ├── PoolTimeout     no connection within acquire_timeout_s (503, with the pool's numbers)
    │   ├── PoolQueueFull   queue_limit requests already waiting (503)
    │   ├── ClientGone      the client disconnected before its connection arrived (499)
    │   └── BadRequest      a request parameter is wrong (400)
    └── pymysql / SQLAlchemy errors, classified by code
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
    1062: "duplicate_key",
}
UNAVAILABLE_CLASSES = frozenset({"pool_timeout", "pool_queue_full", "health_timeout"})


class AppError(Exception):
    error_class = "app_error"
    status = 500


class PoolTimeout(AppError):
    """No connection became free within acquire_timeout_s; the message carries the pool's numbers."""

    error_class = "pool_timeout"
    status = 503


class PoolQueueFull(AppError):
    """queue_limit requests are already waiting (mysql2's "Queue limit reached.")."""

    error_class = "pool_queue_full"
    status = 503


class ClientGone(AppError):
    """The client disconnected while its request waited for a connection (incident 002)."""

    error_class = "client_gone"
    status = 499


class BadRequest(AppError):
    error_class = "bad_request"
    status = 400


def root_error(exc: BaseException) -> BaseException:
    """The driver's error inside a SQLAlchemy wrapper (``DBAPIError.orig``), else ``exc`` itself."""
    orig = getattr(exc, "orig", None)
    return orig if isinstance(orig, BaseException) else exc


def mysql_code(exc: BaseException) -> int | None:
    args = getattr(root_error(exc), "args", ())
    if args and isinstance(args[0], int):
        return int(args[0])
    return None


def is_disconnect(exc: BaseException) -> bool:
    """True when the connection that raised ``exc`` is dead and must be discarded."""
    code = mysql_code(exc)
    if code is not None:
        return code in LOST_CONNECTION_CODES or code in CONNECT_FAILED_CODES
    if getattr(exc, "connection_invalidated", False):
        return True
    return isinstance(root_error(exc), ConnectionError | socket.timeout | BrokenPipeError | OSError)


def leaves_connection_usable(exc: BaseException) -> bool:
    """True for an error the server answered (a SQL error): the connection is still in a known state.

    Anything else (a lost connection, a client-side protocol error, a timeout that interrupted a
    read half way) leaves the connection unusable, and it must be discarded, not returned.
    """
    code = mysql_code(exc)
    return code is not None and 1000 <= code < 2000 and code not in LOST_CONNECTION_CODES


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
    if is_disconnect(exc):
        return "connection_lost"
    return "other"


def describe(exc: BaseException) -> str:
    """``Type: first line`` of the driver's error: SQLAlchemy's SQL echo and links stay out."""
    root = root_error(exc)
    text = str(root).strip().splitlines()
    return f"{type(root).__name__}: {text[0] if text else ''}"


def http_status(exc: BaseException) -> int:
    """503 when the app is out of connections (retry later), the error's own status, else 500."""
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        return status
    return 503 if classify(exc) in UNAVAILABLE_CLASSES else 500
