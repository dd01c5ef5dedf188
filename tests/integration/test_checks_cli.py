"""`harness run` as CI uses it: exit 1 naming the failed check and by how much, exit 0 when all pass,
JUnit XML either way."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from tests.integration.app_helpers import harness_cli

SCENARIO = """\
name: gate
duration_s: 2.5
app:
  builtin:
    pool: {max_size: 10, acquire_timeout_s: 5}
variants:
  - {name: small, set: {app.builtin.pool.max_size: 1}}
  - {name: large}
load:
  users: 6
  health: null
probes: {interval_s: 0.1, drain_s: 0.5}
checks:
  - {type: expression, expr: "pool.peak_waiting <= 0", name: nobody waits}
  - {type: no_exhaustion}
  - {type: expression, expr: "requests.ok > 10 and errors.pool_timeout == 0"}
"""


def run(tmp_path: Path, variant: str) -> tuple[int, str, ET.Element]:
    scenario = tmp_path / "gate.yaml"
    scenario.write_text(SCENARIO)
    junit = tmp_path / f"junit-{variant}.xml"
    proc = harness_cli("run", str(scenario), "--variant", variant, "--quiet", "--out", str(tmp_path / variant),
                       "--junit", str(junit))
    return proc.returncode, proc.stderr, ET.parse(junit).getroot()


def test_a_failing_check_exits_1_and_says_by_how_much(tmp_path: Path) -> None:
    """6 users on a pool of 1: exit 1; the last line names the variant, the check, the figure and the gap."""
    code, err, junit = run(tmp_path, "small")
    last = err.strip().splitlines()[-1]
    suite = junit.find("testsuite")
    assert code == 1, err
    assert last.startswith("harness: check failed: small: nobody waits: pool.peak_waiting = ")
    assert "(needs <= 0, off by " in last and last.endswith("(and 1 more check did not pass)")
    assert "FAILED small: no_exhaustion: pool exhausted at t=" in err
    assert suite is not None and (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "2", "0")


def test_all_checks_passing_exits_0(tmp_path: Path) -> None:
    """6 users on a pool of 10: the same checks pass, exit 0, JUnit without failures."""
    code, err, junit = run(tmp_path, "large")
    suite = junit.find("testsuite")
    assert code == 0, err
    assert "FAILED" not in err and "check failed" not in err
    assert suite is not None and (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "0", "0")


def test_a_fault_that_does_not_apply_fails_the_run(tmp_path: Path) -> None:
    """A fault MySQL refuses (an unknown variable) is not a pass: exit 3, the error named, data kept."""
    scenario = tmp_path / "nofault.yaml"
    scenario.write_text("name: nofault\nduration_s: 1.5\nload: {users: 2, health: null}\n"
                        "probes: {interval_s: 0.2, drain_s: 0.2}\n"
                        "faults:\n  - {type: set_variable, at_s: 0.5, name: no_such_variable, value: 1}\n"
                        "checks:\n  - {type: no_leak}\n")
    out = tmp_path / "run"
    proc = harness_cli("run", str(scenario), "--quiet", "--out", str(out))
    events = (out / "default" / "events.jsonl").read_text()
    assert proc.returncode == 3, proc.stderr
    assert "the fault timeline did not run as written: 1 step(s) failed, first set_variable[0] start:" in proc.stderr
    assert "Unknown system variable" in proc.stderr and '"event": "set_variable.error"' in events
    assert (out / "summary.json").exists()
