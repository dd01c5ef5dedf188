"""`harness proxy serve` as a toxiproxy-server drop-in: its flags, its config file, its shutdown."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from harness.stack.net import free_port

SERVE = [sys.executable, "-m", "harness", "proxy", "serve"]


def wait_for_api(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1].decode()
        try:
            if requests.get(url + "/version", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise AssertionError(f"no API at {url}")


def test_go_style_flags_config_with_toxics_and_graceful_stop(tmp_path: Path) -> None:
    """-host=/-port=/-config= work; the config's proxies and toxics exist at start; SIGTERM exits 0."""
    config = tmp_path / "toxiproxy.json"
    config.write_text(json.dumps([
        {"name": "db", "listen": "127.0.0.1:0", "upstream": "127.0.0.1:3306",
         "toxics": [{"type": "latency", "attributes": {"latency": 25}}]},
        {"name": "cache", "listen": "127.0.0.1:0", "upstream": "127.0.0.1:6379", "enabled": False},
    ]))
    port = free_port()
    proc = subprocess.Popen([*SERVE, "-host=127.0.0.1", f"-port={port}", f"-config={config}", "-proxy-metrics"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_api(url, proc)
        proxies = requests.get(url + "/proxies", timeout=5).json()
        assert (sorted(proxies), proxies["cache"]["enabled"]) == (["cache", "db"], False)
        assert [t["attributes"]["latency"] for t in proxies["db"]["toxics"]] == [25]
        assert requests.get(url + "/metrics", timeout=5).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 0


def test_a_bad_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """A config that does not validate stops the server: exit 2, one line naming the file and the problem."""
    config = tmp_path / "bad.json"
    config.write_text(json.dumps([{"name": "db"}]))
    done = subprocess.run([*SERVE, "--port", str(free_port()), "--config", str(config)], capture_output=True,
                          timeout=30)
    lines = done.stderr.decode().strip().splitlines()
    assert (done.returncode, len(lines)) == (2, 1)
    assert str(config) in lines[0] and "missing required field: upstream at proxy 1" in lines[0]


def test_version_flag() -> None:
    """-version prints toxiproxy-server's version line."""
    done = subprocess.run([*SERVE, "-version"], capture_output=True, timeout=30)
    assert (done.returncode, done.stdout.decode()) == (0, "toxiproxy-server version 2.12.0\n")


def test_metrics_only_when_asked(tmp_path: Path) -> None:
    """Without -proxy-metrics or -runtime-metrics, /metrics is the router's 404, as in Toxiproxy."""
    port = free_port()
    proc = subprocess.Popen([*SERVE, "--host", "127.0.0.1", "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_api(url, proc)
        assert requests.get(url + "/metrics", timeout=5).status_code == 404
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
