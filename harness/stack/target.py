"""The app under test: the built-in reference app, your app started by a command, or an app at a URL.

The app's database address is always the fault proxy's listen address, never MySQL's own, so
every fault reaches it. An app the harness starts runs in its own process group (so a freeze
stops all of it, and stopping it leaves nothing behind); an app given by URL alone is someone
else's, and faults that signal or restart the app's process are refused for it.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from harness.errors import AppError
from harness.stack.mysql import parse_dsn
from harness.stack.net import free_port
from harness.stack.processes import ManagedProcess

log = logging.getLogger(__name__)
READY_TIMEOUT_S = 30.0


def http_get_json(url: str, timeout_s: float) -> tuple[int, Any]:
    """GET ``url``; (status, parsed JSON or None). Raises OSError when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:
            return resp.status, _json(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, _json(e.read())


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return None


class TargetApp:
    """An app the harness may start, signal and stop. Subclasses say how it is started."""

    kind = "app"

    def __init__(self, log_dir: Path | None, ready_path: str, ready_timeout_s: float = READY_TIMEOUT_S) -> None:
        self.log_dir = log_dir
        self.ready_path = ready_path
        self.ready_timeout_s = ready_timeout_s
        self.port = 0
        self.process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def argv_env(self) -> tuple[list[str], dict[str, str], Path | None]:
        raise NotImplementedError

    def start(self) -> str:
        """Start (or restart on the same port, where the load is aimed) and wait until it answers."""
        self.port = self.port or free_port()
        argv, env, cwd = self.argv_env()
        log_path = self.log_dir / "app.log" if self.log_dir else None
        # The DSN (with its password) reaches a child we own; it is never logged.
        self.process = ManagedProcess("app", argv, log_path=log_path, env=env, cwd=cwd, stop_timeout_s=5).start()
        self._wait_ready()
        return self.url

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.ready_timeout_s
        while time.monotonic() < deadline:
            if not self.process.alive():
                raise AppError(f"the {self.kind} exited with code {self.process.returncode()} at start:\n"
                               f"{self.process.log_tail()}")
            try:
                http_get_json(self.url + self.ready_path, timeout_s=1)
                return
            except OSError:
                time.sleep(0.05)
        raise AppError(f"the {self.kind} did not answer on {self.url}{self.ready_path} within "
                       f"{self.ready_timeout_s:.0f} s:\n{self.process.log_tail()}")

    def freeze(self) -> None:
        """SIGSTOP: the whole process stops, its timers included (Lambda's freeze)."""
        if self.process is not None:
            self.process.signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None:
            self.process.signal(signal.SIGCONT)

    def kill(self, clean: bool = True) -> None:
        """Take the app down: SIGTERM (it stops serving and closes its pool) or SIGKILL (a crash:
        its sockets are closed by the kernel, mid-request or not). ``start`` brings it back on the
        same port."""
        if self.process is not None:
            if not clean:
                self.process.signal(signal.SIGKILL)
            self.process.stop()

    def alive(self) -> bool:
        return self.process is not None and self.process.alive()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


class BuiltinApp(TargetApp):
    """``harness app serve`` on a free loopback port, pointed at the proxy."""

    kind = "reference app"

    def __init__(self, dsn: str, config: dict[str, Any], log_dir: Path | None = None) -> None:
        super().__init__(log_dir, ready_path="/pool")
        self.dsn = dsn
        self.config = config

    def argv_env(self) -> tuple[list[str], dict[str, str], Path | None]:
        return ([sys.executable, "-m", "harness", "app", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--dsn", self.dsn, "--config", json.dumps(self.config)], {}, None)


def app_url(template: str, port: int) -> str:
    """An app's base URL: ``{port}`` in ``template`` filled in, no trailing slash (paths are appended)."""
    return template.replace("{port}", str(port)).rstrip("/")


def app_environment(dsn: str, port: int) -> dict[str, str]:
    """What a user's app gets to find its database (the fault proxy) and its own port."""
    d = parse_dsn(dsn)
    return {"PORT": str(port), "DB_HOST": d.host, "DB_PORT": str(d.port), "DB_USER": d.user,
            "DB_PASSWORD": d.password, "DB_NAME": d.database, "DATABASE_URL": dsn}


class CommandApp(TargetApp):
    """Your app, started by a shell command with the proxy's address in its environment."""

    kind = "app started by app.command"

    def __init__(self, command: str, dsn: str, env: dict[str, str], cwd: str | None, log_dir: Path | None,
                 ready_path: str, ready_timeout_s: float, url: str | None = None) -> None:
        super().__init__(log_dir, ready_path, ready_timeout_s)
        self.command = command
        self.dsn = dsn
        self.extra_env = env
        self.cwd = Path(cwd) if cwd else None
        self.fixed_url = url

    @property
    def url(self) -> str:
        return app_url(self.fixed_url or "http://127.0.0.1:{port}", self.port)

    def argv_env(self) -> tuple[list[str], dict[str, str], Path | None]:
        base = app_environment(self.dsn, self.port)
        names = {k.lower(): v for k, v in base.items()}
        extra = {k: _fill(v, names) for k, v in self.extra_env.items()}
        return (["/bin/sh", "-c", _fill(self.command, names)], {**base, **extra}, self.cwd)


def _fill(text: str, names: dict[str, str]) -> str:
    for key, value in names.items():
        text = text.replace("{" + key + "}", value)
    return text


class UrlApp:
    """An app that is already running somewhere: the harness loads and probes it, never signals it."""

    kind = "app at app.url"

    def __init__(self, url: str, ready_path: str = "/", ready_timeout_s: float = READY_TIMEOUT_S) -> None:
        self.url = url.rstrip("/")
        self.ready_path = ready_path
        self.ready_timeout_s = ready_timeout_s
        self.process: ManagedProcess | None = None

    def start(self) -> str:
        """Wait until it answers (it may only now reach its database through the new proxy)."""
        deadline = time.monotonic() + self.ready_timeout_s
        while True:
            try:
                http_get_json(self.url + self.ready_path, timeout_s=2)
                return self.url
            except OSError as e:
                if time.monotonic() > deadline:
                    raise AppError(f"nothing answers at app.url {self.url}{self.ready_path} within "
                                   f"{self.ready_timeout_s:.0f} s: {e}") from None
                time.sleep(0.1)

    def alive(self) -> bool:
        return True

    def stop(self) -> None:
        """Not ours to stop."""

