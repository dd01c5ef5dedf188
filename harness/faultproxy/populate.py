"""``POST /populate`` and ``--config``: create or replace many proxies from one JSON array.

Toxiproxy's rules: the whole array is validated first (name and upstream required, ``enabled``
defaults to true); then, in order, a proxy that exists and does not differ (same upstream, same
resolved listen) is kept untouched with its toxics, one that differs is stopped and replaced,
and a new name is created. A failure part-way leaves the earlier items in place and is reported
with the list of proxies done so far.

Extension (asked for in Toxiproxy issues #79, #281, #447, #510): an item may carry ``toxics``,
an array of toxic objects as ``POST /proxies/{p}/toxics`` takes them. They are validated with
the rest before anything changes, and applied when the item creates or replaces its proxy; a
proxy kept untouched keeps its current toxics, exactly as Toxiproxy keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.faultproxy.decode import GoObject, expect_object, type_error
from harness.faultproxy.decode import field as go_field
from harness.faultproxy.errors import ApiError, bad_body, missing_field, toxic_exists
from harness.faultproxy.proxy import Proxy, ProxyCollection
from harness.faultproxy.toxic_collection import parse_toxic
from harness.faultproxy.toxics import Toxic

ITEM = "struct { toxiproxy.Proxy; Enabled *bool }"


@dataclass
class Item:
    """One validated entry of a populate array."""

    name: str
    listen: str
    upstream: str
    enabled: bool
    toxics: list[Toxic] = field(default_factory=list)


def parse_items(body: Any) -> list[Item]:
    """Validate a whole populate array (400 on the first problem), before anything is changed."""
    if body is None:
        return []
    if not isinstance(body, list):
        raise type_error(body, "value", f"[]{ITEM}")
    items = []
    for i, raw in enumerate(body, start=1):
        obj = expect_object(raw, ITEM)
        name = go_field(obj, "name", "string", "Proxy", "")
        listen = go_field(obj, "listen", "string", "Proxy", "")
        upstream = go_field(obj, "upstream", "string", "Proxy", "")
        enabled = go_field(obj, "enabled", "bool", "Proxy", True)
        toxics = _toxics(obj, i)
        if not name:
            raise missing_field(f"name at proxy {i}")
        if not upstream:
            raise missing_field(f"upstream at proxy {i}")
        items.append(Item(name, listen, upstream, enabled, toxics))
    return items


def _toxics(obj: GoObject | None, index: int) -> list[Toxic]:
    raw = obj.get("toxics") if obj is not None else None
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise bad_body(f"toxics at proxy {index}: expected an array of toxics")
    toxics: list[Toxic] = []
    for body in raw:
        try:
            toxic = parse_toxic(body)
        except ApiError as e:
            raise ApiError(f"{e.message} at proxy {index}", e.status) from None
        if any(t.name == toxic.name for t in toxics):
            raise ApiError(f"{toxic_exists().message}: {toxic.name} at proxy {index}", 409)
        toxics.append(toxic)
    return toxics


async def apply(proxies: ProxyCollection, items: list[Item]) -> list[Proxy]:
    """Create, replace or keep each proxy in order; an ApiError carries ``proxies`` done so far."""
    done: list[Proxy] = []
    for item in items:
        try:
            existing = proxies.proxies.get(item.name)
            if existing is not None and not await existing.differs(item.listen, item.upstream):
                done.append(existing)
                continue
            proxy = Proxy(item.name, item.listen, item.upstream)
            if existing is not None:
                existing.stop()  # if the new one cannot bind, the old one stays, stopped, as in Toxiproxy
            if item.enabled:
                await proxy.start()
            proxies.proxies[item.name] = proxy
            for toxic in item.toxics:
                proxy.toxics.add(toxic)
            done.append(proxy)
        except ApiError as e:
            e.extra = {"proxies": [p.to_json() for p in done] or None}
            raise
    return done
