"""summary.json figures on recorded data with known answers, built by hand here."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from harness.analysis.checks import MaxErrorRate, NoLeak, RecoversWithin, evaluate
from harness.analysis.summary import load_variant, variant_summary
from harness.history.recorder import SAMPLE_COLUMNS


def write_variant(d: Path, samples: list[dict[str, Any]], requests: list[tuple[Any, ...]],
                  events: list[dict[str, Any]]) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    with open(d / "samples.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=SAMPLE_COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(samples)
    with open(d / "requests.csv", "w", newline="") as f:
        w2 = csv.writer(f)
        w2.writerow(("t_s", "name", "latency_ms", "outcome", "error_class"))
        w2.writerows(requests)
    (d / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    return d


def sample(t: float, active: int, idle: int, waiting: int, **extra: Any) -> dict[str, Any]:
    return {"t_s": t, "pool_max_size": 4, "pool_active": active, "pool_idle": idle, "pool_total": active + idle,
            "pool_waiting": waiting, **extra}


def scenario_files(tmp_path: Path) -> Path:
    """0-10 s: a latency fault from 2 to 5 s exhausts a pool of 4; it recovers; 1 connection leaks."""
    samples = []
    for i in range(0, 25):  # every 0.5 s up to 12 s (load ends at 10, drain to 12)
        t = i * 0.5
        if 2.5 <= t < 5.5:
            samples.append(sample(t, 4, 0, 6, mysql_app_connections=4, mysql_app_zombies=0))
        else:
            leaked = 1 if t >= 6 else 0
            samples.append(sample(t, leaked, 4 - leaked, 0, mysql_app_connections=4,
                                  mysql_app_zombies=leaked if t >= 11 else 0, mysql_prepared_stmt_count=i,
                                  mysql_aborted_clients=100 + (i // 10)))
    requests: list[tuple[Any, ...]] = []
    for i in range(100):  # one ok request every 0.1 s
        requests.append((round(i * 0.1, 2), "query", 2.0, "ok", ""))
    requests += [(3.0, "query", 1000.0, "fail", "pool_timeout"),  # ends at 4.0
                 (3.2, "query", 1000.0, "fail", "pool_timeout"),
                 (4.5, "query", 30.0, "info", "connection_lost"),
                 (1.0, "query", 0.5, "aborted", "aborted"),
                 (0.0, "health", 3.0, "ok", ""), (9.0, "health", 2000.0, "fail", "health_timeout")]
    events = [{"t_s": 0.0, "event": "load.start"},
              {"t_s": 2.0, "event": "latency.start", "fault": "latency", "index": 0},
              {"t_s": 5.0, "event": "latency.stop", "fault": "latency", "index": 0},
              {"t_s": 10.0, "event": "load.stop"}]
    return write_variant(tmp_path / "v", samples, requests, events)


def test_request_counts_and_error_classes(tmp_path: Path) -> None:
    """Health rows are not requests; failed = fail + info; aborted counted apart."""
    s = variant_summary(load_variant(scenario_files(tmp_path)))
    assert s["requests"] == {"total": 104, "ok": 100, "failed": 3, "aborted": 1, "dropped": 0, "rps": 10.4}
    assert (s["errors"]["pool_timeout"], s["errors"]["connection_lost"], s["errors"]["other"]) == (2, 1, 0)


def test_exhaustion_is_the_first_dry_sample_or_timeout(tmp_path: Path) -> None:
    """active == max_size with waiting > 0 first at 2.5 s (the first timeout ends at 4.0 s)."""
    s = variant_summary(load_variant(scenario_files(tmp_path)))
    assert (s["pool"]["exhausted_at_s"], s["pool"]["peak_active"], s["pool"]["peak_waiting"]) == (2.5, 4, 6)


def test_recovery_after_the_last_fault(tmp_path: Path) -> None:
    """Waiting is 0 from 5.5 s and no error ends after 4.53 s: recovered 5.5 s, 0.5 s after the fault."""
    s = variant_summary(load_variant(scenario_files(tmp_path)))
    assert (s["pool"]["recovered_at_s"], s["pool"]["recovery_s"]) == (5.5, 0.5)


def test_leak_and_zombies_at_end(tmp_path: Path) -> None:
    """One connection stays borrowed after the drain; it is a zombie by the end."""
    s = variant_summary(load_variant(scenario_files(tmp_path)))
    assert (s["pool"]["leaked_at_end"], s["mysql"]["zombies_at_end"]) == (1, 1)
    assert (s["mysql"]["peak_prepared_stmt_count"], s["mysql"]["aborted_clients"]) == (24, 2)


def test_health_dead_at_end(tmp_path: Path) -> None:
    """The last health check failed: dead at the end."""
    s = variant_summary(load_variant(scenario_files(tmp_path)))
    assert s["health"] == {"checks": 2, "ok": 1, "dead_at_end": True}


def test_fault_windows(tmp_path: Path) -> None:
    """Start/stop events pair into windows."""
    s = variant_summary(load_variant(scenario_files(tmp_path)))
    assert s["faults"] == [{"type": "latency", "start_s": 2, "end_s": 5}]


def test_checks_on_the_summary(tmp_path: Path) -> None:
    """no_leak fails with the figure; error rate and recovery pass with theirs."""
    s = variant_summary(load_variant(scenario_files(tmp_path)))
    leak = evaluate(NoLeak(), s)
    assert (leak["passed"], leak["detail"]) == (False, "leaked_at_end=1 (allowed 0)")
    assert evaluate(MaxErrorRate(value=0.05), s)["passed"] is True
    failing = evaluate(MaxErrorRate(value=0.01), s)
    assert failing["passed"] is False and "2.91%" in failing["detail"] and "1.91 points over" in failing["detail"]
    assert evaluate(RecoversWithin(value=1), s)["passed"] is True


def test_missing_figure_is_unknown_not_passed(tmp_path: Path) -> None:
    """A check without its figure is unknown, never passed."""
    d = write_variant(tmp_path / "empty", [], [], [{"t_s": 0, "event": "load.start"}])
    s = variant_summary(load_variant(d))
    assert None is evaluate(NoLeak(), s)["passed"]


def test_empty_variant_has_every_key(tmp_path: Path) -> None:
    """Nothing recorded: every contract key is there, as null or zero."""
    d = write_variant(tmp_path / "empty", [], [], [])
    s = variant_summary(load_variant(d))
    assert {"requests", "errors", "latency_ms", "pool", "mysql", "health", "faults"} <= set(s)
    assert None is s["pool"]["exhausted_at_s"] and None is s["latency_ms"]["p99"]
