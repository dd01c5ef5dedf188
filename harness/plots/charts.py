"""Every chart of a report, drawn and saved as PNG + SVG; the list the reports lay out.

Per variant: pool state, latency, outcomes, MySQL. For the whole set: health strips, and, with
two or more variants, the overlays (pool, latency, throughput and errors) and the small
multiples. Overlays come first in a report, since "which configuration held" is its question.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from harness.analysis.align import Series
from harness.plots.health import health_figure
from harness.plots.latency import latency_compare_figure, latency_figure
from harness.plots.multiples import multiples_figure
from harness.plots.mysql import mysql_compare_figure, mysql_figure
from harness.plots.outcomes import outcomes_compare_figure, outcomes_figure
from harness.plots.pool import pool_compare_figure, pool_figure
from harness.plots.style import save


@dataclass(frozen=True)
class Chart:
    stem: str  # file name without extension
    section: str  # "compare", "health" or a series label
    caption: str
    paths: tuple[Path, ...]

    @property
    def png(self) -> Path:
        return next(p for p in self.paths if p.suffix == ".png")


def slug(label: str) -> str:
    """A file-name-safe form of a series label (run/variant in a comparison)."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in label)


PER_SERIES: tuple[tuple[str, str, Callable[[Series, str], Figure]], ...] = (
    ("pool", "pool state: active + idle, max_size, server-side Sleep/Query, zombies; requests waiting", pool_figure),
    ("latency", "latency per second (p50, p95, p99, max; log scale), acquire timeout dashed", latency_figure),
    ("outcomes", "offered vs achieved rate; failed, aborted and dropped requests per second by class",
     outcomes_figure),
    ("mysql", "Prepared_stmt_count against max_prepared_stmt_count; Aborted_clients", mysql_figure),
)
COMPARE: tuple[tuple[str, str, Callable[[Sequence[Series], str], Figure]], ...] = (
    ("pool-compare", "active connections and requests waiting, variants overlaid", pool_compare_figure),
    ("latency-compare", "p99 latency per second, variants overlaid", latency_compare_figure),
    ("outcomes-compare", "achieved rate and error rate per second, variants overlaid", outcomes_compare_figure),
    ("mysql-compare", "the app user's server-side connections and Prepared_stmt_count, variants overlaid",
     mysql_compare_figure),
    ("multiples", "small multiples: each variant on its own, shared axes per row", multiples_figure),
)


def write_charts(out_dir: Path, series: Sequence[Series], xlabel: str = "time since load start (s)") -> list[Chart]:
    """Draw and save every chart; returns them in report order (comparison, variants, health)."""
    charts: list[Chart] = []
    if len(series) >= 2:
        for stem, caption, draw in COMPARE:
            charts.append(Chart(stem, "compare", caption, tuple(save(draw(series, xlabel), out_dir, stem))))
    for one in series:
        for kind, caption, draw_one in PER_SERIES:
            stem = f"{kind}-{slug(one.label)}"
            charts.append(Chart(stem, one.label, caption, tuple(save(draw_one(one, xlabel), out_dir, stem))))
    if series:
        charts.append(Chart("health", "health", "health checks per variant: alive or dead",
                            tuple(save(health_figure(series, xlabel), out_dir, "health"))))
    return charts
