"""What every fault is: a scenario spec (pydantic) and a runtime object with start/stop.

A fault module defines ``Spec`` (its scenario keys, ``type`` a Literal) and a ``Fault`` class,
then calls ``register(Spec, Fault)``. The nemesis starts it at ``at_s``, stops it ``for_s``
later (or at the end of the load), records ``<type>.start`` / ``<type>.stop`` events, and
heals every fault in a ``finally`` whatever happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from harness.app.config import Strict

if TYPE_CHECKING:
    from harness.history.recorder import EventLog
    from harness.stack.mysql import EmbeddedMySQL, ExternalMySQL, MySQLEndpoint
    from harness.stack.proxy import ProxyClient
    from harness.stack.target import BuiltinApp


class FaultSpec(Strict):
    type: str
    at_s: float = Field(0.0, ge=0, description="when the fault starts, seconds after the load started")
    for_s: float | None = Field(None, gt=0, description="how long it lasts; omitted = until the load ends")

    def end_s(self, duration_s: float) -> float:
        return duration_s if self.for_s is None else min(duration_s, self.at_s + self.for_s)


@dataclass
class FaultContext:
    """The live stack a fault acts on."""

    proxy: ProxyClient
    proxy_name: str
    mysql: EmbeddedMySQL | ExternalMySQL
    endpoint: MySQLEndpoint
    app: BuiltinApp | None
    events: EventLog


class Fault:
    """Runtime side of a fault. ``start``/``stop`` return details recorded with the event."""

    # Faults in the same exclusive group may not overlap in time (e.g. two toxics of one name).
    exclusive_group: ClassVar[str | None] = None

    def __init__(self, spec: Any, index: int, ctx: FaultContext) -> None:
        self.spec = spec
        self.index = index
        self.ctx = ctx

    def start(self) -> dict[str, Any]:
        raise NotImplementedError

    def stop(self) -> dict[str, Any]:
        raise NotImplementedError


REGISTRY: dict[str, tuple[type[FaultSpec], type[Fault]]] = {}


def register(spec: type[FaultSpec], fault: type[Fault]) -> None:
    type_name = spec.model_fields["type"].default
    REGISTRY[str(type_name)] = (spec, fault)
