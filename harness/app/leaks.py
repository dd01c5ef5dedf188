"""Leak detection, HikariCP style: a connection borrowed for longer than ``leak_detection_s`` is
logged once, with where it was borrowed, and counted; if it comes back later, that is logged too.

It is its own small class, and a do-nothing ``NoLeakDetector`` stands in when it is off, so the
borrow path never asks "is leak detection on?". Each watch is one timer on gevent's loop (no
greenlet per borrow); the stack is captured at borrow time only when detection is on, because
that is the expensive part and the whole point (HikariCP captures it the same way).
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("harness.app.leaks")


class Watch(Protocol):
    def cancel(self) -> None: ...


class _NoWatch:
    def cancel(self) -> None:
        pass


NO_WATCH = _NoWatch()


class NoLeakDetector:
    """Leak detection off: watching a borrow costs nothing."""

    def watch(self, label: str) -> Watch:
        return NO_WATCH


class _TimerWatch:
    def __init__(self, detector: LeakDetector, label: str, stack: str) -> None:
        self.detector = detector
        self.label = label
        self.stack = stack
        self.borrowed_s = time.monotonic()
        self.reported = False
        self.timer: Any = detector.loop.timer(detector.threshold_s)
        self.timer.start(self._fire)

    def _fire(self) -> None:
        # Runs on gevent's hub: it must not block, so it only logs and counts.
        self.reported = True
        self.detector.on_leak()
        log.warning("apparent connection leak: borrowed %.1f s ago by %s (leak_detection_s=%g), borrowed at:\n%s",
                    time.monotonic() - self.borrowed_s, self.label, self.detector.threshold_s, self.stack)

    def cancel(self) -> None:
        self.timer.close()
        if self.reported:
            log.info("previously reported leaked connection (%s) returned after %.1f s", self.label,
                     time.monotonic() - self.borrowed_s)


class LeakDetector:
    """Watches each borrow; ``on_leak`` is called once per connection held past the threshold."""

    def __init__(self, threshold_s: float, on_leak: Callable[[], None]) -> None:
        import gevent

        self.threshold_s = threshold_s
        self.on_leak = on_leak
        self.loop = gevent.get_hub().loop

    def watch(self, label: str) -> Watch:
        stack = "".join(traceback.format_stack(limit=12)[:-2])
        return _TimerWatch(self, label, stack)
