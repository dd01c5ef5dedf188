"""The ``load:`` section of a scenario: who sends what, how many, how fast, and how that changes.

Two models (Jepsen would say: two generators):

- **closed** (default): ``users`` simulated users, each sending its next request when the last one
  finished (plus ``think_time_s``). A saturated app slows its users down, so the offered load
  drops exactly when it matters: fine for "what do N clients see", misleading for "what happens
  at 200 requests per second";
- **open** (``open_model``): requests arrive at ``rate_per_s`` whatever happens to earlier ones;
  at most ``max_in_flight`` are in flight and an arrival beyond that is recorded as ``dropped``
  (``not_started``) so offered and achieved load can be compared.

``stages`` change the level over time: ``step`` (jump at ``at_s``), ``ramp`` (linear over
``for_s``) and ``spike`` (jump for ``for_s``, then back). A stage's level is ``users`` in the
closed model and ``rate_per_s`` in the open one.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from harness.app.config import Strict
from harness.load.plan import HEALTH_NAME

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
MAX_USERS = 10_000
MAX_RATE_PER_S = 100_000.0


class Spec(Strict):
    """Scenario sections: extra keys forbidden, strict types, frozen, no NaN or infinity."""

    model_config = ConfigDict(allow_inf_nan=False)


class RequestSpec(Spec):
    name: str = Field(pattern=NAME_PATTERN, description="label in requests.csv and the charts")
    path: str = Field("/query", pattern=r"^/", description="path (and query string) to GET")
    weight: int = Field(1, ge=1, description="relative share of this request in the mix")
    abort_after_ms: float | None = Field(None, ge=0, description="send the request, then disconnect after this "
                                         "many milliseconds (an aborted client)")
    timeout_s: float | None = Field(None, gt=0, description="client timeout of this request (default: "
                                    "load.client_timeout_s); slower fails as client_timeout")

    @model_validator(mode="after")
    def _abort_or_timeout(self) -> RequestSpec:
        if self.abort_after_ms is not None and self.timeout_s is not None:
            raise ValueError("timeout_s: an aborted request (abort_after_ms) never waits for an answer; "
                             "remove one of the two")
        return self


class HealthSpec(Spec):
    path: str = Field("/health", pattern=r"^/", description="path the health checker GETs")
    interval_s: float = Field(1.0, gt=0, description="seconds between two checks")
    timeout_s: float = Field(5.0, gt=0, description="a check slower than this counts as dead")


class OpenModelSpec(Spec):
    rate_per_s: float = Field(gt=0, le=MAX_RATE_PER_S, description="requests started per second")
    max_in_flight: int = Field(100, ge=1, le=MAX_USERS, description="requests in flight at once (client "
                               "connections); an arrival beyond that is recorded as dropped")
    arrivals: Literal["constant", "poisson"] = Field("constant", description="constant: evenly spaced; "
                                                     "poisson: exponential gaps (seeded)")


class StageSpec(Spec):
    type: str
    at_s: float = Field(ge=0, description="when the stage begins, seconds after the load started")
    users: int | None = Field(None, ge=0, le=MAX_USERS, description="closed model: the level to reach")
    rate_per_s: float | None = Field(None, ge=0, le=MAX_RATE_PER_S, description="open model: the level to reach")

    @property
    def for_s_or_zero(self) -> float:
        return float(getattr(self, "for_s", 0.0) or 0.0)


class StepStage(StageSpec):
    """Jump to the level at ``at_s`` and stay there."""

    type: Literal["step"] = "step"


class RampStage(StageSpec):
    """Move linearly from the current level to the stage's level over ``for_s``."""

    type: Literal["ramp"] = "ramp"
    for_s: float = Field(gt=0, description="length of the ramp, seconds")


class SpikeStage(StageSpec):
    """Jump to the level at ``at_s``, hold it ``for_s``, then go back to the level before."""

    type: Literal["spike"] = "spike"
    for_s: float = Field(gt=0, description="length of the spike, seconds")


AnyStage = Annotated[StepStage | RampStage | SpikeStage, Field(discriminator="type")]


class LoadSpec(Spec):
    users: int = Field(10, ge=1, le=MAX_USERS, description="concurrent simulated users (closed model)")
    spawn_rate: float | None = Field(None, gt=0, description="users started per second (default: all in 1 s)")
    think_time_s: float = Field(0.0, ge=0, description="pause between a user's requests, uniform in "
                                "[0.5x, 1.5x] (0 = back to back)")
    client_timeout_s: float = Field(60.0, gt=0, description="a request slower than this fails as client_timeout")
    open_model: OpenModelSpec | None = Field(None, description="requests arrive at a fixed rate instead of "
                                             "from users (see scenarios/README.md)")
    stages: list[AnyStage] = Field(default_factory=list, description="changes of the level over time")
    requests: list[RequestSpec] = Field(default_factory=lambda: [RequestSpec(name="query", path="/query")],
                                        min_length=1)
    health: HealthSpec | None = Field(default_factory=HealthSpec, description="the separate health checker; "
                                      "null turns it off")

    @model_validator(mode="after")
    def _consistent(self) -> LoadSpec:
        names = [r.name for r in self.requests]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"requests: names must be unique, {dup[0]!r} appears twice")
        if HEALTH_NAME in names:
            raise ValueError(f"requests[{names.index(HEALTH_NAME)}].name: {HEALTH_NAME!r} is reserved for the "
                             "health checker")
        if self.open_model is not None:
            for key in ("users", "spawn_rate", "think_time_s"):
                if key in self.model_fields_set:
                    raise ValueError(f"{key}: not used by the open model (load.open_model sets the arrival rate); "
                                     "remove it")
        level, other = ("rate_per_s", "users") if self.open_model is not None else ("users", "rate_per_s")
        model = "open" if self.open_model is not None else "closed"
        for i, stage in enumerate(self.stages):
            if getattr(stage, other) is not None:
                raise ValueError(f"stages[{i}].{other}: the {model} model's stages give {level}, not {other}")
            if getattr(stage, level) is None:
                raise ValueError(f"stages[{i}].{level}: required key is missing (the level of a {model}-model stage)")
        for i in range(1, len(self.stages)):
            prev, stage = self.stages[i - 1], self.stages[i]
            prev_end = prev.at_s + prev.for_s_or_zero
            if stage.at_s < prev_end or (stage.at_s == prev.at_s):
                raise ValueError(f"stages[{i}].at_s: {stage.at_s:g} is before stages[{i - 1}] ends ({prev.type} "
                                 f"{prev.at_s:g}-{prev_end:g} s); stages run one after another, in time order")
        return self

    def timeline_problems(self, duration_s: float) -> list[str]:
        """Stages that begin or end after the load ends."""
        out = []
        for i, stage in enumerate(self.stages):
            end = stage.at_s + stage.for_s_or_zero
            if stage.at_s >= duration_s:
                out.append(f"load.stages[{i}].at_s: {stage.at_s:g} is at or past the end of the load "
                           f"(duration_s {duration_s:g})")
            elif end > duration_s + 1e-9:
                out.append(f"load.stages[{i}].for_s: the stage would end at {end:g} s, after the load ends "
                           f"(duration_s {duration_s:g})")
        return out
