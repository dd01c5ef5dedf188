"""The reference app inside a whole `harness run`: incident 002 reproduced and fixed from a scenario."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from harness.stack.processes import owned_by

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = """\
name: aborted-clients
duration_s: 6
app:
  builtin:
    pool: {max_size: 4, acquire_timeout_s: 2}
variants:
  - {name: late, set: {app.builtin.bugs.release_on_abort: late}}
  - {name: early, set: {app.builtin.bugs.release_on_abort: early}}
load:
  users: 12
  requests:
    - {name: slow, path: "/report?hold_ms=300", weight: 3}
    - {name: aborted, path: /query, weight: 2, abort_after_ms: 50}
probes: {interval_s: 0.25, drain_s: 2}
checks:
  - {type: no_leak}
"""


def test_aborted_clients_leak_with_late_release_only(tmp_path: Path) -> None:
    """Clients hanging up while the pool is saturated: with release_on_abort late the run ends with the
    whole pool leaked and no_leak failing; with early nothing is leaked and no_leak passes."""
    scenario = tmp_path / "aborted.yaml"
    scenario.write_text(SCENARIO)
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "harness", "run", str(scenario), "--out", str(out), "--quiet"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, err = proc.communicate(timeout=300)
    assert owned_by(proc.pid) == []
    variants = json.loads((out / "summary.json").read_text())["variants"]
    late, early = variants["late"], variants["early"]
    seen = {name: (v["pool"], v["errors"], v["requests"]) for name, v in variants.items()}
    assert proc.returncode == 1, (err[-2000:], seen)
    assert (late["pool"]["leaked_at_end"], early["pool"]["leaked_at_end"]) == (4, 0), seen
    verdicts = {name: [c["passed"] for c in v["checks"]] for name, v in variants.items()}
    assert verdicts == {"late": [False], "early": [True]}, seen
    # Once the whole pool is leaked, every request that needs a connection times out.
    assert late["errors"]["pool_timeout"] > early["errors"]["pool_timeout"], seen
