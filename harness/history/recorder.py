"""The history of a variant: append-only files in its run directory, flushed as they are written.

``samples.csv`` has one row per probe tick (``t_s`` plus every gauge, wide format; a gauge a
probe could not read is left empty), ``events.jsonl`` one line per fault start/stop, freeze,
thaw, component crash or lifecycle step. ``t_s`` is seconds since the variant's load started,
from the monotonic clock. Writers are thread-safe: probes, the nemesis and the orchestrator
all write.
"""

from __future__ import annotations

import csv
import json
import math
import threading
import time
from pathlib import Path
from typing import IO, Any

SAMPLE_COLUMNS: tuple[str, ...] = (
    "t_s",
    # the app's pool (GET /pool)
    "pool_max_size", "pool_total", "pool_active", "pool_idle", "pool_waiting", "pool_created_total",
    "pool_closed_total", "pool_acquire_timeouts_total", "pool_stale_errors_total", "pool_leaks_detected_total",
    # MySQL, seen directly (never through the proxy)
    "mysql_threads_connected", "mysql_max_connections", "mysql_app_connections", "mysql_app_sleep",
    "mysql_app_query", "mysql_app_other", "mysql_app_zombies", "mysql_app_max_idle_s",
    "mysql_prepared_stmt_count", "mysql_max_prepared_stmt_count", "mysql_aborted_clients", "mysql_aborted_connects",
    # the fault proxy (our server's additive fields)
    "proxy_connections", "proxy_bytes_upstream", "proxy_bytes_downstream",
    # how many samplers failed on this tick
    "probe_errors",
)


class Clock:
    """The variant's time base: seconds since the load started (monotonic)."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()

    def reset(self, t0: float | None = None) -> None:
        self.t0 = time.monotonic() if t0 is None else t0

    def now_s(self) -> float:
        return time.monotonic() - self.t0


class SamplesWriter:
    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._file: IO[str] = open(path, "w", newline="")  # noqa: SIM115 - closed in close()
        self._writer = csv.DictWriter(self._file, fieldnames=SAMPLE_COLUMNS, extrasaction="ignore")
        self._writer.writeheader()
        self._file.flush()

    def write(self, row: dict[str, Any]) -> None:
        clean = {k: ("" if v is None or (isinstance(v, float) and math.isnan(v)) else v) for k, v in row.items()}
        with self._lock:
            if self._file.closed:
                return
            self._writer.writerow(clean)
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()


class EventLog:
    def __init__(self, path: Path, clock: Clock) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._file: IO[str] = open(path, "w")  # noqa: SIM115 - closed in close()

    def emit(self, event: str, at: float | None = None, **details: Any) -> dict[str, Any]:
        """Record ``event`` now, or at monotonic time ``at`` (negative t_s: before the load started)."""
        t_s = self._clock.now_s() if at is None else at - self._clock.t0
        record = {"t_s": round(t_s, 3), "event": event, **details}
        with self._lock:
            if not self._file.closed:
                self._file.write(json.dumps(record, default=str) + "\n")
                self._file.flush()
        return record

    def close(self) -> None:
        with self._lock:
            self._file.close()


class History:
    """Everything one variant records, in ``<run dir>/<variant>/``."""

    def __init__(self, variant_dir: Path) -> None:
        variant_dir.mkdir(parents=True, exist_ok=True)
        self.dir = variant_dir
        self.clock = Clock()
        self.samples = SamplesWriter(variant_dir / "samples.csv")
        self.events = EventLog(variant_dir / "events.jsonl", self.clock)
        self.requests_path = variant_dir / "requests.csv"
        self.logs_dir = variant_dir / "logs"
        self.logs_dir.mkdir(exist_ok=True)

    def close(self) -> None:
        self.samples.close()
        self.events.close()
