"""No orphans: every process the harness starts is stopped, its children included."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from harness.stack.processes import ManagedProcess, owned_by, wait_until


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def test_stop_takes_down_the_whole_group(tmp_path: Path) -> None:
    """A child's own children are stopped with it (process group)."""
    script = "import subprocess,time; subprocess.Popen(['sleep','60']); time.sleep(60)"
    before = set(owned_by(os.getpid()))  # session fixtures (MariaDB, fault proxies) may be running already
    proc = ManagedProcess("tree", [sys.executable, "-c", script], log_path=tmp_path / "log").start()
    assert wait_until(lambda: len(set(owned_by(os.getpid())) - before) >= 2, 10)
    pids = sorted(set(owned_by(os.getpid())) - before)
    proc.stop()
    assert wait_until(lambda: not any(alive(p) for p in pids), 5)


def test_sigterm_ignored_then_killed(tmp_path: Path) -> None:
    """A child that ignores SIGTERM is killed after the stop timeout."""
    script = ("import signal,time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); "
              "time.sleep(60)")
    proc = ManagedProcess("stubborn", [sys.executable, "-c", script], log_path=tmp_path / "log",
                          stop_timeout_s=0.5).start()
    assert wait_until(lambda: "up" in proc.log_tail(), 10)
    started = time.monotonic()
    assert proc.stop() == -signal.SIGKILL
    assert time.monotonic() - started < 5


def test_frozen_child_is_still_stopped(tmp_path: Path) -> None:
    """A SIGSTOPped child (a freeze fault in progress) is stopped all the same."""
    proc = ManagedProcess("frozen", ["sleep", "60"], log_path=tmp_path / "log").start()
    proc.signal(signal.SIGSTOP)
    proc.stop()
    assert not alive(proc.pid)


def test_children_die_with_a_killed_harness(tmp_path: Path) -> None:
    """SIGKILL of the harness itself: the kernel kills its children (PR_SET_PDEATHSIG)."""
    script = (
        "import sys, time\n"
        "from harness.stack.processes import ManagedProcess\n"
        "ManagedProcess('child', ['sleep', '60']).start()\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None and parent.stdout.readline().strip() == "ready"
        assert wait_until(lambda: len(owned_by(parent.pid)) == 1, 5)
        child = owned_by(parent.pid)[0]
        parent.kill()
        parent.wait()
        assert wait_until(lambda: not alive(child), 5)
    finally:
        parent.kill()
