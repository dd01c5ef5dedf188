"""The load plan handed to the locust process as JSON, and its status lines back (plain data only)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HEALTH_NAME = "health"  # request name of the health checker's rows in requests.csv
REQUESTS_HEADER = ("t_s", "name", "latency_ms", "outcome", "error_class")

# Outcomes follow Jepsen: ok; fail = certainly did not happen (a pool timeout, a refused
# connection); info = unknown (the connection died mid-query, the client gave up waiting);
# aborted = the client disconnected on purpose (abort_after_ms); dropped = the open model could
# not even start it (every in-flight slot busy), error_class not_started.
OUTCOMES = ("ok", "fail", "info", "aborted", "dropped")
INDETERMINATE_CLASSES = frozenset({"connection_lost", "client_timeout", "connection_error", "query_killed"})
NOT_STARTED = "not_started"
STEP_SPAWN_S = 0.2  # a step or a spike (closed model) reaches its user count within about this long


@dataclass(frozen=True)
class RequestPlan:
    name: str
    path: str
    weight: int = 1
    abort_after_ms: float | None = None
    timeout_s: float | None = None  # None: the plan's client_timeout_s


@dataclass(frozen=True)
class Stage:
    """A change of the load's level (users, or arrivals per second): step, ramp or spike."""

    kind: str
    at_s: float
    value: float
    for_s: float = 0.0


def level_at(base: float, stages: list[Stage], t_s: float) -> float:
    """The level (users or rate) at ``t_s``: steps jump, ramps interpolate, spikes return to the
    level they started from."""
    level = base
    for st in stages:
        if t_s < st.at_s:
            break
        if st.kind == "ramp":
            if t_s < st.at_s + st.for_s:
                return level + (st.value - level) * (t_s - st.at_s) / st.for_s
            level = st.value
        elif st.kind == "spike":
            if t_s < st.at_s + st.for_s:
                return st.value
        else:
            level = st.value
    return level


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
    stages: list[Stage] = field(default_factory=list)
    open_rate_per_s: float | None = None  # set: the open model, requests arrive at this rate
    max_in_flight: int = 100
    arrivals: str = "constant"  # constant | poisson
    error_patterns: dict[str, str] = field(default_factory=dict)  # error class -> regex on a failed body
    extra: dict[str, Any] = field(default_factory=dict)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def read(cls, path: Path) -> LoadPlan:
        raw = json.loads(path.read_text())
        raw["requests"] = [RequestPlan(**r) for r in raw["requests"]]
        raw["stages"] = [Stage(**st) for st in raw.get("stages", [])]
        return cls(**raw)


def outcome_for(error_class: str | None) -> str:
    if error_class is None:
        return "ok"
    if error_class == "aborted":
        return "aborted"
    if error_class == NOT_STARTED:
        return "dropped"
    return "info" if error_class in INDETERMINATE_CLASSES else "fail"


def error_class_from_body(status: int, text: str | None, patterns: dict[str, re.Pattern[str]]) -> str:
    """The class of a failed HTTP answer: the reference app's JSON ``error_class``, else the first
    scenario pattern (``app.error_patterns``) found in the body, else the status family."""
    try:
        body = json.loads(text or "null")
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error_class"), str):
        return str(body["error_class"])
    for error_class, pattern in patterns.items():
        if text and pattern.search(text):
            return error_class
    return "http_5xx" if status >= 500 else "http_4xx"
