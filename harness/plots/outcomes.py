"""Outcomes over time: what the load offered, what it achieved, and how the rest failed.

Top: offered rate (arrivals per second) against achieved rate (successful completions per
second); the gap between them is the incident. Below: every failed request per second, stacked
by error class, with aborted and dropped requests in their own colours. Comparison: the achieved
rate and the error rate of every variant overlaid.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from harness.analysis.align import Series
from harness.analysis.series import error_rate_per_second, outcomes_per_second
from harness.plots.pool import shade_reference
from harness.plots.style import (
    OK,
    decorate,
    finish,
    outcome_colour,
    per_second,
    variant_colour,
    whole_numbers,
)

RATE_COLUMNS = ("ok", "offered", "achieved")


def outcomes_figure(series: Series, xlabel: str = "time since load start (s)") -> Figure:
    per_s = outcomes_per_second(series.data.requests)
    fig, (ax, axe) = plt.subplots(2, 1, figsize=(10, 5.2), sharex=True, gridspec_kw={"height_ratios": [1.4, 1]})
    off = series.offset_s
    per_second(ax, per_s.index, per_s["offered"], off, color="#222222", lw=1.2, ls="--", label="offered (arrivals)",
               gid="offered")
    per_second(ax, per_s.index, per_s["achieved"], off, color=OK, lw=1.6, label="achieved (ok)", gid="achieved")
    ax.set_ylabel("requests / s")
    ax.set_ylim(bottom=0)
    bottom = np.zeros(len(per_s))
    failed = [c for c in per_s.columns if c not in RATE_COLUMNS]
    for i, name in enumerate(failed):
        top = bottom + per_s[name].to_numpy()
        per_second(axe, per_s.index, top, off, baseline=bottom, color=outcome_colour(name, i), alpha=0.9, lw=0,
                   label=name, gid=f"outcome-{name}")
        bottom = top
    if not failed:
        axe.text(0.5, 0.5, "no failed, aborted or dropped request", transform=axe.transAxes, ha="center",
                 va="center", color="#666666", gid="no-errors")
    axe.set_ylabel("not ok / s\nby class")
    axe.set_ylim(bottom=0)
    whole_numbers(ax, axe)
    decorate([ax, axe], series, xlabel)
    return finish(fig, f"{series.label}: outcomes per second", ax, axe)


def outcomes_compare_figure(series: Sequence[Series], xlabel: str = "time since load start (s)") -> Figure:
    """Achieved rate and error rate per second of every variant."""
    fig, (ax, axe) = plt.subplots(2, 1, figsize=(10, 5.2), sharex=True, gridspec_kw={"height_ratios": [1.4, 1]})
    for i, one in enumerate(series):
        per_s = outcomes_per_second(one.data.requests)
        colour = variant_colour(i)
        per_second(ax, per_s.index, per_s["achieved"], one.offset_s, color=colour, lw=1.5, label=one.label,
                   gid=f"variant-{one.label}")
        per_second(axe, per_s.index, 100 * error_rate_per_second(per_s), one.offset_s, color=colour, lw=1.3,
                   gid=f"error-rate-{one.label}")
    shade_reference(series, [ax, axe], xlabel)
    ax.set_ylabel("achieved (ok / s)")
    axe.set_ylabel("error rate (%)")
    ax.set_ylim(bottom=0)
    axe.set_ylim(bottom=0)
    return finish(fig, "throughput and errors, variants overlaid", ax, legend_title="variant")
