"""Reports of a run and comparisons of runs: charts (PNG + SVG), report.html and report.md.

``write_reports`` is the end of ``harness run``; ``rebuild`` is ``harness report RUN_DIR``
(everything recomputed from the recorded files, summary.json included); ``compare_runs`` is
``harness compare RUN_DIR... --out DIR``, which reads runs made at different times, lines them up
(at load start or at a named fault's start) and writes its own report into DIR without touching
the runs it read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.analysis.align import Series, align, axis_label
from harness.analysis.run import RunAnalysis, load_run
from harness.analysis.summary import public
from harness.analysis.table import summary_table
from harness.errors import UsageError
from harness.report import html, markdown
from harness.report.document import Check, ReportDoc, checks_of, worst_status


def _facts(summary: dict[str, Any], at: str) -> list[tuple[str, str]]:
    facts = [("run", str(summary.get("run_id")))]
    facts += [(k, str(v)) for k, v in (summary.get("stack") or {}).items()]
    if at != "load":
        facts.append(("aligned at", f"{at} start"))
    return facts


def _write(out_dir: Path, doc: ReportDoc) -> Path:
    (out_dir / "report.md").write_text(markdown.render(doc))
    path = out_dir / "report.html"
    path.write_text(html.render(doc))
    return path


def write_reports(run_dir: Path, analysis: RunAnalysis, scenario_text: str | None = None, at: str = "load") -> Path:
    """Charts, report.html and report.md of one run into ``run_dir``; returns the path of report.html."""
    from harness.plots.charts import write_charts  # matplotlib only when we draw

    summary = analysis.summary
    series = align([Series(data.name, data, s) for data, s in analysis.variants], at)
    charts = write_charts(run_dir, series, axis_label(at))
    if scenario_text is None:
        path = run_dir / "scenario.yaml"
        scenario_text = path.read_text() if path.exists() else ""
    doc = ReportDoc(
        title=str(summary.get("scenario")), kind="run", status=str(summary.get("status")),
        facts=_facts(summary, at), description=str(summary.get("description") or ""),
        partial_notes=analysis.partial_notes,
        checks=[c for name, v in summary["variants"].items() for c in checks_of(name, v)],
        table=summary_table(list(summary["variants"].items())), charts=charts,
        scenarios=[("Scenario as run", scenario_text)],
        sections={"compare": "Variants compared", "health": "Health",
                  **{s.label: f"Variant {s.label}" for s in series}})
    return _write(run_dir, doc)


def rebuild(run_dir: Path, at: str = "load") -> int:
    """`harness report RUN_DIR`: recompute the summary and checks, redraw, rewrite the reports."""
    analysis, scenario_text = load_run(run_dir)
    (run_dir / "summary.json").write_text(json.dumps(analysis.summary, indent=2) + "\n")
    path = write_reports(run_dir, analysis, scenario_text, at)
    print(f"report: {path}")
    return 0


def _labels(runs: list[tuple[RunAnalysis, str]]) -> list[str]:
    """A prefix per run: its run id, made unique when two runs share one (the same directory twice)."""
    prefixes: list[str] = []
    for analysis, _ in runs:
        base = str(analysis.summary.get("run_id"))
        name, n = base, 1
        while name in prefixes:
            n += 1
            name = f"{base}#{n}"
        prefixes.append(name)
    return prefixes


def compare_runs(run_dirs: list[Path], out: Path, at: str = "load") -> int:
    """`harness compare`: every variant of every run side by side, in ``out``."""
    from harness.plots.charts import write_charts

    resolved_out = out.resolve()
    for d in run_dirs:
        if d.resolve() == resolved_out:
            raise UsageError(f"--out {out}: is one of the runs being compared; choose another directory")
    runs = [load_run(d) for d in run_dirs]
    prefixes = _labels(runs)
    series: list[Series] = []
    checks: list[Check] = []
    notes: list[str] = []
    rows: list[tuple[str, dict[str, Any]]] = []
    for prefix, (analysis, _) in zip(prefixes, runs, strict=True):
        notes += [f"Run {prefix}: {n}" for n in analysis.partial_notes]
        for data, summary in analysis.variants:
            label = f"{prefix}/{data.name}"
            series.append(Series(label, data, summary))
            checks += checks_of(label, summary)
            rows.append((label, summary))
    series = align(series, at)
    out.mkdir(parents=True, exist_ok=True)
    charts = write_charts(out, series, axis_label(at))
    statuses = [str(a.summary.get("status")) for a, _ in runs]
    facts = [("runs", ", ".join(prefixes))] + ([("aligned at", f"{at} start")] if at != "load" else [])
    scenarios = sorted({str(a.summary.get("scenario")) for a, _ in runs})
    doc = ReportDoc(
        title=" vs ".join(scenarios) if len(scenarios) > 1 else scenarios[0], kind="comparison",
        status=worst_status(statuses), facts=facts, description="", partial_notes=notes, checks=checks,
        table=summary_table(rows), charts=charts,
        scenarios=[(f"Scenario as run: {p}", text) for p, (_, text) in zip(prefixes, runs, strict=True)],
        sections={"compare": "Runs compared", "health": "Health", **{s.label: s.label for s in series}})
    document = {"align": at, "runs": [{"run_dir": str(d), "run_id": p, "scenario": a.summary.get("scenario"),
                                       "status": a.summary.get("status")}
                                      for d, p, (a, _) in zip(run_dirs, prefixes, runs, strict=True)],
                "variants": {label: public(s) for label, s in rows}}
    (out / "compare.json").write_text(json.dumps(document, indent=2) + "\n")
    path = _write(out, doc)
    print(f"comparison: {path}")
    return 0
