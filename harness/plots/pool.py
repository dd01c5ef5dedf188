"""The pool exhaustion chart: is the pool running dry, when, and does it come back?

Per variant: active and idle stacked (the pool's total), the max_size line, the app user's
server-side connections as MySQL sees them (Sleep and Query) and the zombies among them,
requests waiting on their own axis below, fault windows shaded, and markers at exhaustion and
recovery. Across variants: active and waiting overlaid on shared axes, one colour per variant.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from harness.analysis.align import Series
from harness.analysis.series import envelope
from harness.plots.style import (
    ACTIVE,
    IDLE,
    MAX_LINE,
    OK,
    QUERY,
    SERVER,
    WAITING,
    ZOMBIE,
    decorate,
    finish,
    shade_faults,
    variant_colour,
    whole_numbers,
)

POOL_COLUMNS = ["pool_active", "pool_open", "pool_waiting", "mysql_app_sleep", "mysql_app_query",
                "mysql_app_connections", "mysql_app_zombies"]


def _mark(ax: Axes, x: float | None, top: float, text: str, colour: str, gid: str) -> None:
    if x is None:
        return
    ax.annotate(text, xy=(x, top), xytext=(x, top * 1.12), ha="center", fontsize=8, color=colour, gid=gid,
                arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 0.8})


def pool_figure(series: Series, xlabel: str = "time since load start (s)") -> Figure:
    raw = series.data.samples
    s = envelope(raw.assign(pool_open=raw["pool_active"].fillna(0) + raw["pool_idle"].fillna(0)), POOL_COLUMNS)
    t = s["t_s"] - series.offset_s
    fig, (ax, axw) = plt.subplots(2, 1, figsize=(10, 5.2), sharex=True, gridspec_kw={"height_ratios": [3, 1.2]})
    active = s["pool_active"].fillna(0)
    pool_open = s["pool_open"]
    ax.fill_between(t, 0, active, step="post", color=ACTIVE, alpha=0.85, lw=0, label="active (borrowed)",
                    gid="active")
    ax.fill_between(t, active, pool_open, step="post", color=IDLE, alpha=0.7, lw=0, label="idle", gid="idle")
    pool = series.summary["pool"]
    max_size = pool.get("max_size")
    if max_size is not None:
        ax.axhline(max_size, color=MAX_LINE, lw=1.2, ls="--", label=f"max_size = {max_size}", gid="max_size")
    if s["mysql_app_sleep"].notna().any() or s["mysql_app_query"].notna().any():
        ax.step(t, s["mysql_app_sleep"], where="post", color=SERVER, lw=1.4, label="server-side: Sleep",
                gid="server-sleep")
        ax.step(t, s["mysql_app_query"], where="post", color=QUERY, lw=1.2, ls="--", label="server-side: Query",
                gid="server-query")
    else:  # an older recording with only the total
        ax.step(t, s["mysql_app_connections"], where="post", color=SERVER, lw=1.4,
                label="server-side connections", gid="server-sleep")
    if s["mysql_app_zombies"].notna().any():
        ax.step(t, s["mysql_app_zombies"], where="post", color=ZOMBIE, lw=1.1, ls="-.", label="zombies",
                gid="zombies")
    axw.fill_between(t, 0, s["pool_waiting"].fillna(0), step="post", color=WAITING, alpha=0.9, lw=0,
                     label="waiting", gid="waiting")
    axw.set_ylabel("requests\nwaiting")
    ax.set_ylabel("connections")
    decorate([ax, axw], series, xlabel)
    server = s[["mysql_app_sleep", "mysql_app_query", "mysql_app_connections"]].max().max()
    top = max(float(max_size or 0), float(pool_open.max() if len(s) else 0),
              0.0 if pd.isna(server) else float(server)) or 1.0
    _mark(ax, series.shift(pool.get("exhausted_at_s")), top, "exhausted", ACTIVE, "marker-exhausted")
    _mark(ax, series.shift(pool.get("recovered_at_s")), top, "recovered", OK, "marker-recovered")
    ax.set_ylim(0, top * 1.25)
    axw.set_ylim(bottom=0)
    whole_numbers(ax, axw)
    return finish(fig, f"{series.label}: pool state", ax, axw)


def pool_compare_figure(series: Sequence[Series], xlabel: str = "time since load start (s)") -> Figure:
    """Active (dashed: each max_size) and waiting of every variant on shared axes."""
    fig, (ax, axw) = plt.subplots(2, 1, figsize=(10, 5.2), sharex=True, gridspec_kw={"height_ratios": [3, 1.6]})
    for i, one in enumerate(series):
        s = envelope(one.data.samples, ["pool_active", "pool_waiting"])
        t = s["t_s"] - one.offset_s
        colour = variant_colour(i)
        ax.step(t, s["pool_active"], where="post", color=colour, lw=1.6, label=one.label,
                gid=f"variant-{one.label}")
        max_size = one.summary["pool"].get("max_size")
        if max_size is not None:
            ax.axhline(max_size, color=colour, lw=0.9, ls="--", alpha=0.7, gid=f"max_size-{one.label}")
        axw.step(t, s["pool_waiting"], where="post", color=colour, lw=1.4, gid=f"waiting-{one.label}")
    shade_reference(series, [ax, axw], xlabel)
    ax.set_ylabel("active connections\n(dashed: max_size)")
    axw.set_ylabel("requests waiting")
    ax.set_ylim(bottom=0)
    axw.set_ylim(bottom=0)
    return finish(fig, "pool state, variants overlaid", ax, legend_title="variant")


def shade_reference(series: Sequence[Series], axes: Sequence[Axes], xlabel: str) -> None:
    """On overlays, the fault windows of the first series (the reference) on every axis."""
    if series:
        first = series[0]
        end = first.load_end_s if first.load_end_s is not None else first.shift(first.data.last_t_s)
        for i, a in enumerate(axes):
            shade_faults(a, first.windows(), end, label=i == 0)
    axes[-1].set_xlabel(xlabel)
