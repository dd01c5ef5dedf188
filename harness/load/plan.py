"""The load plan handed to the locust process as JSON, and its status lines back (plain data only)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HEALTH_NAME = "health"  # request name of the health checker's rows in requests.csv
REQUESTS_HEADER = ("t_s", "name", "latency_ms", "outcome", "error_class")

# Outcomes follow Jepsen: ok; fail = certainly did not happen (a pool timeout, a refused
# connection); info = unknown (the connection died mid-query, the client gave up waiting);
# aborted = the client disconnected on purpose (abort_after_ms).
OUTCOMES = ("ok", "fail", "info", "aborted")
INDETERMINATE_CLASSES = frozenset({"connection_lost", "client_timeout", "connection_error", "query_killed"})


@dataclass(frozen=True)
class RequestPlan:
    name: str
    path: str
    weight: int = 1
    abort_after_ms: float | None = None


@dataclass(frozen=True)
class LoadPlan:
    host: str
    duration_s: float
    users: int
    spawn_rate: float
    requests: list[RequestPlan]
    requests_csv: str
    wait_min_s: float = 0.0
    wait_max_s: float = 0.0
    client_timeout_s: float = 60.0
    health_path: str | None = "/health"
    health_interval_s: float = 1.0
    health_timeout_s: float = 5.0
    status_interval_s: float = 0.5
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def read(cls, path: Path) -> LoadPlan:
        raw = json.loads(path.read_text())
        raw["requests"] = [RequestPlan(**r) for r in raw["requests"]]
        return cls(**raw)


def outcome_for(error_class: str | None) -> str:
    if error_class is None:
        return "ok"
    if error_class == "aborted":
        return "aborted"
    return "info" if error_class in INDETERMINATE_CLASSES else "fail"
