"""scenarios/README.md is the reference for every key: each key of the schema is documented there,
and `harness schema` prints a JSON Schema that knows every fault and check type."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import typing
from pathlib import Path

from pydantic import BaseModel

from harness.analysis.checks import CHECK_TYPES
from harness.faults import REGISTRY
from harness.scenario.load import RampStage, SpikeStage, StepStage
from harness.scenario.model import Scenario

ROOT = Path(__file__).resolve().parents[3]
DOC = (ROOT / "scenarios" / "README.md").read_text()
OWN_SECTION = ("faults", "checks", "stages")  # tagged unions, documented per type


def single_model(annotation: typing.Any) -> tuple[type[BaseModel] | None, bool]:
    """(the one model a field holds, whether through a list)."""
    found: list[type[BaseModel]] = []
    listed = False
    stack = [annotation]
    while stack:
        a = stack.pop()
        if typing.get_origin(a) is list:
            listed = True
        if isinstance(a, type) and issubclass(a, BaseModel):
            found.append(a)
        elif not isinstance(a, type | str) and a is not None:
            stack.extend(typing.get_args(a))
    return (found[0] if len(found) == 1 else None), listed


def tree_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        out.append(path)
        if name in OWN_SECTION:
            continue
        sub, listed = single_model(field.annotation)
        if sub is not None:
            out += tree_paths(sub, f"{path}[]." if listed else f"{path}.")
    return out


def section(title: str) -> str:
    """The text under the heading `title` (in backticks), up to the next heading of any level."""
    m = re.search(rf"^#+ `{re.escape(title)}`\n(.*?)(?=^#+ )", DOC, re.M | re.S)
    assert m, f"scenarios/README.md has no heading for `{title}`"
    return m.group(1)


def test_every_key_of_the_tree_is_documented() -> None:
    """Every dotted key path (lists as []) appears in backticks, with its stage keys."""
    paths = tree_paths(Scenario) + [f"load.stages[].{k}" for m in (StepStage, RampStage, SpikeStage)
                                    for k in m.model_fields]
    paths += [f"faults[].{k}" for k in ("type", "at_s", "for_s")] + [f"checks[].{k}" for k in
                                                                        ("type", "name", "variants")]
    missing = sorted({p for p in paths if f"`{p}`" not in DOC})
    assert missing == []


def test_every_fault_type_and_its_keys_are_documented() -> None:
    """Each fault type has its own heading listing its keys (common toxic keys once)."""
    common = {"type", "at_s", "for_s"}
    toxic_common = {"stream", "toxicity"}
    missing = []
    for kind, (spec, _) in REGISTRY.items():
        text = section(kind)
        own = set(spec.model_fields) - common - (toxic_common if toxic_common <= set(spec.model_fields) else set())
        if kind in ("freeze", "mysql_restart", "app_restart", "kill_idle"):
            own |= {"for_s"}  # these say what for_s means for them
        missing += [f"{kind}.{k}" for k in sorted(own) if f"`{k}`" not in text]
    assert missing == []
    assert all(f"`{k}`" in section("latency") or f"`{k}`" in DOC for k in toxic_common)


def test_every_check_type_and_its_keys_are_documented() -> None:
    """Each check type is in the checks table; the expression's own key has its section."""
    for check in CHECK_TYPES:
        kind = check.model_fields["type"].default
        assert f"| `{kind}` |" in DOC, kind
    assert "`expr`" in section("expression")


def test_harness_schema_prints_every_type() -> None:
    """`harness schema` is JSON Schema naming every fault and check type."""
    proc = subprocess.run([sys.executable, "-m", "harness", "schema"], capture_output=True, text=True, timeout=60,
                          cwd=ROOT)
    schema = json.loads(proc.stdout)
    text = json.dumps(schema)
    assert proc.returncode == 0 and schema["title"] == "pool-harness scenario"
    assert all(f'"const": "{kind}"' in text or f'"{kind}"' in text for kind in REGISTRY)
    assert all(c.model_fields["type"].default in text for c in CHECK_TYPES)


INCIDENT_LIBRARY = {  # file -> (write-up, variants as issue 7 names them)
    "zombie-leak": ("000", ["before", "after"]),
    "freeze-thaw": ("001", ["raise", "retry_once", "drain_and_retry", "validate_after_idle", "validate_always"]),
    "aborted-clients": ("002", ["late", "early"]),
    "prepared-stmt-leak": ("003", ["uncached", "cached", "uncached_short_lifetime"]),
    "pool-vs-no-pool": ("004", ["pool", "no_pool", "single"]),
    "pool-sizing": ("004", [f"max_size={n}" for n in (1, 2, 4, 8, 16, 32, 64)]),
}


def test_every_scenario_file_validates() -> None:
    """Every file under scenarios/ validates; the incident library has one file per write-up in
    shared/incidents/ with the variants the issue names, says which write-up it reproduces, and says that
    `harness run` exits 1 by design (its broken variants fail their checks)."""
    from harness.scenario.loader import load_scenario

    loaded = {p.stem: load_scenario(p) for p in sorted((ROOT / "scenarios").glob("*.yaml"))}
    assert set(INCIDENT_LIBRARY) | {"quickstart"} == set(loaded)
    for stem, (incident, variants) in INCIDENT_LIBRARY.items():
        scenario = loaded[stem]
        assert [name for name, _ in scenario.variants] == variants, stem
        assert f"Incident {incident}" in (ROOT / "scenarios" / f"{stem}.yaml").read_text(), stem
        assert "Exits 1 by design" in scenario.base.description, stem
        assert scenario.base.checks, stem
