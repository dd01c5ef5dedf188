"""Latency over time: p50/p95/p99/max per second on a log axis, the acquire timeout drawn.

A pool that runs dry shows as p99 climbing to the acquire timeout and sitting there (requests
wait the whole timeout, then fail); a slow database shows as every percentile lifting together.
Seconds group requests by when they started (see ``analysis/series.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from harness.analysis.align import Series
from harness.analysis.series import latency_per_second
from harness.plots.pool import shade_reference
from harness.plots.style import MAX_LINE, decorate, finish, per_second, variant_colour

PERCENTILES = (("p50", "#66a182", 1.2, "-"), ("p95", "#edae49", 1.2, "-"), ("p99", "#d1495b", 1.5, "-"),
               ("max", "#555555", 0.9, ":"))


def _timeout_line(ax: Axes, series: Sequence[Series]) -> None:
    """The acquire timeout of each distinct setting (where the scenario says it)."""
    seen: set[float] = set()
    for one in series:
        timeout_s = one.summary.get("_acquire_timeout_s")
        if timeout_s is None or timeout_s in seen:
            continue
        seen.add(timeout_s)
        ax.axhline(timeout_s * 1000.0, color=MAX_LINE, lw=1.0, ls="--", gid=f"acquire-timeout-{len(seen) - 1}",
                   label=f"acquire timeout {timeout_s:g} s")


def latency_figure(series: Series, xlabel: str = "time since load start (s)") -> Figure:
    per_s = latency_per_second(series.data.requests)
    fig, ax = plt.subplots(figsize=(10, 3.8))
    for name, colour, lw, ls in PERCENTILES:
        per_second(ax, per_s.index, per_s[name], series.offset_s, color=colour, lw=lw, ls=ls, label=name,
                   gid=f"latency-{name}")
    _timeout_line(ax, [series])
    ax.set_yscale("log")
    ax.set_ylabel("latency (ms, log)\nby request start")
    decorate([ax], series, xlabel)
    return finish(fig, f"{series.label}: latency per second", ax)


def latency_compare_figure(series: Sequence[Series], xlabel: str = "time since load start (s)") -> Figure:
    """p99 per second of every variant on one log axis."""
    fig, ax = plt.subplots(figsize=(10, 3.8))
    for i, one in enumerate(series):
        per_s = latency_per_second(one.data.requests)
        per_second(ax, per_s.index, per_s["p99"], one.offset_s, color=variant_colour(i), lw=1.5, label=one.label,
                   gid=f"variant-{one.label}")
    _timeout_line(ax, series)
    ax.set_yscale("log")
    ax.set_ylabel("p99 latency (ms, log)")
    shade_reference(series, [ax], xlabel)
    return finish(fig, "p99 latency per second, variants overlaid", ax, legend_title="variant")
