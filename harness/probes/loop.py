"""ProbeLoop: every ``interval_s``, ask each sampler and write one wide row to samples.csv.

A sampler that fails is logged with its name and counted (``probe_errors`` on the row, and
``failures`` per sampler for the report); the loop itself never dies.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any, Protocol

from harness.history.recorder import History

log = logging.getLogger(__name__)


class Sampler(Protocol):
    name: str

    def sample(self) -> dict[str, Any]: ...


class ProbeLoop:
    def __init__(self, history: History, samplers: Sequence[Sampler], interval_s: float) -> None:
        self.history = history
        self.samplers = list(samplers)
        self.interval_s = interval_s
        self.failures: Counter[str] = Counter()
        self.latest: dict[str, Any] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="probes", daemon=True)

    def start(self) -> ProbeLoop:
        self._thread.start()
        return self

    def tick(self) -> dict[str, Any]:
        row: dict[str, Any] = {"t_s": round(self.history.clock.now_s(), 3)}
        errors = 0
        for sampler in self.samplers:
            try:
                row.update(sampler.sample())
            except Exception as e:
                errors += 1
                self.failures[sampler.name] += 1
                if self.failures[sampler.name] in (1, 10, 100) or self.failures[sampler.name] % 1000 == 0:
                    log.warning("probe %s failed (%d so far): %s", sampler.name, self.failures[sampler.name], e)
        row["probe_errors"] = errors
        self.history.samples.write(row)
        self.latest = row
        return row

    def _run(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # pragma: no cover - a bug in the loop itself; keep sampling
                log.exception("probe loop tick failed")
            next_at += self.interval_s
            delay = next_at - time.monotonic()
            if delay < 0:  # fell behind (a slow sampler): skip ahead, never burst
                next_at = time.monotonic()
                delay = 0
            self._stop.wait(delay)

    def final_tick(self) -> dict[str, Any]:
        """Stop the periodic loop and take one last sample (the end-of-drain reading)."""
        self._halt()
        return self.tick()

    def _halt(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def stop(self) -> None:
        self._halt()
        for sampler in self.samplers:
            close = getattr(sampler, "close", None)
            if close is not None:
                close()
