"""app.builtin resolution: presets written into the pool keys, engine rules, conflicts named by key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from harness.app.config import AppConfig
from harness.errors import ScenarioError
from harness.scenario.loader import load_scenario


def resolve(builtin: dict[str, Any]) -> AppConfig:
    return AppConfig.model_validate(builtin)


def error_of(builtin: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        resolve(builtin)
    return str(info.value.errors()[0]["msg"])


def test_defaults_keep_the_plain_pool_and_every_bug_off() -> None:
    """The defaults: engine reference, on_stale raise, validate never, every bug at its fixed behaviour."""
    c = AppConfig()
    assert (c.pool.engine, c.pool.on_stale, c.pool.validate, c.pool.max_size) == ("reference", "raise", "never", 10)
    bugs = (c.bugs.release_on_abort, c.bugs.leak_on_error, c.bugs.prepared_statements, c.bugs.in_list_padding)
    assert bugs == ("early", 0.0, "client", False)


def test_hikari_preset_maps_incident_003_config() -> None:
    """Incident 003's fixed HikariCP config becomes the reference pool's settings, in seconds."""
    pool = resolve({"pool": {"preset": {"name": "hikari", "minimumIdle": 5, "maximumPoolSize": 20,
                                        "maxLifetime": 300000, "idleTimeout": 60000,
                                        "leakDetectionThreshold": 30000}}}).pool
    got = (pool.max_size, pool.min_idle, pool.max_lifetime_s, pool.idle_timeout_s, pool.leak_detection_s,
           pool.acquire_timeout_s, pool.validate, pool.validate_after_idle_s, pool.keepalive_s)
    assert got == (20, 5, 300.0, 60.0, 30.0, 30.0, "after_idle", 0.5, 120.0)


def test_hikari_idle_timeout_needs_min_idle_below_max() -> None:
    """HikariCP ignores idleTimeout when minimumIdle equals maximumPoolSize (its default)."""
    assert resolve({"pool": {"preset": {"name": "hikari"}}}).pool.idle_timeout_s is None


def test_sequelize_preset_maps_incident_000_before_and_after() -> None:
    """Incident 000's Sequelize pool before (max 80, acquire 10 min) and after (20, 30 s, idle 10 s, evict 5 s)."""
    before = resolve({"pool": {"preset": {"name": "sequelize", "max": 80, "acquire": 600000}}}).pool
    after = resolve({"pool": {"preset": {"name": "sequelize", "max": 20, "min": 2, "acquire": 30000,
                                         "idle": 10000, "evict": 5000}}}).pool
    assert (before.max_size, before.acquire_timeout_s, before.min_idle, before.idle_timeout_s) == (80, 600.0, 0, 10.0)
    got = (after.max_size, after.min_idle, after.acquire_timeout_s, after.idle_timeout_s,
           after.housekeeping_interval_s)
    assert got == (20, 2, 30.0, 10.0, 5.0)


def test_mysql2_preset_waits_forever_in_fifo_order() -> None:
    """mysql2: no acquire timeout, FIFO free list, no idle eviction unless maxIdle < connectionLimit."""
    plain = resolve({"pool": {"preset": {"name": "mysql2", "connectionLimit": 40}}}).pool
    capped = resolve({"pool": {"preset": {"name": "mysql2", "maxIdle": 2, "idleTimeout": 5000}}}).pool
    no_wait = resolve({"pool": {"preset": {"name": "mysql2", "waitForConnections": False}}}).pool
    got = (plain.max_size, plain.acquire_timeout_s, plain.order, plain.idle_timeout_s, plain.max_idle)
    assert got == (40, None, "fifo", None, None)
    assert (capped.max_idle, capped.idle_timeout_s) == (2, 5.0)
    assert no_wait.queue_limit == 0


def test_prisma_preset_pings_after_15_s() -> None:
    """Prisma: validate after 15 s of idleness, pool_timeout in seconds, no socket timeout by default."""
    pool = resolve({"pool": {"preset": {"name": "prisma", "connection_limit": 5, "pool_timeout": 2}}}).pool
    got = (pool.max_size, pool.acquire_timeout_s, pool.validate, pool.validate_after_idle_s, pool.query_timeout_s)
    assert got == (5, 2.0, "after_idle", 15.0, None)


def test_a_key_set_against_the_preset_is_an_error() -> None:
    """A pool key the preset also sets, with another value, names the key and the preset's source key."""
    msg = error_of({"pool": {"preset": {"name": "sequelize", "max": 20}, "max_size": 5}})
    assert "max_size: 5 conflicts with preset sequelize (max gives 20)" in msg


def test_on_stale_stays_free_with_a_preset() -> None:
    """Presets leave on_stale alone: the retry policy is the application's choice (incident 001)."""
    pool = resolve({"pool": {"preset": {"name": "mysql2"}, "on_stale": "drain_and_retry"}}).pool
    assert pool.on_stale == "drain_and_retry"


def test_resolution_is_idempotent() -> None:
    """The app re-validates the dumped JSON: resolving twice gives the same settings."""
    for builtin in ({"pool": {"preset": {"name": "hikari", "maximumPoolSize": 7}}},
                    {"pool": {"engine": "sqlalchemy", "sqlalchemy": {"pool_size": 3, "max_overflow": 2}}},
                    {"pool": {"engine": "single"}}, {"pool": {"engine": "none"}}):
        once = resolve(builtin)
        assert once == AppConfig.model_validate_json(once.model_dump_json())


def test_sqlalchemy_keys_follow_the_common_ones() -> None:
    """Unset QueuePool knobs follow max_size, acquire_timeout_s, max_lifetime_s, validate and order;
    pool_size + max_overflow becomes max_size."""
    derived = resolve({"pool": {"engine": "sqlalchemy", "max_size": 8, "acquire_timeout_s": 3,
                                "max_lifetime_s": 60, "validate": "always", "order": "fifo"}}).pool
    explicit = resolve({"pool": {"engine": "sqlalchemy", "sqlalchemy": {"pool_size": 5, "max_overflow": 10}}}).pool
    assert derived.sqlalchemy_args() == {"pool_size": 8, "max_overflow": 0, "pool_timeout": 3.0,
                                         "pool_recycle": 60.0, "pool_pre_ping": True, "pool_use_lifo": False}
    args = explicit.sqlalchemy_args()
    assert (explicit.max_size, args["pool_size"], args["max_overflow"]) == (15, 5, 10)


def test_engine_rules() -> None:
    """Keys an engine cannot honour are errors naming the key; single always has one connection."""
    assert "idle_timeout_s: engine sqlalchemy has no such setting" in error_of(
        {"pool": {"engine": "sqlalchemy", "idle_timeout_s": 5}})
    assert "validate: engine sqlalchemy has no such setting" in error_of(
        {"pool": {"engine": "sqlalchemy", "validate": "after_idle"}})
    assert "max_size: engine none opens a new connection per request" in error_of(
        {"pool": {"engine": "none", "max_size": 3}})
    assert "max_size: 3 conflicts with engine single" in error_of({"pool": {"engine": "single", "max_size": 3}})
    assert "sqlalchemy: only used by engine sqlalchemy" in error_of({"pool": {"sqlalchemy": {"max_overflow": 1}}})
    assert "preset: presets configure the reference pool" in error_of(
        {"pool": {"engine": "sqlalchemy", "preset": {"name": "hikari"}}})
    assert resolve({"pool": {"engine": "single"}}).pool.max_size == 1


def test_scenario_mistakes_in_a_preset_get_did_you_mean(tmp_path: Path) -> None:
    """A misspelt preset key in a scenario is reported at its line with the right preset's keys."""
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nduration_s: 5\napp:\n  builtin:\n    pool:\n"
                    "      preset: {name: hikari, maximumPoolSiz: 20}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    expected = f"{path}:6: app.builtin.pool.preset.maximumPoolSiz: unknown key; did you mean 'maximumPoolSize'?"
    assert info.value.lines() == [expected]
