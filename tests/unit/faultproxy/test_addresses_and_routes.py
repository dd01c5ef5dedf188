"""Addresses read like Go's net.SplitHostPort; paths cleaned and matched like gorilla/mux."""

from __future__ import annotations

import pytest

from harness.faultproxy.api import clean_path, match
from harness.faultproxy.metrics import label
from harness.faultproxy.proxy import split_address


@pytest.mark.parametrize(("address", "expected"), [
    ("127.0.0.1:3306", ("127.0.0.1", 3306)), ("[::1]:80", ("::1", 80)), (":8474", ("", 8474)),
    ("", ("", 0)), ("localhost:", ("localhost", 0)), ("localhost:http", ("localhost", 80)),
])
def test_split_address(address: str, expected: tuple[str, int]) -> None:
    """host:port, bracketed IPv6, empty host, empty port and service names, as Go reads them."""
    assert expected == split_address(address)


@pytest.mark.parametrize(("address", "problem"), [
    ("localhost", "missing port"), ("::1:80", "too many colons"), ("[::1]", "missing port"),
    ("h:99999", "invalid port"), ("h:nosuchservice", "unknown port"),
])
def test_split_address_errors(address: str, problem: str) -> None:
    """Malformed addresses are errors worded like Go's."""
    with pytest.raises(ValueError, match=problem):
        split_address(address)


@pytest.mark.parametrize(("path", "clean"), [
    ("/proxies", "/proxies"), ("//proxies", "/proxies"), ("/proxies/./a", "/proxies/a"),
    ("/proxies/../version", "/version"), ("/proxies/", "/proxies/"), ("/..", "/"), ("/a//b/", "/a/b/"),
])
def test_clean_path(path: str, clean: str) -> None:
    """Go's path.Clean, keeping a trailing slash (mux redirects when this differs from the path)."""
    assert clean == clean_path(path)


def test_match() -> None:
    """Each {var} matches exactly one non-empty segment."""
    assert match("/proxies/{proxy}/toxics/{toxic}", "/proxies/a/toxics/t") == {"proxy": "a", "toxic": "t"}
    assert (match("/proxies/{proxy}", "/proxies/a/b"), match("/proxies/{proxy}", "/proxies/")) == (None, None)


def test_metric_labels_are_escaped() -> None:
    """Backslash, quote and newline are escaped in Prometheus label values."""
    assert label('a\\b"c\nd') == 'a\\\\b\\"c\\nd'
