"""The nemesis: runs the scenario's fault timeline against the live stack.

Each fault starts at ``at_s``, runs its timed actions (a repeated kill, a thaw) and stops at its
end (``at_s + for_s``, or when the load ends); each step is recorded as ``<type>.start`` /
``<type>.<action>`` / ``<type>.stop``. A step that fails is recorded as ``<type>.error`` and the
timeline carries on; a fault that failed to start is stopped at once, quietly, so a half-applied
fault does not linger. ``heal_all`` stops every fault still active; the orchestrator calls it in
a ``finally``, whatever happened.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.faults import REGISTRY, Fault, FaultContext, FaultSpec
from harness.history.recorder import Clock

log = logging.getLogger(__name__)
JOIN_TIMEOUT_S = 60.0  # a step in hand may be a MySQL restart: let it finish before healing


@dataclass
class Step:
    at_s: float
    action: str  # "start" | "stop" | a fault's own action ("tick", "thaw")
    fault: Fault
    rank: int  # order of steps due at the same instant


def build_steps(faults: list[Fault], duration_s: float) -> list[Step]:
    """Every step of the timeline, in order. At one instant: actions, then stops, then starts (so
    back-to-back exclusive faults never overlap), then the stops of zero-length faults (after
    their own start)."""
    steps: list[Step] = []
    for f in faults:
        start, end = f.spec.at_s, f.spec.end_s(duration_s)
        steps.append(Step(start, "start", f, 2))
        steps.extend(Step(t, name, f, 0) for t, name in f.spec.actions(duration_s))
        steps.append(Step(end, "stop", f, 1 if end > start else 3))
    steps.sort(key=lambda s: (s.at_s, s.rank, s.fault.index))
    return steps


class Nemesis:
    def __init__(self, specs: list[FaultSpec], ctx: FaultContext, clock: Clock, duration_s: float) -> None:
        self.ctx = ctx
        self.clock = clock
        self.faults = [REGISTRY[spec.type][1](spec, i, ctx) for i, spec in enumerate(specs)]
        self.steps = build_steps(self.faults, duration_s)
        self.active: list[Fault] = []
        self.busy: list[Fault] = []  # faults being started, not yet active (an app being restarted is not a crash)
        self.errors = 0
        self.first_error: str | None = None  # "<type>[i] <phase>: <error>", for the run's verdict
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="nemesis", daemon=True)

    def start(self) -> Nemesis:
        if self.steps:
            self._thread.start()
        return self

    def current(self) -> list[str]:
        """Types of the faults active or being applied right now (for the progress line)."""
        with self._lock:
            return [f.spec.type for f in self.active + self.busy]

    def expects_app_down(self) -> bool:
        """True while a fault that takes the app down is active or being applied."""
        with self._lock:
            return any(f.takes_app_down for f in self.active + self.busy)

    def _run(self) -> None:
        try:
            for step in self.steps:
                delay = step.at_s - self.clock.now_s()
                if delay > 0 and self._stop.wait(delay):
                    return
                if self._stop.is_set():
                    return
                self._do(step)
        except Exception:  # a bug here must not end the timeline silently
            self.errors += 1
            self.first_error = self.first_error or "the timeline itself (a bug; see the log)"
            log.exception("nemesis: the fault timeline failed")
            self.ctx.events.emit("nemesis.error", error="the fault timeline failed; see the log")

    def _do(self, step: Step) -> None:
        fault = step.fault
        with self._lock:
            active = fault in self.active
        if step.action == "start":
            self._start(fault)
        elif active and step.action == "stop":
            self._end(fault)
        elif active:
            self._act(fault, step.action)

    def _start(self, fault: Fault) -> None:
        with self._lock:
            self.busy.append(fault)
        details = self._attempt(fault, "start", fault.start)
        if details is None:
            _quietly(fault.stop)  # undo whatever part of it was applied
        with self._lock:
            if details is not None:
                self.active.append(fault)
            self.busy.remove(fault)
        if details is not None:
            self._emit(fault, "start", details)

    def _act(self, fault: Fault, action: str) -> None:
        details = self._attempt(fault, action, lambda: fault.act(action))
        if details is not None:
            self._emit(fault, action, details)

    def _end(self, fault: Fault) -> None:
        """Stop an active fault; it stays in ``active`` until its stop returns (a restart in hand is
        still an expected outage)."""
        try:
            details = self._attempt(fault, "stop", fault.stop)
        finally:
            with self._lock:
                if fault in self.active:
                    self.active.remove(fault)
        self._emit(fault, "stop", {"healed": False} if details is None else details)

    def _attempt(self, fault: Fault, phase: str, step: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
        """Run one step of a fault; on failure count it, log it, record ``<type>.error``, return None."""
        try:
            return step()
        except Exception as e:
            self.errors += 1
            log.error("fault %s[%d] failed to %s: %s", fault.spec.type, fault.index, phase, e)
            self._error(fault, phase, e)
            return None

    def _emit(self, fault: Fault, action: str, details: dict[str, Any]) -> None:
        kind = fault.spec.type
        self.ctx.events.emit(f"{kind}.{action}", fault=kind, index=fault.index, **_jsonable(details))

    def _error(self, fault: Fault, phase: str, e: Exception) -> None:
        kind = fault.spec.type
        if self.first_error is None:
            self.first_error = f"{kind}[{fault.index}] {phase}: {e}"
        self.ctx.events.emit(f"{kind}.error", fault=kind, index=fault.index, phase=phase, error=str(e))

    def heal_all(self) -> None:
        """Stop the timeline and every fault still active (newest first). Never raises."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=JOIN_TIMEOUT_S)
            if self._thread.is_alive():
                log.error("nemesis: a fault step is still running after %.0f s; healing the rest", JOIN_TIMEOUT_S)
        with self._lock:
            remaining = list(reversed(self.active))
        for fault in remaining:
            self._end(fault)


def _quietly(fn: Any) -> None:
    try:
        fn()
    except Exception as e:
        log.debug("nemesis: cleanup after a failed start: %s", e)


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in details.items() if k not in ("t_s", "event", "fault", "index")}
