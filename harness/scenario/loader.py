"""YAML -> Scenario, with errors that name the file, the line, the key path and what was expected.

    scenarios/x.yaml:12: faults[2].latency_ms: expected an integer >= 0, got -50
    scenarios/x.yaml:7: load.usres: unknown key; did you mean 'users'?

Nothing is started for a file that does not validate. Variants are applied to the raw document
(dotted key paths) and each resulting scenario is validated on its own, so a bad override is
reported against the variant that made it.
"""

from __future__ import annotations

import copy
import difflib
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from harness.errors import ScenarioError
from harness.scenario.model import Scenario

PathT = tuple[str | int, ...]


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario file: the base scenario and one fully resolved scenario per variant."""

    path: Path
    raw: dict[str, Any]
    base: Scenario
    variants: list[tuple[str, Scenario]]

    @property
    def name(self) -> str:
        return self.base.name


# -- YAML with line numbers ---------------------------------------------------------------------
class _Lines:
    """Key path -> 1-based line of a parsed YAML document."""

    def __init__(self) -> None:
        self.lines: dict[PathT, int] = {}
        self.duplicates: list[tuple[PathT, int]] = []

    def walk(self, node: yaml.Node, path: PathT = ()) -> None:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                if key in seen:
                    self.duplicates.append(((*path, key), key_node.start_mark.line + 1))
                seen.add(key)
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                self.walk(value_node, (*path, key))
                self.lines[(*path, key)] = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.walk(item, (*path, i))

    def line_of(self, path: PathT) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


def format_path(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_yaml(text: str, file: str) -> tuple[Any, _Lines]:
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ScenarioError(f"{file}{where}", [f"not valid YAML: {problem}"]) from None
    lines = _Lines()
    if root is not None:
        lines.walk(root)
    return data, lines


# -- pydantic errors -> one line each -----------------------------------------------------------
def show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


TYPE_WORDS = {
    "int_type": "an integer", "int_parsing": "an integer", "int_from_float": "an integer",
    "float_type": "a number", "float_parsing": "a number", "bool_type": "true or false",
    "bool_parsing": "true or false", "string_type": "a string", "list_type": "a list",
    "dict_type": "a mapping", "model_type": "a mapping", "model_attributes_type": "a mapping",
}
PATTERN_WORDS = {
    r"^/": "a path starting with '/'",
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$": "a name of letters, digits, '_', '.' or '-'",
}


def _bounds(ctx: dict[str, Any]) -> tuple[str, bool]:
    """("> 0", integer?) from pydantic's ge/gt/le/lt; a float bound means a number field."""
    parts, integer = [], True
    for key, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
        if key in ctx:
            integer = integer and isinstance(ctx[key], int)
            parts.append(f"{sym} {ctx[key]:g}" if isinstance(ctx[key], float) else f"{sym} {ctx[key]}")
    return " and ".join(parts), integer


def describe(err: dict[str, Any], raw_value: Any, allowed: list[str] | None) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = f", got {show(err.get('input'))}"
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        key = err["loc"][-1]
        hint = ""
        if allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f"; expected one of {', '.join(sorted(allowed))}"
        return f"unknown key{hint}"
    if kind in TYPE_WORDS:
        return f"expected {TYPE_WORDS[kind]}{got}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bounds, integer = _bounds(ctx)
        return f"expected {'an integer' if integer else 'a number'} {bounds}{got}"
    if kind == "literal_error":
        return f"expected {ctx.get('expected')}{got}"
    if kind == "union_tag_invalid":
        tags = [t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",")]
        close = difflib.get_close_matches(str(ctx.get("tag")), tags, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown type {show(ctx.get('tag'))}{hint} (expected one of {', '.join(tags)})"
    if kind == "union_tag_not_found":
        return "missing key 'type'"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return f"expected {PATTERN_WORDS.get(pattern, 'a string matching ' + pattern)}{got}"
    if kind in ("too_short", "too_long"):
        return err["msg"].lower() + got
    if kind in ("value_error", "assertion_error"):
        return re.sub(r"^(Value|Assertion) error, ", "", err["msg"])
    return f"{err['msg']}{got}"


_MISSING = object()


def child(node: Any, part: Any) -> Any:
    """``node[part]`` for a mapping key or a list index, else _MISSING."""
    if isinstance(node, dict):
        return node.get(part, _MISSING)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return _MISSING


def _resolve(loc: Sequence[Any], raw: Any, kind: str) -> PathT:
    """The document path of a pydantic ``loc``: drop union tags and type names pydantic inserts."""
    path: list[str | int] = []
    node = raw
    for i, part in enumerate(loc):
        value = child(node, part)
        if value is not _MISSING:
            path.append(part)
            node = value
        elif i == len(loc) - 1 and kind in ("missing", "extra_forbidden"):
            path.append(part)
        # else: a union member or tag name, not a key of the document
    return tuple(path)


def _allowed_keys(model: type[BaseModel], path: PathT, raw: Any) -> list[str] | None:
    """The keys allowed in the mapping at ``path`` (for "did you mean")."""
    from harness.analysis.checks import CHECK_TYPES
    from harness.faults import REGISTRY

    current: Any = model
    node = raw
    for part in path:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(part)
        if field is None:
            return None
        node = node.get(part) if isinstance(node, dict) else None
        current = _model_in(field.annotation, node, REGISTRY, CHECK_TYPES, part)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return None


def _model_in(annotation: Any, node: Any, faults: Any, checks: Any, key: str) -> Any:
    """The model class a field holds (through list/Optional/tagged unions)."""
    import typing

    if key == "faults":
        kind = node.get("type") if isinstance(node, dict) else None
        return faults[kind][0] if kind in faults else None
    if key == "checks":
        kind = node.get("type") if isinstance(node, dict) else None
        return next((c for c in checks if c.model_fields["type"].default == kind), None)
    candidates: list[type[BaseModel]] = []
    stack = [annotation]
    while stack:
        a = stack.pop()
        if isinstance(a, type) and issubclass(a, BaseModel):
            candidates.append(a)
        else:
            stack.extend(typing.get_args(a))
    if len(candidates) > 1 and isinstance(node, dict):  # a tagged union: the member whose tag the node names
        for c in candidates:
            tags = {f: typing.get_args(i.annotation) for f, i in c.model_fields.items()
                    if typing.get_origin(i.annotation) is typing.Literal and i.is_required()}
            if tags and all(node.get(f) in values for f, values in tags.items()):
                return c
    return candidates[0] if candidates else None


def value_at(raw: Any, path: PathT) -> Any:
    node = raw
    for part in path:
        node = child(node, part)
        if node is _MISSING:
            return None
    return node


def errors_of(exc: ValidationError, raw: Any, lines: _Lines, prefix: str = "",
              root_path: PathT = ()) -> list[str]:
    """One line per pydantic error, in the order of the file."""
    out: list[tuple[int, str]] = []
    for err in exc.errors(include_url=False):
        path = _resolve(err["loc"], raw, err["type"])
        value = value_at(raw, path)
        allowed = _allowed_keys(Scenario, path[:-1], raw) if err["type"] == "extra_forbidden" else None
        message = describe(dict(err), value, allowed)
        line = lines.line_of((*root_path, *path)) if lines else None
        where = f"{line}: " if line else ""
        shown = format_path(path) if path else ""
        if err["type"] == "value_error" and not path:
            out.append((line or 0, f"{where}{prefix}{message}"))
        else:
            out.append((line or 0, f"{where}{prefix}{shown}: {message}"))
    return [m for _, m in sorted(out, key=lambda x: x[0])]


# -- variants -----------------------------------------------------------------------------------
KEY_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def split_key_path(dotted: str) -> PathT:
    parts: list[str | int] = []
    for name, index in KEY_PART.findall(dotted):
        parts.append(int(index) if index else (int(name) if name.isdigit() else name))
    return tuple(parts)


def apply_override(doc: dict[str, Any], dotted: str, value: Any) -> str | None:
    """Set ``doc[a][b]... = value``; returns an error message when the path cannot exist."""
    path = split_key_path(dotted)
    if not path or format_path(path).replace("[", ".[") == "":
        return "empty key path"
    node: Any = doc
    for i, part in enumerate(path[:-1]):
        nxt = path[i + 1]
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                size = len(node) if isinstance(node, list) else 0
                return f"{format_path(path[:i + 1])}: no item {part} (the list has {size})"
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
            return f"{format_path(path)}: no such list item"
        node[last] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        return f"{format_path(path[:-1])} is not a mapping"
    return None


def check_key_path(dotted: str, raw: dict[str, Any]) -> str | None:
    """An unknown key in a variant's dotted path, with a "did you mean" (None when it exists)."""
    path = split_key_path(dotted)
    for i, part in enumerate(path):
        if isinstance(part, int):
            continue
        allowed = _allowed_keys(Scenario, path[:i], raw)
        if allowed is None:
            # inside a free-form mapping (e.g. mysql.variables) or a list item: anything goes
            return None
        if part not in allowed:
            close = difflib.get_close_matches(part, allowed, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            return f"{format_path(path[:i + 1])} is not a scenario key{hint}"
    return None


def build_variants(raw: dict[str, Any], lines: _Lines, file: str) -> list[tuple[str, Scenario]]:
    variants = raw.get("variants") or []
    if not variants:
        return [("default", Scenario.model_validate(raw))]
    out: list[tuple[str, Scenario]] = []
    problems: list[str] = []
    for i, variant in enumerate(variants):
        name = variant.get("name", f"#{i}")
        doc = copy.deepcopy(raw)
        for dotted, value in (variant.get("set") or {}).items():
            line = lines.line_of(("variants", i, "set", dotted))
            msg = check_key_path(str(dotted), raw) or apply_override(doc, str(dotted), value)
            if msg:
                problems.append(f"{line}: variants[{i}].set.{dotted}: {msg}" if line else
                                f"variants[{i}].set.{dotted}: {msg}")
        if problems:
            continue
        try:
            out.append((name, Scenario.model_validate(doc)))
        except ValidationError as e:
            problems += errors_of(e, doc, lines, prefix=f"variant {name!r}: ")
    if problems:
        raise ScenarioError(file, problems)
    return out


def load_scenario(path: Path) -> LoadedScenario:
    file = str(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise ScenarioError(file, [f"cannot read the file: {e.strerror or e}"]) from None
    raw, lines = parse_yaml(text, file)
    if not isinstance(raw, dict):
        raise ScenarioError(file, [f"expected a mapping of scenario keys at the top level, got {show(raw)}"])
    problems = [f"{line}: {format_path(p)}: duplicate key" for p, line in lines.duplicates]
    if problems:
        raise ScenarioError(file, problems)
    try:
        base = Scenario.model_validate(raw)
    except ValidationError as e:
        raise ScenarioError(file, errors_of(e, raw, lines)) from None
    variants = build_variants(raw, lines, file)
    return LoadedScenario(path=path, raw=raw, base=base, variants=variants)


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
