"""Series to draw side by side, and where their clocks line up.

Every variant's ``t_s`` starts at its own load start, so variants of one run already share an
axis. Runs made at different times (``harness compare``) may put their faults at different
moments; aligning at a named fault's start makes "what happened after the fault began" line up.
An alignment is ``load`` (the default), a fault type (its first occurrence, e.g. ``latency``) or
a fault by its position in the scenario (``faults[2]``, as in events.jsonl's ``index``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.analysis.data import VariantData
from harness.errors import UsageError

_BY_INDEX = re.compile(r"^faults\[(\d+)\]$")


@dataclass(frozen=True)
class Series:
    """One variant to draw: its data, its summary, and how far to shift its clock."""

    label: str
    data: VariantData
    summary: dict[str, Any]
    offset_s: float = 0.0  # subtracted from every t_s of this series

    def windows(self) -> list[dict[str, Any]]:
        """Fault windows on this series' shifted clock."""
        return [{**w, "start_s": w["start_s"] - self.offset_s,
                 "end_s": None if w["end_s"] is None else w["end_s"] - self.offset_s}
                for w in self.data.fault_windows()]

    def shift(self, t_s: float | None) -> float | None:
        return None if t_s is None else t_s - self.offset_s

    @property
    def load_end_s(self) -> float | None:
        return self.shift(self.data.load_end_s)


def align_offset(data: VariantData, at: str, label: str) -> float:
    """Seconds to subtract so that ``at`` (load | fault type | faults[N]) becomes t = 0."""
    if at == "load":
        return 0.0
    windows = data.fault_windows()
    match = _BY_INDEX.match(at)
    chosen = [w for w in windows if (int(match.group(1)) == w["index"] if match else w["type"] == at)]
    if not chosen:
        have = ", ".join(f"{w['type']} (faults[{w['index']}])" for w in windows) or "no fault"
        raise UsageError(f"--align {at}: {label} has no such fault (it has {have}); "
                         "expected load, a fault type or faults[N]")
    return float(chosen[0]["start_s"])


def align(series: Sequence[Series], at: str) -> list[Series]:
    """The same series, each shifted so that ``at`` falls at t = 0."""
    return [Series(s.label, s.data, s.summary, align_offset(s.data, at, s.label)) for s in series]


def axis_label(at: str) -> str:
    return "time since load start (s)" if at == "load" else f"time since {at} started (s)"
