"""report.html (self-contained: images inline, no network) and report.md, from a run's analysis.

One scroll, top to bottom: the verdict (checks), the summary table, the charts, the scenario as
run. ``harness report RUN_DIR`` rebuilds everything from the recorded files.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

from harness.analysis.run import RunAnalysis, analyse_run
from harness.errors import UsageError

COLUMNS: tuple[tuple[str, str, str], ...] = (
    # (header, dotted path in a variant summary, format)
    ("requests", "requests.total", "{:,}"),
    ("rps", "requests.rps", "{:,.0f}"),
    ("failed", "requests.failed", "{:,}"),
    ("p50 ms", "latency_ms.p50", "{:,.1f}"),
    ("p99 ms", "latency_ms.p99", "{:,.1f}"),
    ("max_size", "pool.max_size", "{}"),
    ("peak active", "pool.peak_active", "{}"),
    ("peak waiting", "pool.peak_waiting", "{}"),
    ("exhausted at s", "pool.exhausted_at_s", "{:.1f}"),
    ("recovered at s", "pool.recovered_at_s", "{:.1f}"),
    ("leaked at end", "pool.leaked_at_end", "{}"),
    ("zombies at end", "mysql.zombies_at_end", "{}"),
)


def dig(d: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        if not isinstance(d, dict):
            return None
        d = d.get(part)  # type: ignore[assignment]
    return d


def cell(value: Any, fmt: str) -> str:
    if value is None:
        return "–"
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


def error_breakdown(v: dict[str, Any]) -> str:
    errs = {k: n for k, n in (v.get("errors") or {}).items() if n}
    return ", ".join(f"{k} {n:,}" for k, n in sorted(errs.items(), key=lambda kv: -kv[1])) or "none"


# -- Markdown ---------------------------------------------------------------------------------
def markdown(summary: dict[str, Any], charts: dict[str, list[Path]], scenario_text: str) -> str:
    lines = [f"# {summary['scenario']}: pool-harness report", "",
             f"Run `{summary['run_id']}`, status **{summary['status']}**."]
    if summary.get("description"):
        lines += ["", summary["description"].strip()]
    lines += ["", "## Verdict", ""]
    any_check = False
    for name, v in summary["variants"].items():
        for c in v["checks"]:
            any_check = True
            mark = {"passed": "PASS", "failed": "FAIL"}.get(c["status"], "UNKNOWN")
            lines.append(f"- **{mark}** `{name}` {c['name']}: {c['detail']}")
    if not any_check:
        lines.append("No checks in this scenario.")
    lines += ["", "## Summary", "", "| variant | " + " | ".join(h for h, _, _ in COLUMNS) + " | errors |",
              "|---|" + "---:|" * len(COLUMNS) + "---|"]
    for name, v in summary["variants"].items():
        row = [cell(dig(v, p), f) for _, p, f in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(row) + f" | {error_breakdown(v)} |")
    lines += ["", "## Charts", ""]
    for stem, paths in charts.items():
        png = next(p for p in paths if p.suffix == ".png")
        lines.append(f"![{stem}]({png.name})")
        lines.append("")
    lines += ["## Scenario as run", "", "```yaml", scenario_text.rstrip(), "```", ""]
    return "\n".join(lines)


# -- HTML -------------------------------------------------------------------------------------
CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1100px;
padding:16px;color:#222}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}
.status{display:inline-block;padding:2px 8px;border-radius:4px;font-weight:600;color:#fff}
.completed{background:#2a7f62}.interrupted,.failed{background:#b33a3a}
ul.checks{list-style:none;padding:0}ul.checks li{padding:4px 0}
.pass{color:#2a7f62;font-weight:700}.fail{color:#b33a3a;font-weight:700}.unknown{color:#a26a00;font-weight:700}
.table-wrap{overflow-x:auto}table{border-collapse:collapse;font-size:.9em;min-width:100%}
th,td{padding:4px 8px;border-bottom:1px solid #e4e4e4;text-align:right;white-space:nowrap}
th:first-child,td:first-child,td.errors{text-align:left}td.errors{white-space:normal;min-width:14em}
figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
pre{background:#f6f8fa;padding:10px;overflow-x:auto;font-size:.85em}
@media print{body{max-width:none}figure{page-break-inside:avoid}}
"""


def html_report(summary: dict[str, Any], charts: dict[str, list[Path]], scenario_text: str) -> str:
    e = html.escape
    parts = ["<!doctype html><html lang=en><head><meta charset=utf-8>",
             "<meta name=viewport content='width=device-width,initial-scale=1'>",
             f"<title>{e(summary['scenario'])}: pool-harness report</title><style>{CSS}</style></head><body>",
             f"<h1>{e(summary['scenario'])}</h1>",
             f"<p>Run <code>{e(summary['run_id'])}</code> "
             f"<span class='status {e(summary['status'])}'>{e(summary['status'])}</span></p>"]
    if summary.get("description"):
        parts.append(f"<p>{e(summary['description'])}</p>")
    parts.append("<h2>Verdict</h2><ul class=checks>")
    any_check = False
    for name, v in summary["variants"].items():
        for c in v["checks"]:
            any_check = True
            cls = {"passed": "pass", "failed": "fail"}.get(c["status"], "unknown")
            parts.append(f"<li><span class={cls}>{cls.upper()}</span> <b>{e(name)}</b> {e(c['name'])}: "
                         f"{e(c['detail'])}</li>")
    if not any_check:
        parts.append("<li>No checks in this scenario.</li>")
    parts.append("</ul><h2>Summary</h2><div class=table-wrap><table><tr><th>variant</th>")
    parts += [f"<th>{e(h)}</th>" for h, _, _ in COLUMNS]
    parts.append("<th>errors</th></tr>")
    for name, v in summary["variants"].items():
        parts.append(f"<tr><td><b>{e(name)}</b></td>")
        parts += [f"<td>{e(cell(dig(v, p), f))}</td>" for _, p, f in COLUMNS]
        parts.append(f"<td class=errors>{e(error_breakdown(v))}</td></tr>")
    parts.append("</table></div><h2>Charts</h2>")
    for stem, paths in charts.items():
        png = next(p for p in paths if p.suffix == ".png")
        data = base64.b64encode(png.read_bytes()).decode()
        parts.append(f"<figure><img alt='{e(stem)}' src='data:image/png;base64,{data}'></figure>")
    parts.append(f"<h2>Scenario as run</h2><pre>{e(scenario_text)}</pre></body></html>")
    return "\n".join(parts)


def write_reports(run_dir: Path, analysis: RunAnalysis) -> Path:
    """Charts, report.html and report.md into ``run_dir``; returns the path of report.html."""
    from harness.plots.pool import write_pool_charts  # matplotlib only when we draw

    charts = write_pool_charts(run_dir, analysis.variants)
    scenario_path = run_dir / "scenario.yaml"
    scenario_text = scenario_path.read_text() if scenario_path.exists() else ""
    (run_dir / "report.md").write_text(markdown(analysis.summary, charts, scenario_text))
    html_path = run_dir / "report.html"
    html_path.write_text(html_report(analysis.summary, charts, scenario_text))
    return html_path


def rebuild(run_dir: Path) -> int:
    """`harness report RUN_DIR`: recompute the summary and checks, redraw, rewrite the reports."""
    from harness.scenario.loader import load_scenario

    scenario_path = run_dir / "scenario.yaml"
    if not scenario_path.exists():
        raise UsageError(f"{run_dir}: not a run directory (no scenario.yaml)")
    loaded = load_scenario(scenario_path)
    old: dict[str, Any] = {}
    if (run_dir / "summary.json").exists():
        old = json.loads((run_dir / "summary.json").read_text())
    meta = {k: old.get(k) for k in ("scenario", "run_id", "status", "stack", "description")}
    meta["scenario"] = meta["scenario"] or loaded.name
    meta["run_id"] = meta["run_id"] or run_dir.name
    meta["status"] = meta["status"] or "completed"
    analysis = analyse_run(run_dir, loaded.variants, meta)
    path = write_reports(run_dir, analysis)
    print(f"report: {path}")
    return 0


def compare_runs(run_dirs: list[Path], out: Path) -> int:
    raise UsageError("harness compare is not built yet (issue 6); use harness report RUN_DIR for one run")
