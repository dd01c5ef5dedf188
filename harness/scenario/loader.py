"""YAML -> Scenario, with errors that name the file, the line, the key path and what was expected.

    scenarios/x.yaml:12: faults[2].latency_ms: expected an integer >= 0, got -50
    scenarios/x.yaml:7: load.usres: unknown key; did you mean 'users'?

Nothing is started for a file that does not validate, and no input makes the loader raise
anything but a ScenarioError. Variants (and the matrix) are applied to the raw document by
dotted key path, and each resulting scenario is validated on its own, so a bad override is
reported against the variant that made it.
"""

from __future__ import annotations

import copy
import difflib
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from harness.errors import ScenarioError
from harness.scenario.messages import PathT, allowed_keys, errors_of, format_path, show, split_key_path
from harness.scenario.model import Scenario
from harness.scenario.variants import expand

__all__ = ["LoadedScenario", "load_scenario", "split_key_path", "validate_files"]
MAX_NODES = 100_000  # a YAML alias bomb expands exponentially: refuse it instead of hanging
NOT_OVERRIDABLE = ("variants", "matrix")


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario file: the base scenario and one fully resolved scenario per variant."""

    path: Path
    raw: dict[str, Any]
    base: Scenario
    variants: list[tuple[str, Scenario]]
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)  # variant name -> its dotted overrides
    descriptions: dict[str, str] = field(default_factory=dict)  # variant name -> its variant's description

    @property
    def name(self) -> str:
        return self.base.name


# -- YAML with line numbers ---------------------------------------------------------------------
class _Lines:
    """Key path -> 1-based line of a parsed YAML document."""

    def __init__(self) -> None:
        self.lines: dict[PathT, int] = {}
        self.duplicates: list[tuple[PathT, int]] = []
        self.nodes = 0

    def walk(self, root: yaml.Node) -> None:
        stack: list[tuple[yaml.Node, PathT]] = [(root, ())]
        while stack:  # iterative: a deeply nested document must not hit the recursion limit
            node, path = stack.pop()
            self.nodes += 1
            if self.nodes > MAX_NODES:
                raise ValueError(f"more than {MAX_NODES} YAML nodes (an alias bomb?)")
            self.lines.setdefault(path, node.start_mark.line + 1)
            if isinstance(node, yaml.MappingNode):
                seen: set[str] = set()
                for key_node, value_node in node.value:
                    key = str(key_node.value)
                    if key in seen:
                        self.duplicates.append(((*path, key), key_node.start_mark.line + 1))
                    seen.add(key)
                    self.lines[(*path, key)] = key_node.start_mark.line + 1
                    stack.append((value_node, (*path, key)))
            elif isinstance(node, yaml.SequenceNode):
                stack.extend((item, (*path, i)) for i, item in enumerate(node.value))

    def line_of(self, path: PathT) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


def parse_yaml(text: str, file: str) -> tuple[Any, _Lines]:
    lines = _Lines()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        if root is not None:
            lines.walk(root)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ScenarioError(f"{file}{where}", [f"not valid YAML: {' '.join(str(problem).split())}"]) from None
    except RecursionError:
        raise ScenarioError(file, ["not valid YAML: nested too deeply"]) from None
    except ValueError as e:
        raise ScenarioError(file, [f"not a scenario: {e}"]) from None
    return data, lines


# -- variants -----------------------------------------------------------------------------------
def apply_override(doc: dict[str, Any], dotted: str, value: Any) -> str | None:
    """Set ``doc[a][b]... = value``; returns an error message when the path cannot exist."""
    path = split_key_path(dotted)
    if not path:
        return "empty key path"
    node: Any = doc
    for i, part in enumerate(path[:-1]):
        nxt = path[i + 1]
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                size = len(node) if isinstance(node, list) else 0
                return f"no item {part} in {format_path(path[:i])} (it has {size})"
            node = node[part]
            continue
        if not isinstance(node, dict):
            return f"{format_path(path[:i])} is not a mapping"
        if part not in node or node[part] is None:
            node[part] = [] if isinstance(nxt, int) else {}
        node = node[part]
    last = path[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or last >= len(node):
            size = len(node) if isinstance(node, list) else 0
            return f"no item {last} in {format_path(path[:-1])} (it has {size})"
        node[last] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        return f"{format_path(path[:-1])} is not a mapping"
    return None


def check_key_path(dotted: str, raw: dict[str, Any]) -> str | None:
    """An unknown key in a dotted override path, with a "did you mean" (None when it exists)."""
    path = split_key_path(dotted)
    if not path or isinstance(path[0], int):
        return "expected a dotted key path such as app.builtin.pool.max_size"
    if path[0] in NOT_OVERRIDABLE:
        return f"{path[0]} cannot be overridden by a variant"
    for i, part in enumerate(path):
        if isinstance(part, int):
            continue
        allowed = allowed_keys(Scenario, path[:i], raw)
        if allowed is None:
            return None  # inside a free-form mapping (e.g. mysql.variables): anything goes
        if part not in allowed:
            close = difflib.get_close_matches(part, allowed, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            return f"{format_path(path[:i + 1])} is not a scenario key{hint}"
    return None


def _override_problems(raw: dict[str, Any], lines: _Lines) -> list[str]:
    """Bad key paths in variants[].set and matrix, and keys set by both."""
    problems = []
    matrix = raw.get("matrix") or {}
    for dotted in matrix:
        msg = check_key_path(str(dotted), raw)
        if msg:
            problems.append(_at(lines, ("matrix", dotted), f"{format_path(('matrix', dotted))}: {msg}"))
    for i, variant in enumerate(raw.get("variants") or []):
        for dotted in variant.get("set") or {}:
            msg = check_key_path(str(dotted), raw)
            if not msg and dotted in matrix:
                msg = "also set by the matrix; a key is varied by one or the other"
            if msg:
                where = ("variants", i, "set", dotted)
                problems.append(_at(lines, where, f"{format_path(where)}: {msg}"))
    return problems


def _at(lines: _Lines, path: PathT, message: str) -> str:
    line = lines.line_of(path)
    return f"{line}: {message}" if line else message


def build_variants(raw: dict[str, Any], lines: _Lines, file: str) -> tuple[list[tuple[str, Scenario]],
                                                                        dict[str, dict[str, Any]], dict[str, str]]:
    problems = _override_problems(raw, lines)
    if problems:
        raise ScenarioError(file, problems)
    out: list[tuple[str, Scenario]] = []
    overrides: dict[str, dict[str, Any]] = {}
    descriptions: dict[str, str] = {}
    for name, index, sets in expand(raw.get("variants") or [], raw.get("matrix") or {}):
        if index is not None and raw["variants"][index].get("description"):
            descriptions[name] = str(raw["variants"][index]["description"])
        doc = copy.deepcopy(raw)
        for dotted, value in sets.items():
            msg = apply_override(doc, str(dotted), value)
            if msg:
                where = ("variants", index, "set", dotted) if index is not None else ("matrix", dotted)
                problems.append(_at(lines, where, f"variant {name!r}: {format_path(where)}: {msg}"))
        if problems:
            continue
        try:
            out.append((name, Scenario.model_validate(doc)))
            overrides[name] = sets
        except ValidationError as e:
            problems += errors_of(e, doc, Scenario, _variant_lines(lines, sets, index), prefix=f"variant {name!r}: ")
    if problems:
        raise ScenarioError(file, problems)
    return out, overrides, descriptions


def _variant_lines(lines: _Lines, sets: dict[str, Any], index: int | None) -> Any:
    """Line lookup for a variant's document: a key an override set points at the override's line."""
    origins: list[tuple[PathT, PathT]] = []
    for dotted in sets:
        origin: PathT = ("matrix", dotted)
        if index is not None and (("variants", index, "set", dotted) in lines.lines):
            origin = ("variants", index, "set", dotted)
        origins.append((split_key_path(str(dotted)), origin))

    def line_of(path: PathT) -> int | None:
        for target, origin in origins:
            if path[:len(target)] == target:
                return lines.line_of(origin)
        return lines.line_of(path)

    return line_of


def load_scenario(path: Path) -> LoadedScenario:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ScenarioError(file, [f"cannot read the file: {e.strerror or e}"]) from None
    except UnicodeDecodeError as e:
        raise ScenarioError(file, [f"not UTF-8 text (byte {e.start})"]) from None
    raw, lines = parse_yaml(text, file)
    if not isinstance(raw, dict):
        raise ScenarioError(file, [f"expected a mapping of scenario keys at the top level, got {show(raw)}"])
    problems = [f"{line}: {format_path(p)}: duplicate key" for p, line in lines.duplicates]
    bad_keys = [k for k in raw if not isinstance(k, str)]
    problems += [_at(lines, (), f"{show(k)}: keys must be names, got {type(k).__name__}") for k in bad_keys]
    if problems:
        raise ScenarioError(file, problems)
    try:
        base = Scenario.model_validate(raw)
    except ValidationError as e:
        raise ScenarioError(file, errors_of(e, raw, Scenario, lines.line_of)) from None
    variants, overrides, descriptions = build_variants(raw, lines, file)
    return LoadedScenario(path=path, raw=raw, base=base, variants=variants, overrides=overrides,
                          descriptions=descriptions)


def validate_files(paths: Sequence[Path]) -> int:
    """`harness validate`: every file checked; exit 2 when any is bad. Starts nothing."""
    bad = 0
    for path in paths:
        try:
            loaded = load_scenario(path)
        except ScenarioError as e:
            bad += 1
            for line in e.lines():
                print(line, file=sys.stderr)
            continue
        names = ", ".join(n for n, _ in loaded.variants)
        print(f"{path}: ok ({len(loaded.variants)} variant{'s' * (len(loaded.variants) != 1)}: {names})")
    return 2 if bad else 0
