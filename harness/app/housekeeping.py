"""A pool's housekeeping: a small periodic task that never dies (HikariCP's HouseKeeper).

Each run's error is caught, logged with the task's name and counted (``errors_total`` shows in
``GET /pool``), and the loop carries on: a database that is down for a minute must not leave the
pool without idle eviction or refill for the rest of the run.

It is a plain ``gevent.sleep`` loop. While the process is stopped (SIGSTOP, the harness's model
of a Lambda freeze) it simply does not run, like every timer; after SIGCONT an overdue run starts
at the loop's next turn, in whatever order gevent picks against requests already queued. Nothing
here knows about freezing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gevent

log = logging.getLogger("harness.app.housekeeping")


class Housekeeper:
    def __init__(self, name: str, interval_s: float, task: Callable[[], None]) -> None:
        self.name = name
        self.interval_s = interval_s
        self.task = task
        self.runs_total = 0
        self.errors_total = 0
        self._greenlet: Any = None

    def start(self) -> None:
        if self._greenlet is None:
            self._greenlet = gevent.spawn(self._loop)

    def run_once(self) -> None:
        try:
            self.task()
        except Exception as e:
            self.errors_total += 1
            # The first failure with its traceback; later ones in one line (a database down for a
            # minute must not bury the log in identical tracebacks).
            log.warning("%s failed (%d failures so far), carrying on: %s: %s", self.name, self.errors_total,
                        type(e).__name__, e, exc_info=self.errors_total == 1)
        else:
            self.runs_total += 1

    def _loop(self) -> None:
        self.run_once()  # the first run fills min_idle at start
        while True:
            gevent.sleep(self.interval_s)
            self.run_once()

    def stop(self) -> None:
        if self._greenlet is not None:
            self._greenlet.kill(block=False)
            self._greenlet = None
