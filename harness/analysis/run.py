"""The analysis of a whole run: every variant's figures and checks, in summary.json's shape.

``analyse_run`` is what ``harness run`` calls at the end (and writes summary.json);
``load_run`` re-reads a run directory from its recorded files alone, for ``harness report``
(which then rewrites summary.json) and ``harness compare`` (which never writes into the runs
it reads). A run that did not complete says so in ``partial_notes``: the report puts them first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.analysis.checks import evaluate
from harness.analysis.data import ABNORMAL_EVENTS, VariantData, load_variant
from harness.analysis.summary import public, variant_summary
from harness.errors import UsageError
from harness.scenario.model import Scenario

META_KEYS = ("scenario", "description", "run_id", "status", "stack")


@dataclass
class RunAnalysis:
    summary: dict[str, Any]
    variants: list[tuple[VariantData, dict[str, Any]]]
    not_run: list[str] = field(default_factory=list)  # variants of the scenario with no recorded data
    run_dir: Path | None = None

    @property
    def checks_failed(self) -> list[tuple[str, dict[str, Any]]]:
        return [(name, c) for name, v in self.summary["variants"].items() for c in v["checks"] if c["passed"] is False]

    @property
    def checks_unknown(self) -> list[tuple[str, dict[str, Any]]]:
        return [(name, c) for name, v in self.summary["variants"].items() for c in v["checks"] if c["passed"] is None]

    @property
    def partial_notes(self) -> list[str]:
        """Why these figures may not cover the whole run; empty for a run that completed."""
        notes: list[str] = []
        status = self.summary.get("status")
        if status != "completed":
            notes.append(f"The run did not complete (status: {status}); the figures cover what was recorded.")
        for data, _ in self.variants:
            if not data.finished:
                last = data.last_t_s
                upto = f"recorded up to t={last:.1f} s" if last is not None else "nothing recorded"
                why = next((e["event"] for e in data.events if e.get("event") in ABNORMAL_EVENTS), None)
                notes.append(f"Variant {data.name}: the load did not run to its end ({upto}"
                             f"{f', {why}' if why else ''}).")
        if self.not_run:
            notes.append(f"Not run: {', '.join(self.not_run)} (no recorded data).")
        return notes


def max_size_of(scenario: Scenario) -> int | None:
    """The pool size the analysis judges exhaustion against (None: read it from the /pool samples)."""
    app = scenario.app
    if not app.builtin_app:
        return app.max_size
    pool = app.builtin.pool
    return None if pool.engine == "none" else pool.max_size


def acquire_timeout_of(scenario: Scenario) -> float | None:
    app = scenario.app
    return app.builtin.pool.acquire_timeout_s if app.builtin_app else app.acquire_timeout_s


def analyse_variants(run_dir: Path, variants: list[tuple[str, Scenario]]
                     ) -> tuple[list[tuple[VariantData, dict[str, Any]]], list[str]]:
    """(data, summary with checks) of each variant that recorded something, and the names of those that did not."""
    loaded: list[tuple[VariantData, dict[str, Any]]] = []
    not_run: list[str] = []
    for name, scenario in variants:
        vdir = run_dir / name
        if not (vdir / "samples.csv").exists():
            not_run.append(name)  # never started (interrupted before it)
            continue
        data = load_variant(vdir)
        summary = variant_summary(data, max_size=max_size_of(scenario), acquire_timeout_s=acquire_timeout_of(scenario))
        summary["checks"] = [evaluate(c, summary) for c in scenario.checks if c.applies_to(name)]
        loaded.append((data, summary))
    return loaded, not_run


def analyse_run(run_dir: Path, variants: list[tuple[str, Scenario]], meta: dict[str, Any]) -> RunAnalysis:
    """Summarise each variant that has recorded data, evaluate its checks, write summary.json."""
    loaded, not_run = analyse_variants(run_dir, variants)
    document = {**meta, "variants": {data.name: public(s) for data, s in loaded}}
    (run_dir / "summary.json").write_text(json.dumps(document, indent=2) + "\n")
    return RunAnalysis(summary=document, variants=loaded, not_run=not_run, run_dir=run_dir)


def infer_status(run_dir: Path, variant_names: list[str]) -> str:
    """completed | interrupted | failed, from the events alone (for a run whose summary.json is missing)."""
    status = "completed"
    for name in variant_names:
        path = run_dir / name / "events.jsonl"
        if not path.exists():
            return "interrupted"
        text = path.read_text()
        if '"run.failed"' in text or '"app.crash"' in text:
            status = "failed"
        elif '"run.interrupted"' in text or '"load.stop"' not in text:
            return "interrupted"
    return status


def load_run(run_dir: Path) -> tuple[RunAnalysis, str]:
    """A run directory re-analysed from its recorded files: (analysis, the scenario as run, as text).

    Nothing is written. The meta (run id, status, stack versions) comes from summary.json when it
    exists; a run killed before its summary was written is judged from its events.
    """
    from harness.scenario.loader import load_scenario

    scenario_path = run_dir / "scenario.yaml"
    if not run_dir.is_dir():
        raise UsageError(f"{run_dir}: no such run directory")
    if not scenario_path.exists():
        raise UsageError(f"{run_dir}: not a run directory (no scenario.yaml)")
    loaded_scenario = load_scenario(scenario_path)
    old: dict[str, Any] = {}
    summary_path = run_dir / "summary.json"
    if summary_path.exists():
        try:
            old = json.loads(summary_path.read_text())
        except ValueError:
            old = {}  # cut mid-write: rebuilt from the recorded files below
    meta = {k: old.get(k) for k in META_KEYS}
    meta["scenario"] = meta["scenario"] or loaded_scenario.name
    meta["description"] = meta["description"] or loaded_scenario.base.description
    meta["run_id"] = meta["run_id"] or run_dir.resolve().name
    meta["status"] = meta["status"] or infer_status(run_dir, [n for n, _ in loaded_scenario.variants])
    meta["stack"] = meta["stack"] or {}
    variants, not_run = analyse_variants(run_dir, loaded_scenario.variants)
    document = {**meta, "variants": {data.name: public(s) for data, s in variants}}
    analysis = RunAnalysis(summary=document, variants=variants, not_run=not_run, run_dir=run_dir)
    return analysis, scenario_path.read_text()
