"""Your own app under test: started by app.command, or already running at app.url."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import yaml

from harness.stack.mysql import MySQLEndpoint
from harness.stack.net import free_port
from harness.stack.processes import ManagedProcess
from tests.integration.app_helpers import ROOT, harness_cli


def run(scenario: dict, tmp_path: Path, *extra: str) -> tuple[int, str, Path]:
    """`harness run` of ``scenario``; (exit code, stderr, run dir). Nothing it started may outlive it."""
    path = tmp_path / "own.yaml"
    path.write_text(yaml.safe_dump(scenario))
    out = tmp_path / "run"
    done = harness_cli("run", str(path), "--out", str(out), "--quiet", *extra)
    return done.returncode, done.stderr, out


def serve_command(max_size: int) -> str:
    """The reference app, started the way a user's app would be: a shell command reading its environment."""
    config = shlex.quote(json.dumps({"pool": {"max_size": max_size}}))
    return (f"exec {shlex.quote(sys.executable)} -m harness app serve --host 127.0.0.1 --port $PORT "
            f"--dsn \"$DATABASE_URL\" --config {config}")


def test_command_app_is_loaded_probed_frozen_and_stopped(tmp_path: Path) -> None:
    """An app started by app.command gets the proxy's DSN, is probed at pool_path, can be frozen, leaves nothing."""
    scenario = {
        "name": "own-command", "duration_s": 5,
        "app": {"command": serve_command(3), "pool_path": "/pool", "ready_path": "/pool", "cwd": str(ROOT)},
        "load": {"users": 4, "think_time_s": 0.05},
        "faults": [{"type": "freeze", "at_s": 2, "for_s": 1, "death": "none"}],
        "probes": {"interval_s": 0.25, "drain_s": 1},
    }
    code, err, out = run(scenario, tmp_path)
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())["variants"]["default"]
    assert summary["requests"]["ok"] > 50
    assert summary["pool"]["max_size"] == 3  # read from the app's own /pool
    assert summary["mysql"]["peak_connections"] >= 1  # its connections came through the proxy as the app user
    events = [json.loads(line)["event"] for line in (out / "default" / "events.jsonl").read_text().splitlines()]
    assert [e for e in events if e.startswith("freeze.")] == ["freeze.start", "freeze.stop"]
    assert json.loads((out / "summary.json").read_text())["stack"]["app"] == "app started by app.command"


def test_app_at_a_url_is_loaded_through_a_fixed_proxy_port(tmp_path: Path, mysql: MySQLEndpoint) -> None:
    """An app already running (pointed at proxy.listen) is loaded and probed; its DB traffic crosses the proxy."""
    proxy_port, app_port = free_port(), free_port()
    dsn = mysql.app_dsn("127.0.0.1", proxy_port)  # the user's app knows its own database's credentials
    app = ManagedProcess("users-app", [sys.executable, "-m", "harness", "app", "serve", "--host", "127.0.0.1",
                                       "--port", str(app_port), "--dsn", dsn, "--config", "{}"],
                         log_path=tmp_path / "app.log")
    root_dsn = f"mysql://root@127.0.0.1:{mysql.port}/app"
    scenario = {
        "name": "own-url", "duration_s": 4,
        "mysql": {"mode": "external", "dsn": root_dsn},
        "proxy": {"listen": f"127.0.0.1:{proxy_port}"},
        "app": {"url": f"http://127.0.0.1:{app_port}", "pool_path": "/pool", "ready_path": "/pool"},
        "load": {"users": 3, "think_time_s": 0.05},
        "faults": [{"type": "proxy_down", "at_s": 1.5, "for_s": 1}],
        "probes": {"interval_s": 0.25, "drain_s": 1},
    }
    with app:  # it starts before the proxy exists and retries until the proxy answers
        code, err, out = run(scenario, tmp_path)
        assert app.alive()  # not ours to stop
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())["variants"]["default"]
    assert summary["requests"]["ok"] > 30
    assert summary["requests"]["failed"] > 0  # the proxy went down under it
    assert summary["pool"]["max_size"] == 10


def test_faults_that_signal_the_app_need_a_command(tmp_path: Path) -> None:
    """A freeze against an app given by URL alone is refused before anything starts."""
    scenario = {"name": "bad", "duration_s": 5, "app": {"url": "http://127.0.0.1:1"},
                "faults": [{"type": "freeze", "at_s": 1, "for_s": 1}]}
    code, err, out = run(scenario, tmp_path)
    assert code == 2
    assert "faults[0]: freeze signals or restarts the app's process" in err
    assert not out.exists()


def test_builtin_and_command_together_are_refused(tmp_path: Path) -> None:
    """app.builtin and app.command are two different apps: one at a time."""
    scenario = {"name": "bad", "duration_s": 5, "app": {"command": "true", "builtin": {"pool": {"max_size": 2}}}}
    code, err, _ = run(scenario, tmp_path)
    assert code == 2 and "give either builtin (the reference app) or command/url" in err
