"""`harness app serve`: the reference app under test, a small gevent WSGI service with a DB pool.

The endpoints, the pool engines and the bugs are described in ``routes.py``, ``engines.py`` and
``bugs.py``; this module starts the server. gevent patches the standard library on import of
this module, before PyMySQL or SQLAlchemy are imported, so every DB wait is cooperative.
pywsgi writes headers and body in two sends: without TCP_NODELAY, Nagle plus delayed ACK add
~40 ms to every keep-alive request, so each accepted socket gets it. The client socket is put in
the WSGI environ as ``harness.socket`` so a request can see that its client hung up.

The app never special-cases being frozen (SIGSTOP/SIGCONT, the harness's Lambda freeze): no
signal handler but SIGTERM/SIGINT, no clock-jump detection. Its timers stop with it.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import logging  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
import pymysql  # noqa: E402
from gevent.pywsgi import WSGIHandler, WSGIServer  # noqa: E402

from harness.app.config import AppConfig  # noqa: E402
from harness.app.routes import ITEMS, App  # noqa: E402
from harness.stack.mysql import DSN, connect, parse_dsn, redact_dsn  # noqa: E402

log = logging.getLogger("harness.app")


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

    def _write_with_headers(self, data: bytes) -> None:
        """Headers and body in one send (pywsgi makes two): a third fewer syscalls per /query, and one
        TCP segment the client wakes up for instead of two. Chunked responses keep pywsgi's path."""
        if self.response_use_chunked or not data:
            super()._write_with_headers(data)
            return
        self.headers_sent = True
        self.finalize_headers()
        towrite = bytearray(b"HTTP/1.1 ")
        towrite += self.status
        towrite += b"\r\n"
        for header, value in self.response_headers:
            towrite += header + b": " + value + b"\r\n"
        towrite += b"\r\n"
        towrite += data
        self._sendall(towrite)


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
    app.pool.start()
    server = WSGIServer((host, port), app, handler_class=NoDelayHandler, log=None, error_log=log)
    gevent.signal_handler(signal.SIGTERM, server.stop)
    gevent.signal_handler(signal.SIGINT, server.stop)
    log.info("reference app on http://%s:%d, db %s, pool %s, bugs %s", host, port, redact_dsn(dsn_text),
             config.pool.model_dump(exclude_defaults=True), config.bugs.model_dump(exclude_defaults=True))
    print(f"app: serving on http://{host}:{port}", flush=True)
    server.serve_forever()
    app.pool.close()
    return 0
