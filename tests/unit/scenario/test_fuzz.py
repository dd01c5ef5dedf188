"""Arbitrary YAML never makes the loader raise anything but a one-line-per-problem ScenarioError."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.errors import ScenarioError
from harness.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[3]
KEYS = ["name", "duration_s", "load", "faults", "checks", "variants", "matrix", "users", "type", "at_s", "for_s",
        "set", "stages", "latency_ms", "death", "open_model", "rate_per_s", "expr", "app", "builtin", "pool",
        "max_size", "mysql", "variables", "requests", "path", "value", "idle_s", "every_s", "probes"]
TYPES = ["latency", "freeze", "kill_idle", "set_variable", "proxy_down", "slicer", "step", "ramp", "spike",
         "no_leak", "expression", "max_error_rate", "mysql_restart", "app_restart", "timeout"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(TYPES), st.sampled_from(["app.builtin.pool.max_size",
                                                                                  "faults[0].at_s", "load.users"]))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8), st.integers(0, 3)), inner, max_size=5)),
    max_leaves=30)


def check(text: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fuzz.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_scenario(path)
        except ScenarioError as e:
            assert e.lines() and all("\n" not in line for line in e.lines())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_structured_yaml_never_crashes_the_loader(doc: Any) -> None:
    """Random mappings of scenario-like keys and values: a ScenarioError or a scenario, nothing else."""
    check(yaml.safe_dump(doc, allow_unicode=True))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_arbitrary_text_never_crashes_the_loader(text: str) -> None:
    """Any text at all (broken YAML, tags, anchors): a ScenarioError or a scenario, nothing else."""
    check(text)


BASE = yaml.safe_load((ROOT / "scenarios" / "quickstart.yaml").read_text())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(KEYS), documents), min_size=1, max_size=3), st.integers(0, 2))
def test_mutated_valid_scenarios_never_crash_the_loader(changes: list[tuple[str, Any]], depth: int) -> None:
    """A valid scenario with keys replaced by random values at several depths."""
    doc: Any = yaml.safe_load(yaml.safe_dump(BASE))
    for key, value in changes:
        node = doc
        for section in ("app", "builtin", "pool")[:depth]:
            node = node.setdefault(section, {}) if isinstance(node, dict) else node
        if isinstance(node, dict):
            node[key] = value
    check(yaml.safe_dump(doc, allow_unicode=True))


def test_known_nasty_inputs() -> None:
    """An alias bomb, deep nesting, tags, a non-UTF-8 file and binary junk are refused cleanly."""
    bomb = "a: &a ['x','x','x','x','x','x','x','x','x']\n" + "".join(
        f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))
    for text in (bomb, "[" * 5000 + "]" * 5000, "a: !!python/object:os.system x\n", "name: x\nduration_s: 1\n" * 2,
                 "{{{", "\t- x", "name: x\nduration_s: .inf\n", "? [a, b]\n: c\n", "1: 2\n"):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "nasty.yaml"
            path.write_text(text, encoding="utf-8")
            with pytest.raises(ScenarioError) as refused:
                load_scenario(path)
            lines = refused.value.lines()
            assert lines and all("\n" not in line for line in lines), text[:40]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bin.yaml"
        path.write_bytes(b"\xff\xfe\x00name: x")
        with pytest.raises(ScenarioError) as refused:
            load_scenario(path)
        assert len(refused.value.lines()) == 1
