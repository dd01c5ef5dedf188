"""`harness run` end to end on the real stack: the run directory, summary.json, no orphans."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from harness.stack.processes import owned_by, wait_until
from tests.integration.app_helpers import ROOT, harness_cli, harness_popen

QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"


@pytest.fixture(scope="module")
def quick_run(quickstart_run: tuple[Path, int]) -> Path:
    """The session's quickstart run (8 s per variant); nothing it started is left running."""
    out, pid = quickstart_run
    assert owned_by(pid) == []
    return out


def test_run_directory_layout(quick_run: Path) -> None:
    """The run directory holds exactly what DESIGN.md lists (plus component logs)."""
    out = quick_run
    top = {p.name for p in out.iterdir()}
    assert {"scenario.yaml", "summary.json", "report.html", "report.md", "small-pool", "large-pool"} <= top
    assert {"pool-compare.png", "pool-compare.svg", "pool-small-pool.png", "pool-large-pool.svg"} <= top
    for variant in ("small-pool", "large-pool"):
        files = {p.name for p in (out / variant).iterdir()}
        assert {"samples.csv", "requests.csv", "events.jsonl"} <= files
        header = (out / variant / "requests.csv").read_text().splitlines()[0]
        assert header == "t_s,name,latency_ms,outcome,error_class"


def test_summary_has_real_figures_for_both_variants(quick_run: Path) -> None:
    """Both variants served real requests; the small pool ran dry in the latency window, the large did not."""
    out = quick_run
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["scenario"], summary["status"]) == ("quickstart", "completed")
    small, large = summary["variants"]["small-pool"], summary["variants"]["large-pool"]
    for v in (small, large):
        assert v["requests"]["total"] > 200 and v["requests"]["rps"] > 20
        assert v["latency_ms"]["p50"] > 0 and v["latency_ms"]["p99"] >= v["latency_ms"]["p50"]
        assert {"pool_timeout", "connection_lost", "too_many_connections", "prepared_stmt_limit", "http_5xx",
                "client_timeout", "other"} <= set(v["errors"])
        assert len(v["faults"]) == 1 and v["faults"][0]["type"] == "latency"
        assert v["pool"]["leaked_at_end"] == 0
    assert small["pool"]["max_size"] == 5 and small["pool"]["peak_active"] == 5
    assert small["pool"]["peak_waiting"] > 5 and small["pool"]["exhausted_at_s"] is not None
    # Inside the latency window the small pool is dry (all 5 borrowed, a queue waiting) and the
    # large one is not; medians, so a momentary burst at ramp-up on a busy machine does not count.
    fault = small["faults"][0]
    window = (fault["start_s"] + 0.5, fault["end_s"])
    assert median_in(out / "small-pool", "pool_active", window) == 5
    assert median_in(out / "small-pool", "pool_waiting", window) > 5
    assert median_in(out / "large-pool", "pool_waiting", window) == 0


def median_in(variant_dir: Path, column: str, window: tuple[float, float]) -> float:
    import csv
    import statistics

    with open(variant_dir / "samples.csv") as f:
        rows = [r for r in csv.DictReader(f) if r[column] and window[0] <= float(r["t_s"]) <= window[1]]
    values = [float(r[column]) for r in rows]
    return statistics.median(values)


def test_report_embeds_its_charts(quick_run: Path) -> None:
    """report.html is self-contained: images inline, nothing fetched."""
    out = quick_run
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 3
    assert "http://" not in html.replace("http://127.0.0.1", "") and "https://" not in html


def test_ctrl_c_leaves_partial_report_and_no_process(tmp_path: Path) -> None:
    """SIGINT mid-run: exit 130, data and a report marked interrupted, every process stopped."""
    out = tmp_path / "run"
    proc = harness_popen("run", str(QUICKSTART), "--out", str(out), "--duration-s", "30", "--quiet")
    samples = out / "small-pool" / "samples.csv"
    assert wait_until(lambda: samples.exists() and len(samples.read_text().splitlines()) > 8, 60)
    children = owned_by(proc.pid)
    assert len(children) >= 4  # mariadbd, fault proxy, app, locust
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=90)
    assert proc.returncode == 130, err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "interrupted"
    assert summary["variants"]["small-pool"]["requests"]["total"] > 0
    assert (out / "report.html").exists()
    assert owned_by(proc.pid) == []
    assert wait_until(lambda: not any(Path(f"/proc/{p}").exists() for p in children), 5)


def test_bad_scenario_starts_nothing(tmp_path: Path) -> None:
    """A scenario that does not validate: exit 2, one line per problem, no process, no run directory."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nduration_s: -1\n")
    out = tmp_path / "run"
    started = time.monotonic()
    done = harness_cli("run", str(bad), "--out", str(out), timeout_s=60)
    assert done.returncode == 2
    assert f"{bad}:2: duration_s: expected a number > 0, got -1" in done.stderr
    assert not out.exists()
    assert time.monotonic() - started < 30
    assert os.path.exists(bad)


def test_no_password_in_the_run_directory(quick_run: Path) -> None:
    """Reports, recorded files and component logs never carry a DSN's password (only ***)."""
    import re

    out = quick_run
    dsn_with_secret = re.compile(r"mysql://[^:/\s@]+:(?!\*\*\*@)[^@\s]+@")
    leaks = []
    for path in out.rglob("*"):
        if path.is_file() and path.suffix not in (".png",):
            text = path.read_text(errors="replace")
            leaks += [f"{path.relative_to(out)}: {m.group(0)}" for m in dsn_with_secret.finditer(text)]
    assert leaks == []


def test_a_crashed_app_fails_the_run_with_a_partial_report(tmp_path: Path) -> None:
    """The app killed mid-run (not by a fault): exit 3, data kept, report marked failed, every process stopped."""
    out = tmp_path / "run"
    proc = harness_popen("run", str(QUICKSTART), "--out", str(out), "--duration-s", "20", "--variant", "small-pool",
                   "--quiet")
    samples = out / "small-pool" / "samples.csv"
    assert wait_until(lambda: samples.exists() and len(samples.read_text().splitlines()) > 8, 60)
    app = [p for p in owned_by(proc.pid) if b"app\0serve" in Path(f"/proc/{p}/cmdline").read_bytes()]
    assert len(app) == 1
    os.kill(app[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=90)
    assert proc.returncode == 3, err
    assert "the app died mid-run" in err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "failed"
    assert summary["variants"]["small-pool"]["requests"]["ok"] > 0
    events = (out / "small-pool" / "events.jsonl").read_text()
    assert '"event": "app.crash"' in events
    assert "Partial run" in (out / "report.html").read_text()
    assert owned_by(proc.pid) == []
