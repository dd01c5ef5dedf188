"""Variants: naming and expanding them (``variants`` x ``matrix``), choosing them (``--variant``)
and reshaping them (``--duration-s``).

A ``matrix`` maps dotted key paths to lists of values and expands to their cross product, each
combination named after its keys' last parts: ``{app.builtin.pool.max_size: [10, 20]}`` gives
``max_size=10`` and ``max_size=20``. With ``variants`` too, every variant is crossed with every
combination (``bug,max_size=10``). Every variant runs on a fresh stack with the same seed.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from harness.errors import UsageError

if TYPE_CHECKING:
    from harness.scenario.model import Scenario

VARIANT_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.=,-]*$"
MAX_VARIANTS = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def _labels(keys: Sequence[str]) -> list[str]:
    """Each key's last part, or the whole path (dots as '_') when two keys share a last part."""
    last = [re.split(r"[.\[\]]+", k.strip(".[]"))[-1] or k for k in keys]
    return [lbl if last.count(lbl) == 1 else _UNSAFE.sub("_", k) for lbl, k in zip(last, keys, strict=True)]


def _value_label(value: Any, position: int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float | str):
        text = _UNSAFE.sub("_", f"{value:g}" if isinstance(value, float) else str(value))
        return text or f"v{position}"
    return f"v{position}"  # a mapping or a list: by its position in the matrix


def combinations(matrix: dict[str, list[Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(name, overrides) of each combination of the matrix, in file order (the last key varies fastest)."""
    if not matrix:
        return [("", {})]
    keys = list(matrix)
    labels = _labels(keys)
    indexed = [list(enumerate(matrix[k], start=1)) for k in keys]
    out = []
    for combo in itertools.product(*indexed):
        name = ",".join(f"{lbl}={_value_label(v, pos)}" for lbl, (pos, v) in zip(labels, combo, strict=True))
        out.append((name, {k: v for k, (_, v) in zip(keys, combo, strict=True)}))
    return out


def expand_names(variant_names: Sequence[str], matrix: dict[str, list[Any]]) -> list[str]:
    """Every variant's name once the matrix is expanded."""
    total = max(1, len(variant_names)) * max(1, math.prod(len(v) for v in matrix.values()))
    if total > MAX_VARIANTS:
        raise ValueError(f"matrix: {total} variants, more than {MAX_VARIANTS}; split the scenario")
    combos = [name for name, _ in combinations(matrix)]
    bases = list(variant_names) or [""]
    return [",".join(p for p in (base, combo) if p) or "default" for base in bases for combo in combos]


def expand(variants: Sequence[dict[str, Any]], matrix: dict[str, list[Any]]) -> list[tuple[str, int | None,
                                                                                             dict[str, Any]]]:
    """(name, index in ``variants`` or None, overrides) of every variant to run."""
    bases: list[tuple[str, int | None, dict[str, Any]]] = [
        (str(v.get("name")), i, dict(v.get("set") or {})) for i, v in enumerate(variants)] or [("", None, {})]
    out = []
    for base, index, overrides in bases:
        for combo, combo_set in combinations(matrix):
            name = ",".join(p for p in (base, combo) if p) or "default"
            out.append((name, index, {**overrides, **combo_set}))
    return out


def select(variants: list[tuple[str, Scenario]], wanted: Sequence[str]) -> list[tuple[str, Scenario]]:
    if not wanted:
        return variants
    names = [n for n, _ in variants]
    unknown = [w for w in wanted if w not in names]
    if unknown:
        raise UsageError(f"--variant {unknown[0]!r}: no such variant (have {', '.join(names)})")
    return [(n, s) for n, s in variants if n in wanted]


def scale_duration(scenario: Scenario, duration_s: float) -> Scenario:
    """The same timeline squeezed or stretched to ``duration_s``: fault and stage times scale with it
    (their rates, periods and idle thresholds do not)."""
    if duration_s <= 0:
        raise UsageError(f"--duration-s: expected a number > 0, got {duration_s:g}")
    k = duration_s / scenario.duration_s
    faults = [f.scaled(k) for f in scenario.faults]
    stages = [s.model_copy(update={"at_s": s.at_s * k, **({"for_s": s.for_s * k} if hasattr(s, "for_s") else {})})
              for s in scenario.load.stages]
    load = scenario.load.model_copy(update={"stages": stages})
    return scenario.model_copy(update={"duration_s": duration_s, "faults": faults, "load": load})
