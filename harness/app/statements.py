"""How the app sends parameterized SQL: incident 003's three ways, and its IN-list padding.

Queries are written once with ``?`` placeholders and run by one of:

- ``client``: the driver escapes the values into the SQL text (Connector/J's default, PyMySQL's
  only mode); nothing stays on the server.
- ``server_uncached``: a server-side ``PREPARE`` under a fresh name for every execution, never
  deallocated, like ``useServerPrepStmts=true`` without ``cachePrepStmts``: the statements live
  until the connection closes, so ``Prepared_stmt_count`` climbs with every request until MySQL
  refuses new ones (ERROR 1461, prepared_stmt_limit) or connections are recycled.
- ``server_cached``: a per-connection LRU cache from SQL text to statement, like
  ``cachePrepStmts=true``: one ``PREPARE`` per distinct SQL text per connection, the least
  recently used ``DEALLOCATE``d beyond ``statement_cache_size``; the count stays flat.

PyMySQL speaks the text protocol only, so server-side statements are SQL ``PREPARE`` /
``EXECUTE ... USING @p0, ...`` / ``DEALLOCATE PREPARE``, which the server counts exactly like
binary-protocol ones (they show in ``Prepared_stmt_count`` and
``performance_schema.prepared_statements_instances``). Parameters travel as user variables set in
one ``SET`` (MySQL 8 accepts only variables in ``USING``), so a cached execution is two round
trips and an uncached one three.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol

from harness.app.session import Row, Session

CACHE_KEY = "harness.statements"
SEQ_KEY = "harness.statement_seq"


class Statements(Protocol):
    def run(self, session: Session, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...


class ClientSide:
    def run(self, session: Session, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return session.execute(sql.replace("?", "%s"), params)


def _new_name(session: Session) -> str:
    seq = session.info.get(SEQ_KEY, 0) + 1
    session.info[SEQ_KEY] = seq
    return f"harness_stmt_{seq}"


def _prepare(session: Session, name: str, sql: str) -> None:
    session.execute(f"PREPARE {name} FROM %s", (sql,))


def _execute(session: Session, name: str, params: Sequence[Any]) -> list[Row]:
    if not params:
        return session.execute(f"EXECUTE {name}")
    session.execute("SET " + ", ".join(f"@p{i} = %s" for i in range(len(params))), params)
    return session.execute(f"EXECUTE {name} USING " + ", ".join(f"@p{i}" for i in range(len(params))))


class ServerUncached:
    def run(self, session: Session, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        name = _new_name(session)
        _prepare(session, name, sql)
        return _execute(session, name, params)


class ServerCached:
    def __init__(self, cache_size: int) -> None:
        self.cache_size = cache_size

    def run(self, session: Session, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cache: OrderedDict[str, str] = session.info.setdefault(CACHE_KEY, OrderedDict())
        name = cache.get(sql)
        if name is None:
            name = _new_name(session)
            _prepare(session, name, sql)
            cache[sql] = name
            while len(cache) > self.cache_size:
                _, old = cache.popitem(last=False)
                session.execute(f"DEALLOCATE PREPARE {old}")
        else:
            cache.move_to_end(sql)
        return _execute(session, name, params)


def make_statements(mode: str, cache_size: int) -> Statements:
    if mode == "server_uncached":
        return ServerUncached()
    if mode == "server_cached":
        return ServerCached(cache_size)
    return ClientSide()


def in_list_sql(count: int) -> str:
    return "SELECT id, name, qty FROM items WHERE id IN (" + ", ".join("?" * count) + ")"


def pad_to_bucket(ids: list[int]) -> list[int]:
    """Pad an IN list to the next power of two by repeating its first id (Hibernate's
    ``in_clause_parameter_padding``, incident 003): lengths 5..8 share one statement."""
    size = 1
    while size < len(ids):
        size *= 2
    return ids + [ids[0]] * (size - len(ids))
