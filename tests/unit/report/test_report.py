"""`harness report` and `harness compare` on hand-built run directories: what a reader finds in them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from harness.cli import main
from tests.unit.recorded import handmade_run


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete two-variant run, rebuilt by `harness report`."""
    run = handmade_run(tmp_path_factory.mktemp("runs") / "20260101-120000")
    assert main(["report", str(run)]) == 0
    return run


def test_report_rebuilds_summary_from_the_recorded_files(rebuilt: Path) -> None:
    """summary.json is recomputed: the bug variant's figures and its failed no_leak check."""
    summary = json.loads((rebuilt / "summary.json").read_text())
    bug = summary["variants"]["bug"]
    assert (summary["status"], summary["run_id"], sorted(summary["variants"])) == (
        "completed", "20260101-120000", ["bug", "fixed"])
    assert (bug["pool"]["exhausted_at_s"], bug["pool"]["leaked_at_end"], bug["checks"][0]["status"]) == (
        2.5, 1, "failed")


def test_html_reads_top_to_bottom_verdict_table_charts_scenario(rebuilt: Path) -> None:
    """One scroll: verdict, summary, charts, scenario as run, in that order."""
    page = (rebuilt / "report.html").read_text()
    positions = [page.index(h) for h in ("<h2>Verdict</h2>", "<h2>Summary</h2>", "<h2>Charts</h2>",
                                         "<h2>Scenario as run</h2>")]
    assert positions == sorted(positions)
    assert "FAIL: 1 of 4 checks failed" in page


def test_html_is_self_contained(rebuilt: Path) -> None:
    """Every image inline, no script, nothing fetched from anywhere."""
    page = (rebuilt / "report.html").read_text()
    sources = re.findall(r"src='([^']*)'", page)
    assert (14, set()) == (len(sources), {s[:22] for s in sources} - {"data:image/png;base64,"})
    assert ("<script" not in page, "http://" not in page, "https://" not in page) == (True, True, True)


def test_best_values_are_marked(rebuilt: Path) -> None:
    """The fixed variant holds: best in all six judged columns (error rate, p99, exhaustion, recovery, leaks,
    zombies); the bug variant in none."""
    page = (rebuilt / "report.html").read_text()
    rows = {name: page[page.index(f"<tr><td><b>{name}</b>"):].split("</tr>")[0] for name in ("bug", "fixed")}
    assert (rows["bug"].count("class='best'"), rows["fixed"].count("class='best'")) == (0, 6)
    md = (rebuilt / "report.md").read_text()
    assert "| fixed | 100 | 10 | **0.00 %** ★ |" in md


def test_markdown_links_every_png(rebuilt: Path) -> None:
    """report.md links each chart's PNG, which sits beside it, SVG beside that."""
    md = (rebuilt / "report.md").read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert len(links) == 14
    assert all((rebuilt / link).exists() and (rebuilt / link).with_suffix(".svg").exists() for link in links)


def test_partial_run_says_so_first(tmp_path: Path) -> None:
    """Interrupted mid-variant, the second never started: a loud note before the verdict, in both reports."""
    run = handmade_run(tmp_path / "20260101-130000", status="interrupted")
    shutil.rmtree(run / "fixed")
    events = run / "bug" / "events.jsonl"
    kept = [line for line in events.read_text().splitlines() if "load.stop" not in line and "drain" not in line]
    events.write_text("\n".join([*kept, json.dumps({"t_s": 7.2, "event": "run.interrupted"})]) + "\n")
    assert main(["report", str(run)]) == 0
    page = (run / "report.html").read_text()
    assert page.index("Partial run") < page.index("<h2>Verdict</h2>")
    assert "Variant bug: the load did not run to its end (recorded up to t=12.0 s, run.interrupted)." in page
    assert "Not run: fixed (no recorded data)." in page
    assert "> **Partial run: these figures do not cover the whole scenario.**" in (run / "report.md").read_text()


def test_a_run_killed_before_its_summary_is_judged_by_its_events(tmp_path: Path) -> None:
    """No summary.json and no load.stop: the rebuilt summary says interrupted, not completed."""
    run = handmade_run(tmp_path / "20260101-140000")
    (run / "summary.json").unlink()
    events = run / "fixed" / "events.jsonl"
    events.write_text("".join(line + "\n" for line in events.read_text().splitlines() if "load.stop" not in line))
    assert main(["report", str(run)]) == 0
    assert json.loads((run / "summary.json").read_text())["status"] == "interrupted"


def test_compare_two_runs_aligned_at_the_fault(tmp_path: Path) -> None:
    """Two runs side by side: four series labelled run/variant, every chart, and the runs left untouched."""
    a, b = handmade_run(tmp_path / "20260101-120000"), handmade_run(tmp_path / "20260102-090000")
    before = sorted(p.name for p in a.iterdir())
    out = tmp_path / "cmp"
    assert main(["compare", str(a), str(b), "--out", str(out), "--align", "latency"]) == 0
    doc = json.loads((out / "compare.json").read_text())
    labels = ["20260101-120000/bug", "20260101-120000/fixed", "20260102-090000/bug", "20260102-090000/fixed"]
    assert (doc["align"], list(doc["variants"])) == ("latency", labels)
    page = (out / "report.html").read_text()
    assert ("<h3>Runs compared</h3>" in page, "aligned at: <code>latency start</code>" in page) == (True, True)
    assert page.count("data:image/png;base64,") == 22  # 5 overlays, 4 x 4 per variant, health
    assert before == sorted(p.name for p in a.iterdir())


@pytest.mark.parametrize(("args", "message"), [
    (["compare", "{tmp}/nowhere", "--out", "{tmp}/o"], "harness: {tmp}/nowhere: no such run directory"),
    (["compare", "{run}", "--out", "{tmp}/o", "--align", "freeze"],
     "harness: --align freeze: 20260101-120000/bug has no such fault (it has latency (faults[0])); "
     "expected load, a fault type or faults[N]"),
    (["compare", "{run}", "--out", "{run}"], "harness: --out {run}: is one of the runs being compared; "
                                             "choose another directory"),
    (["report", "{tmp}"], "harness: {tmp}: not a run directory (no scenario.yaml)"),
])
def test_bad_arguments_are_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                               message: str) -> None:
    """A wrong directory or alignment: exit 2 and one line naming it."""
    run = handmade_run(tmp_path / "20260101-120000")
    fill = {"tmp": str(tmp_path), "run": str(run)}
    assert main([a.format(**fill) for a in args]) == 2
    assert message.format(**fill) == capsys.readouterr().err.strip()
