"""recovered_at: known answers built by hand, and the fast version against a slow one written from the
definition (every candidate moment judged by filtering the rows again)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.analysis.recovery import (
    BAD_OUTCOMES,
    CANDIDATE_GRID_S,
    RECOVERY_MAX_ERROR_RATE,
    RECOVERY_WINDOW_S,
    recovered_at,
)


def frames(sample_rows: list[tuple[float, float]], request_rows: list[tuple[float, float, str]]
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    samples = pd.DataFrame(sample_rows, columns=["t_s", "pool_waiting"], dtype=float)
    req = pd.DataFrame(request_rows, columns=["t_s", "latency_ms", "outcome"])
    req = req.astype({"t_s": float, "latency_ms": float})
    return samples, req


def slow_recovered_at(samples: pd.DataFrame, req: pd.DataFrame, since: float, until: float) -> float | None:
    """The definition, literally: each candidate, its window, filtered from scratch."""
    grid = [since + k * CANDIDATE_GRID_S for k in range(int((until - since) / CANDIDATE_GRID_S) + 2)]
    candidates = sorted({since, *samples.loc[samples["t_s"] > since, "t_s"], *grid})
    ends = req["t_s"] + req["latency_ms"] / 1000.0
    for t in candidates:
        if t + RECOVERY_WINDOW_S > until + 1e-9:
            break
        window = samples[(samples["t_s"] >= t) & (samples["t_s"] <= t + RECOVERY_WINDOW_S + 1e-9)]
        last_seen = samples[samples["t_s"] <= t].sort_values("t_s", kind="stable").tail(1)  # the state at t
        waiting_ok = bool((pd.concat([last_seen, window])["pool_waiting"].fillna(0) == 0).all())
        in_window = (ends >= t) & (ends <= t + RECOVERY_WINDOW_S + 1e-9)
        n = int(in_window.sum())
        bad = int((in_window & req["outcome"].isin(BAD_OUTCOMES)).sum())
        if waiting_ok and (n == 0 or bad / n < RECOVERY_MAX_ERROR_RATE):
            return round(t, 3)
    return None


def test_waits_for_the_last_waiting_sample() -> None:
    """Waiting until 6.0 s (samples every 0.5 s), no errors: recovered at the first calm tick, 6.5 s."""
    samples, req = frames([(i * 0.5, 3.0 if i * 0.5 <= 6.0 else 0.0) for i in range(40)], [])
    assert recovered_at(samples, req, 5.0, 19.5) == 6.5


def test_not_before_a_tick_shows_the_pool_calm() -> None:
    """The fault ends at 10.01 s; the tick at 10.0 s still saw 21 waiting, the next (10.25 s) none: the
    pool recovered at 10.25 s, not at the fault's end (the demo's chart put the marker before the
    waiting bar ended)."""
    samples, req = frames([(i * 0.25, 21.0 if i * 0.25 <= 10.0 else 0.0) for i in range(80)], [])
    assert recovered_at(samples, req, 10.01, 19.75) == 10.25


def test_one_error_in_a_hundred_is_not_under_one_percent() -> None:
    """10 ok requests a second and one failure ending at 8.0 s: every window holding 8.0 s has exactly 1 %,
    which is not under 1 %; the first calm tick after it is 8.5 s."""
    rows = [(i * 0.1, 0.0, "ok") for i in range(200)] + [(7.9, 100.0, "fail")]
    samples, req = frames([(i * 0.5, 0.0) for i in range(40)], rows)
    assert recovered_at(samples, req, 5.0, 19.5) == 8.5


def test_dropped_arrivals_count_against_recovery() -> None:
    """An open-model arrival that could not start is not a recovered system."""
    rows = [(i * 0.1, 0.0, "ok") for i in range(200)] + [(9.2, 0.0, "dropped")]
    samples, req = frames([(i * 0.5, 0.0) for i in range(40)], rows)
    assert recovered_at(samples, req, 5.0, 19.5) == 9.5


def test_never_when_the_window_does_not_fit() -> None:
    """Less than a window of recording after the start: recovery cannot be shown."""
    samples, req = frames([(i * 0.5, 0.0) for i in range(10)], [])
    assert None is recovered_at(samples, req, 2.0, 4.5)


def test_never_when_waiting_goes_on() -> None:
    """Requests wait until the end: never recovered."""
    samples, req = frames([(i * 0.5, 1.0) for i in range(40)], [])
    assert None is recovered_at(samples, req, 0.0, 19.5)


@settings(max_examples=200, deadline=None)
@given(n_ticks=st.integers(5, 80), busy_ticks=st.integers(0, 40), blips=st.lists(st.integers(0, 80), max_size=3),
       ok_per_s=st.sampled_from([0, 2, 10, 120]), tick_s=st.sampled_from([0.25, 0.5, 0.7, 1.0]),
       bad=st.lists(st.tuples(st.floats(0, 30), st.floats(0, 3000), st.sampled_from(["fail", "info", "dropped",
                                                                                      "aborted"])), max_size=4),
       since=st.floats(0, 10))
def test_fast_equals_the_definition(n_ticks: int, busy_ticks: int, blips: list[int], ok_per_s: int, tick_s: float,
                                    bad: list[tuple[float, float, str]], since: float) -> None:
    """On random recordings (a busy start, stray waiting blips, a steady stream with a few failures), the
    prefix-sum version answers exactly what the literal definition does."""
    waiting = [(round(i * tick_s, 3), 2.0 if i < busy_ticks or i in blips else 0.0) for i in range(n_ticks)]
    steady = [(round(k / ok_per_s, 3), 4.0, "ok") for k in range(int(30 * ok_per_s))] if ok_per_s else []
    samples, req = frames(waiting, steady + [(round(t, 3), round(lat, 1), o) for t, lat, o in bad])
    until = float(samples["t_s"].max())
    since = round(since, 3)
    expected = slow_recovered_at(samples, req, since, until)
    assert expected == recovered_at(samples, req, since, until)
