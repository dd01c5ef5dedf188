"""Request bodies read the way Toxiproxy's Go ``encoding/json`` reads them.

A client can tell the difference in a handful of places, so those are reproduced here:

* only the first JSON value of a body is read (trailing bytes are ignored, as by ``Decoder``);
* an empty body is ``EOF``; ``NaN`` and ``Infinity`` are not JSON;
* object keys match struct fields case-insensitively, and the last matching key wins;
* ``null`` leaves a field as it was (its default, or the current setting on an update);
* a value of the wrong JSON type, or a fractional or out-of-range number for an integer field,
  is a 400 naming the Go struct field, like Go's ``UnmarshalTypeError``;
* invalid UTF-8 and lone surrogates become U+FFFD instead of failing.

Responses are encoded here too: compact, UTF-8, and float32 values printed the way Go prints
them (``1`` rather than ``1.0``, ``0.1`` rather than ``0.10000000149011612``).
"""

from __future__ import annotations

import json
import math
import re
import struct
from typing import Any, Literal

from harness.faultproxy.errors import bad_body

Kind = Literal["string", "bool", "int64", "int", "float32", "object"]
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")


class GoObject(dict[str, Any]):
    """A decoded JSON object that also keeps every key in document order (duplicates included)."""

    pairs: list[tuple[str, Any]]


def _make_object(pairs: list[tuple[str, Any]]) -> GoObject:
    obj = GoObject(pairs)
    obj.pairs = pairs
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


_DECODER = json.JSONDecoder(object_pairs_hook=_make_object, parse_constant=_reject_constant)


def parse_body(raw: bytes) -> Any:
    """The first JSON value of a request body, or a 400 ``bad request body: ...``."""
    text = raw.decode("utf-8", "replace").lstrip(" \t\r\n")
    if not text:
        raise bad_body("EOF")
    try:
        value, _ = _DECODER.raw_decode(text)
    except RecursionError:
        raise bad_body("exceeded max depth") from None
    except ValueError as e:
        raise bad_body(str(e)) from None
    return value


_NUMERIC_GO_TYPES = frozenset({"int64", "int", "float32"})


def json_kind(value: Any, go_type: str) -> str:
    """The JSON kind of a decoded value bound for a Go ``go_type``, as ``UnmarshalTypeError`` names it.

    Go's ``literalStore`` adds the number itself only when a number does not fit a number field
    (``number 1.5`` into an int64); a number into a string, bool, struct or slice is just ``number``.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return f"number {value}" if go_type in _NUMERIC_GO_TYPES else "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def type_error(value: Any, target: str, go_type: str) -> Exception:
    return bad_body(f"json: cannot unmarshal {json_kind(value, go_type)} into Go {target} of type {go_type}")


def expect_object(value: Any, go_type: str) -> GoObject | None:
    """The body as an object (``None`` for a JSON ``null``, which Go decodes as 'no change')."""
    if value is None or isinstance(value, GoObject):
        return value
    raise type_error(value, "value", go_type)


def field(obj: GoObject | None, name: str, kind: Kind, struct_name: str, default: Any = None) -> Any:
    """The value of struct field ``name`` in ``obj``: the last non-null matching key, type-checked."""
    value = default
    if obj is None:
        return value
    for key, raw in obj.pairs:
        if raw is None or (key != name and key.casefold() != name):
            continue
        value = convert(raw, kind, f"struct field {struct_name}.{name}")
    return value


_GO_TYPES = {"string": "string", "bool": "bool", "int64": "int64", "int": "int", "float32": "float32",
             "object": "map[string]interface {}"}


def convert(raw: Any, kind: Kind, target: str) -> Any:
    """One JSON value as a Go field of type ``kind`` would take it, or a 400."""
    go_type = _GO_TYPES[kind]
    if kind == "string":
        if isinstance(raw, str):
            return _SURROGATE.sub("\ufffd", raw)
    elif kind == "bool":
        if isinstance(raw, bool):
            return raw
    elif kind in ("int64", "int"):
        if isinstance(raw, int) and not isinstance(raw, bool) and INT64_MIN <= raw <= INT64_MAX:
            return raw
    elif kind == "float32":
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            try:
                return to_float32(raw)
            except (OverflowError, ValueError):
                pass
    elif isinstance(raw, GoObject):
        return raw
    raise type_error(raw, target, go_type)


def to_float32(value: float) -> float:
    """``value`` rounded to the nearest float32 (OverflowError beyond its range, like Go)."""
    if not math.isfinite(value):
        raise ValueError(value)
    return float(struct.unpack("<f", struct.pack("<f", value))[0])


def float32_json(value: float) -> float | int:
    """A float32 as Go's encoder prints it: the shortest decimal that reads back the same."""
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        if to_float32(float(text)) == value:
            number = float(text)
            return int(number) if number.is_integer() and abs(number) < 1e21 else number
    return value


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, as Go's ``json.Marshal`` writes it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")
