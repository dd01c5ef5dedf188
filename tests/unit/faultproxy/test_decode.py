"""Request bodies are read as Toxiproxy's Go encoding/json reads them; responses are written like it."""

from __future__ import annotations

from typing import Any

import pytest

from harness.faultproxy.decode import dumps, expect_object, field, float32_json, parse_body
from harness.faultproxy.errors import ApiError


def message(fn: Any) -> str:
    with pytest.raises(ApiError) as info:
        fn()
    assert info.value.status == 400
    return info.value.message


def test_empty_body_is_eof() -> None:
    """An empty (or blank) body is Go's 'EOF'."""
    assert message(lambda: parse_body(b" \n")) == "bad request body: EOF"


def test_only_the_first_value_is_read() -> None:
    """Trailing bytes after the first JSON value are ignored, as by Go's json.Decoder."""
    assert parse_body(b'{"a": 1} trailing {garbage') == {"a": 1}


@pytest.mark.parametrize("raw", [b"NaN", b'{"toxicity": Infinity}', b"-Infinity", b"{", b"[1,]"])
def test_not_json_is_400(raw: bytes) -> None:
    """NaN/Infinity and broken JSON are 400 'bad request body: ...'."""
    assert message(lambda: parse_body(raw)).startswith("bad request body: ")


def test_invalid_utf8_is_replaced_not_rejected() -> None:
    """Invalid UTF-8 and lone surrogates become U+FFFD, as Go does."""
    obj = expect_object(parse_body(b'{"name": "a\xffb", "other": "\\ud800"}'), "x")
    assert (field(obj, "name", "string", "S"), field(obj, "other", "string", "S")) == ("a\ufffdb", "\ufffd")


def test_keys_match_case_insensitively_and_the_last_wins() -> None:
    """'NAME' fills field name; with several matching keys the last one counts; null changes nothing."""
    obj = expect_object(parse_body(b'{"name": "a", "NAME": "b", "Name": null}'), "x")
    assert field(obj, "name", "string", "Proxy", "default") == "b"


def test_absent_and_null_keep_the_default() -> None:
    """An absent key or a null value leaves the field at its default."""
    obj = expect_object(parse_body(b'{"enabled": null}'), "x")
    assert (field(obj, "enabled", "bool", "Proxy", True), field(obj, "listen", "string", "Proxy", "x")) == (True, "x")


@pytest.mark.parametrize(("raw", "kind"), [
    (b'{"f": "1"}', "int64"), (b'{"f": 1.5}', "int64"), (b'{"f": 1e2}', "int64"), (b'{"f": true}', "int64"),
    (b'{"f": 9223372036854775808}', "int64"), (b'{"f": 1}', "string"), (b'{"f": "yes"}', "bool"),
    (b'{"f": 1e39}', "float32"), (b'{"f": [1]}', "object"),
])
def test_wrong_types_name_the_go_field(raw: bytes, kind: Any) -> None:
    """A value Go could not unmarshal is a 400 naming the struct field and its Go type."""
    obj = expect_object(parse_body(raw), "x")
    text = message(lambda: field(obj, "f", kind, "LatencyToxic"))
    assert text.startswith("bad request body: json: cannot unmarshal ")
    assert "LatencyToxic.f" in text


@pytest.mark.parametrize(("raw", "kind", "expected"), [
    (b'{"name": 5}', "string", "number into Go struct field Proxy.name of type string"),
    (b'{"name": 1.5}', "bool", "number into Go struct field Proxy.name of type bool"),
    (b'{"name": 1.5}', "int64", "number 1.5 into Go struct field Proxy.name of type int64"),
    (b'{"name": 9223372036854775808}', "int64",
     "number 9223372036854775808 into Go struct field Proxy.name of type int64"),
])
def test_a_number_shows_its_value_only_for_a_number_field(raw: bytes, kind: Any, expected: str) -> None:
    """Like Go's literalStore: 'number 1.5' where an int or float field cannot hold it, else just 'number'."""
    obj = expect_object(parse_body(raw), "x")
    assert f"bad request body: json: cannot unmarshal {expected}" == message(lambda: field(obj, "name", kind, "Proxy"))


def test_a_number_body_is_just_number() -> None:
    """A number where an object is expected names no value, as in Go."""
    expected = "bad request body: json: cannot unmarshal number into Go value of type proxy.Proxy"
    assert expected == message(lambda: expect_object(5, "proxy.Proxy"))


def test_int64_bounds_are_accepted() -> None:
    """The full int64 range is accepted for integer fields."""
    obj = expect_object(parse_body(b'{"a": -9223372036854775808, "b": 9223372036854775807}'), "x")
    assert (field(obj, "a", "int64", "S"), field(obj, "b", "int64", "S")) == (-(2**63), 2**63 - 1)


def test_a_non_object_body_is_400() -> None:
    """An array where an object is expected is a 400; null is 'no change'."""
    assert "cannot unmarshal array" in message(lambda: expect_object([1], "proxy.Proxy"))
    assert expect_object(None, "proxy.Proxy") is None


@pytest.mark.parametrize(("value", "expected"), [(1.0, 1), (0.5, 0.5), (0.1, 0.1), (0.3, 0.3), (1e-7, 1e-07),
                                                 (0.0, 0)])
def test_float32_printed_like_go(value: float, expected: float) -> None:
    """toxicity is a float32 printed in its shortest form: 1 not 1.0, 0.1 not 0.10000000149011612."""
    from harness.faultproxy.decode import to_float32

    assert str(expected) == str(float32_json(to_float32(value)))


def test_dumps_is_compact_utf8() -> None:
    """Responses are compact JSON in UTF-8, like json.Marshal."""
    assert '{"a":[1,2],"é":"ü"}'.encode() == dumps({"a": [1, 2], "é": "ü"})
