"""The load process on the real app: stages, per-request timeouts, think time, the open model.

Each test runs ``python -m harness.load`` (locust) for a couple of seconds against the reference
app behind the fault proxy, and reads what it recorded: requests.csv and its status lines.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.load.plan import LoadPlan, RequestPlan, Stage
from harness.stack.load import LoadProcess
from harness.stack.proxy import ProxyClient
from harness.stack.target import BuiltinApp

AppFactory = Callable[[dict[str, Any]], BuiltinApp]
Proxy = tuple[str, str, int]


def run_load(plan: LoadPlan, tmp_path: Path) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """Run the plan to its end; (requests.csv rows without health, status lines)."""
    load = LoadProcess(plan, tmp_path, tmp_path)
    try:
        load.start()
        load.go(time.monotonic())
        assert load.done.wait(plan.duration_s + 30), "the load did not finish"
        assert load.wait(10)
    finally:
        load.stop()
    with open(plan.requests_csv) as f:
        rows = [r for r in csv.DictReader(f) if r["name"] != "health"]
    return rows, load.statuses


def plan_for(app: BuiltinApp, tmp_path: Path, **kw: Any) -> LoadPlan:
    base: dict[str, Any] = {"host": app.url, "duration_s": 3.0, "users": 1, "spawn_rate": 100.0,
                            "requests": [RequestPlan(name="q", path="/query")],
                            "requests_csv": str(tmp_path / "requests.csv"), "health_path": None,
                            "status_interval_s": 0.25}
    return LoadPlan(**{**base, **kw})


def starts_between(rows: list[dict[str, str]], name: str, t0: float, t1: float) -> int:
    return sum(1 for r in rows if r["name"] == name and t0 <= float(r["t_s"]) < t1)


def test_step_stage_and_per_request_timeouts(app_factory: AppFactory, proxy_client: ProxyClient,
                                             mysql_proxy: Proxy, tmp_path: Path) -> None:
    """users 2 -> 6 at 1.5 s: the user count and the request rate follow; with 300 ms of latency,
    requests with timeout_s 0.15 fail as client_timeout after ~0.15 s while the others succeed."""
    app = app_factory({"pool": {"max_size": 10}})
    proxy_client.add_toxic(mysql_proxy[0], "latency", {"latency": 300})
    plan = plan_for(app, tmp_path, users=2, stages=[Stage(kind="step", at_s=1.5, value=6)],
                    requests=[RequestPlan(name="q", path="/query"),
                              RequestPlan(name="tight", path="/query", timeout_s=0.15)])
    rows, statuses = run_load(plan, tmp_path)
    users_at = {round(s["t_s"] * 4) / 4: s["users"] for s in statuses if "t_s" in s and not s.get("done")}
    before = [u for t, u in users_at.items() if 0.5 <= t <= 1.25]
    after = [u for t, u in users_at.items() if 2.0 <= t <= 2.75]
    tight = [r for r in rows if r["name"] == "tight"]
    plain = [r for r in rows if r["name"] == "q"]
    assert set(before) == {2} and set(after) == {6}
    assert starts_between(rows, "q", 2.0, 3.0) + starts_between(rows, "tight", 2.0, 3.0) >= 2 * (
        starts_between(rows, "q", 0.5, 1.5) + starts_between(rows, "tight", 0.5, 1.5))
    assert tight and {(r["outcome"], r["error_class"]) for r in tight} == {("info", "client_timeout")}
    assert all(140 <= float(r["latency_ms"]) < 290 for r in tight)
    assert plain and {r["outcome"] for r in plain} == {"ok"} and min(float(r["latency_ms"]) for r in plain) >= 290


def test_a_pause_and_a_ramp(app_factory: AppFactory, tmp_path: Path) -> None:
    """users 2, a step to 0 at 1 s (nothing is sent), then a ramp to 4 over 1.2 s: the user count
    climbs one by one, not all at once."""
    app = app_factory({"pool": {"max_size": 4}})
    plan = plan_for(app, tmp_path, users=2, wait_min_s=0.05, wait_max_s=0.15, duration_s=3.5,
                    stages=[Stage(kind="step", at_s=1.0, value=0), Stage(kind="ramp", at_s=2.0, for_s=1.2, value=4)])
    rows, statuses = run_load(plan, tmp_path)
    ramp = [s["users"] for s in statuses if "t_s" in s and not s.get("done") and 2.0 <= s["t_s"] <= 3.4]
    assert starts_between(rows, "q", 0.0, 1.0) > 0 and starts_between(rows, "q", 1.3, 2.0) == 0
    assert ramp == sorted(ramp) and ramp[-1] == 4 and len(set(ramp)) >= 3
    assert starts_between(rows, "q", 2.0, 3.5) > 0


def test_think_time_paces_a_user(app_factory: AppFactory, tmp_path: Path) -> None:
    """think_time 0.2 s (uniform 0.1-0.3 s): one user sends a handful of requests in 1.5 s, not hundreds."""
    app = app_factory({"pool": {"max_size": 2}})
    rows, _ = run_load(plan_for(app, tmp_path, duration_s=1.5, wait_min_s=0.1, wait_max_s=0.3), tmp_path)
    assert 4 <= len(rows) <= 16


def test_open_model_records_what_it_could_not_start(app_factory: AppFactory, proxy_client: ProxyClient,
                                                    mysql_proxy: Proxy, tmp_path: Path) -> None:
    """40 arrivals/s, 2 in flight, 300 ms per request: about 100 arrivals in 2.5 s, most of them
    dropped (not_started); none after a step to rate 0 at 2.5 s."""
    app = app_factory({"pool": {"max_size": 4}})
    proxy_client.add_toxic(mysql_proxy[0], "latency", {"latency": 300})
    plan = plan_for(app, tmp_path, duration_s=3.5, open_rate_per_s=40.0, max_in_flight=2,
                    stages=[Stage(kind="step", at_s=2.5, value=0)])
    rows, statuses = run_load(plan, tmp_path)
    dropped = [r for r in rows if r["outcome"] == "dropped"]
    done = [r for r in rows if r["outcome"] != "dropped"]
    assert {r["error_class"] for r in dropped} == {"not_started"}
    assert 85 <= len(rows) <= 115  # offered: 40/s for 2.5 s, whatever the app does
    assert {r["outcome"] for r in done} == {"ok"} and len(done) <= 2 * 2.5 / 0.3 + 2
    assert max(float(r["t_s"]) for r in rows) < 2.51
    assert max(s["users"] for s in statuses if "users" in s) <= 2
    assert statuses[-1]["dropped"] == len(dropped)
