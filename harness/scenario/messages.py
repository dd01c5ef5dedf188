"""Pydantic's validation errors as one line each: the key path, what was expected, what was given.

    12: faults[2].latency_ms: expected an integer >= 0, got -50
    7: load.usres: unknown key; did you mean 'users'?

A validator may start its message with a key path relative to where it runs
(``stages[1].at_s: ...``): the path is joined to the error's location so the line number points
at the key itself. Several errors on one key (a union's members each refusing a value) are
merged into one line.
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

PathT = tuple[str | int, ...]
_MISSING = object()
_REL_PATH = re.compile(r"^((?:[A-Za-z_][A-Za-z0-9_]*)(?:\[\d+\]|\.[A-Za-z_][A-Za-z0-9_]*)*): (.+)$", re.S)
_KEY_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")

TYPE_WORDS = {
    "int_type": "an integer", "int_parsing": "an integer", "int_from_float": "an integer",
    "float_type": "a number", "float_parsing": "a number", "finite_number": "a finite number",
    "bool_type": "true or false", "bool_parsing": "true or false", "string_type": "a string",
    "list_type": "a list", "dict_type": "a mapping", "model_type": "a mapping",
    "model_attributes_type": "a mapping", "none_required": "null",
}
PATTERN_WORDS = {
    r"^/": "a path starting with '/'",
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$": "a name of letters, digits, '_', '.' or '-'",
    r"^[A-Za-z0-9][A-Za-z0-9_.=,-]*$": "a name of letters, digits, '_', '.', '=', ',' or '-'",
    r"^[A-Za-z_][A-Za-z0-9_]*$": "a variable name (letters, digits and '_')",
}


def split_key_path(dotted: str) -> PathT:
    parts: list[str | int] = []
    for name, index in _KEY_PART.findall(dotted):
        parts.append(int(index) if index else (int(name) if name.isdigit() else name))
    return tuple(parts)


_PLAIN_KEY = re.compile(r"[^\s'\"]+")


def format_path(path: Sequence[str | int]) -> str:
    """``faults[2].latency_ms``; a key with spaces or quotes in it is quoted: ``load['a b']``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not _PLAIN_KEY.fullmatch(str(part)):
            out += f"[{str(part)!r}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def show(value: Any) -> str:
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "...'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return str(value).splitlines()[0][:60] if str(value) else repr(value)


def _bounds(ctx: dict[str, Any]) -> tuple[str, bool]:
    """("> 0", integer?) from pydantic's ge/gt/le/lt; a float bound means a number field."""
    parts, integer = [], True
    for key, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
        if key in ctx:
            integer = integer and isinstance(ctx[key], int)
            parts.append(f"{sym} {ctx[key]:g}" if isinstance(ctx[key], float) else f"{sym} {ctx[key]}")
    return " and ".join(parts), integer


def describe(err: dict[str, Any], allowed: list[str] | None) -> str:
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
        return str(err["msg"]).lower() + got
    if kind in ("value_error", "assertion_error"):
        return re.sub(r"^(Value|Assertion) error, ", "", str(err["msg"]))
    return f"{err['msg']}{got}"


def child(node: Any, part: Any) -> Any:
    """``node[part]`` for a mapping key or a list index, else _MISSING."""
    if isinstance(node, dict):
        try:
            return node.get(part, _MISSING)
        except TypeError:
            return _MISSING
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return _MISSING


def resolve(loc: Sequence[Any], raw: Any, kind: str) -> PathT:
    """The document path of a pydantic ``loc``: drop union tags and type names pydantic inserts."""
    path: list[str | int] = []
    node = raw
    for i, part in enumerate(loc):
        value = child(node, part)
        if value is not _MISSING:
            path.append(part if isinstance(part, int) else str(part))
            node = value
        elif i == len(loc) - 1 and kind in ("missing", "extra_forbidden"):
            path.append(part if isinstance(part, int) else str(part))
        # else: a union member or tag name, not a key of the document
    return tuple(path)


def model_in(annotation: Any, node: Any) -> type[BaseModel] | None:
    """The model class a field holds, through list/Optional/Annotated; for a tagged union, the
    member whose tag (a one-value Literal field every member has: ``type``, a preset's ``name``)
    is the node's."""
    found: list[type[BaseModel]] = []
    stack = [annotation]
    while stack:
        a = stack.pop()
        if isinstance(a, type) and issubclass(a, BaseModel):
            found.append(a)
        elif not isinstance(a, type | str) and a is not None:
            stack.extend(typing.get_args(a))
    if len(found) <= 1:
        return found[0] if found else None
    if not isinstance(node, dict):
        return None
    for key in found[0].model_fields:
        tags = [_tag(m, key) for m in found]
        if all(t is not None for t in tags) and len(set(tags)) == len(tags):
            return next((m for m, t in zip(found, tags, strict=True) if t == node.get(key)), None)
    return None


def _tag(model: type[BaseModel], key: str) -> Any:
    """The single value of ``model.key`` when it is a one-value Literal, else None."""
    field = model.model_fields.get(key)
    if field is None or typing.get_origin(field.annotation) is not typing.Literal:
        return None
    values = typing.get_args(field.annotation)
    return values[0] if len(values) == 1 else None


def allowed_keys(model: type[BaseModel], path: PathT, raw: Any) -> list[str] | None:
    """The keys allowed in the mapping at ``path`` (for "did you mean"); None inside free-form data."""
    current: type[BaseModel] | None = model
    node = raw
    i = 0
    while i < len(path):
        part = path[i]
        if current is None or isinstance(part, int):
            return None
        field = current.model_fields.get(part)
        if field is None:
            return None
        node = child(node, part)
        if i + 1 < len(path) and isinstance(path[i + 1], int):  # a list item: its own type decides
            i += 1
            node = child(node, path[i])
        current = model_in(field.annotation, node if isinstance(node, dict) else None)
        i += 1
    return list(current.model_fields) if current is not None else None


def errors_of(exc: ValidationError, raw: Any, model: type[BaseModel], line_of: Callable[[PathT], int | None],
              prefix: str = "") -> list[str]:
    """One line per key with errors, in the order of the file."""
    by_path: dict[PathT, list[str]] = {}
    kinds: dict[PathT, list[str]] = {}
    for err in exc.errors(include_url=False):
        path = resolve(err["loc"], raw, err["type"])
        allowed = allowed_keys(model, path[:-1], raw) if err["type"] == "extra_forbidden" else None
        message = describe(dict(err), allowed)
        if err["type"] in ("value_error", "assertion_error"):
            m = _REL_PATH.match(message)
            if m:
                path, message = (*path, *split_key_path(m.group(1))), m.group(2)
        message = " ".join(message.split())  # one line, whatever a validator wrote
        if message not in by_path.setdefault(path, []):
            by_path[path].append(message)
            kinds.setdefault(path, []).append(err["type"])
    out: list[tuple[int, str]] = []
    for path, messages in by_path.items():
        line = line_of(path)
        where = f"{line}: " if line else ""
        text = _merge(messages) if all(k in TYPE_WORDS for k in kinds[path]) else "; ".join(messages)
        out.append((line or 0, f"{where}{prefix}{format_path(path) if path else '(top level)'}: {text}"))
    return [m for _, m in sorted(out, key=lambda x: x[0])]


def _merge(messages: list[str]) -> str:
    """'expected an integer, got X' + 'expected a string, got X' -> 'expected an integer or a string, got X'."""
    if len(messages) == 1:
        return messages[0]
    wants, got = [], ""
    for m in messages:
        want, _, g = m.removeprefix("expected ").partition(", got ")
        wants.append(want)
        got = got or g
    return f"expected {', '.join(wants[:-1])} or {wants[-1]}" + (f", got {got}" if got else "")
