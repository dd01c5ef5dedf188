"""The load section: models, stages, per-request timeouts, and the schedules the load process follows."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.load.plan import Stage, level_at, outcome_for
from harness.run.variant import load_plan
from tests.unit.scenario.helpers import HEAD, errors, load


def test_stages_reach_the_load_plan(tmp_path: Path) -> None:
    """Closed-model stages become (kind, at, for, users) in the plan; request timeouts follow."""
    loaded = load(tmp_path, HEAD + "load:\n  users: 4\n  stages:\n    - {type: ramp, at_s: 10, for_s: 10, users: 20}\n"
                  "    - {type: spike, at_s: 30, for_s: 5, users: 80}\n"
                  "  requests:\n    - {name: q}\n    - {name: fast, timeout_s: 0.5}\n")
    plan = load_plan(loaded.base, "http://127.0.0.1:1", tmp_path / "r.csv")
    assert plan.stages == [Stage("ramp", 10, 20, 10), Stage("spike", 30, 80, 5)]
    assert [r.timeout_s for r in plan.requests] == [None, 0.5] and plan.open_rate_per_s is None


def test_open_model_reaches_the_load_plan(tmp_path: Path) -> None:
    """open_model: rate, slots and arrivals in the plan; stages carry rates."""
    loaded = load(tmp_path, HEAD + "load:\n  open_model: {rate_per_s: 50, max_in_flight: 8, arrivals: poisson}\n"
                  "  stages:\n    - {type: step, at_s: 20, rate_per_s: 120}\n")
    plan = load_plan(loaded.base, "http://127.0.0.1:1", tmp_path / "r.csv")
    assert (plan.open_rate_per_s, plan.max_in_flight, plan.arrivals) == (50, 8, "poisson")
    assert plan.stages == [Stage("step", 20, 120, 0)]


@pytest.mark.parametrize(("load_yaml", "expected"), [
    ("  open_model: {rate_per_s: 5}\n  users: 3\n",
     "load.users: not used by the open model (load.open_model sets the arrival rate); remove it"),
    ("  stages:\n    - {type: step, at_s: 5, rate_per_s: 3}\n",
     "load.stages[0].rate_per_s: the closed model's stages give users, not rate_per_s"),
    ("  open_model: {rate_per_s: 5}\n  stages:\n    - {type: spike, at_s: 5, for_s: 1}\n",
     "load.stages[0].rate_per_s: required key is missing (the level of a open-model stage)"),
    ("  stages:\n    - {type: ramp, at_s: 5, users: 3}\n", "load.stages[0].for_s: required key is missing"),
    ("  stages:\n    - {type: ramp, at_s: 50, for_s: 20, users: 3}\n",
     "load.stages[0].for_s: the stage would end at 70 s, after the load ends (duration_s 60)"),
    ("  stages:\n    - {type: stpe, at_s: 5, users: 3}\n",
     "load.stages[0]: unknown type 'stpe'; did you mean 'step'? (expected one of step, ramp, spike)"),
    ("  requests:\n    - {name: a, abort_after_ms: 1, timeout_s: 2}\n",
     "load.requests[0].timeout_s: an aborted request (abort_after_ms) never waits for an answer"),
    ("  requests:\n    - {name: health}\n", "load.requests[0].name: 'health' is reserved for the health checker"),
])
def test_load_mistakes(tmp_path: Path, load_yaml: str, expected: str) -> None:
    """Each mistake in the load section is one line naming the key."""
    lines = errors(tmp_path, HEAD + "load:\n" + load_yaml)
    assert len(lines) == 1 and expected in lines[0]


def test_level_at_follows_steps_ramps_and_spikes() -> None:
    """Base 10; ramp to 30 over 10-20 s; spike to 100 over 25-27 s; step to 5 at 30 s."""
    stages = [Stage("ramp", 10, 30, 10), Stage("spike", 25, 100, 2), Stage("step", 30, 5)]
    got = [level_at(10, stages, t) for t in (0, 10, 15, 20, 24, 25, 26.9, 27, 31)]
    assert got == [10, 10, 20, 30, 30, 100, 100, 30, 5]


def test_outcomes_of_the_new_classes() -> None:
    """not_started is a dropped arrival; a client timeout is indeterminate (info)."""
    assert (outcome_for("not_started"), outcome_for("client_timeout"), outcome_for(None)) == ("dropped", "info", "ok")
