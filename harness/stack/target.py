"""The target app of a run: the built-in reference app as a child process (or, later, a user's app).

The app's database address is always the fault proxy's listen address, never MySQL's own, so
every fault reaches it. It is ready when ``GET /health`` answers at all (200 or 503).
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import AppError
from harness.stack.net import free_port
from harness.stack.processes import ManagedProcess

log = logging.getLogger(__name__)
READY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class TargetInfo:
    url: str
    pool_path: str = "/pool"
    health_path: str = "/health"


def http_get_json(url: str, timeout_s: float) -> tuple[int, Any]:
    """GET ``url``; (status, parsed JSON or None). Raises OSError when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read() or b"null")
        except ValueError:
            return e.code, None


class BuiltinApp:
    """``harness app serve`` on a free loopback port, pointed at the proxy."""

    def __init__(self, dsn: str, config: dict[str, Any], log_dir: Path | None = None) -> None:
        self.dsn = dsn
        self.config = config
        self.log_dir = log_dir
        self.port = 0
        self.process: ManagedProcess | None = None

    @property
    def info(self) -> TargetInfo:
        return TargetInfo(url=f"http://127.0.0.1:{self.port}")

    def start(self) -> TargetInfo:
        self.port = self.port or free_port()  # a restart keeps the port the load is aimed at
        argv = [sys.executable, "-m", "harness", "app", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                "--dsn", self.dsn, "--config", json.dumps(self.config)]
        log_path = self.log_dir / "app.log" if self.log_dir else None
        # The DSN (with its password) is passed on argv to a child we own; it is never logged.
        self.process = ManagedProcess("app", argv, log_path=log_path, stop_timeout_s=5).start()
        self._wait_ready()
        return self.info

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if not self.process.alive():
                raise AppError(f"the reference app exited with code {self.process.returncode()} at start:\n"
                               f"{self.process.log_tail()}")
            try:
                http_get_json(self.info.url + "/pool", timeout_s=1)
                return
            except OSError:
                time.sleep(0.05)
        raise AppError(f"the reference app did not answer on {self.info.url} within {READY_TIMEOUT_S:.0f} s")

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

    def restart(self) -> None:
        self.stop()
        self.start()

    def alive(self) -> bool:
        return self.process is not None and self.process.alive()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
