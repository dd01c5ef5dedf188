"""A proxy's toxics: two chains (upstream, downstream), names unique across both.

Toxics live on the proxy, not on its connections, so they survive a disable; every change is
applied at once to every open connection in that direction (Toxiproxy's ``toxic_collection.go``).
Validation runs in Toxiproxy's order, which decides the answer to a request with several faults:
body -> stream -> default name -> type -> duplicate name -> attributes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.faultproxy.decode import GoObject, expect_object, field
from harness.faultproxy.errors import invalid_stream, invalid_toxic_type, toxic_exists, toxic_not_found
from harness.faultproxy.toxics import REGISTRY, Toxic

if TYPE_CHECKING:
    from harness.faultproxy.proxy import Proxy

WRAPPER = "ToxicWrapper"
DIRECTIONS = ("upstream", "downstream")


def parse_toxic(body: Any, exists: Any = None) -> Toxic:
    """A new toxic from a create body, validated like ``AddToxicJson``; ``exists(name)`` checks duplicates."""
    obj = expect_object(body, "toxics.ToxicWrapper")
    name = field(obj, "name", "string", WRAPPER, "")
    type_name = field(obj, "type", "string", WRAPPER, "")
    stream = field(obj, "stream", "string", WRAPPER, "downstream")
    toxicity = field(obj, "toxicity", "float32", WRAPPER, 1.0)
    attributes = field(obj, "attributes", "object", WRAPPER)
    if stream.lower() not in DIRECTIONS:
        raise invalid_stream()
    name = name or f"{type_name}_{stream}"
    cls = REGISTRY.get(type_name)
    if cls is None:
        raise invalid_toxic_type()
    if exists is not None and exists(name):
        raise toxic_exists()
    return cls(name=name, stream=stream, toxicity=toxicity, attributes=attributes)


class ToxicCollection:
    """The toxics of one proxy, in chain order, and their application to live connections."""

    def __init__(self, proxy: Proxy) -> None:
        self.proxy = proxy
        self.chains: dict[str, list[Toxic]] = {d: [] for d in DIRECTIONS}

    def chain(self, direction: str) -> list[Toxic]:
        return list(self.chains[direction])

    def all(self) -> list[Toxic]:
        """Upstream chain first, then downstream, each in insertion order (``GetToxicArray``)."""
        return self.chains["upstream"] + self.chains["downstream"]

    def find(self, name: str) -> Toxic | None:
        return next((t for t in self.all() if t.name == name), None)

    def get(self, name: str) -> Toxic:
        toxic = self.find(name)
        if toxic is None:
            raise toxic_not_found()
        return toxic

    def add_json(self, body: Any) -> Toxic:
        toxic = parse_toxic(body, lambda name: self.find(name) is not None)
        self.add(toxic)
        return toxic

    def add(self, toxic: Toxic) -> None:
        self.chains[toxic.direction].append(toxic)
        for link in self.proxy.links(toxic.direction):
            link.add(toxic)

    def update_json(self, name: str, body: Any) -> Toxic:
        """Merge ``{"attributes": {...}, "toxicity": x}`` into the toxic; absent keys keep their value."""
        toxic = self.get(name)
        obj = expect_object(body, "struct { Attributes interface {}; Toxicity float32 }")
        attributes: GoObject | None = field(obj, "attributes", "object", "struct")
        toxicity = field(obj, "toxicity", "float32", "struct", toxic.toxicity)
        toxic.update_attributes(attributes)  # all or nothing; raises before any change
        toxic.toxicity = toxicity
        for link in self.proxy.links(toxic.direction):
            link.update(toxic)
        return toxic

    def remove(self, name: str) -> None:
        toxic = self.get(name)
        self.chains[toxic.direction].remove(toxic)
        for link in self.proxy.links(toxic.direction):
            link.remove(toxic)

    def clear(self) -> None:
        """Remove every toxic through the normal removal path (so a timeout closes its connections)."""
        for toxic in self.all():
            self.remove(toxic.name)
