"""requests.csv: one row per request (t_s, name, latency_ms, outcome, error_class), never dropped.

Rows are buffered in memory and appended to the file on every ``flush`` (the status tick, about
twice a second), so an interrupted run keeps what it recorded.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO

from harness.load.plan import HEALTH_NAME, REQUESTS_HEADER, outcome_for


class Recorder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] = open(path, "w", newline="")  # noqa: SIM115 - closed in close()
        self._writer = csv.writer(self._file)
        self._writer.writerow(REQUESTS_HEADER)
        self._rows: list[tuple[float, str, float, str, str]] = []
        self.t0 = 0.0
        self.total = 0
        self.failed = 0
        self.dropped = 0

    def start(self, t0: float) -> None:
        self.t0 = t0

    def record(self, t_start: float, name: str, elapsed_s: float, error_class: str | None) -> None:
        outcome = outcome_for(error_class)
        self._rows.append((round(t_start - self.t0, 4), name, round(elapsed_s * 1000.0, 3), outcome,
                           error_class or ""))
        if outcome == "dropped":
            self.dropped += 1
        elif name != HEALTH_NAME:
            self.total += 1
            if outcome in ("fail", "info"):
                self.failed += 1

    def counts(self) -> dict[str, int]:
        return {"requests": self.total, "errors": self.failed, "dropped": self.dropped}

    def flush(self) -> None:
        if self._rows:
            rows, self._rows = self._rows, []
            self._writer.writerows(rows)
            self._file.flush()

    def close(self) -> None:
        self.flush()
        self._file.close()
