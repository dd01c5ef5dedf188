"""Small multiples: one column per variant, one row per question, shared axes along each row.

Overlays answer "which line is higher"; small multiples answer "what happened in each" without
lines hiding each other. Rows: the pool (active, max_size, waiting), p99 latency (log), and
requests that failed per second (every class but aborted: those the client gave up on purpose).
Each panel carries its own fault windows.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from harness.analysis.align import Series
from harness.analysis.series import envelope, latency_per_second, outcomes_per_second
from harness.plots.outcomes import RATE_COLUMNS
from harness.plots.style import ACTIVE, DEAD, MAX_LINE, WAITING, decorate, per_second, whole_numbers

ROWS = ("pool", "p99 ms (log)", "failed / s")


def multiples_figure(series: Sequence[Series], xlabel: str = "time since load start (s)") -> Figure:
    cols = max(1, len(series))
    fig, axes = plt.subplots(len(ROWS), cols, figsize=(max(5.0, 3.4 * cols), 6.4), sharex=True, sharey="row",
                             squeeze=False)
    for c, one in enumerate(series):
        pool, lat, bad = axes[:, c]
        s = envelope(one.data.samples, ["pool_active", "pool_waiting"])
        t = s["t_s"] - one.offset_s
        pool.step(t, s["pool_active"], where="post", color=ACTIVE, lw=1.3, gid=f"variant-{one.label}",
                  label="active")
        pool.step(t, s["pool_waiting"], where="post", color=WAITING, lw=1.1, label="waiting")
        max_size = one.summary["pool"].get("max_size")
        if max_size is not None:
            pool.axhline(max_size, color=MAX_LINE, lw=0.9, ls="--", label="max_size")
        per_s = latency_per_second(one.data.requests)
        per_second(lat, per_s.index, per_s["p99"], one.offset_s, color=ACTIVE, lw=1.2)
        lat.set_yscale("log")
        out = outcomes_per_second(one.data.requests)
        # aborted requests are the clients' own doing (abort_after_ms), not the app failing them
        failed = [name for name in out.columns if name not in (*RATE_COLUMNS, "aborted")]
        per_second(bad, out.index, out[failed].sum(axis=1) if failed else out["ok"] * 0, one.offset_s, color=DEAD,
                   lw=1.2)
        decorate([pool, lat, bad], one, xlabel)
        pool.set_title(one.label)
    for r, name in enumerate(ROWS):
        axes[r, 0].set_ylabel(name)
    axes[0, 0].set_ylim(bottom=0)
    axes[2, 0].set_ylim(bottom=0)
    whole_numbers(axes[0, 0], axes[2, 0])
    axes[0, -1].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle("each variant on its own, shared axes", fontweight="bold")
    fig.tight_layout()
    return fig
