"""The pool exhaustion chart: is the pool running dry, when, and does it come back?

Per variant: active and idle stacked (the pool's total), the max_size line, requests waiting on
their own axis below, and the app's connections as the server sees them (Sleep + Query), with
fault windows shaded and markers at exhaustion and recovery. Across variants: active and waiting
overlaid on shared axes, one colour per variant.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from harness.analysis.summary import VariantData
from harness.plots.style import ACTIVE, IDLE, MAX_LINE, SERVER, WAITING, save, shade_faults, variant_colour


def pool_figure(data: VariantData, summary: dict[str, Any]) -> Figure:
    s = data.samples.sort_values("t_s")
    t = s["t_s"]
    fig, (ax, axw) = plt.subplots(2, 1, figsize=(10, 5.2), sharex=True, gridspec_kw={"height_ratios": [3, 1.2]})
    active = s["pool_active"]
    idle = s["pool_idle"]
    ax.fill_between(t, 0, active, step="post", color=ACTIVE, alpha=0.85, lw=0, label="active (borrowed)",
                    gid="active")
    ax.fill_between(t, active, active + idle, step="post", color=IDLE, alpha=0.7, lw=0, label="idle", gid="idle")
    max_size = summary["pool"].get("max_size")
    if max_size is not None:
        ax.axhline(max_size, color=MAX_LINE, lw=1.2, ls="--", label=f"max_size = {max_size}", gid="max_size")
    ax.step(t, s["mysql_app_connections"], where="post", color=SERVER, lw=1.4,
            label="server-side connections (app user)", gid="server")
    if s["mysql_app_zombies"].fillna(0).max() > 0:
        ax.step(t, s["mysql_app_zombies"], where="post", color="#444", lw=1, ls="-.", label="zombies", gid="zombies")
    axw.fill_between(t, 0, s["pool_waiting"], step="post", color=WAITING, alpha=0.9, lw=0, label="waiting",
                     gid="waiting")
    axw.set_ylabel("requests\nwaiting")
    ax.set_ylabel("connections")
    axw.set_xlabel("time since load start (s)")
    end_s = data.load_end_s
    for a in (ax, axw):
        shade_faults(a, data.fault_windows(), end_s, label=a is ax)
        if end_s is not None:
            a.axvline(end_s, color="#888", lw=0.8, ls="-", alpha=0.6)
    ex = summary["pool"].get("exhausted_at_s")
    rec = summary["pool"].get("recovered_at_s")
    top = max(float(max_size or 0), float((active + idle).max() if len(s) else 0)) or 1.0
    if ex is not None:
        ax.annotate("exhausted", xy=(ex, top), xytext=(ex, top * 1.12), ha="center", fontsize=8, color=ACTIVE,
                    arrowprops={"arrowstyle": "-|>", "color": ACTIVE, "lw": 0.8})
    if rec is not None:
        ax.annotate("recovered", xy=(rec, top), xytext=(rec, top * 1.12), ha="center", fontsize=8, color="#2a7f62",
                    arrowprops={"arrowstyle": "-|>", "color": "#2a7f62", "lw": 0.8})
    ax.set_ylim(0, top * 1.25)
    axw.set_ylim(bottom=0)
    ax.set_title(f"{data.name}: pool state")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axw.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def pool_compare_figure(variants: Sequence[tuple[VariantData, dict[str, Any]]]) -> Figure:
    fig, (ax, axw) = plt.subplots(2, 1, figsize=(9, 5.2), sharex=True, gridspec_kw={"height_ratios": [3, 1.6]})
    end_s = None
    for i, (data, summary) in enumerate(variants):
        s = data.samples.sort_values("t_s")
        colour = variant_colour(i)
        ax.step(s["t_s"], s["pool_active"], where="post", color=colour, lw=1.6, label=data.name,
                gid=f"variant-{data.name}")
        max_size = summary["pool"].get("max_size")
        if max_size is not None:
            ax.axhline(max_size, color=colour, lw=0.9, ls="--", alpha=0.7)
        axw.step(s["t_s"], s["pool_waiting"], where="post", color=colour, lw=1.4, gid=f"waiting-{data.name}")
        end_s = end_s or data.load_end_s
    if variants:
        first = variants[0][0]
        for a in (ax, axw):
            shade_faults(a, first.fault_windows(), end_s, label=a is ax)
    ax.set_ylabel("active connections\n(dashed: max_size)")
    axw.set_ylabel("requests waiting")
    axw.set_xlabel("time since load start (s)")
    ax.set_ylim(bottom=0)
    axw.set_ylim(bottom=0)
    ax.set_title("pool state, variants overlaid")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="variant")
    fig.tight_layout()
    return fig


def write_pool_charts(out_dir: Path, variants: Sequence[tuple[VariantData, dict[str, Any]]]) -> dict[str, list[Path]]:
    charts: dict[str, list[Path]] = {}
    for data, summary in variants:
        charts[f"pool-{data.name}"] = save(pool_figure(data, summary), out_dir, f"pool-{data.name}")
    if variants:
        charts["pool-compare"] = save(pool_compare_figure(variants), out_dir, "pool-compare")
    return charts
