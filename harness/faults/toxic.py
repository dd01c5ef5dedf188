"""The shared runtime of faults that are a toxic of the fault proxy (latency, bandwidth, ...).

Each toxic fault module only declares its spec and how its keys (units in their names) map to
the toxic's attributes (Toxiproxy's names and units). The toxic is named ``<type>_<index>`` so
two faults of one type can coexist, even overlapping. A toxic is added to the connections that
already exist as well as to new ones (Toxiproxy's semantics, ``toxiproxy-api.md`` 1.6).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from harness.faults.base import Fault, FaultSpec


class ToxicSpec(FaultSpec):
    stream: Literal["upstream", "downstream"] = Field(
        "downstream", description="downstream = MySQL -> app, upstream = app -> MySQL")
    toxicity: float = Field(1.0, ge=0, le=1, description="share of connections affected, rolled per connection")

    def toxic_type(self) -> str:
        return self.type

    def toxic_attributes(self) -> dict[str, int]:
        raise NotImplementedError


class ToxicFault(Fault):
    def __init__(self, spec: ToxicSpec, index: int, ctx: Any) -> None:
        super().__init__(spec, index, ctx)
        self.toxic_name = f"{spec.toxic_type()}_{index}"

    def start(self) -> dict[str, Any]:
        spec: ToxicSpec = self.spec
        attributes = spec.toxic_attributes()
        self.ctx.proxy.add_toxic(self.ctx.proxy_name, spec.toxic_type(), attributes, name=self.toxic_name,
                                 stream=spec.stream, toxicity=spec.toxicity)
        return {"toxic": self.toxic_name, "stream": spec.stream, "toxicity": spec.toxicity, "attributes": attributes}

    def stop(self) -> dict[str, Any]:
        self.ctx.proxy.remove_toxic(self.ctx.proxy_name, self.toxic_name)
        return {"toxic": self.toxic_name}
