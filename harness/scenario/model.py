"""The scenario schema (pydantic): the truth behind DESIGN.md's sketch and scenarios/README.md.

Every key has a default except what makes a scenario a scenario (``name``, ``duration_s``).
Units live in key names (``_s``, ``_ms``). Unknown keys are errors. Fault and check types come
from their registries, so adding one is a new module, not an edit here.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import Field, model_validator

from harness.analysis.checks import AnyCheck
from harness.app.config import AppConfig, Strict
from harness.faults import REGISTRY as FAULTS
from harness.faults import FaultSpec
from harness.load.plan import HEALTH_NAME

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class Spec(Strict):
    """Scenario sections: extra keys forbidden, strict types, frozen."""


class MySQLSpec(Spec):
    mode: Literal["embedded", "external"] = Field("embedded", description="embedded: a private MariaDB; "
                                                  "external: the server of `dsn` (or --mysql-dsn)")
    dsn: str | None = Field(None, description="mysql://user:password@host:port/db, for mode external")
    variables: dict[str, int | float | str | bool] = Field(
        default_factory=dict, description="server variables at start, e.g. wait_timeout: 120")
    allow_remote: bool = Field(False, description="allow destructive faults against a non-loopback server")


class ProxySpec(Spec):
    mode: Literal["embedded", "external"] = Field("embedded", description="embedded: our Toxiproxy-compatible "
                                                  "server; external: a real toxiproxy at `url`")
    url: str | None = Field(None, description="http://host:8474 of a real toxiproxy, for mode external")
    listen: str = Field("127.0.0.1:0", description="where the proxy listens, as the proxy sees it")
    upstream: str | None = Field(None, description="MySQL's address as the proxy sees it (default: the "
                                 "server's own address; e.g. mysql:3306 inside a docker network)")
    app_address: str | None = Field(None, description="the proxy's address as the app sees it (default: the "
                                    "address the proxy reports)")


class AppSpec(Spec):
    builtin: AppConfig = Field(default_factory=AppConfig, description="the reference app's pool and bugs")


class RequestSpec(Spec):
    name: str = Field(pattern=NAME_PATTERN, description="label in requests.csv and the charts")
    path: str = Field("/query", pattern=r"^/", description="path (and query string) to GET")
    weight: int = Field(1, ge=1, description="relative share of this request in the mix")
    abort_after_ms: float | None = Field(None, ge=0, description="send the request, then disconnect after this "
                                         "many milliseconds (an aborted client)")


class HealthSpec(Spec):
    path: str = Field("/health", pattern=r"^/")
    interval_s: float = Field(1.0, gt=0)
    timeout_s: float = Field(5.0, gt=0, description="a check slower than this counts as dead")


class LoadSpec(Spec):
    users: int = Field(10, ge=1, le=10_000, description="concurrent simulated users (closed model)")
    spawn_rate: float | None = Field(None, gt=0, description="users started per second (default: all in 1 s)")
    think_time_s: float = Field(0.0, ge=0, description="pause between a user's requests, uniform in "
                                "[0.5x, 1.5x] (0 = back to back)")
    client_timeout_s: float = Field(60.0, gt=0, description="a request slower than this fails as client_timeout")
    requests: list[RequestSpec] = Field(default_factory=lambda: [RequestSpec(name="query", path="/query")],
                                        min_length=1)
    health: HealthSpec | None = Field(default_factory=HealthSpec, description="the separate health checker; "
                                      "null turns it off")

    @model_validator(mode="after")
    def _names(self) -> LoadSpec:
        names = [r.name for r in self.requests]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"request names must be unique, {dup[0]!r} appears twice")
        if HEALTH_NAME in names:
            raise ValueError(f"request name {HEALTH_NAME!r} is reserved for the health checker")
        return self


class ProbesSpec(Spec):
    interval_s: float = Field(0.5, ge=0.05, le=60, description="seconds between two probe ticks")
    zombie_idle_s: float = Field(60.0, ge=0, description="an app connection sleeping this long is a zombie")
    drain_s: float = Field(3.0, ge=0, le=120, description="after the load stops, seconds to keep probing "
                           "before leaked_at_end is read")


class Variant(Spec):
    name: str = Field(pattern=NAME_PATTERN)
    description: str = ""
    set: dict[str, Any] = Field(default_factory=dict, description="overrides by dotted key path, e.g. "
                                "app.builtin.pool.max_size: 40")


def _fault_union() -> Any:
    specs = tuple(spec for spec, _ in FAULTS.values())
    return Annotated[Union[specs], Field(discriminator="type")] if len(specs) > 1 else specs[0]  # noqa: UP007


if TYPE_CHECKING:
    AnyFault = FaultSpec
else:
    AnyFault = _fault_union()


class Scenario(Spec):
    name: str = Field(pattern=NAME_PATTERN, description="names the report directory")
    description: str = ""
    notes: str = Field("", description="what we measured versus the write-up, caveats")
    duration_s: float = Field(gt=0, le=24 * 3600, description="how long the load runs, seconds")
    seed: int = Field(1, description="same seed, same request mix and jitter, in every variant")
    mysql: MySQLSpec = Field(default_factory=MySQLSpec)
    proxy: ProxySpec = Field(default_factory=ProxySpec)
    app: AppSpec = Field(default_factory=AppSpec)
    variants: list[Variant] = Field(default_factory=list, description="one run per variant; none = one "
                                    "variant named 'default'")
    load: LoadSpec = Field(default_factory=LoadSpec)
    faults: list[AnyFault] = Field(default_factory=list)
    probes: ProbesSpec = Field(default_factory=ProbesSpec)
    checks: list[AnyCheck] = Field(default_factory=list)

    @model_validator(mode="after")
    def _timeline(self) -> Scenario:
        for i, fault in enumerate(self.faults):
            if fault.at_s >= self.duration_s:
                raise ValueError(f"faults[{i}].at_s: {fault.at_s:g} is at or past the end of the load "
                                 f"(duration_s {self.duration_s:g})")
        names = [v.name for v in self.variants]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"variant names must be unique, {dup[0]!r} appears twice")
        for i, check in enumerate(self.checks):
            for v in check.variants or []:
                if names and v not in names:
                    raise ValueError(f"checks[{i}].variants: no variant named {v!r} (have {', '.join(names)})")
        return self


def schema_json() -> str:
    return json.dumps(Scenario.model_json_schema(), indent=2)
