"""The summary table: the best value of each judged column marked, and only where rows differ."""

from __future__ import annotations

from typing import Any

from harness.analysis.table import summary_table


def variant(failed: int = 0, p99: float = 10.0, exhausted: float | None = None, recovery: float | None = None,
            leaked: int = 0, zombies: int = 0, faults: bool = True) -> dict[str, Any]:
    return {"requests": {"total": 1000, "ok": 1000 - failed, "failed": failed, "aborted": 0, "rps": 100.0},
            "errors": {"pool_timeout": failed}, "latency_ms": {"p50": 2.0, "p99": p99},
            "pool": {"max_size": 5, "peak_active": 5, "peak_waiting": 0, "exhausted_at_s": exhausted,
                     "recovery_s": recovery, "leaked_at_end": leaked},
            "mysql": {"zombies_at_end": zombies},
            "faults": [{"type": "latency", "start_s": 5, "end_s": 10}] if faults else []}


def marks(rows: list[tuple[str, dict[str, Any]]]) -> dict[str, list[str]]:
    """Column header -> labels of the rows marked best in it."""
    table = summary_table(rows)
    return {col.header: [r.label for r in table.rows if r.cells[i].best] for i, col in enumerate(table.columns)
            if any(r.cells[i].best for r in table.rows)}


def test_best_of_each_judged_column() -> None:
    """Lowest error rate, p99, leaks and zombies; latest exhaustion (never is best); fastest recovery."""
    rows = [("a", variant(failed=10, p99=900, exhausted=3.0, recovery=4.0, leaked=2, zombies=0)),
            ("b", variant(failed=1, p99=100, exhausted=None, recovery=0.5, leaked=0, zombies=3)),
            ("c", variant(failed=5, p99=300, exhausted=8.0, recovery=None, leaked=1, zombies=1))]
    assert marks(rows) == {"error rate": ["b"], "p99 ms": ["b"], "time to exhaustion": ["b"],
                           "time to recover": ["b"], "leaked at end": ["b"], "zombies at end": ["a"]}


def test_never_recovering_is_worst_and_not_needing_to_is_best() -> None:
    """A fault, then no recovery: never (worst). No fault and no exhaustion: not needed (best)."""
    rows = [("stuck", variant(recovery=None, exhausted=2.0)), ("slow", variant(recovery=9.0, exhausted=2.0)),
            ("calm", variant(recovery=None, faults=False))]
    table = summary_table(rows)
    col = [c.header for c in table.columns].index("time to recover")
    got = [(r.cells[col].text, r.cells[col].best) for r in table.rows]
    assert got == [("never", False), ("9.0 s", False), ("not needed", True)]


def test_ties_are_all_marked_and_equal_columns_not_at_all() -> None:
    """Two rows share the best p99: both marked; every row leaked 0: nothing to tell apart, no mark."""
    rows = [("a", variant(p99=100)), ("b", variant(p99=100)), ("c", variant(p99=400))]
    assert marks(rows) == {"p99 ms": ["a", "b"]}


def test_a_single_row_has_no_marks() -> None:
    """One variant: nothing to compare against."""
    assert marks([("only", variant(failed=3))]) == {}


def test_unknown_figures_are_not_ranked() -> None:
    """A row without a p99 (nothing answered) is shown as a dash and never marked."""
    empty = variant(p99=100)
    empty["latency_ms"]["p99"] = None
    table = summary_table([("a", empty), ("b", variant(p99=300)), ("c", variant(p99=200))])
    col = [c.header for c in table.columns].index("p99 ms")
    got = [(r.cells[col].text, r.cells[col].best) for r in table.rows]
    assert got == [("–", False), ("300.0", False), ("200.0", True)]
