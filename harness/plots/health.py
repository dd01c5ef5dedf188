"""Health over time: one alive/dead strip per variant.

Each check of the separate health checker holds until the next one: green while ``/health``
answered in time, red while it failed or timed out. A pool that ran dry usually shows here
first, since the health endpoint needs a connection too.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from harness.analysis.align import Series
from harness.analysis.series import health_spans
from harness.plots.style import DEAD, OK, decorate


def health_figure(series: Sequence[Series], xlabel: str = "time since load start (s)") -> Figure:
    rows = max(1, len(series))
    fig, axes = plt.subplots(rows, 1, figsize=(10, 0.55 * rows + 1.3), sharex=True, squeeze=False)
    axs = list(axes[:, 0])
    for ax, one in zip(axs, series, strict=False):
        checks = health_spans(one.data.health)
        spans = checks.merged()
        start = spans.start_s - one.offset_s
        for alive, colour, name in ((True, OK, "alive"), (False, DEAD, "dead")):
            pick = spans.alive == alive
            # A bar narrower than the row, drawn under the fault lines: the fault band shows around it.
            ax.broken_barh(list(zip(start[pick], spans.width_s[pick], strict=True)), (0.2, 0.6), color=colour,
                           lw=0, zorder=0.5, gid=f"health-{name}", label=name)
        if not len(checks):
            ax.text(0.5, 0.5, "no health checks recorded", transform=ax.transAxes, ha="center", va="center",
                    fontsize=8, color="#666666")
        decorate([ax], one, xlabel, label=False)  # names would sit on the bar; the bands say enough
        ax.set_ylim(0, 1)
        ax.set_yticks([0.5], [one.label])
        ax.tick_params(axis="y", length=0)
        ax.grid(False, axis="y")
        dead = int(np.count_nonzero(~checks.alive))
        ax.text(1.01, 0.5, f"{dead} of {len(checks)} dead", transform=ax.transAxes, va="center", fontsize=8)
    for ax in axs[:-1]:
        ax.set_xlabel("")
    axs[0].set_title("health checks: alive (green) / dead (red)")
    fig.tight_layout()
    return fig
