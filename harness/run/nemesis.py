"""The nemesis: runs the scenario's fault timeline against the live stack.

Each fault starts at ``at_s`` and stops at its end (``at_s + for_s``, or when the load ends);
both are recorded as ``<type>.start`` / ``<type>.stop`` events. A fault that fails to start or
stop is recorded as ``<type>.error`` and the timeline carries on. ``heal_all`` stops every fault
still active; the orchestrator calls it in a ``finally``, whatever happened.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from harness.faults import REGISTRY, Fault, FaultContext, FaultSpec
from harness.history.recorder import Clock

log = logging.getLogger(__name__)


@dataclass
class Step:
    at_s: float
    action: str  # "start" | "stop"
    fault: Fault


class Nemesis:
    def __init__(self, specs: list[FaultSpec], ctx: FaultContext, clock: Clock, duration_s: float) -> None:
        self.ctx = ctx
        self.clock = clock
        self.faults = [REGISTRY[spec.type][1](spec, i, ctx) for i, spec in enumerate(specs)]
        self.steps: list[Step] = []
        for f in self.faults:
            self.steps.append(Step(f.spec.at_s, "start", f))
            self.steps.append(Step(f.spec.end_s(duration_s), "stop", f))
        self.steps.sort(key=lambda s: (s.at_s, s.action == "start"))  # stops before starts at a tie
        self.active: list[Fault] = []
        self.errors = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="nemesis", daemon=True)

    def start(self) -> Nemesis:
        if self.steps:
            self._thread.start()
        return self

    def current(self) -> list[str]:
        with self._lock:
            return [f.spec.type for f in self.active]

    def _run(self) -> None:
        for step in self.steps:
            delay = step.at_s - self.clock.now_s()
            if delay > 0 and self._stop.wait(delay):
                return
            if self._stop.is_set():
                return
            with self._lock:
                if step.action == "start":
                    self._start(step.fault)
                elif step.fault in self.active:
                    self._end(step.fault)

    def _start(self, fault: Fault) -> None:
        kind = fault.spec.type
        try:
            details = fault.start()
        except Exception as e:
            self.errors += 1
            log.error("fault %s[%d] failed to start: %s", kind, fault.index, e)
            self.ctx.events.emit(f"{kind}.error", fault=kind, index=fault.index, phase="start", error=str(e))
            return
        self.active.append(fault)
        self.ctx.events.emit(f"{kind}.start", fault=kind, index=fault.index, **_jsonable(details))

    def _end(self, fault: Fault) -> None:
        kind = fault.spec.type
        self.active.remove(fault)
        try:
            details = fault.stop()
        except Exception as e:
            self.errors += 1
            log.error("fault %s[%d] failed to stop: %s", kind, fault.index, e)
            self.ctx.events.emit(f"{kind}.error", fault=kind, index=fault.index, phase="stop", error=str(e))
            details = {"healed": False}
        self.ctx.events.emit(f"{kind}.stop", fault=kind, index=fault.index, **_jsonable(details))

    def heal_all(self) -> None:
        """Stop the timeline and every fault still active (newest first). Never raises."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        with self._lock:
            for fault in reversed(list(self.active)):
                self._end(fault)


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in details.items() if k not in ("t_s", "event", "fault", "index")}
