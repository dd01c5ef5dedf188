"""What a report says, before it is laid out as HTML or Markdown.

A run's report and a comparison of runs have the same shape, top to bottom: whether the figures
cover the whole run (partial notes, first and loud), the verdict (checks), the summary table,
the charts, and the scenario(s) as run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.analysis.table import Table

if TYPE_CHECKING:  # matplotlib is imported only when charts are drawn
    from harness.plots.charts import Chart

TABLE_NOTE = ("★ best in its column (marked only where the rows differ). Error rate: failed over sent, aborted "
              "excluded. Time to exhaustion: from load start until the pool first ran dry. Time to recover: from the "
              "end of the last fault (or from exhaustion) until waiting and errors settled.")


@dataclass(frozen=True)
class Check:
    label: str  # the variant (or run/variant) it judged
    name: str
    status: str  # passed | failed | unknown
    detail: str


@dataclass
class ReportDoc:
    title: str
    kind: str  # "run" | "comparison"
    status: str  # completed | interrupted | failed (a comparison: the worst of its runs)
    facts: list[tuple[str, str]]  # (name, value) lines under the title: run id, versions, alignment
    description: str
    partial_notes: list[str]
    checks: list[Check]
    table: Table
    charts: list[Chart]
    scenarios: list[tuple[str, str]]  # (heading, YAML text)
    sections: dict[str, str] = field(default_factory=dict)  # chart section -> heading

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status == "failed"]

    @property
    def unknown(self) -> list[Check]:
        return [c for c in self.checks if c.status not in ("passed", "failed")]

    def verdict_line(self) -> tuple[str, str]:
        """(css class, sentence): the one line a reader looks at first."""
        if not self.checks:
            return "none", "No checks in this scenario."
        n = len(self.checks)
        if self.failed:
            return "fail", f"FAIL: {len(self.failed)} of {n} checks failed" + (
                f", {len(self.unknown)} unknown" if self.unknown else "")
        if self.unknown:
            return "unknown", f"UNKNOWN: {len(self.unknown)} of {n} checks could not be evaluated"
        return "pass", f"PASS: all {n} checks passed"

    def section_heading(self, section: str) -> str:
        return self.sections.get(section, section)


def checks_of(label: str, variant_summary: dict[str, Any]) -> list[Check]:
    return [Check(label, c["name"], c["status"], c["detail"]) for c in variant_summary.get("checks", [])]


def worst_status(statuses: list[str]) -> str:
    for s in ("failed", "interrupted"):
        if s in statuses:
            return s
    return "completed"
