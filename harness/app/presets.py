"""Presets: a familiar pool configuration (HikariCP, mysql2, Sequelize, Prisma) translated into
the reference pool's settings.

Each preset takes the library's own keys, in the library's own units (milliseconds for the Java
and Node libraries, seconds for Prisma's connection URL), with the library's defaults, so a config
pasted from an incident write-up means what it meant there. ``pool_fields()`` returns the
reference pool settings it maps to, each with the key it came from (for conflict messages).
What a preset does not model is listed in README.md ("The reference app"). Pure pydantic: the
scenario schema imports this module.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Mapped = dict[str, tuple[Any, str]]


class PresetBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    def pool_fields(self) -> Mapped:  # pragma: no cover - every preset overrides it
        raise NotImplementedError


def _s(ms: float) -> float:
    return ms / 1000.0


def _s_or_none(ms: float) -> float | None:
    """Milliseconds to seconds, where 0 means "never" (HikariCP, mysql2, Sequelize)."""
    return None if ms == 0 else ms / 1000.0


class HikariPreset(PresetBase):
    """HikariCP (incident 003): ``spring.datasource.hikari.*`` in milliseconds."""

    name: Literal["hikari"]
    maximumPoolSize: int = Field(10, ge=1)
    minimumIdle: int | None = Field(None, ge=0, description="default: maximumPoolSize")
    connectionTimeout: int = Field(30000, ge=1, description="ms a borrow waits")
    idleTimeout: int = Field(600000, ge=0, description="ms; 0 = never; only when minimumIdle < maximumPoolSize")
    maxLifetime: int = Field(1800000, ge=0, description="ms; 0 = infinite")
    keepaliveTime: int = Field(120000, ge=0, description="ms; 0 = off (HikariCP >= 5.1 default: 2 min)")
    validationTimeout: int = Field(5000, ge=1, description="ms a validation ping may take")
    leakDetectionThreshold: int = Field(0, ge=0, description="ms; 0 = off")

    def pool_fields(self) -> Mapped:
        min_idle = self.maximumPoolSize if self.minimumIdle is None else min(self.minimumIdle, self.maximumPoolSize)
        idle_timeout = _s_or_none(self.idleTimeout) if min_idle < self.maximumPoolSize else None
        return {
            "max_size": (self.maximumPoolSize, "maximumPoolSize"),
            "min_idle": (min_idle, "minimumIdle"),
            "max_idle": (None, "(HikariCP has no idle cap)"),
            "acquire_timeout_s": (_s(self.connectionTimeout), "connectionTimeout"),
            "queue_limit": (None, "(HikariCP queues without limit)"),
            "order": ("lifo", "(ConcurrentBag hands out the most recently returned connection)"),
            "idle_timeout_s": (idle_timeout, "idleTimeout"),
            "max_lifetime_s": (_s_or_none(self.maxLifetime), "maxLifetime"),
            "keepalive_s": (_s_or_none(self.keepaliveTime), "keepaliveTime"),
            "validate": ("after_idle", "(HikariCP validates a connection idle for more than 500 ms)"),
            "validate_after_idle_s": (0.5, "(aliveBypassWindowMs, 500 ms)"),
            "validation_timeout_s": (_s(self.validationTimeout), "validationTimeout"),
            "leak_detection_s": (_s_or_none(self.leakDetectionThreshold), "leakDetectionThreshold"),
            "housekeeping_interval_s": (30.0, "(HikariCP's housekeeper runs every 30 s)"),
        }


class Mysql2Preset(PresetBase):
    """Node's mysql2 ``createPool`` options (incidents 001, 002, 004), milliseconds."""

    name: Literal["mysql2"]
    connectionLimit: int = Field(10, ge=1)
    waitForConnections: bool = Field(True, description="false: fail at once when no connection is free")
    queueLimit: int = Field(0, ge=0, description="most waiting requests; 0 = unlimited")
    maxIdle: int | None = Field(None, ge=0, description="default: connectionLimit")
    idleTimeout: int = Field(60000, ge=0, description="ms; only applies when maxIdle < connectionLimit")
    connectTimeout: int = Field(10000, ge=1, description="ms")
    enableKeepAlive: bool = Field(True, description="accepted, not modelled (TCP keep-alive)")
    keepAliveInitialDelay: int = Field(0, ge=0, description="accepted, not modelled")

    def pool_fields(self) -> Mapped:
        max_idle = self.connectionLimit if self.maxIdle is None else self.maxIdle
        evicts = max_idle < self.connectionLimit  # mysql2 starts its idle timer only then
        if not self.waitForConnections:
            queue_limit: int | None = 0
        else:
            queue_limit = self.queueLimit or None
        return {
            "max_size": (self.connectionLimit, "connectionLimit"),
            "min_idle": (0, "(mysql2 opens connections on demand)"),
            "max_idle": (max_idle if evicts else None, "maxIdle"),
            "acquire_timeout_s": (None, "(mysql2's pool has no acquire timeout)"),
            "queue_limit": (queue_limit, "queueLimit/waitForConnections"),
            "order": ("fifo", "(_freeConnections is a queue, as in incident 001)"),
            "idle_timeout_s": (_s_or_none(self.idleTimeout) if evicts else None, "idleTimeout"),
            "max_lifetime_s": (None, "(mysql2 has no max lifetime)"),
            "keepalive_s": (None, "(enableKeepAlive is TCP keep-alive, not a ping)"),
            "validate": ("never", "(mysql2 hands out free connections unchecked)"),
            "leak_detection_s": (None, "(mysql2 has no leak detection)"),
            "housekeeping_interval_s": (1.0, "(mysql2's idle timer runs every second)"),
            "connect_timeout_s": (_s(self.connectTimeout), "connectTimeout"),
        }


class SequelizePreset(PresetBase):
    """Sequelize's ``pool`` option (incident 000), milliseconds."""

    name: Literal["sequelize"]
    max: int = Field(5, ge=1)
    min: int = Field(0, ge=0)
    acquire: int = Field(60000, ge=1, description="ms a borrow waits")
    idle: int = Field(10000, ge=0, description="ms an idle connection above `min` is kept")
    evict: int = Field(1000, ge=1, description="ms between idle sweeps")

    def pool_fields(self) -> Mapped:
        return {
            "max_size": (self.max, "max"),
            "min_idle": (min(self.min, self.max), "min"),
            "max_idle": (None, "(Sequelize has no idle cap)"),
            "acquire_timeout_s": (_s(self.acquire), "acquire"),
            "queue_limit": (None, "(sequelize-pool queues without limit)"),
            "order": ("fifo", "(sequelize-pool's available list is a queue)"),
            "idle_timeout_s": (_s_or_none(self.idle), "idle"),
            "max_lifetime_s": (None, "(Sequelize has no max lifetime)"),
            "keepalive_s": (None, "(Sequelize has no keepalive)"),
            "validate": ("never", "(Sequelize's validate checks client-side state only, no round trip)"),
            "leak_detection_s": (None, "(Sequelize has no leak detection)"),
            "evict_closed": (True, "(the mysql dialect destroys a connection on a socket error, borrowed or not)"),
            "housekeeping_interval_s": (_s(self.evict), "evict"),
        }


def _default_prisma_limit() -> int:
    return (os.cpu_count() or 1) * 2 + 1


class PrismaPreset(PresetBase):
    """Prisma's Rust query engine, connection-URL parameters in seconds (incident 001)."""

    name: Literal["prisma"]
    connection_limit: int | None = Field(None, ge=1, description="default: CPUs * 2 + 1")
    pool_timeout: float = Field(10.0, ge=0, description="s a borrow waits; 0 = forever")
    connect_timeout: float = Field(5.0, gt=0, description="s")
    socket_timeout: float | None = Field(None, gt=0, description="s a query may take; default none")
    max_connection_lifetime: float | None = Field(None, gt=0, description="s")
    max_idle_connection_lifetime: float = Field(300.0, ge=0, description="s; 0 = never")

    def pool_fields(self) -> Mapped:
        limit = self.connection_limit or _default_prisma_limit()
        return {
            "max_size": (limit, "connection_limit"),
            "min_idle": (0, "(Prisma opens connections on demand)"),
            "max_idle": (None, "(Prisma has no idle cap)"),
            "acquire_timeout_s": (self.pool_timeout or None, "pool_timeout"),
            "queue_limit": (None, "(Prisma queues without limit)"),
            "order": ("lifo", "(mobc reuses the most recent connection)"),
            "idle_timeout_s": (self.max_idle_connection_lifetime or None, "max_idle_connection_lifetime"),
            "max_lifetime_s": (self.max_connection_lifetime, "max_connection_lifetime"),
            "keepalive_s": (None, "(Prisma has no keepalive)"),
            "validate": ("after_idle", "(the engine pings a connection idle for more than 15 s)"),
            "validate_after_idle_s": (15.0, "(the engine's fixed 15 s)"),
            "leak_detection_s": (None, "(Prisma has no leak detection)"),
            "housekeeping_interval_s": (1.0, "(idle reaping, about every second)"),
            "connect_timeout_s": (self.connect_timeout, "connect_timeout"),
            "query_timeout_s": (self.socket_timeout, "socket_timeout"),
        }


AnyPreset = HikariPreset | Mysql2Preset | SequelizePreset | PrismaPreset
