"""Check expressions over a variant's summary.json figures, evaluated safely.

    errors.connection_lost <= 2 and pool.peak_waiting < pool.max_size
    requests.dropped / (requests.total + requests.dropped) < 0.01
    pool.exhausted_at_s == null or pool.exhausted_at_s > 20

The text is parsed with ``ast`` and only a small whitelist is evaluated: numbers, strings,
``true``/``false``/``null``, the summary's sections as names (``requests``, ``errors``,
``latency_ms``, ``pool``, ``mysql``, ``health``, ``faults``), ``.field`` and ``[index]`` access,
arithmetic (+ - * / // %), comparisons, ``and``/``or``/``not`` and the functions ``min``,
``max``, ``abs``, ``len``. Nothing is ever passed to ``eval``. An error class that never happened
reads as 0 (``errors.query_killed``); any other missing figure makes the check unknown, never
passed. Imports nothing heavy.
"""

from __future__ import annotations

import ast
import difflib
import operator
from collections.abc import Callable
from typing import Any

MAX_LENGTH = 500
# The summary.json fields an expression may name (DESIGN.md's contract); tests keep this in step
# with harness.analysis.summary. ``errors`` is open: any error class, 0 when it never happened.
SUMMARY_FIELDS: dict[str, tuple[str, ...] | None] = {
    "requests": ("total", "ok", "failed", "aborted", "dropped", "rps"),
    "errors": None,
    "latency_ms": ("p50", "p95", "p99", "max"),
    "pool": ("max_size", "peak_active", "peak_waiting", "exhausted_at_s", "recovered_at_s", "recovery_s",
             "active_at_end", "leaked_at_end"),
    "mysql": ("peak_connections", "connections_at_end", "zombies_at_end", "peak_prepared_stmt_count",
              "aborted_clients"),
    "health": ("checks", "ok", "dead_at_end"),
    "faults": None,
}
CONSTANTS = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}
FUNCTIONS: dict[str, Callable[..., Any]] = {"min": min, "max": max, "abs": abs, "len": len}
BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
}
CMPOPS: dict[type, tuple[str, Callable[[Any, Any], bool]]] = {
    ast.Lt: ("<", operator.lt), ast.LtE: ("<=", operator.le), ast.Gt: (">", operator.gt),
    ast.GtE: (">=", operator.ge), ast.Eq: ("==", operator.eq), ast.NotEq: ("!=", operator.ne),
}


class ExprError(ValueError):
    """The text is not an expression we evaluate (a syntax error, a name we do not know, a call)."""


class Missing(KeyError):
    """A figure the summary does not have: the check is unknown."""


def parse(text: str) -> ast.Expression:
    """Parse and vet ``text``; raises ExprError saying what is wrong (for validation)."""
    if len(text) > MAX_LENGTH:
        raise ExprError(f"longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise ExprError(f"not a valid expression ({e.msg} at column {e.offset})") from None
    for node in ast.walk(tree):
        _vet(node)
    return tree


def _vet(node: ast.AST) -> None:
    allowed = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.BinOp,
               ast.Compare, ast.Constant, ast.Name, ast.Attribute, ast.Subscript, ast.Call, ast.Load,
               *BINOPS, *CMPOPS)
    if not isinstance(node, allowed):
        raise ExprError(f"{type(node).__name__.lower()} is not allowed in a check expression")
    if isinstance(node, ast.Constant) and not isinstance(node.value, int | float | str | bool | type(None)):
        raise ExprError(f"constant {node.value!r} is not allowed")
    if isinstance(node, ast.Name) and node.id not in SUMMARY_FIELDS and node.id not in CONSTANTS \
            and node.id not in FUNCTIONS:
        raise ExprError(f"unknown name {node.id!r}{_hint(node.id, [*SUMMARY_FIELDS, 'true', 'false', 'null'])} "
                        f"(summary sections: {', '.join(SUMMARY_FIELDS)})")
    if isinstance(node, ast.Call) and (not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS
                                       or node.keywords):
        raise ExprError(f"only {', '.join(FUNCTIONS)} may be called, with plain arguments")
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        fields = SUMMARY_FIELDS.get(node.value.id)
        if fields is not None and node.attr not in fields:
            raise ExprError(f"{node.value.id}.{node.attr} is not a summary figure"
                            f"{_hint(node.attr, list(fields))} ({node.value.id} has {', '.join(fields)})")


def _hint(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}" if close else ""


class Evaluator:
    """Evaluates a vetted tree against one variant's summary, remembering operand values."""

    def __init__(self, summary: dict[str, Any]) -> None:
        self.summary = summary

    def eval(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return self.eval(node.body)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            if node.id not in self.summary:
                raise Missing(node.id)
            return self.summary[node.id]
        if isinstance(node, ast.Attribute):
            base = self.eval(node.value)
            if isinstance(base, dict) and node.attr in base:
                return base[node.attr]
            if isinstance(node.value, ast.Name) and node.value.id == "errors" and isinstance(base, dict):
                return 0  # an error class that never happened
            raise Missing(ast.unparse(node))
        if isinstance(node, ast.Subscript):
            base, key = self.eval(node.value), self.eval(node.slice)
            try:
                return base[key]
            except (KeyError, IndexError, TypeError):
                raise Missing(ast.unparse(node)) from None
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            return FUNCTIONS[node.func.id](*[self.eval(a) for a in node.args])
        if isinstance(node, ast.UnaryOp):
            value = self.eval(node.operand)
            if isinstance(node.op, ast.Not):
                return not value
            _numbers(node, value)
            return -value if isinstance(node.op, ast.USub) else +value
        if isinstance(node, ast.BinOp):
            left, right = self.eval(node.left), self.eval(node.right)
            _numbers(node, left, right)
            return BINOPS[type(node.op)](left, right)
        if isinstance(node, ast.BoolOp):
            values = []
            for v in node.values:
                values.append(bool(self.eval(v)))
                if values[-1] == isinstance(node.op, ast.Or):
                    return values[-1]
            return values[-1]
        if isinstance(node, ast.Compare):
            left = self.eval(node.left)
            for op, comp in zip(node.ops, node.comparators, strict=True):
                right = self.eval(comp)
                if type(op) not in (ast.Eq, ast.NotEq):
                    _numbers(node, left, right)
                if not CMPOPS[type(op)][1](left, right):
                    return False
                left = right
            return True
        raise ExprError(f"cannot evaluate {type(node).__name__}")  # pragma: no cover - vetted away


def _numbers(node: ast.AST, *values: Any) -> None:
    for v in values:
        if v is None:
            raise Missing(f"{ast.unparse(node)} (a figure is null)")
        if not isinstance(v, int | float) or isinstance(v, bool):
            raise TypeError(f"{ast.unparse(node)}: expected numbers, got {v!r}")


def explain(tree: ast.Expression, summary: dict[str, Any]) -> str:
    """Why the expression came out as it did: each comparison with its values and the gap."""
    ev = Evaluator(summary)
    parts: list[tuple[str, bool]] = []

    def walk(node: ast.AST) -> None:
        if isinstance(node, ast.BoolOp):
            for v in node.values:
                walk(v)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            walk(node.operand)
        elif isinstance(node, ast.Compare) and len(node.ops) == 1:
            sym, compare = CMPOPS[type(node.ops[0])]
            try:
                left, right = ev.eval(node.left), ev.eval(node.comparators[0])
                ok = compare(left, right)
            except (KeyError, TypeError, ZeroDivisionError, ValueError):
                return  # not comparable (a null figure): the other side of an `or` decided
            text = f"{ast.unparse(node.left)} = {_fmt(left)} (needs {sym} {_fmt(right)}"
            numeric = all(isinstance(x, int | float) and not isinstance(x, bool) for x in (left, right))
            if not ok and numeric and sym not in ("==", "!="):
                text += f", off by {_fmt(abs(left - right))}"
            parts.append((text + ")", bool(ok)))

    walk(tree.body)
    if len(parts) == 1:
        return parts[0][0]
    return "; ".join(text if ok else f"{text}: false" for text, ok in parts)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
