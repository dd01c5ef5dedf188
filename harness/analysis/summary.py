"""summary.json: every figure of the DESIGN.md contract, computed from a variant's recorded files.

Definitions (DESIGN.md):
- exhausted_at_s: first time the pool had ``active >= max_size`` with ``waiting > 0``, or an
  acquire timed out (a ``pool_timeout`` request ended), whichever came first;
- recovered_at_s: first time after the last fault ended (or after exhaustion, with no fault)
  that waiting stayed 0 and the error rate stayed under 1 % for RECOVERY_WINDOW_S;
- leaked_at_end: connections still checked out after the load stopped and the drain passed;
- zombies_at_end: the app user's connections sleeping longer than ``probes.zombie_idle_s``.
Figures that cannot be measured are null, never missing.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harness.history.recorder import SAMPLE_COLUMNS
from harness.load.plan import HEALTH_NAME, REQUESTS_HEADER

RECOVERY_WINDOW_S = 5.0
RECOVERY_MAX_ERROR_RATE = 0.01
ERROR_CLASSES = ("pool_timeout", "connection_lost", "too_many_connections", "prepared_stmt_limit", "http_5xx",
                 "client_timeout", "other")


@dataclass
class VariantData:
    """A variant's recorded files, loaded."""

    name: str
    samples: pd.DataFrame
    requests: pd.DataFrame  # without the health checker's rows
    health: pd.DataFrame
    events: list[dict[str, Any]]

    @property
    def load_end_s(self) -> float | None:
        return next((e["t_s"] for e in self.events if e.get("event") == "load.stop"), None)

    def fault_windows(self) -> list[dict[str, Any]]:
        """[{type, index, start_s, end_s}] paired from ``<type>.start`` / ``<type>.stop`` events."""
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


def load_variant(variant_dir: Path) -> VariantData:
    samples = _read_csv(variant_dir / "samples.csv", SAMPLE_COLUMNS)
    requests = _read_csv(variant_dir / "requests.csv", REQUESTS_HEADER)
    requests["error_class"] = requests["error_class"].fillna("").astype(str)
    is_health = requests["name"] == HEALTH_NAME
    events: list[dict[str, Any]] = []
    events_path = variant_dir / "events.jsonl"
    if events_path.exists():
        for line in events_path.read_text().splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                continue  # a line cut by a crash: keep the rest
    return VariantData(name=variant_dir.name, samples=samples, requests=requests[~is_health].reset_index(drop=True),
                       health=requests[is_health].reset_index(drop=True), events=events)


def _read_csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    if not path.exists() or path.stat().st_size == 0:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    try:
        df = pd.read_csv(path, on_bad_lines="skip")
    except pd.errors.EmptyDataError:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    for c in columns:
        if c not in df.columns:
            df[c] = np.nan
    return df


def _num(value: Any, digits: int = 3) -> float | int | None:
    """JSON-safe number: None for NaN/missing, ints stay ints."""
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(f):
        return None
    return int(f) if f.is_integer() and abs(f) < 2**53 else round(f, digits)


def _last(series: pd.Series) -> Any:
    s = series.dropna()
    return s.iloc[-1] if len(s) else None


def _peak(series: pd.Series) -> Any:
    s = series.dropna()
    return s.max() if len(s) else None


def requests_summary(req: pd.DataFrame, duration_s: float | None) -> dict[str, Any]:
    # dropped: open-model arrivals that could not start (never sent, so not in total)
    dropped = int((req["outcome"] == "dropped").sum())
    total = len(req) - dropped
    ok = int((req["outcome"] == "ok").sum())
    aborted = int((req["outcome"] == "aborted").sum())
    failed = int(req["outcome"].isin(["fail", "info"]).sum())
    rps = total / duration_s if duration_s else None
    return {"total": total, "ok": ok, "failed": failed, "aborted": aborted, "dropped": dropped, "rps": _num(rps, 2)}


def errors_summary(req: pd.DataFrame) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(ERROR_CLASSES, 0)
    failed = req[req["outcome"].isin(["fail", "info"])]
    for cls, n in failed["error_class"].replace("", "other").value_counts().items():
        counts[str(cls)] = counts.get(str(cls), 0) + int(n)
    return counts


def latency_summary(req: pd.DataFrame) -> dict[str, Any]:
    lat = req.loc[~req["outcome"].isin(("aborted", "dropped")), "latency_ms"].dropna()
    if lat.empty:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    q = lat.quantile([0.5, 0.95, 0.99])
    return {"p50": _num(q.loc[0.5], 2), "p95": _num(q.loc[0.95], 2), "p99": _num(q.loc[0.99], 2),
            "max": _num(lat.max(), 2)}


def exhausted_at(samples: pd.DataFrame, req: pd.DataFrame, max_size: float | None) -> float | None:
    candidates: list[float] = []
    if max_size is not None and not samples.empty:
        dry = samples[(samples["pool_active"] >= max_size) & (samples["pool_waiting"] > 0)]
        if len(dry):
            candidates.append(float(dry["t_s"].iloc[0]))
    timeouts = req[req["error_class"] == "pool_timeout"]
    if len(timeouts):
        candidates.append(float((timeouts["t_s"] + timeouts["latency_ms"] / 1000.0).min()))
    return min(candidates) if candidates else None


def recovered_at(data: VariantData, since_s: float | None, until_s: float | None) -> float | None:
    """First t >= since_s where waiting stayed 0 and errors < 1 % over the next RECOVERY_WINDOW_S."""
    if since_s is None or until_s is None:
        return None
    samples, req = data.samples, data.requests
    step = 0.5
    t = since_s
    ends = req["t_s"] + req["latency_ms"] / 1000.0
    failed = req["outcome"].isin(["fail", "info"])
    while t + RECOVERY_WINDOW_S <= until_s + 1e-9:
        window = samples[(samples["t_s"] >= t) & (samples["t_s"] <= t + RECOVERY_WINDOW_S)]
        waiting_ok = window.empty or bool((window["pool_waiting"].fillna(0) == 0).all())
        in_window = (ends >= t) & (ends <= t + RECOVERY_WINDOW_S)
        n = int(in_window.sum())
        errors_ok = n == 0 or int((in_window & failed).sum()) / n < RECOVERY_MAX_ERROR_RATE
        if waiting_ok and errors_ok:
            return round(t, 3)
        t += step
    return None


def variant_summary(data: VariantData, max_size: int | None = None) -> dict[str, Any]:
    s, req = data.samples, data.requests
    load_end = data.load_end_s
    max_size_seen = _peak(s["pool_max_size"])
    max_size = max_size if max_size is not None else (int(max_size_seen) if max_size_seen is not None else None)
    faults = data.fault_windows()
    exhausted = exhausted_at(s, req, max_size)
    during = s[s["t_s"] <= load_end] if load_end is not None else s
    last_fault_end = max((f["end_s"] for f in faults if f["end_s"] is not None), default=None)
    since = last_fault_end if faults else exhausted
    # The window may reach into the drain (waiting must still be 0 there), but must start in the load.
    recovered = recovered_at(data, since, _peak(s["t_s"]))
    if recovered is not None and load_end is not None and recovered > load_end:
        recovered = None
    health_ok = int((data.health["outcome"] == "ok").sum())
    first_aborted = s["mysql_aborted_clients"].dropna()
    return {
        "requests": requests_summary(req, load_end),
        "errors": errors_summary(req),
        "latency_ms": latency_summary(req),
        "pool": {
            "max_size": max_size,
            "peak_active": _num(_peak(s["pool_active"])),
            "peak_waiting": _num(_peak(s["pool_waiting"])),
            "exhausted_at_s": _num(exhausted),
            "recovered_at_s": _num(recovered),
            "recovery_s": _num(recovered - since) if recovered is not None and since is not None else None,
            "active_at_end": _num(_last(during["pool_active"])),
            "leaked_at_end": _num(_last(s["pool_active"])),
        },
        "mysql": {
            "peak_connections": _num(_peak(s["mysql_app_connections"])),
            "connections_at_end": _num(_last(s["mysql_app_connections"])),
            "zombies_at_end": _num(_last(s["mysql_app_zombies"])),
            "peak_prepared_stmt_count": _num(_peak(s["mysql_prepared_stmt_count"])),
            "aborted_clients": _num(first_aborted.iloc[-1] - first_aborted.iloc[0]) if len(first_aborted) else None,
        },
        "health": {
            "checks": len(data.health),
            "ok": health_ok,
            "dead_at_end": bool(data.health["outcome"].iloc[-1] != "ok") if len(data.health) else None,
        },
        "faults": [{"type": f["type"], "start_s": _num(f["start_s"]), "end_s": _num(f["end_s"])} for f in faults],
        "_needs_recovery": since is not None,
    }


def public(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary without private helper keys (those starting with '_')."""
    return {k: v for k, v in summary.items() if not k.startswith("_")}
