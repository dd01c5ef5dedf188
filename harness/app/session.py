"""What a request holds while it has a connection: a ``Session`` to run SQL on, and the pool
contract every engine keeps (borrow, give back, discard, drain, gauges).

A session runs one statement at a time and returns its rows; ``info`` is per *physical*
connection state that survives returns to the pool (the prepared-statement cache lives there, as
Connector/J's does). ``RawSession`` is a PyMySQL connection in autocommit mode with explicit
transactions; the sqlalchemy engine has its own session over SQLAlchemy's ``Connection``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import pymysql

Row = tuple[Any, ...]


class Session(Protocol):
    info: dict[str, Any]

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...
    def begin(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class Lease(Protocol):
    """A borrowed connection, as the app sees it."""

    @property
    def session(self) -> Session: ...


class Pool(Protocol):
    """The contract of every engine; ``snapshot`` is the ``GET /pool`` body (DESIGN.md)."""

    engine: str

    def start(self) -> None: ...
    def borrow(self, timeout_s: float | None = None, label: str = "") -> Lease: ...
    def give_back(self, lease: Any) -> None: ...
    def discard(self, lease: Any, error: BaseException | None) -> None: ...
    def drain_idle(self) -> int: ...
    def snapshot(self) -> dict[str, Any]: ...
    def close(self) -> None: ...


class RawSession:
    """A PyMySQL connection (autocommit on): statements commit alone unless inside begin/commit."""

    def __init__(self, raw: pymysql.connections.Connection) -> None:
        self.raw = raw
        self.info: dict[str, Any] = {}
        self.in_transaction = False

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self.raw.cursor() as cur:
            cur.execute(sql, tuple(params) if params else None)
            return list(cur.fetchall())

    def begin(self) -> None:
        self.in_transaction = True
        self.raw.begin()

    def commit(self) -> None:
        self.raw.commit()
        self.in_transaction = False

    def rollback(self) -> None:
        self.in_transaction = False
        self.raw.rollback()
