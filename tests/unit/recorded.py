"""Recorded run data built by hand, so analysis, chart and report tests know the answers.

The files have exactly the shape the recorder writes (samples.csv with every SAMPLE_COLUMNS
header, requests.csv, events.jsonl), so the code under test reads them as it reads a real run.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from harness.history.recorder import SAMPLE_COLUMNS
from harness.load.plan import REQUESTS_HEADER

SCENARIO_YAML = """\
name: handmade
description: A latency fault from 2 to 5 s on a pool of 4 (bug) and of 8 (fixed).
duration_s: 10
app:
  builtin:
    pool: {max_size: 4, acquire_timeout_s: 1.0}
variants:
  - {name: bug, set: {app.builtin.pool.max_size: 4}}
  - {name: fixed, set: {app.builtin.pool.max_size: 8}}
faults:
  - {type: latency, at_s: 2, for_s: 3, latency_ms: 100}
checks:
  - {type: no_leak}
  - {type: max_error_rate, value: 0.05}
"""


def write_variant(d: Path, samples: list[dict[str, Any]], requests: list[tuple[Any, ...]],
                  events: list[dict[str, Any]]) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    with open(d / "samples.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=SAMPLE_COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(samples)
    with open(d / "requests.csv", "w", newline="") as f:
        w2 = csv.writer(f)
        w2.writerow(REQUESTS_HEADER)
        w2.writerows(requests)
    (d / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    return d


def sample(t: float, active: int, idle: int, waiting: int, max_size: int = 4, **extra: Any) -> dict[str, Any]:
    return {"t_s": t, "pool_max_size": max_size, "pool_active": active, "pool_idle": idle,
            "pool_total": active + idle, "pool_waiting": waiting, **extra}


def incident_variant(d: Path) -> Path:
    """0-10 s of load (drain to 12 s): a latency fault from 2 to 5 s exhausts a pool of 4; it recovers
    at 5.5 s; one connection leaks from 6 s and is a zombie by 11 s; every error class is here."""
    samples = []
    for i in range(0, 25):  # every 0.5 s up to 12 s
        t = i * 0.5
        if 2.5 <= t < 5.5:
            samples.append(sample(t, 4, 0, 6, mysql_app_connections=4, mysql_app_sleep=0, mysql_app_query=4,
                                  mysql_app_zombies=0, mysql_prepared_stmt_count=i, mysql_max_prepared_stmt_count=30,
                                  mysql_aborted_clients=100 + (i // 10)))
        else:
            leaked = 1 if t >= 6 else 0
            samples.append(sample(t, leaked, 4 - leaked, 0, mysql_app_connections=4, mysql_app_sleep=4 - leaked,
                                  mysql_app_query=leaked, mysql_app_zombies=leaked if t >= 11 else 0,
                                  mysql_prepared_stmt_count=i, mysql_max_prepared_stmt_count=30,
                                  mysql_aborted_clients=100 + (i // 10)))
    requests: list[tuple[Any, ...]] = [(round(i * 0.1, 2), "query", 2.0, "ok", "") for i in range(100)]
    requests += [(3.0, "query", 1000.0, "fail", "pool_timeout"),  # ends at 4.0
                 (3.2, "query", 1000.0, "fail", "pool_timeout"),  # ends at 4.2
                 (4.5, "query", 30.0, "info", "connection_lost"),  # ends at 4.53
                 (1.0, "query", 0.5, "aborted", "aborted"),
                 (0.0, "health", 3.0, "ok", ""), (9.0, "health", 2000.0, "fail", "health_timeout")]
    events = [{"t_s": -1.0, "event": "stack.ready"}, {"t_s": 0.0, "event": "load.start"},
              {"t_s": 2.0, "event": "latency.start", "fault": "latency", "index": 0},
              {"t_s": 5.0, "event": "latency.stop", "fault": "latency", "index": 0},
              {"t_s": 10.0, "event": "load.stop"}, {"t_s": 12.0, "event": "drain.end"}]
    return write_variant(d, samples, requests, events)


def calm_variant(d: Path) -> Path:
    """The same timeline on a pool of 8 that never runs dry: no errors, no leak."""
    samples = [sample(i * 0.5, 2, 6, 0, max_size=8, mysql_app_connections=8, mysql_app_sleep=6, mysql_app_query=2,
                      mysql_app_zombies=0, mysql_prepared_stmt_count=0, mysql_max_prepared_stmt_count=16382,
                      mysql_aborted_clients=7) for i in range(25)]
    samples[-1]["pool_active"] = 0
    requests: list[tuple[Any, ...]] = [(round(i * 0.1, 2), "query", 3.0 if i % 10 else 150.0, "ok", "")
                                       for i in range(100)]
    requests += [(float(t), "health", 2.0, "ok", "") for t in range(10)]
    events = [{"t_s": 0.0, "event": "load.start"},
              {"t_s": 2.01, "event": "latency.start", "fault": "latency", "index": 0},
              {"t_s": 5.02, "event": "latency.stop", "fault": "latency", "index": 0},
              {"t_s": 10.0, "event": "load.stop"}, {"t_s": 12.0, "event": "drain.end"}]
    return write_variant(d, samples, requests, events)


def handmade_run(root: Path, status: str = "completed") -> Path:
    """A run directory as `harness run` leaves it, minus the reports: scenario.yaml, summary.json meta,
    two variants."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "scenario.yaml").write_text(SCENARIO_YAML)
    (root / "summary.json").write_text(json.dumps({"scenario": "handmade", "run_id": root.name, "status": status,
                                                   "stack": {"mysql": "test"}, "variants": {}}))
    incident_variant(root / "bug")
    calm_variant(root / "fixed")
    return root
