"""The summary of a whole run: every variant's figures and checks, in summary.json's shape."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.analysis.checks import evaluate
from harness.analysis.summary import VariantData, load_variant, public, variant_summary
from harness.scenario.model import Scenario


@dataclass
class RunAnalysis:
    summary: dict[str, Any]
    variants: list[tuple[VariantData, dict[str, Any]]]

    @property
    def checks_failed(self) -> list[tuple[str, dict[str, Any]]]:
        return [(name, c) for name, v in self.summary["variants"].items() for c in v["checks"] if c["passed"] is False]

    @property
    def checks_unknown(self) -> list[tuple[str, dict[str, Any]]]:
        return [(name, c) for name, v in self.summary["variants"].items() for c in v["checks"] if c["passed"] is None]


def analyse_run(run_dir: Path, variants: list[tuple[str, Scenario]], meta: dict[str, Any]) -> RunAnalysis:
    """Summarise each variant that has recorded data, evaluate its checks, write summary.json."""
    out: dict[str, Any] = {}
    loaded: list[tuple[VariantData, dict[str, Any]]] = []
    for name, scenario in variants:
        vdir = run_dir / name
        if not (vdir / "samples.csv").exists():
            continue  # never started (interrupted before it)
        data = load_variant(vdir)
        summary = variant_summary(data, max_size=scenario.app.builtin.pool.max_size)
        summary["checks"] = [evaluate(c, summary) for c in scenario.checks if c.applies_to(name)]
        loaded.append((data, summary))
        out[name] = public(summary)
    document = {**meta, "variants": out}
    (run_dir / "summary.json").write_text(json.dumps(document, indent=2) + "\n")
    return RunAnalysis(summary=document, variants=loaded)
