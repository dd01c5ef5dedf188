"""The scenario loader: valid files load, mistakes name the file, line, key path and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import ScenarioError
from harness.scenario.loader import load_scenario, split_key_path
from harness.scenario.variants import scale_duration, select

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


def errors(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, text))
    return info.value.lines()


def test_quickstart_loads_with_two_variants() -> None:
    """The demo scenario validates and expands to its two pool sizes."""
    loaded = load_scenario(ROOT / "scenarios" / "quickstart.yaml")
    sizes = {name: s.app.builtin.pool.max_size for name, s in loaded.variants}
    assert sizes == {"small-pool": 5, "large-pool": 30}


def test_minimal_scenario_gets_defaults(tmp_path: Path) -> None:
    """Only name and duration are required; one variant named default."""
    loaded = load_scenario(write(tmp_path, "name: x\nduration_s: 5\n"))
    assert [n for n, _ in loaded.variants] == ["default"]
    assert loaded.base.load.users == 10


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    """A typo is reported with its line and a did-you-mean."""
    lines = errors(tmp_path, "name: x\nduration_s: 5\nload:\n  usres: 3\n")
    assert [f"{tmp_path / 's.yaml'}:4: load.usres: unknown key; did you mean 'users'?"] == lines


def test_negative_number_names_the_bound(tmp_path: Path) -> None:
    """A negative latency names the fault index, the key, the bound and the value."""
    text = "name: x\nduration_s: 5\nfaults:\n  - {type: latency, at_s: 1, latency_ms: -50}\n"
    expected = f"{tmp_path / 's.yaml'}:4: faults[0].latency_ms: expected an integer >= 0, got -50"
    assert [expected] == errors(tmp_path, text)


def test_wrong_type_is_not_coerced(tmp_path: Path) -> None:
    """A quoted number is a mistake, reported as such."""
    lines = errors(tmp_path, "name: x\nduration_s: 5\nload: {users: '10'}\n")
    assert len(lines) == 1 and "load.users: expected an integer, got '10'" in lines[0]


def test_fault_past_the_end(tmp_path: Path) -> None:
    """A fault that starts after the load ends is rejected."""
    text = "name: x\nduration_s: 5\nfaults:\n  - {type: latency, at_s: 9, latency_ms: 5}\n"
    lines = errors(tmp_path, text)
    assert len(lines) == 1 and "faults[0].at_s: 9 is at or past the end of the load" in lines[0]


def test_bad_variant_key_path(tmp_path: Path) -> None:
    """A variant overriding a key that does not exist names the variant and suggests the key."""
    text = ("name: x\nduration_s: 5\nvariants:\n"
            "  - {name: a, set: {app.builtin.pool.maxsize: 4}}\n")
    lines = errors(tmp_path, text)
    assert len(lines) == 1
    assert "variants[0].set.app.builtin.pool.maxsize" in lines[0] and "did you mean 'max_size'" in lines[0]


def test_variant_override_is_validated(tmp_path: Path) -> None:
    """An override with a bad value is reported against its variant."""
    text = "name: x\nduration_s: 5\nvariants:\n  - {name: a, set: {app.builtin.pool.max_size: 0}}\n"
    lines = errors(tmp_path, text)
    assert len(lines) == 1 and "variant 'a': app.builtin.pool.max_size: expected an integer >= 1, got 0" in lines[0]


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    """Broken YAML is one line with its position, not a traceback."""
    lines = errors(tmp_path, "name: x\nduration_s: [5\n")
    assert len(lines) == 1 and "not valid YAML" in lines[0]


def test_duplicate_key(tmp_path: Path) -> None:
    """YAML silently keeps the last of two equal keys; we refuse."""
    lines = errors(tmp_path, "name: x\nduration_s: 5\nduration_s: 6\n")
    assert [f"{tmp_path / 's.yaml'}:3: duration_s: duplicate key"] == lines


def test_split_key_path() -> None:
    """Dotted paths with list indices in either notation."""
    assert split_key_path("faults[0].latency_ms") == ("faults", 0, "latency_ms")
    assert split_key_path("faults.0.latency_ms") == ("faults", 0, "latency_ms")


def test_scale_duration_moves_faults(tmp_path: Path) -> None:
    """--duration-s squeezes the whole timeline, faults included."""
    text = "name: x\nduration_s: 60\nfaults:\n  - {type: latency, at_s: 30, for_s: 10, latency_ms: 5}\n"
    scaled = scale_duration(load_scenario(write(tmp_path, text)).base, 6)
    assert (scaled.duration_s, scaled.faults[0].at_s, scaled.faults[0].for_s) == (6.0, 3.0, 1.0)


def test_select_unknown_variant() -> None:
    """--variant with a name that does not exist lists the ones that do."""
    loaded = load_scenario(ROOT / "scenarios" / "quickstart.yaml")
    with pytest.raises(Exception, match=r"no such variant \(have small-pool, large-pool"):
        select(loaded.variants, ["tiny"])
