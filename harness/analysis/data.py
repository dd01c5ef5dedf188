"""A variant's recorded files (samples.csv, requests.csv, events.jsonl), loaded into frames.

Reading is tolerant on purpose: a run killed mid-write leaves a cut last line, and a report of
what was recorded is worth more than an error. Request rows keep their text columns as pandas
categoricals: a million rows of ``ok``/``fail`` cost a byte each instead of a Python string.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harness.history.recorder import SAMPLE_COLUMNS
from harness.load.plan import HEALTH_NAME, REQUESTS_HEADER

TEXT_COLUMNS = ("name", "outcome", "error_class")
# Events that end a variant early.
ABNORMAL_EVENTS = ("run.interrupted", "run.failed", "app.crash")
# The routine steps of every variant: no line on the charts (the load's end has its own grey line).
ROUTINE_EVENTS = frozenset({"stack.start", "stack.ready", "stack.stopped", "load.start", "load.stop", "drain.end"})


@dataclass
class VariantData:
    """A variant's recorded files, loaded. ``t_s`` is seconds since the variant's load started."""

    name: str
    samples: pd.DataFrame
    requests: pd.DataFrame  # without the health checker's rows
    health: pd.DataFrame
    events: list[dict[str, Any]]

    @property
    def load_end_s(self) -> float | None:
        return next((e["t_s"] for e in self.events if e.get("event") == "load.stop"), None)

    @property
    def finished(self) -> bool:
        """The load ran to its end (a ``load.stop`` event) and nothing aborted the variant."""
        return self.load_end_s is not None and not any(e.get("event") in ABNORMAL_EVENTS for e in self.events)

    @property
    def last_t_s(self) -> float | None:
        """The last moment anything was recorded (a sample, a request's end, an event)."""
        ends = [float(self.samples["t_s"].max()) if len(self.samples) else np.nan,
                float((self.requests["t_s"] + self.requests["latency_ms"] / 1000.0).max())
                if len(self.requests) else np.nan]
        ends += [float(e["t_s"]) for e in self.events if isinstance(e.get("t_s"), int | float)]
        finite = [t for t in ends if not np.isnan(t)]
        return max(finite) if finite else None

    def fault_windows(self) -> list[dict[str, Any]]:
        """[{type, index, start_s, end_s}] paired from ``<type>.start`` / ``<type>.stop`` events.

        A window whose stop was never recorded (the run was cut short) has ``end_s`` None.
        """
        windows: dict[tuple[str, int], dict[str, Any]] = {}
        for e in self.events:
            if "fault" not in e:
                continue
            key = (e["fault"], int(e.get("index", 0)))
            if e["event"].endswith(".start"):
                windows[key] = {"type": e["fault"], "index": key[1], "start_s": e["t_s"], "end_s": None}
            elif e["event"].endswith(".stop") and key in windows:
                windows[key]["end_s"] = e["t_s"]
        return sorted(windows.values(), key=lambda w: (w["start_s"], w["index"]))

    def marked_events(self) -> list[dict[str, Any]]:
        """Point events worth a line on a chart: anything but a fault's start/stop (those are bands) and the
        routine lifecycle; so crashes, interruptions, faults that failed to apply, and whatever a fault or
        component records on its own (an app freeze or thaw, a restart), during the load or after it."""
        marked = []
        for e in self.events:
            name = str(e.get("event", ""))
            if name in ROUTINE_EVENTS or not isinstance(e.get("t_s"), int | float) or e["t_s"] < 0:
                continue
            if "fault" in e and (name.endswith(".start") or name.endswith(".stop")):
                continue
            marked.append(e)
        return marked


def load_variant(variant_dir: Path) -> VariantData:
    samples = _read_csv(variant_dir / "samples.csv", SAMPLE_COLUMNS)
    requests = _read_csv(variant_dir / "requests.csv", REQUESTS_HEADER, text=TEXT_COLUMNS)
    is_health = (requests["name"] == HEALTH_NAME).to_numpy()
    events: list[dict[str, Any]] = []
    events_path = variant_dir / "events.jsonl"
    if events_path.exists():
        for line in events_path.read_text().splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a line cut by a crash: keep the rest
            if isinstance(event, dict) and "event" in event and "t_s" in event:
                events.append(event)
    return VariantData(name=variant_dir.name, samples=samples.sort_values("t_s", kind="stable", ignore_index=True),
                       requests=requests[~is_health].reset_index(drop=True),
                       health=requests[is_health].sort_values("t_s", kind="stable", ignore_index=True),
                       events=events)


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(-1, 2)
        return f.read(1) == b"\n"


def _read_csv(path: Path, columns: tuple[str, ...], text: tuple[str, ...] = ()) -> pd.DataFrame:
    """The file's rows with at least ``columns``; numbers as floats, ``text`` columns as categoricals."""
    df: pd.DataFrame | None = None
    if path.exists() and path.stat().st_size > 0:
        try:
            df = pd.read_csv(path, on_bad_lines="skip", dtype={c: "string" for c in text},
                             keep_default_na=False, na_values={c: [""] for c in columns if c not in text})
        except pd.errors.EmptyDataError:
            df = None
        if df is not None and len(df) and not _ends_with_newline(path):
            df = df.iloc[:-1]  # the writer was stopped mid-line: that row is cut, whatever it parsed as
    if df is None:
        df = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    for c in columns:
        if c not in df.columns:
            df[c] = "" if c in text else np.nan
    for c in columns:
        if c in text:
            df[c] = df[c].fillna("").astype("category")
        elif df[c].dtype == object:  # a cut line left text in a number column
            df[c] = pd.to_numeric(df[c], errors="coerce")
    # A crash can cut the last row mid-number: a row without its time cannot be placed.
    return df[df["t_s"].notna()].reset_index(drop=True) if len(df) else df
