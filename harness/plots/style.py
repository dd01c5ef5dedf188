"""The one look of every chart: colours, fonts, fault shading (Jepsen's translucent bands with a
line at each fault event), and saving as PNG + SVG."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

ACTIVE = "#d1495b"
IDLE = "#8fbcbb"
WAITING = "#edae49"
SERVER = "#30638e"
MAX_LINE = "#222222"
FAULT = "#7b5ea7"
VARIANT_COLOURS = ("#30638e", "#d1495b", "#00798c", "#edae49", "#66a182", "#8d5b4c", "#2e4057", "#c06c84")

plt.rcParams.update({
    "figure.dpi": 110, "savefig.dpi": 110, "font.size": 9, "axes.titlesize": 11, "axes.titleweight": "bold",
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.25,
    "legend.frameon": False, "legend.fontsize": 8, "svg.fonttype": "none",
})


def variant_colour(i: int) -> str:
    return VARIANT_COLOURS[i % len(VARIANT_COLOURS)]


def shade_faults(ax: Axes, windows: Sequence[dict[str, Any]], end_s: float | None, label: bool = True) -> None:
    """One translucent band per fault window and a line at each fault event (start and stop)."""
    for i, w in enumerate(windows):
        start = w["start_s"]
        end = w["end_s"] if w.get("end_s") is not None else end_s
        if start is None or end is None:
            continue
        ax.axvspan(start, end, color=FAULT, alpha=0.12, lw=0, zorder=0, gid=f"fault-band-{i}")
        for x in (start, end):
            ax.axvline(x, color=FAULT, lw=0.8, ls=":", alpha=0.8, zorder=1, gid=f"fault-line-{i}")
        if label:
            ax.annotate(w["type"], xy=(start, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -10),
                        textcoords="offset points", fontsize=8, color=FAULT, va="top")


def save(fig: Figure, out_dir: Path, stem: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{stem}.png", out_dir / f"{stem}.svg"]
    for p in paths:
        fig.savefig(p, bbox_inches="tight")
    plt.close(fig)
    return paths
