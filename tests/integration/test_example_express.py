"""Incident 002 in its own stack: the Express + mysql2 example, started by app.command, leaks with
RELEASE=late and not with RELEASE=early. (`make test` installs Node.js and the example's locked
dependencies first: scripts/ensure-node-example.sh.)"""

from __future__ import annotations

import json

import pytest
import yaml

from tests.integration.app_helpers import ROOT, harness_cli

EXAMPLE = ROOT / "examples" / "express-mysql2"


@pytest.fixture(scope="module")
def express_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The example's scenario, 7 s per variant, one aborted request in four so the leak is quick."""
    scenario = yaml.safe_load((EXAMPLE / "aborted-clients.yaml").read_text())
    scenario["duration_s"] = 7
    scenario["load"]["requests"][0]["weight"] = 3
    scenario["probes"]["drain_s"] = 2
    tmp = tmp_path_factory.mktemp("express")
    path = tmp / "express.yaml"
    path.write_text(yaml.safe_dump(scenario))
    out = tmp / "run"
    done = harness_cli("run", str(path), "--out", str(out), "--quiet")  # node and its children go with the run
    assert done.returncode == 1, done.stderr  # the late variant fails its checks, by design
    return json.loads((out / "summary.json").read_text())


def test_late_release_leaks_the_whole_pool(express_run: dict) -> None:
    """RELEASE=late: every connection of the pool of 10 stays borrowed after the load and the health check dies."""
    late = express_run["variants"]["late"]
    assert (late["pool"]["leaked_at_end"], late["health"]["dead_at_end"]) == (10, True)
    assert late["requests"]["aborted"] > 0


def test_early_release_does_not_leak(express_run: dict) -> None:
    """RELEASE=early: the same aborted requests leave nothing borrowed, and the app stays healthy."""
    early = express_run["variants"]["early"]
    assert (early["pool"]["leaked_at_end"], early["health"]["dead_at_end"]) == (0, False)
    assert early["requests"]["aborted"] > 0 and early["requests"]["failed"] == 0
    assert express_run["stack"]["app"] == "app started by app.command"
