"""The summary table of a report or a comparison, with the best value of each judged column marked.

Pure data (no HTML, no Markdown): the renderers in ``harness/report`` only lay it out. Six
columns are judged, as the question "which configuration held?" needs: error rate, p99, time to
exhaustion (later is better; never is best), time to recover (sooner is better; never recovering
is worst; nothing to recover from is best), leaked at end and zombies at end (fewer is better).
A column is marked only where it tells rows apart: with one row, or every row equal, nothing is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Better = Callable[[dict[str, Any]], float | None]  # a row's rank in a column: lower is better, None = unknown


@dataclass(frozen=True)
class Column:
    header: str
    text: Callable[[dict[str, Any]], str]
    rank: Better | None = None  # judged columns only
    numeric: bool = True


@dataclass(frozen=True)
class Cell:
    text: str
    best: bool = False


@dataclass(frozen=True)
class Row:
    label: str
    cells: list[Cell]


@dataclass(frozen=True)
class Table:
    columns: list[Column]
    rows: list[Row]


def dig(d: dict[str, Any], path: str) -> Any:
    node: Any = d
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def error_rate(v: dict[str, Any]) -> float | None:
    """Failed over sent-and-not-aborted, as the max_error_rate check counts it."""
    req = v.get("requests") or {}
    judged = (req.get("total") or 0) - (req.get("aborted") or 0)
    return (req.get("failed") or 0) / judged if judged else None


def needs_recovery(v: dict[str, Any]) -> bool:
    return bool(v.get("faults")) or dig(v, "pool.exhausted_at_s") is not None


def _fmt(value: Any, spec: str, none: str = "–") -> str:
    if value is None:
        return none
    try:
        return format(value, spec)
    except (TypeError, ValueError):
        return str(value)


def _rate_text(v: dict[str, Any]) -> str:
    rate = error_rate(v)
    return "–" if rate is None else f"{100 * rate:.2f} %"


def _exhaustion_text(v: dict[str, Any]) -> str:
    at = dig(v, "pool.exhausted_at_s")
    return "never" if at is None else f"{at:.1f} s"


def _exhaustion_rank(v: dict[str, Any]) -> float | None:
    at = dig(v, "pool.exhausted_at_s")
    if at is None:
        return None if dig(v, "pool.peak_active") is None else -math.inf  # no pool figures: unknown
    return -float(at)


def _recovery_text(v: dict[str, Any]) -> str:
    rec = dig(v, "pool.recovery_s")
    if rec is not None:
        return f"{rec:.1f} s"
    return "never" if needs_recovery(v) else "not needed"


def _recovery_rank(v: dict[str, Any]) -> float | None:
    rec = dig(v, "pool.recovery_s")
    if rec is not None:
        return float(rec)
    return math.inf if needs_recovery(v) else 0.0


def _plain(path: str) -> Better:
    def rank(v: dict[str, Any]) -> float | None:
        value = dig(v, path)
        return None if value is None else float(value)
    return rank


def error_breakdown(v: dict[str, Any]) -> str:
    errs = {k: n for k, n in (v.get("errors") or {}).items() if n}
    return ", ".join(f"{k} {n:,}" for k, n in sorted(errs.items(), key=lambda kv: -kv[1])) or "none"


COLUMNS: list[Column] = [
    Column("requests", lambda v: _fmt(dig(v, "requests.total"), ",")),
    Column("rps", lambda v: _fmt(dig(v, "requests.rps"), ",.0f")),
    Column("error rate", _rate_text, error_rate),
    Column("p50 ms", lambda v: _fmt(dig(v, "latency_ms.p50"), ",.1f")),
    Column("p99 ms", lambda v: _fmt(dig(v, "latency_ms.p99"), ",.1f"), _plain("latency_ms.p99")),
    Column("max_size", lambda v: _fmt(dig(v, "pool.max_size"), "")),
    Column("peak waiting", lambda v: _fmt(dig(v, "pool.peak_waiting"), "")),
    Column("time to exhaustion", _exhaustion_text, _exhaustion_rank),
    Column("time to recover", _recovery_text, _recovery_rank),
    Column("leaked at end", lambda v: _fmt(dig(v, "pool.leaked_at_end"), ""), _plain("pool.leaked_at_end")),
    Column("zombies at end", lambda v: _fmt(dig(v, "mysql.zombies_at_end"), ""), _plain("mysql.zombies_at_end")),
    Column("errors", error_breakdown, numeric=False),
]


def summary_table(rows: Sequence[tuple[str, dict[str, Any]]], columns: Sequence[Column] = COLUMNS) -> Table:
    """One row per (label, variant summary); the best value of each judged column marked."""
    best: dict[int, set[int]] = {}
    for ci, col in enumerate(columns):
        if col.rank is None:
            continue
        ranks = [(ri, col.rank(v)) for ri, (_, v) in enumerate(rows)]
        known = [(ri, r) for ri, r in ranks if r is not None and not (isinstance(r, float) and math.isnan(r))]
        if len(known) < 2 or len({r for _, r in known}) < 2:
            continue
        low = min(r for _, r in known)
        best[ci] = {ri for ri, r in known if r == low}
    return Table(columns=list(columns), rows=[
        Row(label, [Cell(col.text(v), ri in best.get(ci, set())) for ci, col in enumerate(columns)])
        for ri, (label, v) in enumerate(rows)])
