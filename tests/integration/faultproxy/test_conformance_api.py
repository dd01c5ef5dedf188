"""Conformance of the HTTP API to Toxiproxy 2.12 (reference sections 1.2-1.5 and 1.13).

Every test holds for a real toxiproxy too (``TOXIPROXY_URL=http://host:8474 pytest ...``),
except those marked ``ours_only``: our extensions and deliberate differences.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

from tests.integration.faultproxy.conftest import ours_only
from tests.integration.faultproxy.support import EchoServer, Http, address_of, closed_port, dial

LATENCY_DEFAULT = {"attributes": {"latency": 0, "jitter": 0}, "type": "latency", "stream": "downstream",
                   "toxicity": 1}


def refuses(listen: str) -> bool:
    try:
        socket.create_connection(address_of(listen), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def error_of(r: Any) -> tuple[int, str]:
    body = r.json()
    assert body["status"] == r.status_code
    return r.status_code, body["error"]


# -- router and middleware --------------------------------------------------------------------
def test_version(api: Http) -> None:
    """GET /version answers 200 with {"version": ...} as JSON, and a request id."""
    r = api.call("GET", "/version")
    assert (r.status_code, r.headers["Content-Type"]) == (200, "application/json;charset=utf-8")
    assert isinstance(r.json()["version"], str)
    assert r.headers.get("X-Toxiproxy-Request-Id")


def test_unknown_path_is_the_routers_404(api: Http) -> None:
    """An unknown path gets gorilla/mux's plain-text 404."""
    r = api.call("GET", "/nothing/here")
    assert (r.status_code, r.text) == (404, "404 page not found\n")


def test_wrong_method_is_an_empty_405(api: Http) -> None:
    """A known path with a method it does not route answers 405 with an empty body."""
    r = api.call("PUT", "/proxies")
    assert (r.status_code, r.text) == (405, "")


def test_browsers_get_403(api: Http) -> None:
    """A browser user agent is refused with 403 'User agent not allowed'."""
    r = api.call("GET", "/proxies", headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"})
    assert (r.status_code, r.text) == (403, "User agent not allowed\n")


def test_unclean_path_redirects(api: Http) -> None:
    """A path with '//' or '.' segments is answered with a 301 to its clean form."""
    r = api.call("GET", "//proxies/./x")
    assert (r.status_code, r.headers["Location"]) == (301, "/proxies/x")


# -- proxies ----------------------------------------------------------------------------------
def test_create_binds_and_reports_the_real_address(api: Http, echo: EchoServer) -> None:
    """POST /proxies answers 201 with the proxy; 'listen' is the address really bound."""
    name = api.new_name()
    r = api.call("POST", "/proxies", {"name": name, "upstream": echo.address, "listen": "localhost:0"})
    body = r.json()
    assert r.status_code == 201
    assert [body["name"], body["upstream"], body["enabled"], body["toxics"]] == [name, echo.address, True, []]
    host, port = address_of(body["listen"])
    assert (host, port > 0) == ("127.0.0.1", True)
    assert list(body)[:5] == ["name", "listen", "upstream", "enabled", "toxics"]
    dial(body["listen"]).close()


def test_create_disabled_keeps_listen_and_does_not_bind(api: Http) -> None:
    """A proxy created with enabled:false keeps 'listen' as sent and refuses connections."""
    with socket.create_server(("127.0.0.1", 0)) as s:
        listen = f"127.0.0.1:{s.getsockname()[1]}"
    body = api.create(closed_port(), listen=listen, enabled=False)
    assert (listen, False) == (body["listen"], body["enabled"])
    assert refuses(listen)


@pytest.mark.parametrize(("body", "expected"), [
    ({"upstream": "127.0.0.1:1"}, "missing required field: name"),
    ({"name": "x"}, "missing required field: upstream"),
    ({}, "missing required field: name"),
    ({"name": "", "upstream": "127.0.0.1:1"}, "missing required field: name"),
])
def test_create_requires_name_then_upstream(api: Http, body: dict[str, Any], expected: str) -> None:
    """Missing name or upstream is a 400 naming the field, name checked first."""
    assert (400, expected) == error_of(api.call("POST", "/proxies", body))


@pytest.mark.parametrize("raw", [b"", b"{", b"[1]", b'{"name": "x", "upstream": "y:1", "enabled": "yes"}',
                                 b'{"name": 5, "upstream": "y:1"}'])
def test_create_with_a_bad_body_is_400(api: Http, raw: bytes) -> None:
    """A body that is not a proxy object is a 400 'bad request body: ...'."""
    status, message = error_of(api.call("POST", "/proxies", raw=raw))
    assert (status, message.startswith("bad request body")) == (400, True)


def test_a_number_for_a_string_field_names_the_field(api: Http) -> None:
    """A number where a string belongs is Go's message, which names the field but not the number."""
    expected = "bad request body: json: cannot unmarshal number into Go struct field Proxy.name of type string"
    assert (400, expected) == error_of(api.call("POST", "/proxies", raw=b'{"name": 5, "upstream": "y:1"}'))


def test_error_body_shape(api: Http) -> None:
    """Errors are {"error", "status"} JSON, labelled text/plain, ending in a newline."""
    r = api.call("GET", "/proxies/does_not_exist")
    assert (r.status_code, r.headers["Content-Type"], r.text.endswith("\n")) == (404, "text/plain; charset=utf-8", True)
    assert {k: r.json()[k] for k in ("error", "status")} == {"error": "proxy not found", "status": 404}


def test_duplicate_name_is_409(api: Http) -> None:
    """Creating a proxy whose name exists answers 409 'proxy already exists'."""
    body = api.create(closed_port())
    r = api.call("POST", "/proxies", {"name": body["name"], "upstream": "127.0.0.1:2"})
    assert error_of(r) == (409, "proxy already exists")


def test_port_conflict_is_500_and_stores_nothing(api: Http) -> None:
    """A listen address in use is a 500 with the bind error, and no proxy is stored."""
    taken = api.create(closed_port())["listen"]
    name = api.new_name()
    status, message = error_of(api.call("POST", "/proxies", {"name": name, "upstream": "127.0.0.1:1", "listen": taken}))
    assert (status, "address already in use" in message) == (500, True)
    assert api.call("GET", f"/proxies/{name}").status_code == 404


def test_list_is_an_object_keyed_by_name(api: Http) -> None:
    """GET /proxies is an object keyed by proxy name, values with name/listen/upstream/enabled."""
    body = api.create(closed_port())
    listing = api.call("GET", "/proxies").json()
    assert {k: listing[body["name"]][k] for k in ("name", "listen", "upstream", "enabled", "toxics")} == {
        k: body[k] for k in ("name", "listen", "upstream", "enabled", "toxics")}


def test_get_and_404(api: Http) -> None:
    """GET /proxies/{p} answers the proxy; an unknown one 404 'proxy not found'."""
    body = api.create(closed_port())
    r = api.call("GET", f"/proxies/{body['name']}")
    assert (200, body["listen"]) == (r.status_code, r.json()["listen"])
    assert error_of(api.call("GET", "/proxies/nope_nope")) == (404, "proxy not found")


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_disable_and_enable(api: Http, method: str) -> None:
    """{"enabled": false} closes the listener (connects refused); true re-binds the same address."""
    body = api.create(closed_port())
    r = api.call(method, f"/proxies/{body['name']}", {"enabled": False})
    assert (200, False, body["upstream"]) == (r.status_code, r.json()["enabled"], r.json()["upstream"])
    assert refuses(body["listen"])
    r = api.call(method, f"/proxies/{body['name']}", {"enabled": True})
    assert (200, True, body["listen"]) == (r.status_code, r.json()["enabled"], r.json()["listen"])
    dial(body["listen"]).close()


def test_update_is_partial_and_ignores_name(api: Http) -> None:
    """An update changes only the fields it carries; 'name' cannot be changed."""
    body = api.create(closed_port())
    new_upstream = closed_port()
    r = api.call("PATCH", f"/proxies/{body['name']}", {"upstream": new_upstream, "name": "renamed"})
    assert [200, body["name"], new_upstream, body["listen"], True] == [
        r.status_code, r.json()["name"], r.json()["upstream"], r.json()["listen"], r.json()["enabled"]]


def test_update_unknown_and_bad_body(api: Http) -> None:
    """Updating an unknown proxy is 404; a body of the wrong type is 400."""
    body = api.create(closed_port())
    assert api.call("PATCH", "/proxies/nope_nope", {"enabled": False}).status_code == 404
    assert api.call("PATCH", f"/proxies/{body['name']}", {"enabled": "no"}).status_code == 400
    assert api.call("PATCH", f"/proxies/{body['name']}", raw=b"").status_code == 400


def test_delete(api: Http) -> None:
    """DELETE answers 204 with no body, then the proxy is gone (404) and its port closed."""
    body = api.create(closed_port())
    r = api.call("DELETE", f"/proxies/{body['name']}")
    assert (r.status_code, r.content) == (204, b"")
    assert api.call("DELETE", f"/proxies/{body['name']}").status_code == 404
    assert api.call("GET", f"/proxies/{body['name']}").status_code == 404
    assert refuses(body["listen"])


# -- toxics -----------------------------------------------------------------------------------
def test_toxic_defaults(api: Http) -> None:
    """A toxic with only a type: 200 (not 201), name <type>_<stream>, downstream, toxicity 1, zero attributes."""
    p = api.create(closed_port())["name"]
    r = api.call("POST", f"/proxies/{p}/toxics", {"type": "latency"})
    assert (r.status_code, r.json()) == (200, {**LATENCY_DEFAULT, "name": "latency_downstream"})
    assert [r.json()] == api.call("GET", f"/proxies/{p}/toxics").json()


def test_toxic_list_is_empty_array(api: Http) -> None:
    """A proxy without toxics lists [] (also inside the proxy)."""
    p = api.create(closed_port())["name"]
    listed, inside = api.call("GET", f"/proxies/{p}/toxics").json(), api.call("GET", f"/proxies/{p}").json()["toxics"]
    assert (listed, inside) == ([], [])


def test_stream_is_case_insensitive_and_stored_as_sent(api: Http) -> None:
    """'UPSTREAM' is accepted, stored as sent, and used in the default name."""
    p = api.create(closed_port())["name"]
    r = api.call("POST", f"/proxies/{p}/toxics", {"type": "noop", "stream": "UPSTREAM"})
    body = r.json()
    assert (r.status_code, body["stream"], body["name"], body["attributes"]) == (200, "UPSTREAM", "noop_UPSTREAM", {})


@pytest.mark.parametrize(("body", "expected"), [
    ({"type": "latency", "stream": ""}, (400, "stream was invalid, can be either upstream or downstream")),
    ({"type": "latency", "stream": "sideways"}, (400, "stream was invalid, can be either upstream or downstream")),
    ({"type": "earthquake"}, (400, "invalid toxic type")),
    ({"stream": "upstream"}, (400, "invalid toxic type")),
    ({"type": "earthquake", "stream": "sideways"}, (400, "stream was invalid, can be either upstream or downstream")),
])
def test_toxic_validation(api: Http, body: dict[str, Any], expected: tuple[int, str]) -> None:
    """Invalid stream and invalid type are 400s, checked in Toxiproxy's order (stream first)."""
    p = api.create(closed_port())["name"]
    assert expected == error_of(api.call("POST", f"/proxies/{p}/toxics", body))


def test_toxic_bad_attribute_type_is_400(api: Http) -> None:
    """An attribute of the wrong JSON type ("100", 1.5) is a 400 'bad request body'."""
    p = api.create(closed_port())["name"]
    for value in ("100", 1.5):
        status, message = error_of(api.call("POST", f"/proxies/{p}/toxics",
                                            {"type": "latency", "attributes": {"latency": value}}))
        assert (status, message.startswith("bad request body")) == (400, True)
    assert api.call("GET", f"/proxies/{p}/toxics").json() == []


def test_toxic_null_attributes_are_zero(api: Http) -> None:
    """"attributes": null (as chaostoolkit sends) gives every attribute 0."""
    p = api.create(closed_port())["name"]
    r = api.call("POST", f"/proxies/{p}/toxics", {"type": "latency", "attributes": None})
    assert (r.status_code, r.json()["attributes"]) == (200, {"latency": 0, "jitter": 0})


def test_toxic_names_are_unique_across_streams(api: Http) -> None:
    """A second toxic with a used name is a 409, even in the other stream."""
    p = api.create(closed_port())["name"]
    assert api.call("POST", f"/proxies/{p}/toxics", {"type": "latency", "name": "t"}).status_code == 200
    for stream in ("downstream", "upstream"):
        r = api.call("POST", f"/proxies/{p}/toxics", {"type": "latency", "name": "t", "stream": stream})
        assert error_of(r) == (409, "toxic already exists")


def test_toxic_order_upstream_first(api: Http) -> None:
    """Toxics list the upstream chain first, then downstream, each in insertion order."""
    p = api.create(closed_port())["name"]
    for name, stream in (("d1", "downstream"), ("u1", "upstream"), ("d2", "downstream"), ("u2", "upstream")):
        api.call("POST", f"/proxies/{p}/toxics", {"type": "noop", "name": name, "stream": stream})
    assert [t["name"] for t in api.call("GET", f"/proxies/{p}/toxics").json()] == ["u1", "u2", "d1", "d2"]


def test_toxic_get_and_404s(api: Http) -> None:
    """GET a toxic answers it; unknown toxic and unknown proxy are both 404s with their messages."""
    p = api.create(closed_port())["name"]
    api.add_toxic(p, "latency", latency=5)
    assert api.call("GET", f"/proxies/{p}/toxics/latency_downstream").json()["attributes"]["latency"] == 5
    assert error_of(api.call("GET", f"/proxies/{p}/toxics/nope")) == (404, "toxic not found")
    assert error_of(api.call("GET", "/proxies/nope_nope/toxics/nope")) == (404, "proxy not found")
    assert error_of(api.call("POST", "/proxies/nope_nope/toxics", {"type": "noop"})) == (404, "proxy not found")


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_toxic_update_merges(api: Http, method: str) -> None:
    """An update keeps absent attributes and toxicity; name/type/stream cannot change."""
    p = api.create(closed_port())["name"]
    api.add_toxic(p, "latency", latency=100, jitter=10)
    r = api.call(method, f"/proxies/{p}/toxics/latency_downstream",
                 {"attributes": {"latency": 1000}, "name": "other", "type": "timeout", "stream": "upstream"})
    merged = {**LATENCY_DEFAULT, "name": "latency_downstream", "attributes": {"latency": 1000, "jitter": 10}}
    assert (r.status_code, r.json()) == (200, merged)
    r = api.call(method, f"/proxies/{p}/toxics/latency_downstream", {"toxicity": 0.5})
    assert (r.json()["toxicity"], r.json()["attributes"]) == (0.5, {"latency": 1000, "jitter": 10})


def test_toxic_update_errors(api: Http) -> None:
    """Updating an unknown toxic is 404; a mistyped attribute is 400 and changes nothing."""
    p = api.create(closed_port())["name"]
    api.add_toxic(p, "latency", latency=100)
    assert error_of(api.call("PATCH", f"/proxies/{p}/toxics/nope", {"toxicity": 1})) == (404, "toxic not found")
    r = api.call("PATCH", f"/proxies/{p}/toxics/latency_downstream", {"attributes": {"latency": "slow"}})
    assert r.status_code == 400
    assert api.call("GET", f"/proxies/{p}/toxics/latency_downstream").json()["attributes"]["latency"] == 100


def test_toxic_delete(api: Http) -> None:
    """DELETE a toxic answers 204; again, 404."""
    p = api.create(closed_port())["name"]
    api.add_toxic(p, "latency")
    r = api.call("DELETE", f"/proxies/{p}/toxics/latency_downstream")
    assert (r.status_code, r.content, api.call("GET", f"/proxies/{p}/toxics").json()) == (204, b"", [])
    assert api.call("DELETE", f"/proxies/{p}/toxics/latency_downstream").status_code == 404


@pytest.mark.parametrize(("toxic_type", "attributes"), [
    ("latency", {"latency": 1, "jitter": 2}), ("bandwidth", {"rate": 3}), ("slow_close", {"delay": 4}),
    ("timeout", {"timeout": 5}), ("reset_peer", {"timeout": 6}),
    ("slicer", {"average_size": 7, "size_variation": 2, "delay": 8}), ("limit_data", {"bytes": 9}), ("noop", {}),
])
def test_every_toxic_type_and_its_attributes(api: Http, toxic_type: str, attributes: dict[str, int]) -> None:
    """Each of the eight toxic types is accepted with its attributes echoed back."""
    p = api.create(closed_port())["name"]
    r = api.call("POST", f"/proxies/{p}/toxics", {"type": toxic_type, "attributes": attributes})
    assert (200, attributes) == (r.status_code, r.json()["attributes"])


def test_toxics_survive_a_disable(api: Http) -> None:
    """Toxics are kept when the proxy is disabled and enabled again."""
    p = api.create(closed_port())["name"]
    api.add_toxic(p, "latency", latency=7)
    api.call("POST", f"/proxies/{p}", {"enabled": False})
    api.call("POST", f"/proxies/{p}", {"enabled": True})
    assert [t["attributes"]["latency"] for t in api.call("GET", f"/proxies/{p}/toxics").json()] == [7]


# -- populate and reset -----------------------------------------------------------------------
def test_populate_creates(api: Http) -> None:
    """POST /populate answers 201 {"proxies": [...]} and creates each proxy, enabled by default."""
    a, b = api.new_name(), api.new_name()
    r = api.call("POST", "/populate", [{"name": a, "upstream": closed_port(), "listen": "127.0.0.1:0"},
                                       {"name": b, "upstream": closed_port(), "listen": "127.0.0.1:0",
                                        "enabled": False}])
    assert (201, [a, b], [True, False]) == (r.status_code, [p["name"] for p in r.json()["proxies"]],
                                            [p["enabled"] for p in r.json()["proxies"]])


def test_populate_keeps_an_unchanged_proxy_and_replaces_a_changed_one(api: Http) -> None:
    """An existing proxy that does not differ keeps its toxics; one whose upstream changed is replaced."""
    keep, change = api.create(closed_port()), api.create(closed_port())
    for p in (keep, change):
        api.add_toxic(p["name"], "latency")
    new_upstream = closed_port()
    r = api.call("POST", "/populate", [
        {"name": keep["name"], "upstream": keep["upstream"], "listen": keep["listen"]},
        {"name": change["name"], "upstream": new_upstream, "listen": "127.0.0.1:0"}])
    assert r.status_code == 201
    kept = api.call("GET", f"/proxies/{keep['name']}").json()
    changed = api.call("GET", f"/proxies/{change['name']}").json()
    assert (1, keep["listen"]) == (len(kept["toxics"]), kept["listen"])
    assert ([], new_upstream) == (changed["toxics"], changed["upstream"])


def test_populate_validates_everything_first(api: Http) -> None:
    """A missing upstream in item 2 is a 400 naming it, and item 1 is not created."""
    a = api.new_name()
    r = api.call("POST", "/populate", [{"name": a, "upstream": closed_port()}, {"name": api.new_name()}])
    assert error_of(r) == (400, "missing required field: upstream at proxy 2")
    assert api.call("GET", f"/proxies/{a}").status_code == 404


def test_populate_partial_failure_keeps_earlier_items(api: Http) -> None:
    """A bind failure in item 2 answers 500 with the proxies done so far; item 1 stays."""
    taken = api.create(closed_port())["listen"]
    a, b = api.new_name(), api.new_name()
    r = api.call("POST", "/populate", [{"name": a, "upstream": closed_port(), "listen": "127.0.0.1:0"},
                                       {"name": b, "upstream": closed_port(), "listen": taken}])
    assert (500, [a]) == (r.status_code, [p["name"] for p in r.json()["proxies"]])
    assert (api.call("GET", f"/proxies/{a}").status_code, api.call("GET", f"/proxies/{b}").status_code) == (200, 404)


@pytest.mark.parametrize(("raw", "expected"), [(b"[]", 201), (b"{}", 400), (b"", 400), (b"[5]", 400)])
def test_populate_body_shapes(api: Http, raw: bytes, expected: int) -> None:
    """An empty array is fine (201); anything but an array of objects is 400."""
    r = api.call("POST", "/populate", raw=raw)
    assert expected == r.status_code
    if expected == 201:
        assert r.json() == {"proxies": None}


def test_reset_enables_proxies_and_removes_toxics(api: Http) -> None:
    """POST /reset (empty body) answers 204, re-enables every proxy, removes every toxic, deletes none."""
    p = api.create(closed_port())
    api.add_toxic(p["name"], "latency")
    api.call("POST", f"/proxies/{p['name']}", {"enabled": False})
    r = api.call("POST", "/reset")
    after = api.call("GET", f"/proxies/{p['name']}").json()
    assert (204, True, [], p["listen"]) == (r.status_code, after["enabled"], after["toxics"], after["listen"])


# -- our extensions and deliberate differences ------------------------------------------------
@ours_only
def test_proxy_carries_connection_and_byte_counts(api: Http, echo: EchoServer) -> None:
    """GET /proxies/{p} adds connections, connections_total, bytes_upstream, bytes_downstream."""
    p = api.create(echo.address)
    with dial(p["listen"]) as s:
        s.sendall(b"hello")
        assert s.recv(5) == b"hello"
        stats = api.call("GET", f"/proxies/{p['name']}").json()
        keys = ("connections", "connections_total", "bytes_upstream", "bytes_downstream")
        assert [stats[k] for k in keys] == [1, 1, 5, 5]


@ours_only
@pytest.mark.parametrize("attributes", [{}, {"average_size": 0}, {"average_size": -5},
                                        {"average_size": 10, "size_variation": 10},
                                        {"average_size": 10, "size_variation": -1}])
def test_slicer_sizes_that_crash_toxiproxy_are_400(api: Http, attributes: dict[str, int]) -> None:
    """Slicer settings that crash Toxiproxy (average_size <= 0, variation >= average) answer 400."""
    p = api.create(closed_port())["name"]
    status, message = error_of(api.call("POST", f"/proxies/{p}/toxics", {"type": "slicer", "attributes": attributes}))
    assert (status, "slicer" in message) == (400, True)
    assert api.call("GET", "/version").status_code == 200


@ours_only
def test_slicer_invalid_update_is_400_and_keeps_settings(api: Http) -> None:
    """Updating a slicer to invalid sizes answers 400 and keeps its settings."""
    p = api.create(closed_port())["name"]
    api.add_toxic(p, "slicer", average_size=10, size_variation=2)
    r = api.call("PATCH", f"/proxies/{p}/toxics/slicer_downstream", {"attributes": {"size_variation": 10}})
    kept = api.call("GET", f"/proxies/{p}/toxics/slicer_downstream").json()["attributes"]["size_variation"]
    assert (r.status_code, kept) == (400, 2)


@ours_only
def test_populate_accepts_toxics(api: Http) -> None:
    """Extension: toxics inside populate items are created with their proxy."""
    a = api.new_name()
    r = api.call("POST", "/populate", [{"name": a, "upstream": closed_port(), "listen": "127.0.0.1:0",
                                        "toxics": [{"type": "latency", "attributes": {"latency": 50}},
                                                   {"type": "timeout", "stream": "upstream"}]}])
    names = [t["name"] for t in api.call("GET", f"/proxies/{a}/toxics").json()]
    assert (r.status_code, names) == (201, ["timeout_upstream", "latency_downstream"])


@ours_only
def test_populate_with_a_bad_toxic_changes_nothing(api: Http) -> None:
    """Extension: an invalid toxic in item 2 is a 400 naming the item, and item 1 is not created."""
    a = api.new_name()
    r = api.call("POST", "/populate", [{"name": a, "upstream": closed_port()},
                                       {"name": api.new_name(), "upstream": closed_port(),
                                        "toxics": [{"type": "earthquake"}]}])
    assert error_of(r) == (400, "invalid toxic type at proxy 2")
    assert api.call("GET", f"/proxies/{a}").status_code == 404


@ours_only
def test_metrics(api: Http, echo: EchoServer) -> None:
    """/metrics (served with --proxy-metrics) has Toxiproxy's byte counters and our connection gauge."""
    p = api.create(echo.address)
    with dial(p["listen"]) as s:
        s.sendall(b"abc")
        assert s.recv(3) == b"abc"
        text = api.call("GET", "/metrics").text
    labels = f'listener="{p["listen"]}",proxy="{p["name"]}",upstream="{echo.address}"'
    assert f'toxiproxy_proxy_received_bytes_total{{direction="upstream",{labels}}} 3' in text
    assert f'toxiproxy_proxy_sent_bytes_total{{direction="downstream",{labels}}} 3' in text
    assert f'toxiproxy_proxy_connections{{proxy="{p["name"]}"}} 1' in text
