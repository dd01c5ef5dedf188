"""The nemesis's promises when a fault misbehaves: a failed step is recorded and the timeline goes
on; a fault that failed to start is undone at once and never counted active; a fault whose stop
fails is recorded as not healed; ``heal_all`` stops whatever is still active, newest first.

The faults here are tiny in-process ones: what is under test is the timeline's bookkeeping, not
a fault's effect (each real fault's effect is tested on the real stack in tests/integration)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import Field

from harness.faults import REGISTRY, Fault, FaultContext, FaultSpec
from harness.history.recorder import Clock, EventLog
from harness.run.nemesis import Nemesis

CALLS: list[str] = []


class Spec(FaultSpec):
    type: Literal["scripted"] = "scripted"
    fail: list[str] = Field(default_factory=list)  # phases that raise: "start", "stop", "tick"
    ticks: list[float] = Field(default_factory=list)

    def actions(self, duration_s: float) -> list[tuple[float, str]]:
        return [(t, "tick") for t in self.ticks]


class Scripted(Fault):
    def _step(self, phase: str) -> dict[str, Any]:
        CALLS.append(f"{self.index}.{phase}")
        if phase in self.spec.fail:
            raise RuntimeError(f"{phase} refused")
        return {"did": phase}

    def start(self) -> dict[str, Any]:
        return self._step("start")

    def stop(self) -> dict[str, Any]:
        return self._step("stop")

    def act(self, action: str) -> dict[str, Any]:
        return self._step(action)


def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, specs: list[dict[str, Any]], heal_at_s: float | None = None,
        duration_s: float = 0.3) -> tuple[Nemesis, list[dict[str, Any]]]:
    monkeypatch.setitem(REGISTRY, "scripted", (Spec, Scripted))
    CALLS.clear()
    clock = Clock()
    events = EventLog(tmp_path / "events.jsonl", clock)
    ctx = FaultContext(proxy=None, proxy_name="mysql", mysql=None, endpoint=None, app=None,  # type: ignore[arg-type]
                       events=events)
    nemesis = Nemesis([Spec.model_validate({"type": "scripted", **s}) for s in specs], ctx, clock, duration_s)
    nemesis.start()
    nemesis._thread.join(timeout=5) if heal_at_s is None else nemesis._stop.wait(heal_at_s)
    nemesis.heal_all()
    events.close()
    return nemesis, [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]


def test_a_fault_that_fails_to_start_is_undone_and_the_timeline_goes_on(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    nemesis, events = run(tmp_path, monkeypatch, [{"at_s": 0, "for_s": 0.1, "fail": ["start"]},
                                                  {"at_s": 0.05, "for_s": 0.1}])
    assert [e["event"] for e in events] == ["scripted.error", "scripted.start", "scripted.stop"]
    assert events[0]["index"] == 0 and events[0]["phase"] == "start" and "start refused" in events[0]["error"]
    assert CALLS == ["0.start", "0.stop", "1.start", "1.stop"]  # 0 undone at once, never stopped again
    assert nemesis.errors == 1 and nemesis.first_error == "scripted[0] start: start refused"
    assert nemesis.active == [] and nemesis.busy == []


def test_a_failed_action_is_recorded_and_the_fault_still_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nemesis, events = run(tmp_path, monkeypatch, [{"at_s": 0, "ticks": [0.05, 0.1], "fail": ["tick"]}])
    assert [(e["event"], e.get("phase")) for e in events] == [
        ("scripted.start", None), ("scripted.error", "tick"), ("scripted.error", "tick"), ("scripted.stop", None)]
    assert nemesis.errors == 2 and nemesis.active == []


def test_a_stop_that_fails_is_recorded_as_not_healed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nemesis, events = run(tmp_path, monkeypatch, [{"at_s": 0, "for_s": 0.1, "fail": ["stop"]}])
    assert [e["event"] for e in events] == ["scripted.start", "scripted.error", "scripted.stop"]
    assert events[-1]["healed"] is False
    assert nemesis.errors == 1 and nemesis.active == [] and nemesis.busy == []


def test_heal_all_stops_what_is_still_active_newest_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two faults meant to last 10 s; the run ends after 0.2 s (a Ctrl-C): both are stopped, the
    later one first, and the timeline's own steps after that never run."""
    nemesis, events = run(tmp_path, monkeypatch, [{"at_s": 0, "for_s": 10}, {"at_s": 0.05, "for_s": 10}],
                          heal_at_s=0.2, duration_s=20)
    assert CALLS == ["0.start", "1.start", "1.stop", "0.stop"]
    assert [e["event"] for e in events] == ["scripted.start"] * 2 + ["scripted.stop"] * 2
    assert nemesis.errors == 0 and nemesis.active == []
