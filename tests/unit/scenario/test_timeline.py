"""The fault timeline as validation sees it, and the order the nemesis runs its steps in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.faults import REGISTRY
from harness.run.nemesis import build_steps
from harness.scenario.variants import scale_duration
from tests.unit.scenario.helpers import HEAD, errors, load


def faults_doc(*faults: str, head: str = HEAD) -> str:
    return head + "faults:\n" + "".join(f"  - {f}\n" for f in faults)


@pytest.mark.parametrize(("a", "b", "why"), [
    ("{type: freeze, at_s: 5, for_s: 10}", "{type: app_restart, at_s: 8}", "both need the app process to themselves"),
    ("{type: proxy_down, at_s: 5, for_s: 10}", "{type: freeze, at_s: 14, for_s: 2}",
     "both need the proxy enabled to themselves"),
    ("{type: proxy_down, at_s: 5}", "{type: proxy_down, at_s: 30, for_s: 1}", "both need the proxy enabled"),
    ("{type: set_variable, at_s: 1, for_s: 20, name: wait_timeout, value: 5}", "{type: mysql_restart, at_s: 10}",
     "mysql_restart needs the MySQL server to itself and set_variable needs it up"),
    ("{type: kill_idle, at_s: 1, idle_s: 5, every_s: 2}", "{type: mysql_restart, at_s: 10, for_s: 3}",
     "mysql_restart needs the MySQL server to itself and kill_idle needs it up"),
    ("{type: set_variable, at_s: 1, name: wait_timeout, value: 5}",
     "{type: set_variable, at_s: 2, name: WAIT_TIMEOUT, value: 6}", "both need the variable wait_timeout"),
])
def test_overlapping_exclusive_faults_are_rejected(tmp_path: Path, a: str, b: str, why: str) -> None:
    """A fault overlapping one that needs a resource to itself: the later one is named, with both windows."""
    lines = errors(tmp_path, faults_doc(a, b))
    assert len(lines) == 1 and lines[0].startswith("5: faults[1]: ") and "overlaps faults[0]" in lines[0]
    assert why in lines[0]


@pytest.mark.parametrize("pair", [
    ("{type: freeze, at_s: 5, for_s: 5}", "{type: app_restart, at_s: 10}"),  # back to back
    ("{type: proxy_down, at_s: 5, for_s: 5}", "{type: freeze, at_s: 7, for_s: 2, death: blackhole}"),
    ("{type: set_variable, at_s: 1, name: wait_timeout, value: 5}",
     "{type: set_variable, at_s: 1, name: max_connections, value: 50}"),
    ("{type: latency, at_s: 1, latency_ms: 5}", "{type: latency, at_s: 2, latency_ms: 9}"),  # toxics stack
    ("{type: kill_idle, at_s: 1, idle_s: 5, every_s: 2}", "{type: set_variable, at_s: 2, name: x, value: 1}"),
    ("{type: kill_idle, at_s: 1, idle_s: 5, every_s: 2, for_s: 8}", "{type: mysql_restart, at_s: 9, for_s: 3}"),
])
def test_compatible_faults_may_overlap(tmp_path: Path, pair: tuple[str, str]) -> None:
    """Faults on different resources, back-to-back windows and stacked toxics are fine."""
    assert len(load(tmp_path, faults_doc(*pair)).base.faults) == 2


@pytest.mark.parametrize(("fault", "expected"), [
    ("{type: latency, at_s: 50, for_s: 20, latency_ms: 5}",
     "4: faults[0].for_s: the fault would end at 70 s, after the load ends (duration_s 60); omit for_s"),
    ("{type: freeze, at_s: 50, for_s: 5, death: blackhole, blackhole_after_s: 10}",
     "4: faults[0].for_s: the fault would end at 65 s"),
    ("{type: mysql_restart, at_s: 59, for_s: 2}", "4: faults[0].for_s: the fault would end at 61 s"),
    ("{type: kill_idle, at_s: 60, idle_s: 5}", "4: faults[0].at_s: 60 is at or past the end of the load"),
    ("{type: freeze, at_s: 1, for_s: 5, death: server_timeout}",
     "4: faults[0].death: server_timeout needs mysql.variables.wait_timeout shorter than for_s (5 s), "
     "got not set"),
    ("{type: freeze, at_s: 1, for_s: 5, blackhole_after_s: 2}",
     "4: faults[0].blackhole_after_s: only applies to death: blackhole (death is reset)"),
    ("{type: kill_idle, at_s: 1, for_s: 5, idle_s: 2}",
     "4: faults[0].for_s: a one-off kill_idle has no length; add every_s to repeat it"),
])
def test_timeline_problems_name_the_key(tmp_path: Path, fault: str, expected: str) -> None:
    """Faults past the end and faults the rest of the scenario cannot support: one line at the key."""
    lines = errors(tmp_path, faults_doc(fault))
    assert len(lines) == 1 and lines[0].startswith(expected)


def test_server_timeout_freeze_with_a_short_wait_timeout_loads(tmp_path: Path) -> None:
    """wait_timeout shorter than the freeze: accepted."""
    loaded = load(tmp_path, faults_doc("{type: freeze, at_s: 1, for_s: 5, death: server_timeout}",
                                       head=HEAD + "mysql: {variables: {wait_timeout: 2}}\n"))
    assert loaded.base.faults[0].type == "freeze"


def test_mysql_restart_needs_the_embedded_server(tmp_path: Path) -> None:
    """An external server is not ours to restart."""
    lines = errors(tmp_path, faults_doc("{type: mysql_restart, at_s: 1}",
                                        head=HEAD + "mysql: {mode: external, dsn: 'mysql://u:p@db:3306/a'}\n"))
    assert lines == ["5: faults[0].type: mysql_restart needs mysql.mode: embedded (an external server is not ours "
                     "to restart)"]


def spec(kind: str, **keys: Any) -> Any:
    return REGISTRY[kind][0].model_validate({"type": kind, **keys})


class _Runtime:
    def __init__(self, s: Any, index: int) -> None:
        self.spec, self.index = s, index


def test_steps_are_ordered_stop_before_start_and_start_before_zero_length_stop() -> None:
    """At one instant: actions, then stops, then starts, then the stops of instant faults; ticks of
    kill_idle every 2 s until its end; a thaw before a blackhole lifts."""
    faults = [_Runtime(spec("proxy_down", at_s=0, for_s=10), 0), _Runtime(spec("app_restart", at_s=10), 1),
              _Runtime(spec("kill_idle", at_s=4, idle_s=1, every_s=2, for_s=5), 2),
              _Runtime(spec("freeze", at_s=12, for_s=2, death="blackhole", blackhole_after_s=3), 3)]
    steps = [(s.at_s, s.action, s.fault.index) for s in build_steps(faults, 20)]  # type: ignore[arg-type]
    assert steps == [(0, "start", 0), (4, "start", 2), (6, "tick", 2), (8, "tick", 2), (9, "stop", 2),
                     (10, "stop", 0), (10, "start", 1), (10, "stop", 1), (12, "start", 3), (14, "thaw", 3),
                     (17, "stop", 3)]


def test_scale_duration_scales_fault_and_stage_times(tmp_path: Path) -> None:
    """--duration-s 6 on a 60 s scenario: times shrink tenfold; a blackhole tail and rates do not."""
    loaded = load(tmp_path, HEAD + "load:\n  stages:\n    - {type: ramp, at_s: 10, for_s: 20, users: 30}\n"
                  "faults:\n  - {type: freeze, at_s: 30, for_s: 10, death: blackhole, blackhole_after_s: 1}\n")
    scaled = scale_duration(loaded.base, 6)
    stage, freeze = scaled.load.stages[0], scaled.faults[0]
    assert (stage.at_s, stage.for_s, stage.users) == (1.0, 2.0, 30)  # type: ignore[union-attr]
    assert (freeze.at_s, freeze.for_s, freeze.blackhole_after_s) == (3.0, 1.0, 1.0)  # type: ignore[attr-defined]
