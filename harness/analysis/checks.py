"""Checks: the outcomes a scenario accepts, evaluated on one variant's summary.

Each check is a small spec (its scenario keys) and an ``evaluate`` on the variant's summary
dict. A result says ``passed`` true or false, with the measured value, the limit and by how much
it missed in ``detail``; a check that cannot be evaluated (a missing figure, a crash) is
``unknown``, never passed. ``expression`` covers anything else, over summary.json's fields
(``harness.analysis.expr``, evaluated without ``eval``). Imports nothing heavy: the scenario
schema embeds these specs.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, field_validator

from harness.analysis import expr
from harness.analysis.table import needs_recovery
from harness.app.config import Strict

# The recovery definition (DESIGN.md), here so that the check can state it without importing the
# numpy code that measures it (``recovery.py``): waiting 0 and errors under this rate for the window.
RECOVERY_WINDOW_S = 5.0
RECOVERY_MAX_ERROR_RATE = 0.01


class CheckSpec(Strict):
    model_config = ConfigDict(allow_inf_nan=False)

    type: str
    name: str | None = Field(None, min_length=1, description="how the check is reported (default: its type, "
                             "or an expression's text)")
    variants: list[str] | None = Field(None, description="only check these variants (default: every variant)")

    @property
    def label(self) -> str:
        return self.name or self.type

    def applies_to(self, variant: str) -> bool:
        return self.variants is None or variant in self.variants

    def evaluate(self, summary: dict[str, Any]) -> tuple[bool, str]:
        raise NotImplementedError


def fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def dig(summary: dict[str, Any], path: str) -> Any:
    node: Any = summary
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(path)
        node = node[part]
    return node


class NoLeak(CheckSpec):
    """No connection is still checked out once the load stopped and in-flight requests finished."""

    type: Literal["no_leak"] = "no_leak"
    value: int = Field(0, ge=0, description="connections allowed to stay checked out")

    def evaluate(self, summary: dict[str, Any]) -> tuple[bool, str]:
        leaked = dig(summary, "pool.leaked_at_end")
        if leaked is None:
            raise KeyError("pool.leaked_at_end")
        return leaked <= self.value, f"leaked_at_end={leaked} (allowed {self.value})"


class NoExhaustion(CheckSpec):
    """The pool never ran dry (active == max_size with requests waiting, or an acquire timed out)."""

    type: Literal["no_exhaustion"] = "no_exhaustion"

    def evaluate(self, summary: dict[str, Any]) -> tuple[bool, str]:
        at = dig(summary, "pool.exhausted_at_s")
        if at is None:
            return True, "the pool never ran dry"
        return False, f"pool exhausted at t={at:.1f} s (peak waiting {dig(summary, 'pool.peak_waiting')})"


class MaxErrorRate(CheckSpec):
    """Failed requests (fail + info outcomes) over all requests, aborted ones excluded."""

    type: Literal["max_error_rate"] = "max_error_rate"
    value: float = Field(ge=0, le=1, description="highest acceptable error rate, 0..1")

    def evaluate(self, summary: dict[str, Any]) -> tuple[bool, str]:
        req = dig(summary, "requests")
        judged = req["total"] - req["aborted"]
        rate = req["failed"] / judged if judged else 0.0
        by = rate - self.value
        verdict = rate <= self.value
        more = "" if verdict else f", {by * 100:.2f} points over"
        return verdict, f"error rate {rate * 100:.2f}% ({req['failed']}/{judged}), limit {self.value * 100:g}%{more}"


class MaxP99(CheckSpec):
    type: Literal["max_p99_ms"] = "max_p99_ms"
    value: float = Field(gt=0, description="highest acceptable p99 latency, milliseconds")

    def evaluate(self, summary: dict[str, Any]) -> tuple[bool, str]:
        p99 = dig(summary, "latency_ms.p99")
        if p99 is None or (isinstance(p99, float) and math.isnan(p99)):
            raise KeyError("latency_ms.p99")
        over = "" if p99 <= self.value else f", {p99 - self.value:.0f} ms over"
        return p99 <= self.value, f"p99 {p99:.1f} ms, limit {self.value:g} ms{over}"


class RecoversWithin(CheckSpec):
    """After the last fault ended (or after exhaustion), waiting and errors settle within the limit."""

    type: Literal["recovers_within_s"] = "recovers_within_s"
    value: float = Field(gt=0, description="seconds allowed to recover")

    def evaluate(self, summary: dict[str, Any]) -> tuple[bool, str]:
        rec = dig(summary, "pool.recovery_s")
        if rec is None:
            if dig(summary, "pool.recovered_at_s") is None and needs_recovery(summary):
                after = summary.get("_recorded_after_s")
                if after is not None and after < RECOVERY_WINDOW_S + 1.0:
                    return False, (f"recovery could not be shown: the recording ends {after:.1f} s after the "
                                   f"disturbance and needs {RECOVERY_WINDOW_S:g} s of calm after it; run longer")
                return False, "never recovered before the run ended"
            return True, "nothing to recover from"
        over = "" if rec <= self.value else f", {rec - self.value:.1f} s over"
        return rec <= self.value, f"recovered {rec:.1f} s after the disturbance, limit {self.value:g} s{over}"


class MaxZombies(CheckSpec):
    type: Literal["max_zombies"] = "max_zombies"
    value: int = Field(0, ge=0, description="sleeping app connections older than probes.zombie_idle_s "
                       "allowed at the end")

    def evaluate(self, summary: dict[str, Any]) -> tuple[bool, str]:
        z = dig(summary, "mysql.zombies_at_end")
        if z is None:
            raise KeyError("mysql.zombies_at_end")
        return z <= self.value, f"zombies_at_end={z} (allowed {self.value})"


class MaxPreparedStmtCount(CheckSpec):
    type: Literal["max_prepared_stmt_count"] = "max_prepared_stmt_count"
    value: int = Field(ge=0, description="highest acceptable Prepared_stmt_count")

    def evaluate(self, summary: dict[str, Any]) -> tuple[bool, str]:
        peak = dig(summary, "mysql.peak_prepared_stmt_count")
        if peak is None:
            raise KeyError("mysql.peak_prepared_stmt_count")
        return peak <= self.value, f"peak Prepared_stmt_count {peak} (limit {self.value})"


class Expression(CheckSpec):
    """Anything else, as an expression over summary.json's fields (see harness.analysis.expr)."""

    type: Literal["expression"] = "expression"
    expr: str = Field(min_length=1, description="e.g. errors.connection_lost <= 2 and pool.peak_waiting < 10")

    @field_validator("expr")
    @classmethod
    def _parses(cls, text: str) -> str:
        expr.parse(text)  # ExprError is a ValueError: the loader reports it against checks[i].expr
        return text

    @property
    def label(self) -> str:
        return self.name or self.expr

    def evaluate(self, summary: dict[str, Any]) -> tuple[bool, str]:
        tree = expr.parse(self.expr)
        passed = bool(expr.Evaluator(summary).eval(tree))
        why = expr.explain(tree, summary)
        return passed, why or ("true" if passed else "false")


CHECK_TYPES: tuple[type[CheckSpec], ...] = (NoLeak, NoExhaustion, MaxErrorRate, MaxP99, RecoversWithin, MaxZombies,
                                            MaxPreparedStmtCount, Expression)
AnyCheck = Annotated[NoLeak | NoExhaustion | MaxErrorRate | MaxP99 | RecoversWithin | MaxZombies
                     | MaxPreparedStmtCount | Expression, Field(discriminator="type")]


def evaluate(check: CheckSpec, summary: dict[str, Any]) -> dict[str, Any]:
    """One check's result; ``passed`` is None (unknown) when it could not be evaluated."""
    head = {"name": check.label, "type": check.type}
    try:
        passed, detail = check.evaluate(summary)
    except KeyError as e:
        return {**head, "passed": None, "status": "unknown", "detail": f"no figure for {e.args[0]}"}
    except Exception as e:  # a checker that crashes says unknown, never passed
        return {**head, "passed": None, "status": "unknown", "detail": f"{type(e).__name__}: {e}"}
    return {**head, "passed": bool(passed), "status": "passed" if passed else "failed", "detail": detail}
