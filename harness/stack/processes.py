"""Processes the harness starts, and the guarantee that every one of them is stopped.

Three lines of defence, so no run leaves an orphan however it ends:

1. every caller stops what it started in a ``finally`` (``ManagedProcess`` is a context manager);
2. an ``atexit`` hook stops whatever is still registered when the interpreter exits;
3. each child gets ``PR_SET_PDEATHSIG=SIGKILL``, so the kernel kills it if the harness itself is
   killed with SIGKILL. Linux sends that signal when the *thread* that forked the child exits, so
   every spawn goes through one long-lived spawner thread, never a short-lived worker thread.

Each child runs in its own session (process group), so a Ctrl-C in the terminal reaches the
harness alone, which then stops children in order, and a stop signal reaches the child's own
children too.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import ctypes
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
OWNER_ENV = "POOL_HARNESS_OWNER"
_libc: ctypes.CDLL | None
try:
    _libc = ctypes.CDLL("libc.so.6", use_errno=True)
except OSError:  # not Linux: the first two lines of defence remain
    _libc = None

_spawner = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="harness-spawner")
_live: set[ManagedProcess] = set()
_live_lock = threading.Lock()


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class ManagedProcess:
    """One child process: started in its own process group, stopped (group-wide) exactly once."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        stdout_pipe: bool = False,
        stdin_pipe: bool = False,
        stop_signal: int = signal.SIGTERM,
        stop_timeout_s: float = 5.0,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.stdout_pipe = stdout_pipe
        self.stdin_pipe = stdin_pipe
        self.stop_signal = stop_signal
        self.stop_timeout_s = stop_timeout_s
        self.popen: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> ManagedProcess:
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        out: int | IO[bytes] = subprocess.PIPE if self.stdout_pipe else (self._log_file or subprocess.DEVNULL)
        err: int | IO[bytes] = self._log_file or subprocess.DEVNULL
        # Every child carries the harness's pid in its environment, so a leftover (which the
        # tests look for) can be traced back to the run that started it.
        env = {**os.environ, **(self.env or {}), OWNER_ENV: str(os.getpid())}

        def spawn() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE if self.stdin_pipe else subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=env,
                cwd=self.cwd,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )

        self.popen = _spawner.submit(spawn).result()
        with _live_lock:
            _live.add(self)
        log.debug("started %s pid=%s: %s", self.name, self.popen.pid, " ".join(self.argv))
        return self

    @property
    def pid(self) -> int:
        if self.popen is None:
            raise RuntimeError(f"{self.name} was never started")
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def returncode(self) -> int | None:
        return None if self.popen is None else self.popen.poll()

    def signal(self, sig: int) -> None:
        """Send ``sig`` to the child's whole process group (e.g. SIGSTOP/SIGCONT for a freeze)."""
        if self.alive():
            try:
                os.killpg(self.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self) -> int | None:
        """Stop the process group: ``stop_signal``, then SIGKILL after ``stop_timeout_s``. Idempotent."""
        if self.popen is None:
            return None
        try:
            if self.popen.poll() is None:
                self._signal_group(signal.SIGCONT)  # a frozen child cannot act on SIGTERM
                self._signal_group(self.stop_signal)
                try:
                    self.popen.wait(timeout=self.stop_timeout_s)
                except subprocess.TimeoutExpired:
                    log.warning("%s (pid %s) ignored signal %s for %.1f s; killing it",
                                self.name, self.popen.pid, self.stop_signal, self.stop_timeout_s)
            # Whatever the leader did, take down stragglers left in its group.
            self._signal_group(signal.SIGKILL)
            self.popen.wait()
        finally:
            with _live_lock:
                _live.discard(self)
            for stream in (self.popen.stdout, self.popen.stdin):
                if stream is not None:
                    try:
                        stream.close()
                    except OSError:
                        pass
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None
        return self.popen.returncode

    def _signal_group(self, sig: int) -> None:
        assert self.popen is not None
        try:
            os.killpg(self.popen.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def wait(self, timeout_s: float | None = None) -> int | None:
        if self.popen is None:
            return None
        try:
            return self.popen.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the child's log, to put in an error message."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def __enter__(self) -> ManagedProcess:
        return self.start() if self.popen is None else self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def stop_all() -> None:
    """Stop every process still registered; the atexit line of defence."""
    with _live_lock:
        procs = list(_live)
    for proc in procs:
        try:
            proc.stop()
        except Exception:  # pragma: no cover - best effort at exit
            log.exception("could not stop %s", proc.name)


def owned_by(owner_pid: int) -> list[int]:
    """PIDs of running processes started by the harness process ``owner_pid`` (from /proc)."""
    marker = f"{OWNER_ENV}={owner_pid}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in environ.split(b"\0") and state != "Z":
            found.append(int(entry.name))
    return found


def live_pids() -> list[int]:
    """PIDs of processes started and not yet stopped (used by tests for the no-orphan guarantee)."""
    with _live_lock:
        return [p.pid for p in _live if p.popen is not None]


def wait_until(predicate: Callable[[], object], timeout_s: float, interval_s: float = 0.05) -> bool:
    """Poll ``predicate()`` until it is true or ``timeout_s`` passes (monotonic clock)."""
    deadline = time.monotonic() + timeout_s
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval_s)


atexit.register(stop_all)
