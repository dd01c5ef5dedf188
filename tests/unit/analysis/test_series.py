"""Per-second series on a handful of requests whose answers are worked out by hand."""

from __future__ import annotations

import pandas as pd

from harness.analysis.series import (
    MAX_CLASSES,
    error_rate_per_second,
    health_spans,
    latency_per_second,
    outcomes_per_second,
)

# (t_s start, latency_ms, outcome, error_class); ends: 0.2, 1.2, 2.2, 1.51, 2.001, 2.5 (dropped: at arrival)
ROWS = [(0.1, 100.0, "ok", ""), (0.5, 700.0, "ok", ""), (1.2, 1000.0, "fail", "pool_timeout"),
        (1.5, 10.0, "info", "connection_lost"), (2.0, 1.0, "aborted", "aborted"), (2.5, 0.0, "dropped", "not_started")]


def requests(rows: list[tuple[float, float, str, str]] = ROWS) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["t_s", "latency_ms", "outcome", "error_class"])
    df["name"] = "query"
    return df


def test_latency_groups_by_start_second() -> None:
    """Second 0: 100 and 700 ms; second 1: 1000 and 10 ms; aborted and dropped requests have no latency."""
    lat = latency_per_second(requests())
    assert list(lat.index) == [0, 1]
    assert (lat.loc[0, "p50"], lat.loc[0, "max"], lat.loc[0, "count"]) == (400.0, 700.0, 2.0)
    assert (lat.loc[1, "p50"], lat.loc[1, "max"]) == (505.0, 1000.0)


def test_a_second_without_requests_is_a_latency_gap() -> None:
    """Nothing started in seconds 1 and 2: a gap in the latency lines, not a zero latency."""
    lat = latency_per_second(requests([(0.5, 3.0, "ok", ""), (3.5, 4.0, "ok", "")]))
    assert list(lat.index) == [0, 1, 2, 3]
    assert list(lat["p50"].isna()) == [False, True, True, False]


def test_outcomes_count_where_requests_ended() -> None:
    """ok at 0.2 and 1.2 s; connection_lost ends at 1.51 s; pool_timeout at 2.2 s; aborted at 2.001 s;
    the dropped arrival at 2.5 s."""
    out = outcomes_per_second(requests())
    got = {c: list(out[c]) for c in out.columns}
    assert got == {"ok": [1, 1, 0], "pool_timeout": [0, 0, 1], "connection_lost": [0, 1, 0], "aborted": [0, 0, 1],
                   "dropped": [0, 0, 1], "offered": [2, 2, 2], "achieved": [1, 1, 0]}


def test_a_silent_second_is_zero() -> None:
    """Nothing ends between 1 and 5 s: those seconds are 0 ok, not missing."""
    out = outcomes_per_second(requests([(0.5, 1.0, "ok", ""), (5.5, 1.0, "ok", "")]))
    assert list(out["ok"]) == [1, 0, 0, 0, 0, 1]


def test_error_rate_counts_dropped_as_failed_and_skips_aborted() -> None:
    """Second 0: 0 of 1; second 1: 1 of 2; second 2: pool_timeout and dropped of 2 (aborted left out)."""
    assert list(error_rate_per_second(outcomes_per_second(requests()))) == [0.0, 0.5, 1.0]


def test_rare_classes_fold_into_other() -> None:
    """More error classes than colours: the most frequent keep their own column, the rest sum as other."""
    rows = [(0.1 * i, 1.0, "fail", f"class_{i % 12}") for i in range(12)] + [(0.0, 1.0, "fail", "big")] * 5
    out = outcomes_per_second(requests(rows))
    errors = [c for c in out.columns if c not in ("ok", "offered", "achieved")]
    assert (len(errors), errors[0], errors[-1], out[errors].sum().sum()) == (MAX_CLASSES, "big", "other", 17.0)


def test_health_spans_hold_until_the_next_check() -> None:
    """Checks at 0, 1, 2, 4 s: spans of 1, 1, 2 s and the last one a typical interval (1 s)."""
    h = pd.DataFrame({"t_s": [0.0, 1.0, 2.0, 4.0], "latency_ms": [2.0, 2000.0, 2.0, 3.0],
                      "outcome": ["ok", "fail", "ok", "ok"]})
    spans = health_spans(h)
    got = (list(spans.start_s), list(spans.width_s), list(spans.alive))
    assert got == ([0.0, 1.0, 2.0, 4.0], [1.0, 1.0, 2.0, 1.0], [True, False, True, True])
    merged = spans.merged()
    assert (list(merged.start_s), list(merged.width_s)) == ([0.0, 1.0, 2.0], [1.0, 1.0, 3.0])
