"""`harness stack up`: the stack alone, no load; Ctrl-C stops every process."""

from __future__ import annotations

import re
import signal

from harness.stack.processes import owned_by, wait_until
from harness.stack.target import http_get_json
from tests.integration.app_helpers import harness_popen


def test_stack_up_serves_until_ctrl_c() -> None:
    """The printed app answers /query through the proxy, nobody loads it, and SIGINT leaves nothing."""
    proc = harness_popen("stack", "up", "scenarios/quickstart.yaml", "--variant", "small-pool", stderr=None)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.search(r"app (http://127\.0\.0\.1:\d+)", first)
        assert match, first
        url = match.group(1)
        assert http_get_json(url + "/query", 5)[0] == 200
        pool = http_get_json(url + "/pool", 5)[1]
        assert (pool["max_size"], pool["active"]) == (5, 0)
        assert len(owned_by(proc.pid)) >= 3  # mariadbd, the fault proxy, the app (no locust)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        assert wait_until(lambda: owned_by(proc.pid) == [], 5)
    finally:
        proc.kill()
