"""The one look of every chart: colours, fonts, fault shading (Jepsen's translucent bands with a
line at each fault event), event lines, and saving as PNG + SVG.

Artists a reader (or a test) needs to find carry a ``gid``: ``fault-band-<i>`` for the band of
fault window i, ``fault-line-<i>`` for its start and stop lines, ``event-<name>`` for a crash or
an interruption, ``variant-<label>`` for a variant's line in an overlay.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import StepPatch
from matplotlib.ticker import MaxNLocator

if TYPE_CHECKING:
    from harness.analysis.align import Series

ACTIVE = "#d1495b"
IDLE = "#8fbcbb"
WAITING = "#edae49"
SERVER = "#30638e"
QUERY = "#00798c"
ZOMBIE = "#444444"
MAX_LINE = "#222222"
FAULT = "#7b5ea7"
EVENT = "#b33a3a"
LOAD_END = "#888888"
OK = "#2a7f62"
DEAD = "#c0392b"
VARIANT_COLOURS = ("#30638e", "#d1495b", "#00798c", "#edae49", "#66a182", "#8d5b4c", "#2e4057", "#c06c84")
OUTCOME_COLOURS = {
    "ok": OK, "pool_timeout": "#e07a1f", "connection_lost": "#7b2d8b", "too_many_connections": "#8d5b4c",
    "prepared_stmt_limit": "#00798c", "http_5xx": "#c0392b", "client_timeout": "#d4a017", "other": "#7f7f7f",
    "aborted": "#b0b0b0", "dropped": "#222222",
}
SPARE_COLOURS = ("#2e86ab", "#a23b72", "#f18f01", "#3b1f2b", "#6a994e", "#bc4749", "#386641", "#5e548e")

plt.rcParams.update({
    "figure.dpi": 110, "savefig.dpi": 110, "font.size": 9, "axes.titlesize": 11, "axes.titleweight": "bold",
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.25,
    "axes.titlepad": 14, "legend.frameon": False, "legend.fontsize": 8, "svg.fonttype": "none", "path.simplify": True,
    "agg.path.chunksize": 20000,
})


def variant_colour(i: int) -> str:
    return VARIANT_COLOURS[i % len(VARIANT_COLOURS)]


def outcome_colour(name: str, i: int) -> str:
    """A fixed colour per known outcome or error class; spare colours, in order, for the rest."""
    return OUTCOME_COLOURS.get(name, SPARE_COLOURS[i % len(SPARE_COLOURS)])


def shade_faults(ax: Axes, windows: Sequence[dict[str, Any]], end_s: float | None, label: bool = True) -> None:
    """One translucent band per fault window and a line at each fault event (start and stop).

    A window whose stop was never recorded runs to ``end_s`` (the end of what was recorded) and
    gets no stop line: the fault was still on when the recording ended.
    """
    for i, w in enumerate(windows):
        start = w["start_s"]
        end = w["end_s"] if w.get("end_s") is not None else end_s
        if start is None or end is None:
            continue
        ax.axvspan(start, end, color=FAULT, alpha=0.12, lw=0, zorder=0, gid=f"fault-band-{i}")
        for x in (start, w.get("end_s")):
            if x is not None:
                ax.axvline(x, color=FAULT, lw=0.8, ls=":", alpha=0.8, zorder=1, gid=f"fault-line-{i}")
        if label:
            # Just above the plot area: inside it, the name would collide with markers and lines.
            ax.annotate(w["type"], xy=(start, 1.0), xycoords=("data", "axes fraction"), xytext=(1, 1),
                        textcoords="offset points", fontsize=8, color=FAULT, va="bottom", gid=f"fault-label-{i}")


def mark_events(ax: Axes, events: Sequence[dict[str, Any]], offset_s: float = 0.0, label: bool = True) -> None:
    """A solid red line at each crash, interruption or fault that failed to apply."""
    for e in events:
        x = float(e["t_s"]) - offset_s
        ax.axvline(x, color=EVENT, lw=1.0, ls="-", alpha=0.8, zorder=2, gid=f"event-{e['event']}")
        if label:
            ax.annotate(e["event"], xy=(x, 0.0), xycoords=("data", "axes fraction"), xytext=(2, 4),
                        textcoords="offset points", fontsize=7, color=EVENT, rotation=90, va="bottom")


def decorate(axes: Sequence[Axes], series: Series, xlabel: str, label: bool = True) -> None:
    """Fault bands and lines, event lines and the load's end on every axis; the x label on the last.

    Names (fault types, event names) go on the first axis only, and not at all with ``label=False``.
    """
    end = series.load_end_s
    recorded = series.shift(series.data.last_t_s)
    for i, ax in enumerate(axes):
        named = label and i == 0
        shade_faults(ax, series.windows(), recorded if end is None else max(end, recorded or end), label=named)
        mark_events(ax, series.data.marked_events(), series.offset_s, label=named)
        if end is not None:
            ax.axvline(end, color=LOAD_END, lw=0.8, alpha=0.6, gid="load-end")
            if named:  # what follows it is the drain: no new requests, the pool should settle
                ax.annotate("load ends", xy=(end, 1.0), xycoords=("data", "axes fraction"), xytext=(1, 1),
                            textcoords="offset points", fontsize=8, color=LOAD_END, va="bottom",
                            gid="load-end-label")
    axes[-1].set_xlabel(xlabel)


def per_second(ax: Axes, seconds: Any, values: Any, offset_s: float = 0.0, baseline: Any = None,
               **kwargs: Any) -> StepPatch:
    """A per-second series as stairs: value i holds over [second i, second i + 1), the last one too.

    With ``baseline`` (an array), the band between it and ``values`` is filled (stacked areas).
    NaN leaves a gap: a second with no data is not drawn as zero.
    """
    secs = np.asarray(seconds, dtype=float)
    edges = np.append(secs, secs[-1] + 1.0) - offset_s if len(secs) else np.array([0.0])
    vals = np.asarray(values, dtype=float)
    if baseline is None:
        return ax.stairs(vals, edges, baseline=None, **kwargs)
    return ax.stairs(vals, edges, baseline=np.asarray(baseline, dtype=float), fill=True, **kwargs)


def whole_numbers(*axes: Axes) -> None:
    """Counts (requests, connections, clients) get whole-number ticks, never 0.2 of a request."""
    for ax in axes:
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        if ax.get_ylim()[1] < 1:  # nothing counted: 0 to 1, not 0.000 to 0.045
            ax.set_ylim(top=1)


def finish(fig: Figure, title: str, *axes: Axes, legend_title: str | None = None) -> Figure:
    """The title on the first axis, each axis's legend to its right (``legend_title`` on the first's),
    and the layout tightened."""
    axes[0].set_title(title)
    for i, ax in enumerate(axes):
        legend_right(ax, **({"title": legend_title} if legend_title and i == 0 else {}))
    fig.tight_layout()
    return fig


def legend_right(ax: Axes, **kwargs: Any) -> None:
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), **kwargs)


def save(fig: Figure, out_dir: Path, stem: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{stem}.png", out_dir / f"{stem}.svg"]
    # The tight box once for both files (each bbox_inches="tight" costs a full extra layout pass).
    box = fig.get_tightbbox().padded(plt.rcParams["savefig.pad_inches"])
    for p in paths:
        fig.savefig(p, bbox_inches=box)
    plt.close(fig)
    return paths
