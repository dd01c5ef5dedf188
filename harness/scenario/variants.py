"""Choosing and reshaping the variants of a loaded scenario: ``--variant`` and ``--duration-s``."""

from __future__ import annotations

from collections.abc import Sequence

from harness.errors import UsageError
from harness.scenario.model import Scenario


def select(variants: list[tuple[str, Scenario]], wanted: Sequence[str]) -> list[tuple[str, Scenario]]:
    if not wanted:
        return variants
    names = [n for n, _ in variants]
    unknown = [w for w in wanted if w not in names]
    if unknown:
        raise UsageError(f"--variant {unknown[0]!r}: no such variant (have {', '.join(names)})")
    return [(n, s) for n, s in variants if n in wanted]


def scale_duration(scenario: Scenario, duration_s: float) -> Scenario:
    """The same timeline squeezed or stretched to ``duration_s``: fault times scale with it."""
    if duration_s <= 0:
        raise UsageError(f"--duration-s: expected a number > 0, got {duration_s:g}")
    k = duration_s / scenario.duration_s
    faults = [f.model_copy(update={"at_s": f.at_s * k, "for_s": None if f.for_s is None else f.for_s * k})
              for f in scenario.faults]
    return scenario.model_copy(update={"duration_s": duration_s, "faults": faults})
