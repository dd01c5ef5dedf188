"""summary.json figures on recorded data with known answers, built by hand (tests/unit/recorded.py)."""

from __future__ import annotations

from pathlib import Path

from harness.analysis.checks import MaxErrorRate, NoLeak, RecoversWithin, evaluate
from harness.analysis.summary import load_variant, variant_summary
from tests.unit.recorded import incident_variant, sample, write_variant


def summary_of(tmp_path: Path) -> dict:
    return variant_summary(load_variant(incident_variant(tmp_path / "v")))


def test_request_counts(tmp_path: Path) -> None:
    """Health rows are not requests; failed = fail + info; aborted counted apart; rps over the load."""
    s = summary_of(tmp_path)
    assert s["requests"] == {"total": 104, "ok": 100, "failed": 3, "aborted": 1, "dropped": 0, "rps": 10.4}


def test_error_classes(tmp_path: Path) -> None:
    """Failed requests by class: the contract's classes always present, others by their own name, an empty
    class as other; aborted and dropped rows are not errors."""
    requests = [(0.0, "q", 5.0, "fail", "pool_timeout"), (0.1, "q", 5.0, "fail", "pool_timeout"),
                (0.2, "q", 5.0, "info", "connection_lost"), (0.3, "q", 5.0, "fail", "http_5xx"),
                (0.4, "q", 5.0, "info", "query_killed"), (0.5, "q", 5.0, "fail", ""),
                (0.6, "q", 1.0, "aborted", "aborted"), (0.7, "q", 0.0, "dropped", "not_started"),
                (0.8, "q", 5.0, "ok", "")]
    d = write_variant(tmp_path / "v", [sample(0.0, 0, 0, 0)], requests, [{"t_s": 1.0, "event": "load.stop"}])
    s = variant_summary(load_variant(d))
    assert s["errors"] == {"pool_timeout": 2, "connection_lost": 1, "too_many_connections": 0,
                           "prepared_stmt_limit": 0, "http_5xx": 1, "client_timeout": 0, "other": 1,
                           "query_killed": 1}
    assert s["requests"] == {"total": 8, "ok": 1, "failed": 6, "aborted": 1, "dropped": 1, "rps": 8.0}


def test_exhaustion_is_the_first_dry_sample_or_timeout(tmp_path: Path) -> None:
    """active == max_size with waiting > 0 first at 2.5 s (the first timeout ends at 4.0 s)."""
    s = summary_of(tmp_path)
    assert (s["pool"]["exhausted_at_s"], s["pool"]["peak_active"], s["pool"]["peak_waiting"]) == (2.5, 4, 6)


def test_exhaustion_by_timeout_alone(tmp_path: Path) -> None:
    """No sample caught the pool dry, but an acquire timed out: exhausted when that request ended."""
    requests = [(1.0, "q", 5.0, "ok", ""), (2.0, "q", 1500.0, "fail", "pool_timeout")]
    d = write_variant(tmp_path / "v", [sample(t, 1, 3, 0) for t in (0.0, 1.0, 2.0, 3.0)], requests,
                      [{"t_s": 4.0, "event": "load.stop"}])
    assert variant_summary(load_variant(d))["pool"]["exhausted_at_s"] == 3.5


def test_recovery_after_the_last_fault(tmp_path: Path) -> None:
    """Waiting is 0 from 5.5 s and no error ends after 4.53 s: recovered 5.5 s, 0.5 s after the fault."""
    s = summary_of(tmp_path)
    assert (s["pool"]["recovered_at_s"], s["pool"]["recovery_s"]) == (5.5, 0.5)


def test_leak_and_zombies_at_end(tmp_path: Path) -> None:
    """One connection stays borrowed after the drain; it is a zombie by the end."""
    s = summary_of(tmp_path)
    assert (s["pool"]["leaked_at_end"], s["pool"]["active_at_end"], s["mysql"]["zombies_at_end"]) == (1, 1, 1)
    assert (s["mysql"]["peak_prepared_stmt_count"], s["mysql"]["aborted_clients"]) == (24, 2)


def test_no_leak_when_the_pool_drains(tmp_path: Path) -> None:
    """Connections borrowed during the load but returned in the drain are not leaked."""
    samples = [sample(0.0, 3, 1, 0), sample(1.0, 4, 0, 0), sample(2.0, 2, 2, 0), sample(3.0, 0, 4, 0)]
    d = write_variant(tmp_path / "v", samples, [], [{"t_s": 1.5, "event": "load.stop"}])
    s = variant_summary(load_variant(d))
    assert (s["pool"]["active_at_end"], s["pool"]["leaked_at_end"]) == (4, 0)


def test_health_dead_at_end(tmp_path: Path) -> None:
    """The last health check failed: dead at the end."""
    assert summary_of(tmp_path)["health"] == {"checks": 2, "ok": 1, "dead_at_end": True}


def test_fault_windows(tmp_path: Path) -> None:
    """Start/stop events pair into windows."""
    assert summary_of(tmp_path)["faults"] == [{"type": "latency", "start_s": 2, "end_s": 5}]


def test_fault_still_on_when_the_run_was_cut(tmp_path: Path) -> None:
    """A fault that never stopped: its window is open, and the pool never recovered from it."""
    events = [{"t_s": 0.0, "event": "load.start"}, {"t_s": 1.0, "event": "latency.start", "fault": "latency",
                                                     "index": 0}, {"t_s": 9.0, "event": "run.interrupted"}]
    d = write_variant(tmp_path / "v", [sample(float(t), 1, 3, 0) for t in range(10)], [], events)
    s = variant_summary(load_variant(d))
    assert (s["faults"], s["pool"]["recovered_at_s"]) == ([{"type": "latency", "start_s": 1, "end_s": None}], None)
    assert evaluate(RecoversWithin(value=5), s)["detail"] == "never recovered before the run ended"


def test_too_short_a_recording_says_recovery_could_not_be_shown(tmp_path: Path) -> None:
    """The fault ends at 2 s and the recording at 6 s (a run shortened with --duration-s): less than the
    5 s recovery window after it, so the check fails and says why, instead of "never recovered"."""
    events = [{"t_s": 0.0, "event": "load.start"},
              {"t_s": 1.0, "event": "latency.start", "fault": "latency", "index": 0},
              {"t_s": 2.0, "event": "latency.stop", "fault": "latency", "index": 0},
              {"t_s": 6.0, "event": "load.stop"}]
    d = write_variant(tmp_path / "v", [sample(t / 4, 4, 0, 3 if t / 4 <= 2.0 else 0) for t in range(25)], [], events)
    s = variant_summary(load_variant(d))
    result = evaluate(RecoversWithin(value=5), s)
    assert s["pool"]["recovered_at_s"] is None and result["status"] == "failed"
    assert result["detail"] == ("recovery could not be shown: the recording ends 4.0 s after the disturbance "
                                "and needs 5 s of calm after it; run longer")


def test_checks_on_the_summary(tmp_path: Path) -> None:
    """no_leak fails with the figure; error rate and recovery pass with theirs."""
    s = summary_of(tmp_path)
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


def test_a_row_cut_by_a_crash_is_skipped(tmp_path: Path) -> None:
    """A requests.csv whose last line was cut mid-write: the whole rows count, the cut one does not."""
    d = write_variant(tmp_path / "v", [sample(0.0, 0, 4, 0)], [(0.1, "q", 2.0, "ok", "")] * 3,
                      [{"t_s": 1.0, "event": "load.stop"}])
    with open(d / "requests.csv", "a") as f:
        f.write("0.5,q,2.")
    (d / "events.jsonl").write_text((d / "events.jsonl").read_text() + '{"t_s": 1.2, "ev')
    s = variant_summary(load_variant(d))
    assert s["requests"]["total"] == 3


def test_engine_none_has_no_max_size(tmp_path: Path) -> None:
    """A variant with engine none (a connection per request) reports max_size null, not the unused default 10,
    so charts draw no bound and 30 connections at once are not 'exhaustion'."""
    from harness.analysis.run import analyse_variants
    from harness.scenario.loader import load_scenario

    (tmp_path / "s.yaml").write_text("name: nopool\nduration_s: 1\nvariants:\n"
                                     "  - {name: none, set: {app.builtin.pool.engine: none}}\n"
                                     "  - {name: pooled, set: {app.builtin.pool.max_size: 10}}\n")
    for name in ("none", "pooled"):
        write_variant(tmp_path / name, [sample(0.0, 30, 0, 1, max_size=None)], [(0.0, "q", 5.0, "ok", "")],
                      [{"t_s": 1.0, "event": "load.stop"}])
    loaded, _ = analyse_variants(tmp_path, load_scenario(tmp_path / "s.yaml").variants)
    got = {data.name: (s["pool"]["max_size"], s["pool"]["exhausted_at_s"]) for data, s in loaded}
    assert got == {"none": (None, None), "pooled": (10, 0)}
