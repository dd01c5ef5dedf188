"""The MySQL server under test: a private, throwaway MariaDB instance, or an external server by DSN.

The embedded instance gets its own temporary data dir, a free port bound to 127.0.0.1 and the
scenario's server variables on the command line; it is ready in about a second and removed
afterwards. It creates a database and an application user (``app``) for the target app, so
probes can tell the app's connections from their own in the processlist.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import pymysql

from harness.errors import BadInput, MySQLError
from harness.stack.net import free_port, is_loopback
from harness.stack.processes import ManagedProcess

log = logging.getLogger(__name__)

DATA_DIR_PREFIX = "pool-harness-mysql-"
APP_USER = "app"
APP_DATABASE = "app"
READY_TIMEOUT_S = 30.0
SHUTDOWN_TIMEOUT_S = 30.0


def connect(**kwargs: Any) -> pymysql.connections.Connection:
    """``pymysql.connect`` without TLS unless asked for.

    PyMySQL >= 1.2 defaults to "preferred" TLS and builds a fresh SSL context on every connect,
    loading the system CA store: ~30 ms of CPU per connection, measured. That would make
    connection set-up (the cost incident 004 is about) a Python artefact, so it is off here.
    """
    kwargs.setdefault("ssl_disabled", True)
    return pymysql.connect(**kwargs)


@dataclass(frozen=True)
class MySQLEndpoint:
    """Where the server listens and who may log in. ``repr`` never shows a password."""

    host: str
    port: int
    admin_user: str
    app_user: str
    database: str
    version: str
    embedded: bool
    admin_password: str = field(default="", repr=False)
    app_password: str = field(default="", repr=False)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    def admin_connect(self, **kwargs: Any) -> pymysql.connections.Connection:
        """A direct admin connection (probes, faults): never through the fault proxy."""
        opts: dict[str, Any] = {"connect_timeout": 5, "read_timeout": 10, "write_timeout": 10, "autocommit": True}
        opts.update(kwargs)
        return connect(host=self.host, port=self.port, user=self.admin_user, password=self.admin_password, **opts)

    def app_dsn(self, host: str | None = None, port: int | None = None) -> str:
        """The app user's DSN, pointed at ``host:port`` (the fault proxy's listen address)."""
        return make_dsn(self.app_user, self.app_password, host or self.host, port or self.port, self.database)


def make_dsn(user: str, password: str, host: str, port: int, database: str) -> str:
    return f"mysql://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{port}/{quote(database, safe='')}"


@dataclass(frozen=True)
class DSN:
    user: str
    host: str
    port: int
    database: str
    password: str = field(default="", repr=False)


def parse_dsn(dsn: str) -> DSN:
    """Parse ``mysql://user:password@host:port/db``; errors never echo the password."""
    parts = urlsplit(dsn)
    if parts.scheme not in ("mysql", "mariadb", "mysql+pymysql"):
        raise BadInput(f"DSN {redact_dsn(dsn)}: expected mysql://user:password@host:port/database")
    try:
        port = parts.port or 3306
    except ValueError as e:
        raise BadInput(f"DSN {redact_dsn(dsn)}: bad port ({e})") from None
    return DSN(user=unquote(parts.username or "root"), password=unquote(parts.password or ""),
               host=parts.hostname or "127.0.0.1", port=port, database=unquote(parts.path.lstrip("/")))


def redact_dsn(dsn: str) -> str:
    """The DSN with its password replaced by ``***``: the only form that goes into logs and reports."""
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def find_server_binary() -> tuple[str, str]:
    """(server, install-db) binaries of the OS package, or a clear error saying how to install them."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/usr/libexec"])
    server = shutil.which("mariadbd", path=search) or shutil.which("mysqld", path=search)
    install = shutil.which("mariadb-install-db", path=search) or shutil.which("mysql_install_db", path=search)
    if not server or not install:
        raise MySQLError("no MariaDB server found (mariadbd / mariadb-install-db); install it with "
                         "`apt-get install -y mariadb-server` or run `make setup`")
    return server, install


def variable_flag(name: str, value: object) -> str:
    """A server variable as a command-line flag: ``wait_timeout: 120`` -> ``--wait-timeout=120``."""
    if isinstance(value, bool):
        value = "ON" if value else "OFF"
    return f"--{name.replace('_', '-')}={value}"


def template_dir(install: str) -> Path | None:
    """Where the data dir template for this install-db lives (keyed by the binary and our flags),
    under $XDG_CACHE_HOME (default ~/.cache); None when there is no writable cache."""
    import hashlib

    try:
        stat = Path(install).resolve().stat()
        key = hashlib.sha1(f"{Path(install).resolve()}:{stat.st_size}:{stat.st_mtime_ns}:8M:32M:v1".encode())
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pool-harness"
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return root / f"mariadb-datadir-{key.hexdigest()[:12]}"


def clean_stale_data_dirs() -> None:
    """Remove data dirs left by a harness that was killed (its owner pid is gone)."""
    root = Path(tempfile.gettempdir())
    for d in root.glob(DATA_DIR_PREFIX + "*"):
        owner = d / "owner.pid"
        try:
            pid = int(owner.read_text())
            os.kill(pid, 0)
        except (OSError, ValueError):
            shutil.rmtree(d, ignore_errors=True)


class EmbeddedMySQL:
    """A private MariaDB: install-db into a temp dir, start on a free loopback port, remove afterwards."""

    def __init__(self, variables: Mapping[str, object] | None = None, log_dir: Path | None = None) -> None:
        self.variables = dict(variables or {})
        self.log_dir = log_dir
        self.base_dir: Path | None = None
        self.port = 0
        self.process: ManagedProcess | None = None
        self.endpoint: MySQLEndpoint | None = None
        self._app_password = secrets.token_urlsafe(12)

    @property
    def data_dir(self) -> Path:
        assert self.base_dir is not None
        return self.base_dir / "data"

    @property
    def error_log(self) -> Path:
        assert self.base_dir is not None
        return (self.log_dir or self.base_dir) / "mysql.err"

    def start(self) -> MySQLEndpoint:
        server, install = find_server_binary()
        clean_stale_data_dirs()
        self.base_dir = Path(tempfile.mkdtemp(prefix=DATA_DIR_PREFIX))
        (self.base_dir / "owner.pid").write_text(str(os.getpid()))
        t0 = time.monotonic()
        self._install(install)
        self.port = free_port()
        self._launch(server)
        version = self._wait_ready()
        self._create_app_user()
        self.endpoint = MySQLEndpoint(host="127.0.0.1", port=self.port, admin_user="root", admin_password="",
                                      app_user=APP_USER, app_password=self._app_password,
                                      database=APP_DATABASE, version=version, embedded=True)
        log.info("embedded MariaDB %s ready on 127.0.0.1:%d in %.2f s", version, self.port, time.monotonic() - t0)
        return self.endpoint

    def _common_flags(self, data_dir: Path | None = None, tmp_dir: Path | None = None) -> list[str]:
        # a private tmpdir: with the shared /tmp, install-db was seen failing when another
        # process removed its temporary tables ("Could not remove temporary table '/tmp/#sql-...'")
        return ["--no-defaults", f"--datadir={data_dir or self.data_dir}", "--user=root",
                f"--tmpdir={tmp_dir or self.base_dir}", "--innodb-log-file-size=8M", "--innodb-buffer-pool-size=32M"]

    def _install(self, install: str) -> None:
        """A fresh data dir: a copy of a cached, never-started install-db output (0.1 s instead of
        0.7 s per instance), made once per server binary; install-db directly if there is no cache."""
        template = template_dir(install)
        if template is not None:
            try:
                if not (template / "data").is_dir():
                    self._make_template(install, template)
                shutil.copytree(template / "data", self.data_dir)
                return
            except OSError as e:
                log.info("no data dir template (%s); running install-db directly", e)
                shutil.rmtree(self.data_dir, ignore_errors=True)
        self._run_install(install, self.data_dir, self.base_dir)

    def _make_template(self, install: str, template: Path) -> None:
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=template.parent))
        try:
            self._run_install(install, staging / "data", staging)
            try:
                os.rename(staging, template)  # atomic: a concurrent harness may have won the race
            except OSError:
                if not (template / "data").is_dir():
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _run_install(self, install: str, data_dir: Path, tmp_dir: Path | None) -> None:
        import subprocess

        argv = [install, *self._common_flags(data_dir, tmp_dir), "--auth-root-authentication-method=normal",
                "--skip-test-db"]
        res = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if res.returncode != 0:
            raise MySQLError(f"mariadb-install-db failed (exit {res.returncode}): {res.stderr.strip()[-800:]}")

    def _launch(self, server: str) -> None:
        assert self.base_dir is not None
        argv = [
            server, *self._common_flags(),
            f"--socket={self.base_dir / 'mysql.sock'}", f"--port={self.port}", "--bind-address=127.0.0.1",
            f"--pid-file={self.base_dir / 'mysql.pid'}", f"--log-error={self.error_log}",
            "--skip-log-bin", "--skip-name-resolve", "--innodb-fast-shutdown=2",
            "--performance-schema=ON", "--event-scheduler=ON",
            "--performance-schema-consumer-events-statements-current=ON",
            "--performance-schema-consumer-events-statements-history=ON",
            *(variable_flag(k, v) for k, v in self.variables.items()),
        ]
        self.process = ManagedProcess("mysql", argv, log_path=self.error_log.with_suffix(".out"),
                                      stop_signal=signal.SIGKILL, stop_timeout_s=5).start()

    def _wait_ready(self) -> str:
        assert self.process is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if not self.process.alive():
                raise MySQLError(f"mariadbd exited with code {self.process.returncode()} at start:\n"
                                 f"{self._error_log_tail()}")
            try:
                conn = connect(host="127.0.0.1", port=self.port, user="root", connect_timeout=1)
            except pymysql.err.OperationalError as e:
                last_error = e
                time.sleep(0.05)
                continue
            with conn, conn.cursor() as cur:
                cur.execute("SELECT VERSION()")
                row = cur.fetchone()
                return str(row[0]) if row else "unknown"
        raise MySQLError(f"mariadbd did not accept connections within {READY_TIMEOUT_S:.0f} s "
                         f"({last_error}):\n{self._error_log_tail()}")

    def _create_app_user(self) -> None:
        conn = connect(host="127.0.0.1", port=self.port, user="root", autocommit=True)
        with conn, conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{APP_DATABASE}`")
            cur.execute(f"CREATE USER IF NOT EXISTS '{APP_USER}'@'%%' IDENTIFIED BY %s", (self._app_password,))
            cur.execute(f"GRANT ALL PRIVILEGES ON `{APP_DATABASE}`.* TO '{APP_USER}'@'%'")

    def _error_log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.error_log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no error log)"

    def kill(self, clean: bool = False) -> None:
        """Take the server down, data kept: a crash (SIGKILL) or a clean shutdown (SIGTERM, waited for).

        A crash drops every client connection without a word; a clean shutdown lets the server
        close them itself. Either way ``relaunch`` brings it back on the same port and data.
        """
        if self.process is None:
            return
        if clean:
            self.process.signal(signal.SIGTERM)
            if self.process.wait(SHUTDOWN_TIMEOUT_S) is None:
                log.warning("mariadbd did not shut down within %.0f s; killing it", SHUTDOWN_TIMEOUT_S)
        self.process.stop()

    def relaunch(self) -> str:
        """Start the server again on the same port and data dir; returns its version once it answers."""
        server, _ = find_server_binary()
        self._launch(server)
        return self._wait_ready()

    def stop(self) -> None:
        try:
            if self.process is not None:
                self.process.stop()
        finally:
            if self.base_dir is not None:
                shutil.rmtree(self.base_dir, ignore_errors=True)
                self.base_dir = None


class ExternalMySQL:
    """A server someone else runs, given by DSN (e.g. the MySQL 8.4 of docker-compose.yml)."""

    def __init__(self, dsn: str) -> None:
        self.dsn = parse_dsn(dsn)
        self.endpoint: MySQLEndpoint | None = None

    def start(self) -> MySQLEndpoint:
        d = self.dsn
        try:
            conn = connect(host=d.host, port=d.port, user=d.user, password=d.password, connect_timeout=5)
        except pymysql.err.MySQLError as e:
            raise MySQLError(f"cannot connect to {d.user}@{d.host}:{d.port}: {e}") from None
        with conn, conn.cursor() as cur:
            cur.execute("SELECT VERSION()")
            row = cur.fetchone()
        self.endpoint = MySQLEndpoint(host=d.host, port=d.port, admin_user=d.user, admin_password=d.password,
                                      app_user=d.user, app_password=d.password, database=d.database or "app",
                                      version=str(row[0]) if row else "unknown", embedded=False)
        return self.endpoint

    def kill(self, clean: bool = False) -> None:
        raise MySQLError("mysql_restart needs the embedded server; an external server is not ours to restart")

    def relaunch(self) -> str:
        raise MySQLError("mysql_restart needs the embedded server; an external server is not ours to restart")

    def stop(self) -> None:
        """Nothing to stop: the server is not ours."""


@contextlib.contextmanager
def mysql_server(dsn: str | None, variables: Mapping[str, object], log_dir: Path | None) -> Iterator[
        EmbeddedMySQL | ExternalMySQL]:
    """Start the server the run asked for and always stop it."""
    server: EmbeddedMySQL | ExternalMySQL = ExternalMySQL(dsn) if dsn else EmbeddedMySQL(variables, log_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()
