"""The locust process: headless FastHttpUsers, every request recorded, a health checker beside them.

Started by the orchestrator as ``python -m harness.load PLAN.json``. Handshake on stdio: once
locust is imported and the environment built, it prints ``{"ready": true}`` and reads one line
``{"t0": <monotonic seconds>}``; ``t_s`` in ``requests.csv`` is ``monotonic() - t0`` at each
request's start (CLOCK_MONOTONIC is shared by every process on the machine). While it runs it
prints one JSON status line every ``status_interval_s``.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import logging  # noqa: E402
import random  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import gevent  # noqa: E402
from locust import FastHttpUser, between, constant  # noqa: E402
from locust.env import Environment  # noqa: E402

from harness.load.plan import HEALTH_NAME, LoadPlan, RequestPlan  # noqa: E402
from harness.load.recorder import Recorder  # noqa: E402

log = logging.getLogger("harness.load")


def error_class_of(response: Any) -> str | None:
    """None for a 2xx; else the app's ``error_class``, or a class from the status or the socket error."""
    status = int(getattr(response, "status_code", 0) or 0)
    if 200 <= status < 400:
        return None
    if status == 0:
        err = getattr(response, "error", None)
        if isinstance(err, socket.timeout | TimeoutError | gevent.Timeout):
            return "client_timeout"
        if isinstance(err, ConnectionRefusedError):
            return "connect_refused"
        return "connection_error"
    try:
        body = json.loads(response.text or "null")
    except (ValueError, TypeError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("error_class"), str):
        return str(body["error_class"])
    return "http_5xx" if status >= 500 else "http_4xx"


def abort_request(host: str, path: str, abort_after_ms: float) -> None:
    """Send a GET and disconnect ``abort_after_ms`` later (curl --max-time 0.001 in incident 002)."""
    parts = urlsplit(host)
    sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=5)
    try:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode())
        gevent.sleep(abort_after_ms / 1000.0)
    finally:
        sock.close()


def make_user_class(plan: LoadPlan, recorder: Recorder) -> type[FastHttpUser]:
    """A FastHttpUser whose tasks are the plan's weighted request mix."""

    def make_task(req: RequestPlan) -> Callable[[Any], None]:
        def task(user: Any) -> None:
            t_start = time.monotonic()
            if req.abort_after_ms is not None:
                try:
                    abort_request(plan.host, req.path, req.abort_after_ms)
                    error_class: str | None = "aborted"
                except OSError:
                    error_class = "connect_refused"
                recorder.record(t_start, req.name, time.monotonic() - t_start, error_class)
                return
            with user.client.get(req.path, name=req.name, catch_response=True) as resp:
                error_class = error_class_of(resp)
                elapsed = time.monotonic() - t_start
                if error_class is None:
                    resp.success()
                else:
                    resp.failure(error_class)
            recorder.record(t_start, req.name, elapsed, error_class)

        task.__name__ = f"task_{req.name}"
        return task

    wait = between(plan.wait_min_s, plan.wait_max_s) if plan.wait_max_s > 0 else constant(0)
    attrs: dict[str, Any] = {
        "host": plan.host,
        "wait_time": wait,
        "network_timeout": plan.client_timeout_s,
        "connection_timeout": min(plan.client_timeout_s, 10.0),
        "tasks": {make_task(r): r.weight for r in plan.requests},
    }
    return type("ScenarioUser", (FastHttpUser,), attrs)


def health_loop(plan: LoadPlan, recorder: Recorder) -> None:
    """A separate checker (not a locust user): one fresh connection per check, like curl --max-time."""
    assert plan.health_path is not None
    url = plan.host.rstrip("/") + plan.health_path
    import urllib.error
    import urllib.request

    while True:
        t_start = time.monotonic()
        error_class: str | None = None
        try:
            with urllib.request.urlopen(url, timeout=plan.health_timeout_s) as resp:
                resp.read()
        except urllib.error.HTTPError as e:
            try:
                body = json.loads(e.read() or b"null")
                error_class = body.get("error_class") if isinstance(body, dict) else None
            except ValueError:
                pass
            error_class = error_class or ("http_5xx" if e.code >= 500 else "http_4xx")
        except TimeoutError:
            error_class = "client_timeout"
        except ConnectionRefusedError:
            error_class = "connect_refused"
        except OSError as e:
            error_class = "client_timeout" if "timed out" in str(e) else "connection_error"
        recorder.record(t_start, HEALTH_NAME, time.monotonic() - t_start, error_class)
        gevent.sleep(max(0.0, plan.health_interval_s - (time.monotonic() - t_start)))


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    plan = LoadPlan.read(Path(argv[0]))
    random.seed(plan.seed)
    recorder = Recorder(Path(plan.requests_csv))
    env = Environment(user_classes=[make_user_class(plan, recorder)], host=plan.host,
                      stop_timeout=max(plan.client_timeout_s, 1.0))
    runner = env.create_local_runner()

    emit({"ready": True})
    line = sys.stdin.readline()
    try:
        t0 = float(json.loads(line)["t0"])
    except (ValueError, KeyError, TypeError):
        print(f"load: expected a start line {{\"t0\": ...}} on stdin, got {line!r}", file=sys.stderr)
        return 2
    recorder.start(t0)

    health = gevent.spawn(health_loop, plan, recorder) if plan.health_path else None
    runner.start(plan.users, spawn_rate=plan.spawn_rate)
    end = t0 + plan.duration_s
    try:
        while time.monotonic() < end:
            gevent.sleep(min(plan.status_interval_s, max(0.0, end - time.monotonic())))
            recorder.flush()
            emit({"t_s": round(time.monotonic() - t0, 3), "users": runner.user_count, **recorder.counts()})
    finally:
        runner.quit()  # users finish the request in hand (stop_timeout), then stop
        if health is not None:
            health.kill()
        recorder.close()
        emit({"done": True, "t_s": round(time.monotonic() - t0, 3), "users": 0, **recorder.counts()})
    return 0
