"""Per-second series behind the latency, outcome and health charts.

One row per whole second since the load started. Counting is one ``bincount`` pass, so a
million requests take a fraction of a second and the cost grows with the rows, not with rows
times seconds. Conventions, chosen for a reader looking for "when did it go wrong":

- latency percentiles group requests by the second they *started* (Jepsen's latency plots do
  the same): a request that waited 30 s for a connection shows at the moment it was sent;
- outcomes count at the second a request *ended*, which is when a user saw the error; an
  arrival the open-model load could not start (``dropped``) counts at its arrival;
- the offered rate is arrivals per second (every request started, or dropped, at that second);
  the achieved rate is successful completions per second. A second with nothing in it is 0,
  not a gap, so a stall shows as a drop to zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.analysis.summary import FAILED_OUTCOMES

MAX_CLASSES = 8  # error classes drawn apart; the rarer rest are summed as "other"
MAX_POINTS = 2000  # probe samples drawn per chart; more than the pixels across a chart adds only file size


def _seconds(t_s: pd.Series | np.ndarray) -> np.ndarray:
    return np.floor(np.asarray(t_s, dtype=float)).astype(np.int64)


def _span(first: int, last: int) -> pd.Index:
    return pd.Index(np.arange(first, last + 1, dtype=np.int64), name="t_s")


def latency_per_second(req: pd.DataFrame) -> pd.DataFrame:
    """p50/p95/p99/max latency (ms) and count of requests started in each second; NaN where none."""
    sent = req[~req["outcome"].isin(("aborted", "dropped")) & req["latency_ms"].notna()]
    cols = ["p50", "p95", "p99", "max", "count"]
    if sent.empty:
        return pd.DataFrame(columns=cols, index=pd.Index([], dtype=np.int64, name="t_s"), dtype=float)
    sec = _seconds(sent["t_s"])
    grouped = sent["latency_ms"].groupby(sec)
    q = grouped.quantile([0.5, 0.95, 0.99]).unstack()
    out = pd.DataFrame({"p50": q[0.5], "p95": q[0.95], "p99": q[0.99], "max": grouped.max(),
                        "count": grouped.size().astype(float)})
    return out.reindex(_span(int(sec.min()), int(sec.max())))


def outcome_labels(req: pd.DataFrame) -> pd.Series:
    """Each request's bar in the outcome chart: ok, its error class, aborted, or dropped."""
    label = req["outcome"].astype(str).copy()
    failed = req["outcome"].isin(FAILED_OUTCOMES).to_numpy()
    classes = req.loc[failed, "error_class"].astype(str).replace("", "other")
    label[failed] = classes.to_numpy()
    return label


def outcomes_per_second(req: pd.DataFrame) -> pd.DataFrame:
    """Counts per second: ``ok``, one column per error class (most frequent first), ``aborted``,
    ``dropped``; then ``offered`` and ``achieved`` rates (requests per second)."""
    if req.empty:
        return pd.DataFrame(columns=["ok", "offered", "achieved"], index=pd.Index([], dtype=np.int64, name="t_s"),
                            dtype=float)
    labels = outcome_labels(req)
    top = [c for c in labels.value_counts().index if c not in ("ok", "aborted", "dropped")]
    if len(top) > MAX_CLASSES:
        keep = [c for c in top if c != "other"][:MAX_CLASSES - 1]
        labels = labels.where(labels.isin([*keep, "ok", "aborted", "dropped"]), "other")
        top = [*keep, "other"]
    columns = ["ok", *top, *[c for c in ("aborted", "dropped") if (labels == c).any()]]
    start = req["t_s"].to_numpy(dtype=float)
    end = start + np.nan_to_num(req["latency_ms"].to_numpy(dtype=float)) / 1000.0
    is_dropped = (req["outcome"] == "dropped").to_numpy()
    when = _seconds(np.where(is_dropped, start, end))
    arrive = _seconds(start)
    first, last = int(min(when.min(), arrive.min())), int(max(when.max(), arrive.max()))
    width = last - first + 1
    codes = pd.Categorical(labels, categories=columns).codes.astype(np.int64)
    counts = np.bincount((when - first) * len(columns) + codes, minlength=width * len(columns))
    out = pd.DataFrame(counts.reshape(width, len(columns)).astype(float), columns=columns,
                       index=_span(first, last))
    out["offered"] = np.bincount(arrive - first, minlength=width).astype(float)
    out["achieved"] = out["ok"]
    return out


def error_rate_per_second(outcomes: pd.DataFrame) -> pd.Series:
    """Failed / (everything that ended that second, aborted excluded); NaN where nothing ended."""
    failed_cols = [c for c in outcomes.columns if c not in ("ok", "aborted", "dropped", "offered", "achieved")]
    failed = outcomes[failed_cols].sum(axis=1) + outcomes.get("dropped", 0)
    judged = failed + outcomes["ok"]
    return (failed / judged.where(judged > 0)).rename("error_rate")


def envelope(samples: pd.DataFrame, columns: list[str], max_points: int = MAX_POINTS) -> pd.DataFrame:
    """At most ``max_points`` rows of ``t_s`` + ``columns``: each the maximum over its slice of time.

    An hour of 10 Hz samples is 36,000 steps, far more than a chart has pixels: drawn as they are,
    they make an 11 MB SVG. The maximum keeps what a postmortem looks for (every peak of active
    and waiting); a short run is returned as it is.
    """
    frame = samples[["t_s", *columns]]
    if len(frame) <= max_points:
        return frame.reset_index(drop=True)
    t = frame["t_s"].to_numpy(dtype=float)
    width = (t[-1] - t[0]) / max_points or 1.0
    bins = np.minimum(((t - t[0]) // width).astype(np.int64), max_points - 1)
    out = frame[columns].groupby(bins).max()
    out.insert(0, "t_s", t[0] + out.index.to_numpy(dtype=float) * width)
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class HealthSpans:
    """The health checker's verdicts as spans: check i holds from its start to the next check."""

    start_s: np.ndarray
    width_s: np.ndarray
    alive: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.start_s)

    def merged(self) -> HealthSpans:
        """Consecutive checks with the same verdict as one span (an hour of checks is a handful of bars)."""
        if len(self) == 0:
            return self
        change = np.flatnonzero(np.diff(self.alive.astype(np.int8))) + 1
        first = np.concatenate(([0], change))
        end = self.start_s + self.width_s
        last = np.concatenate((change - 1, [len(self) - 1]))
        return HealthSpans(self.start_s[first], end[last] - self.start_s[first], self.alive[first])


def health_spans(health: pd.DataFrame) -> HealthSpans:
    h = health.sort_values("t_s")
    start = h["t_s"].to_numpy(dtype=float)
    alive = (h["outcome"] == "ok").to_numpy()
    if len(start) == 0:
        return HealthSpans(start, start.copy(), alive)
    gaps = np.diff(start)
    typical = float(np.median(gaps)) if len(gaps) else 1.0
    last = max(typical, float(np.nan_to_num(h["latency_ms"].to_numpy(dtype=float)[-1])) / 1000.0)
    return HealthSpans(start, np.append(gaps, last), alive)
