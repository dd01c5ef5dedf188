"""The scenario schema (pydantic): the truth behind DESIGN.md's sketch and scenarios/README.md.

Every key has a default except what makes a scenario a scenario (``name``, ``duration_s``).
Units live in key names (``_s``, ``_ms``). Unknown keys are errors. Fault and check types come
from their registries, so adding one is a new module, not an edit here. Load-shape rules live in
``harness.scenario.load``; the whole-timeline rules (faults past the end, overlapping exclusive
faults, what a fault needs from the rest of the scenario) are checked here, where the whole
scenario is known.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import ConfigDict, Field, model_validator

from harness.analysis.checks import AnyCheck
from harness.app.config import AppConfig
from harness.faults import REGISTRY as FAULTS
from harness.faults import FaultSpec
from harness.faults.base import conflict
from harness.scenario.load import NAME_PATTERN, LoadSpec, Spec
from harness.scenario.variants import VARIANT_NAME_PATTERN, expand_names

__all__ = ["NAME_PATTERN", "Scenario", "Spec", "schema_json"]


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
    """The app under test: the built-in reference app (default), or your own.

    Your own app is either started by the harness (``command``: it gets the proxy's address in its
    environment, runs in its own process group, so freeze and app_restart work on it) or already
    running at ``url`` (then it must already use the proxy's address, see proxy.listen).
    """

    builtin: AppConfig = Field(default_factory=AppConfig, description="the reference app's pool and bugs")
    command: str | None = Field(None, description="shell command that starts your app; it gets PORT, "
                                "DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME and DATABASE_URL (all pointing "
                                "at the fault proxy) in its environment")
    url: str | None = Field(None, pattern=r"^https?://", description="where your app answers; with command "
                            "default http://127.0.0.1:$PORT, without command an app already running there")
    env: dict[str, str] = Field(default_factory=dict, description="extra environment for command; "
                                "{db_host} {db_port} {db_user} {db_password} {db_name} {database_url} {port} "
                                "are replaced")
    cwd: str | None = Field(None, description="working directory of command (default: where harness runs)")
    ready_path: str = Field("/", pattern=r"^/", description="the app is ready when GET ready_path answers at all")
    ready_timeout_s: float = Field(30.0, gt=0, description="how long command may take to become ready")
    pool_path: str | None = Field(None, pattern=r"^/", description="a path answering the /pool JSON shape "
                                  "(total, active, idle, waiting, max_size, ...); null = no pool gauges")
    max_size: int | None = Field(None, ge=1, description="your pool's size, when pool_path does not say it "
                                 "(exhaustion needs it)")
    acquire_timeout_s: float | None = Field(None, gt=0, description="your pool's acquire timeout (drawn on the "
                                            "latency chart)")
    error_patterns: dict[str, str] = Field(default_factory=dict, description="error class -> regular expression "
                                           "searched in a failed response's body, e.g. pool_timeout: "
                                           "'TimeoutError|pool is full'")

    @property
    def builtin_app(self) -> bool:
        return self.command is None and self.url is None

    @model_validator(mode="after")
    def _one_app(self) -> AppSpec:
        if not self.builtin_app and "builtin" in self.model_fields_set:
            raise ValueError("app: give either builtin (the reference app) or command/url (your own app), not both")
        for key, pattern in self.error_patterns.items():
            try:
                re.compile(pattern)
            except re.error as e:
                raise ValueError(f"app.error_patterns.{key}: not a regular expression ({e})") from None
        return self


class ProbesSpec(Spec):
    interval_s: float = Field(0.5, ge=0.05, le=60, description="seconds between two probe ticks")
    zombie_idle_s: float = Field(60.0, ge=0, description="an app connection sleeping this long is a zombie")
    drain_s: float = Field(3.0, ge=0, le=120, description="after the load stops, seconds to keep probing "
                           "before leaked_at_end is read")


class Variant(Spec):
    name: str = Field(pattern=VARIANT_NAME_PATTERN)
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
    model_config = ConfigDict(json_schema_extra={"title": "pool-harness scenario"})

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
    matrix: dict[str, Annotated[list[Any], Field(min_length=1)]] = Field(
        default_factory=dict, description="dotted key path -> list of values; one variant per combination "
        "(crossed with `variants` when both are given)")
    load: LoadSpec = Field(default_factory=LoadSpec)
    faults: list[AnyFault] = Field(default_factory=list)
    probes: ProbesSpec = Field(default_factory=ProbesSpec)
    checks: list[AnyCheck] = Field(default_factory=list)

    @model_validator(mode="after")
    def _timeline(self) -> Scenario:
        problems = self.load.timeline_problems(self.duration_s) + self._fault_problems() + self._variant_problems()
        if problems:
            raise ValueError(problems[0])
        return self

    def _fault_problems(self) -> list[str]:
        out: list[str] = []
        d = self.duration_s
        for i, fault in enumerate(self.faults):
            if fault.at_s >= d:
                out.append(f"faults[{i}].at_s: {fault.at_s:g} is at or past the end of the load (duration_s {d:g})")
                continue
            end = fault.nominal_end_s(d)
            if end > d + 1e-9:
                out.append(f"faults[{i}].for_s: the fault would end at {end:g} s, after the load ends "
                           f"(duration_s {d:g}); omit for_s to last until the end")
            out += [f"faults[{i}].{p}" for p in fault.problems(self)]
            if "app process" in fault.holds() and self.app.command is None and self.app.url is not None:
                out.append(f"faults[{i}]: {fault.type} signals or restarts the app's process, and an app given "
                           "by app.url alone is not the harness's to signal; give app.command instead")
        for i, a in enumerate(self.faults):
            for j in range(i):
                b = self.faults[j]
                why = conflict(a, b)
                if why and _overlap((b.at_s, b.end_s(d)), (a.at_s, a.end_s(d))):
                    out.append(f"faults[{i}]: {a.type} at {_window(a, d)} overlaps faults[{j}] ({b.type} at "
                               f"{_window(b, d)}); {why}")
        return out

    def _variant_problems(self) -> list[str]:
        try:
            names = expand_names([v.name for v in self.variants], self.matrix)
        except ValueError as e:
            return [str(e)]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            return [f"variants: names must be unique, {dup[0]!r} appears twice"]
        out = []
        for i, check in enumerate(self.checks):
            for v in check.variants or []:
                if v not in names:
                    out.append(f"checks[{i}].variants: no variant named {v!r} (have {', '.join(names)})")
        return out


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Two windows [start, end) overlap; a zero-length window is an instant inside [start, end]."""
    (a0, a1), (b0, b1) = a, b
    if a0 == a1 and b0 == b1:
        return a0 == b0
    if a0 == a1:
        return b0 <= a0 < b1
    if b0 == b1:
        return a0 <= b0 < a1
    return a0 < b1 and b0 < a1


def _window(f: FaultSpec, duration_s: float) -> str:
    end = f.end_s(duration_s)
    return f"{f.at_s:g} s" if end == f.at_s else f"{f.at_s:g}-{end:g} s"


def schema_json() -> str:
    return json.dumps(Scenario.model_json_schema(), indent=2)
