"""The reference app's settings: a scenario's ``app.builtin`` section, as a pydantic model.

This module imports nothing heavy: the scenario schema embeds it, and the app parses the same
JSON at start, so a setting the scenario accepts is a setting the app understands.

Validation resolves the settings once, so the model everyone reads (the app, the analysis, the
resolved scenario in the run directory) holds the effective values: a preset's mapping is written
into the pool fields, ``engine: single`` has ``max_size`` 1, and ``engine: sqlalchemy`` has
``max_size`` = pool_size + max_overflow. A setting that means nothing for the chosen engine, or
that contradicts the preset, is an error naming the key, never silently ignored. Resolving twice
gives the same model (the app re-validates the dumped JSON).
"""

from __future__ import annotations

import warnings
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from harness.app.presets import AnyPreset


class Strict(BaseModel):
    """Unknown keys are errors (with a "did you mean" from the loader), never silently ignored, and
    types are strict: ``max_size: "10"`` is a mistake to report, not a string to coerce."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


Seconds = Annotated[float, Field(gt=0)]


class SqlAlchemyConfig(Strict):
    """The real SQLAlchemy QueuePool's own knobs; each left unset follows the common pool key."""

    pool_size: int | None = Field(None, ge=1, description="connections kept (default: max_size - max_overflow)")
    max_overflow: int = Field(0, ge=0, description="extra connections opened under load and closed on return")
    pool_timeout: Seconds | None = Field(None, description="seconds a checkout waits (default: acquire_timeout_s)")
    pool_recycle: Seconds | None = Field(None, description="seconds before a connection is replaced at checkout "
                                         "(default: max_lifetime_s)")
    pool_pre_ping: bool | None = Field(None, description="ping at every checkout (default: validate == always)")
    pool_use_lifo: bool | None = Field(None, description="hand out the most recent connection (default: "
                                       "order == lifo)")


# Keys that exist only for the reference pool (and `single`, which is a reference pool of one).
_REFERENCE_ONLY = ("min_idle", "max_idle", "idle_timeout_s", "keepalive_s", "queue_limit", "leak_detection_s",
                   "evict_closed")


# The scenario key is `validate` (the name); it shadows pydantic's deprecated
# BaseModel.validate classmethod, which nothing here uses, so that warning is noise.
warnings.filterwarnings("ignore", message='Field name "validate" in "PoolConfig" shadows', category=UserWarning)


class PoolConfig(Strict):
    """How the app pools connections (HikariCP's vocabulary). Times are seconds; null = never/none."""

    engine: Literal["reference", "sqlalchemy", "none", "single"] = Field(
        "reference", description="reference: our pool with the incidents' semantics; sqlalchemy: the real "
        "SQLAlchemy QueuePool; none: a new connection per request; single: one shared connection")
    preset: Annotated[AnyPreset, Field(discriminator="name")] | None = Field(
        None, description="a familiar config ({name: hikari|mysql2|sequelize|prisma, ...its own keys}) "
        "translated into the settings below")
    max_size: int = Field(10, ge=1, le=10_000, description="most connections open at once (HikariCP "
                          "maximumPoolSize, mysql2 connectionLimit, Sequelize max)")
    min_idle: int = Field(0, ge=0, description="idle connections kept open and refilled by housekeeping")
    max_idle: int | None = Field(None, ge=0, description="idle connections above this are closed (mysql2 maxIdle)")
    acquire_timeout_s: Seconds | None = Field(30.0, description="how long a borrow waits before pool_timeout; "
                                              "null waits forever (mysql2)")
    queue_limit: int | None = Field(None, ge=0, description="most requests waiting for a connection; beyond, "
                                    "pool_queue_full at once (0 = never wait; null = unlimited)")
    order: Literal["lifo", "fifo"] = Field("lifo", description="which idle connection a borrow gets")
    idle_timeout_s: Seconds | None = Field(None, description="close connections idle this long (above min_idle)")
    max_lifetime_s: Seconds | None = Field(None, description="retire connections this old (when idle)")
    keepalive_s: Seconds | None = Field(None, description="ping idle connections this often (HikariCP keepaliveTime)")
    validate: Literal["never", "always", "after_idle"] = Field(  # type: ignore[assignment]
        "never", description="ping a connection before handing it out: never, always, or after "
        "validate_after_idle_s of idleness")
    validate_after_idle_s: float = Field(15.0, ge=0, description="idleness that triggers validation with "
                                         "validate: after_idle (Prisma's 15 s)")
    validation_timeout_s: Seconds = Field(5.0, description="how long a validation ping may take")
    on_stale: Literal["raise", "retry_once", "drain_and_retry"] = Field(
        "raise", description="when a borrowed connection turns out dead: fail the request, retry once on "
        "another, or close every idle connection and retry on a fresh one (incident 001)")
    leak_detection_s: Seconds | None = Field(None, description="log and count a connection borrowed for "
                                             "longer (HikariCP leakDetectionThreshold)")
    evict_closed: bool = Field(False, description="housekeeping forgets connections whose server hung up "
                               "(wait_timeout, KILL), borrowed ones included, freeing their slots (Sequelize's "
                               "socket error listener)")
    housekeeping_interval_s: Seconds = Field(1.0, description="period of the idle/lifetime/keepalive/refill task")
    connect_timeout_s: Seconds = Field(5.0, description="TCP + handshake timeout of a new connection")
    query_timeout_s: Seconds | None = Field(30.0, description="socket read timeout of a query (null = none)")
    sqlalchemy: SqlAlchemyConfig = Field(default_factory=SqlAlchemyConfig,
                                         description="engine sqlalchemy only: QueuePool's own knobs")

    @model_validator(mode="after")
    def _resolve(self) -> PoolConfig:
        if self.preset is not None:
            if self.engine != "reference":
                raise ValueError(f"preset: presets configure the reference pool, not engine {self.engine}")
            self._apply({k: v for k, (v, _) in self.preset.pool_fields().items()},
                        {k: src for k, (_, src) in self.preset.pool_fields().items()}, f"preset {self.preset.name}")
        if self.engine != "sqlalchemy" and self.sqlalchemy != SqlAlchemyConfig():
            raise ValueError(f"sqlalchemy: only used by engine sqlalchemy (engine is {self.engine})")
        if self.engine == "sqlalchemy":
            self._resolve_sqlalchemy()
        elif self.engine == "single":
            self._apply({"max_size": 1}, {"max_size": "(one shared connection)"}, "engine single")
        elif self.engine == "none":
            unused = self._changed(("max_size", *_REFERENCE_ONLY, "max_lifetime_s", "validate", "order"))
            if unused:
                raise ValueError(f"{unused[0]}: engine none opens a new connection per request and has no "
                                 f"pool to configure")
        if self.min_idle > self.max_size:
            raise ValueError(f"min_idle: {self.min_idle} is more than max_size {self.max_size}")
        return self

    def _resolve_sqlalchemy(self) -> None:
        unused = self._changed(_REFERENCE_ONLY)
        if unused or self.validate == "after_idle":
            key = unused[0] if unused else "validate"
            raise ValueError(f"{key}: engine sqlalchemy has no such setting (QueuePool knows pool_size, "
                             f"max_overflow, pool_timeout, pool_recycle, pool_pre_ping, pool_use_lifo); use "
                             f"engine reference for it")
        sa = self.sqlalchemy
        if sa.pool_size is not None:
            bound = sa.pool_size + sa.max_overflow
            self._apply({"max_size": bound}, {"max_size": "pool_size + max_overflow"}, "pool.sqlalchemy")
        elif sa.max_overflow >= self.max_size:
            raise ValueError(f"sqlalchemy.max_overflow: {sa.max_overflow} leaves no room for pool_size "
                             f"within max_size {self.max_size}")

    def _changed(self, names: tuple[str, ...]) -> list[str]:
        """Which of ``names`` hold something other than their default."""
        return [n for n in names if getattr(self, n) != type(self).model_fields[n].default]

    def _apply(self, values: dict[str, Any], sources: dict[str, str], origin: str) -> None:
        """Write resolved values into this (frozen) model; a key the user set differently is an error."""
        for key, value in values.items():
            current = getattr(self, key)
            if key in self.model_fields_set and current != value:
                raise ValueError(f"{key}: {current!r} conflicts with {origin} ({sources[key]} gives "
                                 f"{value!r}); set it there instead")
            object.__setattr__(self, key, value)
            self.model_fields_set.add(key)

    # -- derived, for the sqlalchemy engine ------------------------------------------------------
    def sqlalchemy_args(self) -> dict[str, Any]:
        """QueuePool's keyword arguments, the unset ones following the common keys."""
        sa = self.sqlalchemy
        pool_size = sa.pool_size if sa.pool_size is not None else self.max_size - sa.max_overflow
        recycle = sa.pool_recycle if sa.pool_recycle is not None else self.max_lifetime_s
        return {"pool_size": pool_size, "max_overflow": sa.max_overflow,
                "pool_timeout": sa.pool_timeout if sa.pool_timeout is not None else self.acquire_timeout_s,
                "pool_recycle": recycle if recycle is not None else -1,
                "pool_pre_ping": sa.pool_pre_ping if sa.pool_pre_ping is not None else self.validate == "always",
                "pool_use_lifo": sa.pool_use_lifo if sa.pool_use_lifo is not None else self.order == "lifo"}


class BugsConfig(Strict):
    """The incidents' bugs, each a switch; the defaults are the fixed behaviour."""

    release_on_abort: Literal["early", "late"] = Field(
        "early", description="incident 002: late wires the release only after the borrow completes, so a client "
        "that disconnected while waiting leaks that connection forever; early is the fix")
    leak_on_error: float = Field(0.0, ge=0, le=1, description="incident 000: probability that a request's error "
                                 "path never returns its connection and leaves its transaction open")
    prepared_statements: Literal["client", "server_uncached", "server_cached"] = Field(
        "client", description="incident 003: client-side escaping; a server-side PREPARE per request never "
        "deallocated (useServerPrepStmts without cachePrepStmts); or a per-connection statement cache")
    statement_cache_size: int = Field(250, ge=1, description="statements cached per connection with "
                                      "server_cached (Connector/J prepStmtCacheSize); the least recent is "
                                      "deallocated beyond it")
    in_list_padding: bool = Field(False, description="incident 003's fix: pad /items IN lists to the next power "
                                  "of two, so list lengths share statements")


class AppConfig(Strict):
    """``app.builtin``: how the reference app pools its connections and which bugs it has."""

    pool: PoolConfig = PoolConfig()
    bugs: BugsConfig = BugsConfig()
    health_timeout_s: float = Field(2.0, gt=0, description="/health answers 503 if its DB round trip "
                                    "(acquire included) takes longer")
