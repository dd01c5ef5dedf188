"""MySQL's side: server-side prepared statements against their limit, and aborted clients.

A statement leak climbs steadily towards ``max_prepared_stmt_count`` and the app fails with
ERROR 1461 when it gets there; connections dropped without a proper close (killed, timed out,
aborted mid-request) show as ``Aborted_clients`` rising.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from harness.analysis.align import Series
from harness.analysis.series import envelope
from harness.plots.pool import shade_reference
from harness.plots.style import ACTIVE, MAX_LINE, SERVER, decorate, finish, variant_colour, whole_numbers

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
    return finish(fig, f"{series.label}: MySQL prepared statements and aborted clients", ax, axa)


def mysql_compare_figure(series: Sequence[Series], xlabel: str = "time since load start (s)") -> Figure:
    """MySQL's side, variants overlaid: the app user's server-side connections (a connection per
    request, zombies piling up) and Prepared_stmt_count (a statement leak climbing to its limit)."""
    fig, (axc, axp) = plt.subplots(2, 1, figsize=(10, 5.0), sharex=True, gridspec_kw={"height_ratios": [1, 1]})
    peak, limit = 0.0, 0.0
    for i, one in enumerate(series):
        s = envelope(one.data.samples, ["mysql_app_connections", "mysql_prepared_stmt_count",
                                        "mysql_max_prepared_stmt_count"])
        t = s["t_s"] - one.offset_s
        colour = variant_colour(i)
        axc.step(t, s["mysql_app_connections"], where="post", color=colour, lw=1.5, label=one.label,
                 gid=f"variant-{one.label}")
        axp.step(t, s["mysql_prepared_stmt_count"], where="post", color=colour, lw=1.5,
                 gid=f"prepared-{one.label}")
        if s["mysql_prepared_stmt_count"].notna().any():
            peak = max(peak, float(s["mysql_prepared_stmt_count"].max()))
        if s["mysql_max_prepared_stmt_count"].notna().any():
            limit = max(limit, float(s["mysql_max_prepared_stmt_count"].max()))
    if limit and peak * OFF_SCALE >= limit:
        axp.axhline(limit, color=MAX_LINE, lw=1.1, ls="--", label=f"max_prepared_stmt_count = {int(limit):,}",
                    gid="max-prepared-stmt-count")
    elif limit:
        axp.text(0.99, 0.95, f"max_prepared_stmt_count = {int(limit):,} (far above: peak {peak:,.0f})",
                 transform=axp.transAxes, ha="right", va="top", fontsize=8, color=MAX_LINE, gid="limit-off-scale")
    axc.set_ylabel("app user's\nserver connections")
    axp.set_ylabel("prepared\nstatements")
    axc.set_ylim(bottom=0)
    axp.set_ylim(bottom=0)
    whole_numbers(axc, axp)
    shade_reference(series, [axc, axp], xlabel)
    return finish(fig, "MySQL's side, variants overlaid", axc, axp, legend_title="variant")
