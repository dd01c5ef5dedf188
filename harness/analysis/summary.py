"""summary.json: every figure of the DESIGN.md contract, computed from a variant's recorded files.

Definitions (DESIGN.md; exhaustion and recovery live in ``recovery.py``):
- exhausted_at_s: first time the pool had ``active >= max_size`` with ``waiting > 0``, or an
  acquire timed out (a ``pool_timeout`` request ended), whichever came first;
- recovered_at_s: first time after the last fault ended (or after exhaustion, with no fault)
  that waiting stayed 0 and the error rate stayed under 1 % for RECOVERY_WINDOW_S;
- leaked_at_end: connections still checked out after the load stopped and the drain passed;
- zombies_at_end: the app user's connections sleeping longer than ``probes.zombie_idle_s``.
Outcomes: ``failed`` counts ``fail`` and ``info`` rows; ``aborted`` (the client hung up on
purpose) and ``dropped`` (an open-model arrival that could not start) are counted apart, and
``total`` is what was sent (dropped arrivals were never sent).
Figures that cannot be measured are null, never missing.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from harness.analysis.data import VariantData, load_variant
from harness.analysis.recovery import RECOVERY_WINDOW_S, exhausted_at, recovered_at

__all__ = ["ERROR_CLASSES", "RECOVERY_WINDOW_S", "VariantData", "load_variant", "public", "variant_summary"]

ERROR_CLASSES = ("pool_timeout", "connection_lost", "too_many_connections", "prepared_stmt_limit", "http_5xx",
                 "client_timeout", "other")
FAILED_OUTCOMES = ("fail", "info")


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
    outcomes = req["outcome"].value_counts()
    dropped = int(outcomes.get("dropped", 0))
    total = len(req) - dropped
    failed = int(sum(outcomes.get(o, 0) for o in FAILED_OUTCOMES))
    rps = total / duration_s if duration_s else None
    return {"total": total, "ok": int(outcomes.get("ok", 0)), "failed": failed,
            "aborted": int(outcomes.get("aborted", 0)), "dropped": dropped, "rps": _num(rps, 2)}


def errors_summary(req: pd.DataFrame) -> dict[str, int]:
    """Failed requests by error class: the contract's classes always, plus any other class seen."""
    counts: dict[str, int] = dict.fromkeys(ERROR_CLASSES, 0)
    failed = req.loc[req["outcome"].isin(FAILED_OUTCOMES), "error_class"].astype(str)
    for cls, n in failed.replace("", "other").value_counts().items():
        counts[str(cls)] = counts.get(str(cls), 0) + int(n)
    return counts


def latency_summary(req: pd.DataFrame) -> dict[str, Any]:
    """Percentiles of requests that were sent and answered or failed (not aborted, not dropped)."""
    lat = req.loc[~req["outcome"].isin(("aborted", "dropped")), "latency_ms"].dropna()
    if lat.empty:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    q = lat.quantile([0.5, 0.95, 0.99])
    return {"p50": _num(q.loc[0.5], 2), "p95": _num(q.loc[0.95], 2), "p99": _num(q.loc[0.99], 2),
            "max": _num(lat.max(), 2)}


def variant_summary(data: VariantData, max_size: int | None = None,
                    acquire_timeout_s: float | None = None) -> dict[str, Any]:
    """Every summary.json figure of one variant, plus private keys (``_``) for checks and charts."""
    s, req = data.samples, data.requests
    load_end = data.load_end_s
    max_size_seen = _peak(s["pool_max_size"])
    max_size = max_size if max_size is not None else (int(max_size_seen) if max_size_seen is not None else None)
    faults = data.fault_windows()
    exhausted = exhausted_at(s, req, max_size)
    during = s[s["t_s"] <= load_end] if load_end is not None else s
    fault_open = any(f["end_s"] is None for f in faults)  # cut short mid-fault: it never ended
    last_fault_end = max((f["end_s"] for f in faults if f["end_s"] is not None), default=None)
    since = last_fault_end if faults else exhausted
    # The window may reach into the drain (waiting must still be 0 there), but must start in the load.
    recovered = None if fault_open else recovered_at(s, req, since, _peak(s["t_s"]))
    if recovered is not None and load_end is not None and recovered > load_end:
        recovered = None
    health_ok = int((data.health["outcome"] == "ok").sum())
    first_aborted = s["mysql_aborted_clients"].dropna()
    sent_until = load_end if load_end is not None else _peak(req["t_s"])
    return {
        "requests": requests_summary(req, sent_until),
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
        # How much recording followed the disturbance: less than a recovery window cannot show recovery.
        "_recorded_after_s": (_peak(s["t_s"]) or 0.0) - since if since is not None and not fault_open else None,
        "_acquire_timeout_s": acquire_timeout_s,
    }


def public(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary without private helper keys (those starting with '_')."""
    return {k: v for k, v in summary.items() if not k.startswith("_")}
