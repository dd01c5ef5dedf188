"""The reference app's endpoints and the one place a request holds a connection.

Endpoints (GET; every failure answers ``{"error_class", "detail"}`` with a 5xx, 499 or 400):

- ``/query``: one short indexed read of a random item; the answer names the server-side
  ``connection_id`` that served it, so pool order and connection replacement are visible.
- ``/tx[?fail=P][&id=N]``: a short transaction (UPDATE, SELECT, COMMIT) on a random item, or on
  item ``N`` (a hot row: requests on it queue behind each other's row lock, and behind a leaked
  transaction's); with probability ``P`` its last statement is a duplicate-key INSERT, a real SQL
  error (1062, duplicate_key): the error path that ``bugs.leak_on_error`` makes leak (incident 000).
- ``/report?hold_ms=N``: a slow query (``SELECT SLEEP``) that holds its connection N ms.
- ``/items?ids=1,2,3`` or ``/items?n=N`` or ``/items?n=A-B``: an IN-list read of the given ids,
  or of N random ids, or of a random count between A and B (incident 003's varying lists).
- ``/health``: ``SELECT 1`` within ``health_timeout_s`` (borrow included): 200, else 503.
- ``/pool``: the pool's gauges (DESIGN.md's shape); never touches the database.

``with_connection`` is the request's whole life with a connection: borrow; the abort check of
``bugs.release_on_abort``; the work; on a dead connection, discard it and apply
``pool.on_stale``; on a SQL error, roll back and give it back (or leak it, per
``bugs.leak_on_error``); otherwise give it back.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import parse_qs

import gevent

from harness.app.bugs import LeakedLeases, client_gone
from harness.app.config import AppConfig
from harness.app.engines import make_pool
from harness.app.errors import (
    BadRequest,
    ClientGone,
    classify,
    describe,
    http_status,
    is_disconnect,
    leaves_connection_usable,
)
from harness.app.session import Session
from harness.app.statements import in_list_sql, make_statements, pad_to_bucket
from harness.stack.mysql import DSN

log = logging.getLogger("harness.app")
ITEMS = 1000
MAX_LIST = 1000
T = TypeVar("T")
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Response = tuple[int, dict[str, Any]]
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 499: "Client Closed Request",
           500: "Internal Server Error", 503: "Service Unavailable"}


class App:
    """The WSGI app: routes, the pool, the statement strategy, the bugs."""

    def __init__(self, dsn: DSN, config: AppConfig) -> None:
        self.config = config
        self.pool = make_pool(dsn, config.pool)
        self.statements = make_statements(config.bugs.prepared_statements, config.bugs.statement_cache_size)
        self.leaked = LeakedLeases()
        self.rng = random.Random()
        self.routes: dict[str, Callable[[dict[str, Any]], Response]] = {
            "/query": self.query, "/tx": self.tx, "/report": self.report, "/items": self.items,
            "/health": self.health, "/pool": self.pool_stats,
        }

    # -- WSGI ------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        handler = self.routes.get(path)
        if handler is None:
            status, body = 404, {"error_class": "not_found", "detail": f"no endpoint {path}"}
        else:
            try:
                status, body = handler(environ)
            except Exception as e:
                status, body = http_status(e), {"error_class": classify(e), "detail": describe(e)}
        payload = json.dumps(body).encode()
        start_response(f"{status} {REASONS.get(status, 'Error')}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]

    # -- a request's life with a connection --------------------------------------------------------
    def with_connection(self, environ: dict[str, Any], work: Callable[[Session], T],
                        timeout_s: float | None = None) -> T:
        label = environ.get("PATH_INFO", "") + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else "")
        retries = 0 if self.config.pool.on_stale == "raise" else 1
        while True:
            lease = self.pool.borrow(timeout_s, label)
            if client_gone(environ.get("harness.socket")):
                self._client_left(lease, work, label)
            try:
                result = work(lease.session)
            except BaseException as e:
                if not leaves_connection_usable(e):
                    self.pool.discard(lease, e)
                    if retries and isinstance(e, Exception) and is_disconnect(e):
                        retries -= 1
                        if self.config.pool.on_stale == "drain_and_retry":
                            drained = self.pool.drain_idle()
                            log.info("stale connection on %s (%s): drained %d idle, retrying", label, e, drained)
                        continue
                    raise
                self._error_path(lease, label, e)
                raise
            self.pool.give_back(lease)
            return result

    def _client_left(self, lease: Any, work: Callable[[Session], Any], label: str) -> None:
        """The client disconnected while this request waited for its connection (incident 002)."""
        if self.config.bugs.release_on_abort == "late":
            self.leaked.keep(lease, f"client of {label} left before the release was wired up")
            try:  # the route still runs, as in the buggy Express app; nobody reads the answer
                work(lease.session)
            except Exception:
                pass
        else:
            self.pool.give_back(lease)
        raise ClientGone(f"the client of {label} disconnected before its connection arrived")

    def _error_path(self, lease: Any, label: str, error: BaseException) -> None:
        """A SQL error on a healthy connection: roll back and give it back, unless leak_on_error strikes."""
        p = self.config.bugs.leak_on_error
        if p > 0 and self.leaked.rng.random() < p:
            self.leaked.keep(lease, f"error path of {label} ({classify(error)}) skipped release and rollback")
            return
        try:
            if lease.session.in_transaction:
                lease.session.rollback()
        except BaseException as e:
            self.pool.discard(lease, e)
            return
        self.pool.give_back(lease)

    # -- endpoints -------------------------------------------------------------------------------
    def query(self, environ: dict[str, Any]) -> Response:
        item_id = self.rng.randint(1, ITEMS)
        rows = self.with_connection(environ, lambda s: self.statements.run(
            s, "SELECT id, name, qty, CONNECTION_ID() FROM items WHERE id = ?", (item_id,)))
        return 200, {"id": rows[0][0], "name": rows[0][1], "qty": rows[0][2], "connection_id": rows[0][3]}

    def tx(self, environ: dict[str, Any]) -> Response:
        fail = self.rng.random() < float_arg(environ, "fail", 0.0, 0.0, 1.0)
        item_id = int(float_arg(environ, "id", 0, 0, ITEMS)) or self.rng.randint(1, ITEMS)

        def work(s: Session) -> int:
            s.begin()
            self.statements.run(s, "UPDATE items SET qty = qty + 1 WHERE id = ?", (item_id,))
            rows = self.statements.run(s, "SELECT qty FROM items WHERE id = ?", (item_id,))
            if fail:  # the error path: a real SQL error (1062) in the middle of the transaction
                self.statements.run(s, "INSERT INTO items (id, name, qty) VALUES (?, ?, ?)", (item_id, "dup", 0))
            s.commit()
            return int(rows[0][0]) if rows else 0

        return 200, {"id": item_id, "qty": self.with_connection(environ, work)}

    def report(self, environ: dict[str, Any]) -> Response:
        hold_ms = float_arg(environ, "hold_ms", 1000.0, 0.0, 3_600_000.0)
        self.with_connection(environ, lambda s: self.statements.run(s, "SELECT SLEEP(?)", (hold_ms / 1000.0,)))
        return 200, {"held_ms": hold_ms}

    def items(self, environ: dict[str, Any]) -> Response:
        ids = self._ids(query_args(environ))
        sent = pad_to_bucket(ids) if self.config.bugs.in_list_padding else ids
        rows = self.with_connection(environ, lambda s: self.statements.run(s, in_list_sql(len(sent)), sent))
        return 200, {"requested": len(ids), "placeholders": len(sent), "found": len(rows)}

    def _ids(self, args: dict[str, list[str]]) -> list[int]:
        try:
            if "ids" in args:
                ids = [int(x) for x in args["ids"][0].split(",") if x.strip()]
            elif "n" in args:
                lo, _, hi = args["n"][0].partition("-")
                count = self.rng.randint(int(lo), int(hi or lo))
                ids = [self.rng.randint(1, ITEMS) for _ in range(count)]
            else:
                raise BadRequest("/items needs ids=1,2,3 or n=N or n=A-B")
        except ValueError:
            raise BadRequest(f"/items: ids and n must be integers, got {args}") from None
        if not 1 <= len(ids) <= MAX_LIST:
            raise BadRequest(f"/items: between 1 and {MAX_LIST} ids, got {len(ids)}")
        return ids

    def health(self, environ: dict[str, Any]) -> Response:
        timeout_s = self.config.health_timeout_s
        started = time.monotonic()
        timer = gevent.Timeout(timeout_s)
        timer.start()
        try:
            self.with_connection(environ, lambda s: s.execute("SELECT 1"), timeout_s=timeout_s)
        except gevent.Timeout as t:
            if t is not timer:
                raise
            return 503, {"error_class": "health_timeout", "detail": f"no DB round trip within {timeout_s:g} s"}
        except Exception as e:
            return 503, {"error_class": classify(e), "detail": describe(e)}
        finally:
            timer.close()
        return 200, {"status": "ok", "latency_ms": round((time.monotonic() - started) * 1000, 2)}

    def pool_stats(self, environ: dict[str, Any]) -> Response:
        return 200, self.pool.snapshot()


def query_args(environ: dict[str, Any]) -> dict[str, list[str]]:
    return parse_qs(environ.get("QUERY_STRING", ""))


def float_arg(environ: dict[str, Any], name: str, default: float, lo: float, hi: float) -> float:
    """A numeric query parameter within [lo, hi]; a bad one is a 400, not a silent default."""
    if not environ.get("QUERY_STRING"):
        return default
    raw = query_args(environ).get(name)
    if not raw:
        return default
    try:
        value = float(raw[0])
    except ValueError:
        raise BadRequest(f"{name}: expected a number, got {raw[0]!r}") from None
    if not lo <= value <= hi:
        raise BadRequest(f"{name}: expected a number in [{lo:g}, {hi:g}], got {value:g}")
    return value
