"""When the pool ran dry and when it came back: ``exhausted_at_s`` and ``recovered_at_s``.

Definitions (DESIGN.md): *exhausted* is the first time the pool had ``active >= max_size`` with
``waiting > 0``, or an acquire timed out (a ``pool_timeout`` request ended), whichever came
first. *Recovered* is the first time after the last fault ended (or after exhaustion, with no
fault) that waiting stayed 0 and the error rate stayed under 1 % for RECOVERY_WINDOW_S; between
probe ticks, waiting is what the last tick saw.

Recovery is judged at every candidate moment (the start, each probe tick after it, and a
half-second grid for runs with sparse samples) over the window that follows it. Counting what
falls in each window uses prefix sums over time-sorted arrays and binary search, so the cost is
O(n log n) in the recorded rows, not (rows x candidates): an hour of samples and a million
requests take well under a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.analysis.checks import RECOVERY_MAX_ERROR_RATE, RECOVERY_WINDOW_S

CANDIDATE_GRID_S = 0.5
# Outcomes that count against recovery: failed, unknown, and arrivals the load could not even start.
BAD_OUTCOMES = ("fail", "info", "dropped")


def exhausted_at(samples: pd.DataFrame, req: pd.DataFrame, max_size: float | None) -> float | None:
    candidates: list[float] = []
    if max_size is not None and not samples.empty:
        dry = (samples["pool_active"] >= max_size) & (samples["pool_waiting"] > 0)
        if dry.any():
            candidates.append(float(samples.loc[dry, "t_s"].min()))
    timeouts = req["error_class"] == "pool_timeout"
    if timeouts.any():
        ends = req.loc[timeouts, "t_s"] + req.loc[timeouts, "latency_ms"].fillna(0) / 1000.0
        candidates.append(float(ends.min()))
    return min(candidates) if candidates else None


def _window_counts(times: np.ndarray, flags: np.ndarray, starts: np.ndarray, width_s: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """For each start t: (rows with time in [t, t + width_s], flagged rows among them). ``times`` sorted."""
    cum = np.concatenate(([0], np.cumsum(flags, dtype=np.int64)))
    lo = np.searchsorted(times, starts, side="left")
    hi = np.searchsorted(times, starts + width_s + 1e-9, side="right")
    return hi - lo, cum[hi] - cum[lo]


def recovered_at(samples: pd.DataFrame, req: pd.DataFrame, since_s: float | None, until_s: float | None,
                 window_s: float = RECOVERY_WINDOW_S) -> float | None:
    """First t >= since_s where waiting stayed 0 and errors < 1 % over [t, t + window_s]; None if never.

    Waiting at a moment between probe ticks is what the last tick before it saw, so recovery is
    never declared before the first tick that shows no one waiting.

    ``until_s`` is the last moment recorded: a window must fit before it. Requests count at the
    moment they ended (``t_s + latency``), since that is when an error is seen.
    """
    if since_s is None or until_s is None or since_s + window_s > until_s + 1e-9:
        return None
    sample_t = samples["t_s"].to_numpy(dtype=float)
    order = np.argsort(sample_t, kind="stable")
    sample_t = sample_t[order]
    waiting = samples["pool_waiting"].to_numpy(dtype=float)[order]
    busy = np.nan_to_num(waiting, nan=0.0) > 0

    ends = (req["t_s"].to_numpy(dtype=float) + np.nan_to_num(req["latency_ms"].to_numpy(dtype=float)) / 1000.0)
    bad = req["outcome"].isin(BAD_OUTCOMES).to_numpy()
    order = np.argsort(ends, kind="stable")
    ends, bad = ends[order], bad[order]

    last_start = until_s - window_s + 1e-9
    grid = since_s + CANDIDATE_GRID_S * np.arange(int((last_start - since_s) // CANDIDATE_GRID_S) + 1)
    ticks = sample_t[(sample_t > since_s) & (sample_t <= last_start)]
    starts = np.unique(np.concatenate(([since_s], ticks, grid)))
    starts = starts[starts <= last_start]

    _, busy_n = _window_counts(sample_t, busy, starts, window_s)
    # Between probe ticks the pool is what the last tick saw (the chart draws it so): a window that
    # opens after a busy tick is busy until the next tick shows it calm, not calm at the fault's end.
    before = np.searchsorted(sample_t, starts, side="right") - 1
    busy_n = busy_n + ((before >= 0) & busy[np.maximum(before, 0)])
    req_n, bad_n = _window_counts(ends, bad, starts, window_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        calm = (req_n == 0) | (bad_n / np.maximum(req_n, 1) < RECOVERY_MAX_ERROR_RATE)
    good = (busy_n == 0) & calm
    if not good.any():
        return None
    return round(float(starts[int(np.argmax(good))]), 3)
