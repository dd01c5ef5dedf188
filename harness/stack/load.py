"""The locust process of a run, seen from the orchestrator: start, handshake, status, stop.

The orchestrator never imports locust (it monkey-patches with gevent on import); it talks to
``python -m harness.load`` through a plan file, a start line on stdin and JSON status lines on
stdout, read by a background thread.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from pathlib import Path
from typing import Any

from harness.errors import LoadError
from harness.load.plan import LoadPlan
from harness.stack.processes import ManagedProcess

log = logging.getLogger(__name__)
READY_TIMEOUT_S = 60.0


class LoadProcess:
    def __init__(self, plan: LoadPlan, work_dir: Path, log_dir: Path | None = None) -> None:
        self.plan = plan
        self.plan_path = work_dir / "load-plan.json"
        self.log_dir = log_dir
        self.process: ManagedProcess | None = None
        self.status: dict[str, Any] = {"users": 0, "requests": 0, "errors": 0}
        self.statuses: list[dict[str, Any]] = []  # every status line, in order (users over time)
        self.done = threading.Event()
        self._ready = threading.Event()
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        """Start the process and wait until locust is imported and ready (not yet loading)."""
        self.start_async()
        self.wait_ready()

    def start_async(self) -> None:
        """Start the process; it imports locust while the rest of the stack comes up."""
        self.plan.write(self.plan_path)
        log_path = self.log_dir / "load.log" if self.log_dir else None
        argv = [sys.executable, "-m", "harness.load", str(self.plan_path)]
        self.process = ManagedProcess("load", argv, log_path=log_path, stdout_pipe=True, stdin_pipe=True,
                                      stop_timeout_s=5).start()
        self._reader = threading.Thread(target=self._read_status, name="load-status", daemon=True)
        self._reader.start()

    def wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not self._ready.wait(0.05):
            if not self.process.alive():
                raise LoadError(f"the load process exited with code {self.process.returncode()} at start:\n"
                                f"{self.process.log_tail()}")
            if time.monotonic() > deadline:
                raise LoadError(f"the load process was not ready within {READY_TIMEOUT_S:.0f} s")

    def go(self, t0: float) -> None:
        """Start the load now; ``t0`` is the run's monotonic zero."""
        assert self.process is not None and self.process.popen is not None and self.process.popen.stdin
        self.process.popen.stdin.write((json.dumps({"t0": t0}) + "\n").encode())
        self.process.popen.stdin.flush()

    def _read_status(self) -> None:
        assert self.process is not None and self.process.popen is not None
        stdout = self.process.popen.stdout
        assert stdout is not None
        try:
            for raw in stdout:
                try:
                    msg = json.loads(raw)
                except ValueError:
                    log.debug("load: %s", raw.decode(errors="replace").rstrip())
                    continue
                if msg.get("ready"):
                    self._ready.set()
                    continue
                self.status = msg
                self.statuses.append(msg)
                if msg.get("done"):
                    self.done.set()
        except (OSError, ValueError):
            pass
        finally:
            self.done.set()

    def alive(self) -> bool:
        return self.process is not None and self.process.alive()

    def wait(self, timeout_s: float) -> bool:
        """Wait for the load to finish by itself; True when it did."""
        if self.process is None:
            return True
        return self.process.wait(timeout_s) is not None

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
