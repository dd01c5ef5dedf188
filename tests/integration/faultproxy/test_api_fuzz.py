"""The API never crashes and never answers 500 for a client mistake (hypothesis, against the real process).

Random methods, paths and bodies, raw bytes, JSON of every shape (NaN, huge numbers, deep
nesting, mistyped fields, near-valid proxies and toxics with random attributes) are sent in
sequences against our server. The only 500s allowed are those Toxiproxy itself gives a client:
listen addresses that cannot be resolved or bound (reference 1.3). A handler bug would answer
"internal error" (500), a hang 503; both fail. Afterwards the server must still proxy traffic.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.stack.proxy import EmbeddedProxyServer
from tests.integration.faultproxy.support import EchoServer, Http, dial, round_trip_ms

NAMES = ["p0", "p1", "p2"]
TOXIC_NAMES = ["t0", "t1", "latency_downstream", "timeout_upstream"]
TYPES = ["latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data", "noop"]
ATTRIBUTES = ["latency", "jitter", "rate", "delay", "timeout", "average_size", "size_variation", "bytes", "LATENCY"]
# Never a real port: a fuzzed listen address must not grab a port something else on this machine uses.
SAFE_LISTEN: list[Any] = ["127.0.0.1:0", "localhost:0", "", ":0", "[::1]:0", "nonsense", "127.0.0.1",
                          "127.0.0.1:99999", "127.0.0.1:-1", "999.1.1.1:0", "[::1", "a:b:c", None, 5, [], {}]
ALLOWED_500_PREFIXES = ("listen tcp ", "address ", "lookup ")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
numbers = st.integers(min_value=-(2**64), max_value=2**64) | st.sampled_from([0, 1, -1, 10, 100, 2**63 - 1])
attributes = st.dictionaries(st.sampled_from(ATTRIBUTES), numbers | json_values, max_size=4) | json_values
toxic_fields = {
    "type": st.sampled_from(TYPES) | json_values, "name": st.sampled_from(TOXIC_NAMES) | json_values,
    "stream": st.sampled_from(["upstream", "downstream", "UpStream", "", "sideways"]) | json_values,
    "toxicity": st.floats(min_value=-1, max_value=2) | json_values, "attributes": attributes}
toxic_body = (st.fixed_dictionaries({k: v for k, v in toxic_fields.items() if k != "name"}, optional={
    "name": toxic_fields["name"]}) | st.fixed_dictionaries({}, optional=toxic_fields))
proxy_fields = {
    "name": st.sampled_from(NAMES) | json_values, "upstream": st.sampled_from(["127.0.0.1:1", "x"]) | json_values,
    "listen": st.just("listen"), "LISTEN": st.just("listen"), "enabled": st.booleans() | json_values,
    "toxics": st.lists(toxic_body, max_size=3) | json_values}
proxy_body = (st.fixed_dictionaries({k: proxy_fields[k] for k in ("name", "upstream", "listen")}, optional={
    k: proxy_fields[k] for k in ("enabled", "toxics")}) | st.fixed_dictionaries({}, optional=proxy_fields))
bodies = (st.none() | st.binary(max_size=40) | json_values | toxic_body | proxy_body
          | st.lists(proxy_body, max_size=3))
segments = st.sampled_from(NAMES + TOXIC_NAMES) | st.text(min_size=1, max_size=8).map(lambda s: quote(s, safe=""))
paths = st.one_of(
    st.just("/proxies"), st.just("/populate"), st.just("/reset"), st.just("/version"), st.just("/metrics"),
    segments.map(lambda p: f"/proxies/{p}"), segments.map(lambda p: f"/proxies/{p}/toxics"),
    st.tuples(segments, segments).map(lambda pt: f"/proxies/{pt[0]}/toxics/{pt[1]}"),
    st.text(max_size=15).map(lambda s: "/" + quote(s, safe="/.")))
proxy_names = st.sampled_from(NAMES)
toxic_names = st.sampled_from(TOXIC_NAMES)
structured = st.one_of(  # requests aimed at real endpoints, with bodies of the right shape (mostly)
    st.tuples(st.just("POST"), st.just("/proxies"), proxy_body),
    st.tuples(st.just("POST"), st.just("/populate"), st.lists(proxy_body, max_size=3)),
    st.tuples(st.sampled_from(["POST", "PATCH"]), proxy_names.map(lambda p: f"/proxies/{p}"), proxy_body),
    st.tuples(st.just("POST"), proxy_names.map(lambda p: f"/proxies/{p}/toxics"), toxic_body),
    st.tuples(st.sampled_from(["POST", "PATCH"]),
              st.tuples(proxy_names, toxic_names).map(lambda pt: f"/proxies/{pt[0]}/toxics/{pt[1]}"), toxic_body),
    st.tuples(st.sampled_from(["GET", "DELETE"]), st.one_of(
        proxy_names.map(lambda p: f"/proxies/{p}"), proxy_names.map(lambda p: f"/proxies/{p}/toxics"),
        st.tuples(proxy_names, toxic_names).map(lambda pt: f"/proxies/{pt[0]}/toxics/{pt[1]}")), st.none()),
    st.tuples(st.just("POST"), st.just("/reset"), st.none() | json_values),
)
anything = st.tuples(st.sampled_from(["GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS"]), paths, bodies)
requests_ = structured | anything

def make_safe(value: Any, listen: Any) -> Any:
    """Replace every listen address (any key that folds to 'listen') with a harmless one."""
    if isinstance(value, dict):
        return {k: listen if k.casefold() == "listen" else make_safe(v, listen) for k, v in value.items()}
    if isinstance(value, list):
        return [make_safe(v, listen) for v in value]
    return value


def encode(body: Any) -> bytes | None:
    if body is None or isinstance(body, bytes):
        return body
    return json.dumps(body, allow_nan=True).encode()


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Http]:
    """Our server alone (the fuzzing must not touch another test's proxies, nor a real toxiproxy)."""
    server = EmbeddedProxyServer(Path(tmp_path_factory.mktemp("faultproxy-fuzz")))
    client = server.start()
    try:
        yield Http(client.url)
    finally:
        server.stop()


def check(r: requests.Response, what: str) -> None:
    assert r.status_code <= 500, f"{what}: {r.status_code} {r.text[:200]}"
    if r.status_code == 500:
        error = r.json()["error"]
        assert error.startswith(ALLOWED_500_PREFIXES), f"{what}: 500 for a client mistake: {error}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(sequence=st.lists(requests_, min_size=1, max_size=8), listen=st.sampled_from(SAFE_LISTEN))
def test_random_requests_never_500(fuzzed: Http, sequence: list[tuple[str, str, Any]], listen: Any) -> None:
    """No sequence of random requests gets a 500 (beyond Toxiproxy's own bind errors) or breaks the server."""
    try:
        for name in NAMES:  # requests aimed at proxies find them
            fuzzed.call("POST", "/proxies", {"name": name, "upstream": "127.0.0.1:1", "listen": "127.0.0.1:0"})
        for method, path, body in sequence:
            raw = encode(make_safe(body, listen))
            r = fuzzed.call(method, path, raw=raw) if raw is not None else fuzzed.call(method, path)
            check(r, f"{method} {path} {raw!r:.200}")
        assert fuzzed.call("GET", "/version").status_code == 200
    finally:
        for name in fuzzed.call("GET", "/proxies").json():
            fuzzed.call("DELETE", f"/proxies/{quote(name, safe='')}")


def test_server_still_proxies_after_fuzzing(fuzzed: Http) -> None:
    """After the fuzzing (run first, in file order), a new proxy carries traffic."""
    echo = EchoServer()
    try:
        listen = fuzzed.create(echo.address, name="after_fuzz")["listen"]
        with dial(listen) as s:
            assert math.isfinite(round_trip_ms(s))
    finally:
        echo.close()
        fuzzed.cleanup()
        fuzzed.call("DELETE", "/proxies/after_fuzz")
