"""What every fault is: a scenario spec (pydantic) and a runtime object with start/stop.

A fault module defines ``Spec`` (its scenario keys, ``type`` a Literal) and a ``Fault`` class,
then calls ``register(Spec, Fault)``. The nemesis starts it at ``at_s``, stops it at its end
(``at_s + for_s``, or when the load ends), runs any timed ``actions`` in between (a repeated
kill, a thaw before a blackhole lifts), records ``<type>.start`` / ``<type>.<action>`` /
``<type>.stop`` events, and heals every fault in a ``finally`` whatever happens.

The spec also answers the questions validation asks about the whole timeline: when the fault
really ends (``nominal_end_s``), which resources it holds exclusively (two faults holding the
same one may not overlap), and whether the rest of the scenario lets it work (``problems``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import ConfigDict, Field

from harness.app.config import Strict

if TYPE_CHECKING:
    from harness.history.recorder import EventLog
    from harness.stack.mysql import EmbeddedMySQL, ExternalMySQL, MySQLEndpoint
    from harness.stack.proxy import ProxyClient
    from harness.stack.target import TargetApp, UrlApp


class FaultSpec(Strict):
    model_config = ConfigDict(allow_inf_nan=False)

    type: str
    at_s: float = Field(0.0, ge=0, description="when the fault starts, seconds after the load started")
    for_s: float | None = Field(None, gt=0, description="how long it lasts; omitted = until the load ends")

    def nominal_end_s(self, duration_s: float) -> float:
        """When the fault ends as written (may lie past the end of the load: validation says so)."""
        return duration_s if self.for_s is None else self.at_s + self.for_s

    def end_s(self, duration_s: float) -> float:
        """When the nemesis stops it: the nominal end, but never after the load ends."""
        return min(duration_s, self.nominal_end_s(duration_s))

    def holds(self) -> frozenset[str]:
        """Resources this fault needs to itself while active (a write lock): nothing else that holds
        or uses one of them may overlap it in time."""
        return frozenset()

    def uses(self) -> frozenset[str]:
        """Resources this fault needs to be there, shared with others (a read lock)."""
        return frozenset()

    def actions(self, duration_s: float) -> list[tuple[float, str]]:
        """Timed steps between start and stop, as (t_s, action name); the runtime's ``act`` runs each."""
        return []

    def problems(self, scenario: Any) -> list[str]:
        """What the rest of the scenario makes impossible, as ``key: message`` relative to this fault."""
        return []

    def scaled(self, k: float) -> FaultSpec:
        """The same fault on a timeline stretched by ``k`` (``--duration-s``): times scale, rates do not."""
        return self.model_copy(update={"at_s": self.at_s * k, "for_s": None if self.for_s is None else self.for_s * k})


@dataclass
class FaultContext:
    """The live stack a fault acts on."""

    proxy: ProxyClient
    proxy_name: str
    mysql: EmbeddedMySQL | ExternalMySQL
    endpoint: MySQLEndpoint
    app: TargetApp | UrlApp | None
    events: EventLog


class Fault:
    """Runtime side of a fault. ``start``/``stop``/``act`` return details recorded with the event."""

    # True when the app is expected to be down while this fault is active (the orchestrator then
    # does not take a dead app for a crash).
    takes_app_down: ClassVar[bool] = False

    def __init__(self, spec: Any, index: int, ctx: FaultContext) -> None:
        self.spec = spec
        self.index = index
        self.ctx = ctx

    def start(self) -> dict[str, Any]:
        raise NotImplementedError

    def stop(self) -> dict[str, Any]:
        raise NotImplementedError

    def act(self, action: str) -> dict[str, Any]:
        raise NotImplementedError(f"{self.spec.type} has no action {action!r}")

    def need_app(self) -> TargetApp:
        """The app's process, for faults that signal or restart it (never an app at a URL alone)."""
        from harness.stack.target import TargetApp

        if not isinstance(self.ctx.app, TargetApp):
            raise RuntimeError(f"{self.spec.type} needs an app the harness started (it signals or restarts its "
                               "process)")
        return self.ctx.app


def conflict(a: FaultSpec, b: FaultSpec) -> str | None:
    """Why ``a`` and ``b`` may not overlap in time (a resource one holds and the other holds or
    uses), or None when they may."""
    both = a.holds() & b.holds()
    if both:
        return f"both need the {min(both)} to themselves"
    for holder, other in ((a, b), (b, a)):
        shared = holder.holds() & other.uses()
        if shared:
            return f"{holder.type} needs the {min(shared)} to itself and {other.type} needs it up"
    return None


REGISTRY: dict[str, tuple[type[FaultSpec], type[Fault]]] = {}


def register(spec: type[FaultSpec], fault: type[Fault]) -> None:
    type_name = spec.model_fields["type"].default
    REGISTRY[str(type_name)] = (spec, fault)
