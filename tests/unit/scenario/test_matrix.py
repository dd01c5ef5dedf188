"""matrix: the cross product of values by dotted key, crossed with the named variants."""

from __future__ import annotations

from pathlib import Path

from harness.run.rundir import write_scenario
from harness.scenario.loader import load_scenario
from tests.unit.scenario.helpers import HEAD, errors, load


def test_matrix_expands_to_the_cross_product(tmp_path: Path) -> None:
    """Two keys of 2 values: 4 variants, named after the keys' last parts, last key fastest."""
    loaded = load(tmp_path, HEAD + "matrix:\n  app.builtin.pool.max_size: [10, 20]\n"
                  "  app.builtin.pool.acquire_timeout_s: [0.5, 2.0]\n")
    got = [(n, s.app.builtin.pool.max_size, s.app.builtin.pool.acquire_timeout_s) for n, s in loaded.variants]
    assert got == [("max_size=10,acquire_timeout_s=0.5", 10, 0.5), ("max_size=10,acquire_timeout_s=2", 10, 2.0),
                   ("max_size=20,acquire_timeout_s=0.5", 20, 0.5), ("max_size=20,acquire_timeout_s=2", 20, 2.0)]


def test_matrix_crosses_the_named_variants(tmp_path: Path) -> None:
    """variants x matrix: each named variant with each combination, both overrides applied, same seed."""
    loaded = load(tmp_path, HEAD + "seed: 7\nvariants:\n  - {name: small, set: {load.users: 2}}\n"
                  "  - {name: big, set: {load.users: 50}}\nmatrix:\n  app.builtin.pool.max_size: [5, 40]\n")
    got = [(n, s.load.users, s.app.builtin.pool.max_size, s.seed) for n, s in loaded.variants]
    assert got == [("small,max_size=5", 2, 5, 7), ("small,max_size=40", 2, 40, 7),
                   ("big,max_size=5", 50, 5, 7), ("big,max_size=40", 50, 40, 7)]


def test_keys_with_the_same_last_part_use_the_whole_path(tmp_path: Path) -> None:
    """Two keys ending in timeout_s are told apart by their full paths."""
    loaded = load(tmp_path, HEAD + "matrix:\n  load.health.timeout_s: [1]\n  app.builtin.pool.query_timeout_s: [2]\n"
                  "  load.client_timeout_s: [3]\n")
    assert [n for n, _ in loaded.variants] == ["timeout_s=1,query_timeout_s=2,client_timeout_s=3"]


def test_a_bad_matrix_value_is_reported_against_its_variant(tmp_path: Path) -> None:
    """Each combination is validated on its own; the message names it and the key."""
    lines = errors(tmp_path, HEAD + "matrix:\n  app.builtin.pool.max_size: [10, 0]\n")
    assert lines == ["4: variant 'max_size=0': app.builtin.pool.max_size: expected an integer >= 1, got 0"]


def test_a_key_set_by_both_a_variant_and_the_matrix(tmp_path: Path) -> None:
    """One key is varied one way or the other, never both."""
    lines = errors(tmp_path, HEAD + "variants:\n  - {name: a, set: {load.users: 3}}\nmatrix:\n  load.users: [1, 2]\n")
    assert lines == ["4: variants[0].set.load.users: also set by the matrix; a key is varied by one or the other"]


def test_too_many_variants(tmp_path: Path) -> None:
    """A matrix of 5 x 5 x 3 = 75 is refused (64 at most) before anything runs."""
    lines = errors(tmp_path, HEAD + "matrix:\n  load.users: [1, 2, 3, 4, 5]\n"
                   "  app.builtin.pool.max_size: [1, 2, 3, 4, 5]\n  load.think_time_s: [0, 1, 2]\n")
    assert lines == ["3: matrix: 75 variants, more than 64; split the scenario"]


def test_checks_may_name_matrix_variants(tmp_path: Path) -> None:
    """checks[].variants take the expanded names; an unknown one lists those that exist."""
    ok = load(tmp_path, HEAD + "matrix: {app.builtin.pool.max_size: [5, 9]}\n"
              "checks:\n  - {type: no_leak, variants: [max_size=9]}\n")
    assert [c.variants for c in ok.base.checks] == [["max_size=9"]]
    lines = errors(tmp_path, HEAD + "matrix: {app.builtin.pool.max_size: [5, 9]}\n"
                   "checks:\n  - {type: no_leak, variants: [max_size=7]}\n")
    assert lines == ["5: checks[0].variants: no variant named 'max_size=7' (have max_size=5, max_size=9)"]


def test_the_scenario_as_run_reloads_to_the_same_variants(tmp_path: Path) -> None:
    """scenario.yaml in the run directory (matrix expanded) loads back with the same names and values,
    so `harness report` can recompute the checks."""
    loaded = load(tmp_path, HEAD + "variants:\n  - {name: bug, description: the leak, set: {load.users: 2}}\n"
                  "matrix: {app.builtin.pool.max_size: [5, 9]}\n")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    write_scenario(run_dir, loaded.raw, [(n, loaded.overrides[n]) for n, _ in loaded.variants], loaded.descriptions)
    again = load_scenario(run_dir / "scenario.yaml")

    def resolved(variants: list) -> list:
        return [(n, s.model_dump(exclude={"variants", "matrix"})) for n, s in variants]

    assert resolved(again.variants) == resolved(loaded.variants)
    assert again.descriptions == {"bug,max_size=5": "the leak", "bug,max_size=9": "the leak"}
