"""The app's pool gauges from its ``/pool`` endpoint (HikariCP's total/active/idle/waiting).

A frozen or dead app does not answer: the tick records nothing for the pool (empty cells), which
the charts show as a gap rather than as a pool that went to zero.
"""

from __future__ import annotations

from typing import Any

from harness.stack.target import http_get_json

FIELDS = ("max_size", "total", "active", "idle", "waiting", "created_total", "closed_total",
          "acquire_timeouts_total", "stale_errors_total", "leaks_detected_total")


class PoolSampler:
    name = "pool"

    def __init__(self, url: str, timeout_s: float) -> None:
        self.url = url
        self.timeout_s = timeout_s

    def sample(self) -> dict[str, Any]:
        status, body = http_get_json(self.url, self.timeout_s)
        if status != 200 or not isinstance(body, dict):
            raise RuntimeError(f"GET {self.url} answered {status}")
        return {f"pool_{k}": body.get(k) for k in FIELDS}
