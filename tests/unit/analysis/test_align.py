"""Aligning series at load start, at a fault type's first start, or at faults[N]."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.analysis.align import Series, align
from harness.analysis.data import load_variant
from harness.errors import UsageError
from tests.unit.recorded import sample, write_variant


def series(tmp_path: Path, name: str, latency_at: float, kill_at: float) -> Series:
    events = [{"t_s": 0.0, "event": "load.start"},
              {"t_s": latency_at, "event": "latency.start", "fault": "latency", "index": 0},
              {"t_s": latency_at + 2, "event": "latency.stop", "fault": "latency", "index": 0},
              {"t_s": kill_at, "event": "kill_idle.start", "fault": "kill_idle", "index": 1},
              {"t_s": kill_at + 0.1, "event": "kill_idle.stop", "fault": "kill_idle", "index": 1}]
    d = write_variant(tmp_path / name, [sample(0.0, 0, 4, 0)], [], events)
    return Series(name, load_variant(d), {})


def test_load_start_is_no_shift(tmp_path: Path) -> None:
    """The default: every series keeps its own load-start clock."""
    s = align([series(tmp_path, "a", 5.0, 9.0)], "load")
    assert s[0].offset_s == 0.0


def test_fault_type_and_index(tmp_path: Path) -> None:
    """By type: its first start becomes 0; by faults[N]: that fault's start; windows shift along."""
    a, b = series(tmp_path, "a", 5.0, 9.0), series(tmp_path, "b", 12.5, 20.0)
    by_type = align([a, b], "latency")
    assert ([s.offset_s for s in by_type], [s.windows()[0]["start_s"] for s in by_type]) == ([5.0, 12.5], [0.0, 0.0])
    assert [s.offset_s for s in align([a, b], "faults[1]")] == [9.0, 20.0]


def test_a_missing_fault_is_a_clear_error(tmp_path: Path) -> None:
    """Aligning at a fault a series does not have names the series and what it has."""
    with pytest.raises(UsageError) as err:
        align([series(tmp_path, "a", 5.0, 9.0)], "freeze")
    assert str(err.value) == ("--align freeze: a has no such fault (it has latency (faults[0]), kill_idle "
                              "(faults[1])); expected load, a fault type or faults[N]")
