"""Check expressions: a whitelist over summary.json fields, evaluated without eval; verdicts with numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.analysis import expr
from harness.analysis.checks import Expression, MaxErrorRate, evaluate
from harness.analysis.summary import load_variant, variant_summary
from harness.report.junit import write_junit
from harness.run.orchestrator import checks_verdict

SUMMARY: dict[str, Any] = {
    "requests": {"total": 1000, "ok": 960, "failed": 40, "aborted": 0, "dropped": 200, "rps": 100.0},
    "errors": {"pool_timeout": 30, "connection_lost": 10},
    "latency_ms": {"p50": 3.0, "p95": 40.0, "p99": 250.5, "max": 900.0},
    "pool": {"max_size": 10, "peak_waiting": 12, "exhausted_at_s": None, "leaked_at_end": 0},
    "mysql": {"zombies_at_end": 0},
    "health": {"dead_at_end": False},
    "faults": [{"type": "freeze", "start_s": 5.0, "end_s": 8.0}],
}


def check(text: str) -> dict[str, Any]:
    return evaluate(Expression(expr=text), SUMMARY)


@pytest.mark.parametrize(("text", "passed"), [
    ("errors.connection_lost <= 10", True),
    ("errors.connection_lost < 10", False),
    ("errors.query_killed == 0", True),  # an error class that never happened is 0
    ("requests.failed / requests.total < 0.05 and pool.peak_waiting <= pool.max_size + 2", True),
    ("requests.dropped / (requests.total + requests.dropped) < 0.1", False),
    ("pool.exhausted_at_s == null or pool.exhausted_at_s > 20", True),
    ("not health.dead_at_end", True),
    ("faults[0].type == 'freeze' and faults[0].end_s - faults[0].start_s == 3", True),
    ("max(latency_ms.p99, latency_ms.p95) < 200", False),
    ("len(faults) == 1 and abs(-2) == 2 and min(1, 2) == 1", True),
])
def test_expressions_evaluate(text: str, passed: bool) -> None:
    """Arithmetic, comparisons, boolean logic, null, indexing and the four functions."""
    assert check(text)["passed"] is passed


def test_a_failing_comparison_says_by_how_much() -> None:
    """The detail gives the measured value, the limit and the gap."""
    result = check("errors.connection_lost <= 2 and latency_ms.p99 < 300")
    assert (result["passed"], result["name"], result["type"]) == (False, "errors.connection_lost <= 2 and "
                                                                         "latency_ms.p99 < 300", "expression")
    assert result["detail"] == ("errors.connection_lost = 10 (needs <= 2, off by 8): false; "
                                "latency_ms.p99 = 250.5 (needs < 300)")


@pytest.mark.parametrize(("text", "why"), [
    ("pool.exhausted_at_s > 20", "no figure for pool.exhausted_at_s > 20 (a figure is null)"),
    ("mysql.peak_connections < 5", "no figure for mysql.peak_connections"),
    ("requests.total / (requests.ok - 960) > 1", "ZeroDivisionError: division by zero"),
])
def test_what_cannot_be_evaluated_is_unknown_not_passed(text: str, why: str) -> None:
    """A null or missing figure, or a division by zero: unknown, never passed."""
    result = check(text)
    assert (result["passed"], result["status"], result["detail"]) == (None, "unknown", why)


@pytest.mark.parametrize(("text", "message"), [
    ("__import__('os').system('true')", "only min, max, abs, len may be called"),
    ("requests.__class__", "requests.__class__ is not a summary figure"),
    ("lambda: 1", "lambda is not allowed"),
    ("[x for x in faults]", "listcomp is not allowed"),
    ("reqests.total > 1", "unknown name 'reqests'; did you mean 'requests'"),
    ("requests.totl > 1", "requests.totl is not a summary figure; did you mean 'total'"),
    ("requests.total >", "not a valid expression"),
    ("2 ** 1000000", "pow is not allowed"),
    ("open_ = 1", "not a valid expression"),
])
def test_unsafe_or_wrong_expressions_are_refused(text: str, message: str) -> None:
    """Calls, dunders, lambdas, comprehensions, unknown names and typos are refused at validation."""
    with pytest.raises(expr.ExprError, match=None) as info:
        expr.parse(text)
    assert message in str(info.value)


def test_the_whitelist_matches_the_summary(tmp_path: Path) -> None:
    """Every figure the expressions know is one summary.json really has, and vice versa."""
    (tmp_path / "samples.csv").write_text("t_s\n")
    (tmp_path / "requests.csv").write_text("t_s,name,latency_ms,outcome,error_class\n")
    (tmp_path / "events.jsonl").write_text("")
    summary = variant_summary(load_variant(tmp_path), max_size=5)
    real = {k: tuple(v) if isinstance(v, dict) and k != "errors" else None
            for k, v in summary.items() if not k.startswith("_") and k != "checks"}
    assert {k: (set(v) if v else None) for k, v in real.items()} == {
        k: (set(v) if v else None) for k, v in expr.SUMMARY_FIELDS.items()}


def test_run_verdict_names_the_first_failed_check_and_counts_the_rest(tmp_path: Path) -> None:
    """`harness run` exit 1 line; JUnit has one failure and one error with the same details."""
    failed = evaluate(MaxErrorRate(value=0.01), SUMMARY)
    unknown = check("mysql.peak_connections < 5")
    line = checks_verdict([("small", failed)], [("small", unknown)])
    assert line == ("check failed: small: max_error_rate: error rate 4.00% (40/1000), limit 1%, 3.00 points over "
                    "(and 1 more check did not pass)")
    path = tmp_path / "junit.xml"
    write_junit(path, {"scenario": "s", "status": "completed", "variants": {
        "small": {"checks": [failed, unknown, check("errors.connection_lost <= 10")]}}})
    xml = path.read_text()
    assert 'tests="3" failures="1" errors="1"' in xml and "3.00 points over" in xml
    assert 'name="errors.connection_lost &lt;= 10"' in xml
