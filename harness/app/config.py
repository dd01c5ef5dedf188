"""The reference app's settings: a scenario's ``app.builtin`` section, as a pydantic model.

This module imports nothing heavy: the scenario schema embeds it, and the app parses the same
JSON at start, so a setting the scenario accepts is a setting the app understands.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    """Unknown keys are errors (with a "did you mean" from the loader), never silently ignored, and
    types are strict: ``max_size: "10"`` is a mistake to report, not a string to coerce."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class PoolConfig(Strict):
    """Pool semantics shared by the pools of the incidents (HikariCP's vocabulary)."""

    engine: Literal["reference"] = Field("reference", description="which pool implementation serves requests")
    max_size: int = Field(10, ge=1, le=10_000, description="most connections the pool opens (HikariCP "
                          "maximumPoolSize, mysql2 connectionLimit, Sequelize pool.max)")
    acquire_timeout_s: float = Field(30.0, gt=0, description="how long a request waits for a connection "
                                     "before failing with pool_timeout (Sequelize pool.acquire)")
    connect_timeout_s: float = Field(5.0, gt=0, description="TCP + handshake timeout of a new connection")
    query_timeout_s: float = Field(30.0, gt=0, description="socket read timeout of a query")


class BugsConfig(Strict):
    """Incident bugs, all off by default."""


class AppConfig(Strict):
    """``app.builtin``: how the reference app pools its connections and which bugs it has."""

    pool: PoolConfig = PoolConfig()
    bugs: BugsConfig = BugsConfig()
    health_timeout_s: float = Field(2.0, gt=0, description="/health answers 503 if its DB round trip "
                                    "(acquire included) takes longer")
