"""MySQL's side: server-side prepared statements against their limit, and aborted clients.

A statement leak climbs steadily towards ``max_prepared_stmt_count`` and the app fails with
ERROR 1461 when it gets there; connections dropped without a proper close (killed, timed out,
aborted mid-request) show as ``Aborted_clients`` rising.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from harness.analysis.align import Series
from harness.analysis.series import envelope
from harness.plots.style import ACTIVE, MAX_LINE, SERVER, decorate, legend_right, whole_numbers

OFF_SCALE = 4  # draw the limit line when the peak count reaches a quarter of it


def mysql_figure(series: Series, xlabel: str = "time since load start (s)") -> Figure:
    s = envelope(series.data.samples, ["mysql_prepared_stmt_count", "mysql_max_prepared_stmt_count",
                                       "mysql_aborted_clients"])
    t = s["t_s"] - series.offset_s
    fig, (ax, axa) = plt.subplots(2, 1, figsize=(10, 4.6), sharex=True, gridspec_kw={"height_ratios": [1.4, 1]})
    ax.step(t, s["mysql_prepared_stmt_count"], where="post", color=SERVER, lw=1.5, label="Prepared_stmt_count",
            gid="prepared-stmt-count")
    limit = s["mysql_max_prepared_stmt_count"].dropna()
    peak = float(s["mysql_prepared_stmt_count"].max()) if s["mysql_prepared_stmt_count"].notna().any() else 0.0
    drew_limit = bool(len(limit)) and peak * OFF_SCALE >= float(limit.max())
    if drew_limit:
        ax.step(t, s["mysql_max_prepared_stmt_count"], where="post", color=MAX_LINE, lw=1.1, ls="--",
                label=f"max_prepared_stmt_count = {int(limit.iloc[-1]):,}", gid="max-prepared-stmt-count")
    elif len(limit):  # the limit would flatten the count into the axis: say where it is instead
        ax.text(0.99, 0.95, f"max_prepared_stmt_count = {int(limit.iloc[-1]):,} (far above: peak {peak:,.0f})",
                transform=ax.transAxes, ha="right", va="top", fontsize=8, color=MAX_LINE, gid="limit-off-scale")
    ax.set_ylabel("prepared\nstatements")
    ax.set_ylim(0, None if drew_limit else max(peak * 1.15, 1.0))
    aborted = s["mysql_aborted_clients"]
    first = series.data.samples["mysql_aborted_clients"].dropna()  # the counter before any binning
    base = float(first.iloc[0]) if len(first) else 0.0
    axa.step(t, aborted - base, where="post", color=ACTIVE, lw=1.4, label="Aborted_clients (since start)",
             gid="aborted-clients")
    axa.set_ylabel("aborted\nclients")
    rise = float((aborted - base).max()) if aborted.notna().any() else 0.0
    axa.set_ylim(0, max(rise * 1.15, 1.0))
    whole_numbers(ax, axa)
    decorate([ax, axa], series, xlabel)
    ax.set_title(f"{series.label}: MySQL prepared statements and aborted clients")
    legend_right(ax)
    legend_right(axa)
    fig.tight_layout()
    return fig
