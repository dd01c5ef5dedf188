"""`harness app serve`: the reference app under test, a small gevent WSGI service with a DB pool.

Endpoints: ``/query`` (one short query), ``/health`` (a DB round trip within its own timeout,
200 or 503) and ``/pool`` (the pool's gauges; never touches the DB). A failed request answers a
5xx with ``{"error_class", "detail"}``, the class coming from the error code.

gevent patches the standard library on import of this module, before PyMySQL is imported, so
every DB wait is cooperative. pywsgi writes headers and body in two sends: without TCP_NODELAY,
Nagle plus delayed ACK add ~40 ms to every keep-alive request, so each accepted socket gets it.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import logging  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterable  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import parse_qs  # noqa: E402

import gevent  # noqa: E402
import pymysql  # noqa: E402
from gevent.pywsgi import WSGIHandler, WSGIServer  # noqa: E402

from harness.app.config import AppConfig  # noqa: E402
from harness.app.errors import classify, is_disconnect  # noqa: E402
from harness.app.pool import PooledConnection, ReferencePool  # noqa: E402
from harness.stack.mysql import DSN, connect, parse_dsn, redact_dsn  # noqa: E402

log = logging.getLogger("harness.app")
ITEMS = 1000

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Response = tuple[int, dict[str, Any]]


class NoDelayHandler(WSGIHandler):
    """pywsgi handler that disables Nagle and exposes the client socket to the app."""

    def __init__(self, sock: socket.socket, address: Any, server: Any, rfile: Any = None) -> None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        super().__init__(sock, address, server, rfile)

    def get_environ(self) -> dict[str, Any]:
        env: dict[str, Any] = super().get_environ()
        env["harness.socket"] = self.socket
        return env


class App:
    """The WSGI app: routes, the pool, error classification."""

    def __init__(self, dsn: DSN, config: AppConfig) -> None:
        self.dsn = dsn
        self.config = config
        self.pool = ReferencePool(dsn, config.pool)
        self.routes: dict[str, Callable[[dict[str, Any]], Response]] = {
            "/query": self.query, "/health": self.health, "/pool": self.pool_stats,
        }

    # -- WSGI ------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        handler = self.routes.get(environ.get("PATH_INFO", ""))
        if handler is None:
            status, body = 404, {"error_class": "not_found", "detail": environ.get("PATH_INFO", "")}
        else:
            try:
                status, body = handler(environ)
            except Exception as e:
                error_class = classify(e)
                status = 503 if error_class == "pool_timeout" else 500
                body = {"error_class": error_class, "detail": f"{type(e).__name__}: {e}"}
        payload = json.dumps(body).encode()
        start_response(f"{status} {'OK' if status < 400 else 'ERROR'}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]

    # -- DB access -------------------------------------------------------------------------------
    def run(self, work: Callable[[Any], Any], timeout_s: float | None = None) -> Any:
        """Borrow, run ``work(cursor)``, return; a connection that died is discarded, not reused."""
        conn: PooledConnection = self.pool.borrow(timeout_s)
        try:
            with conn.raw.cursor() as cur:
                return work(cur)
        except BaseException as e:
            if is_disconnect(e):
                conn.broken = True
            raise
        finally:
            self.pool.give_back(conn)

    # -- endpoints -------------------------------------------------------------------------------
    def query(self, environ: dict[str, Any]) -> Response:
        item_id = random.randint(1, ITEMS)

        def work(cur: Any) -> Any:
            cur.execute("SELECT id, name, qty FROM items WHERE id = %s", (item_id,))
            return cur.fetchone()

        row = self.run(work)
        return 200, {"id": row[0], "name": row[1], "qty": row[2]} if row else {}

    def health(self, environ: dict[str, Any]) -> Response:
        timeout_s = self.config.health_timeout_s
        started = time.monotonic()
        try:
            with gevent.Timeout(timeout_s):
                self.run(lambda cur: cur.execute("SELECT 1"), timeout_s=timeout_s)
        except gevent.Timeout:
            return 503, {"error_class": "health_timeout", "detail": f"no DB round trip within {timeout_s:g} s"}
        return 200, {"status": "ok", "latency_ms": round((time.monotonic() - started) * 1000, 2)}

    def pool_stats(self, environ: dict[str, Any]) -> Response:
        return 200, self.pool.snapshot()


def query_args(environ: dict[str, Any]) -> dict[str, list[str]]:
    return parse_qs(environ.get("QUERY_STRING", ""))


def prepare_schema(dsn: DSN, timeout_s: float = 20.0) -> None:
    """Create and fill the ``items`` table (idempotent); retried while the DB is still starting."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            conn = connect(host=dsn.host, port=dsn.port, user=dsn.user, password=dsn.password,
                                   database=dsn.database, connect_timeout=3, autocommit=True)
            break
        except pymysql.err.MySQLError as e:
            if time.monotonic() > deadline:
                raise SystemExit(f"app: cannot reach the database at {dsn.host}:{dsn.port}: {e}") from None
            time.sleep(0.1)
    with conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS items (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, "
                    "qty INT NOT NULL) ENGINE=InnoDB")
        cur.execute("SELECT COUNT(*) FROM items")
        row = cur.fetchone()
        if not row or row[0] < ITEMS:
            cur.executemany("INSERT IGNORE INTO items (id, name, qty) VALUES (%s, %s, %s)",
                            [(i, f"item-{i}", i % 97) for i in range(1, ITEMS + 1)])


def main(host: str, port: int, dsn_text: str, config_json: str) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = AppConfig.model_validate_json(config_json or "{}")
    except ValueError as e:
        print(f"app: bad --config: {e}", file=sys.stderr)
        return 2
    dsn = parse_dsn(dsn_text)
    prepare_schema(dsn)
    app = App(dsn, config)
    server = WSGIServer((host, port), app, handler_class=NoDelayHandler, log=None, error_log=log)
    gevent.signal_handler(signal.SIGTERM, server.stop)
    gevent.signal_handler(signal.SIGINT, server.stop)
    log.info("reference app on http://%s:%d, db %s, pool %s", host, port, redact_dsn(dsn_text),
             config.pool.model_dump())
    print(f"app: serving on http://{host}:{port}", flush=True)
    server.serve_forever()
    app.pool.close()
    return 0
