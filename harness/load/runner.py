"""The locust process: the closed model's FastHttpUsers (or the open model's arrivals), every
request recorded, a health checker beside them.

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
import re  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import gevent  # noqa: E402
from gevent.pool import Group  # noqa: E402
from locust import FastHttpUser, User, between, constant  # noqa: E402
from locust.contrib.fasthttp import FastHttpSession  # noqa: E402
from locust.env import Environment  # noqa: E402

from harness.load.plan import (  # noqa: E402
    HEALTH_NAME,
    NOT_STARTED,
    STEP_SPAWN_S,
    LoadPlan,
    RequestPlan,
    error_class_from_body,
    level_at,
)
from harness.load.recorder import Recorder  # noqa: E402

log = logging.getLogger("harness.load")
STAGE_TICK_S = 0.05  # how often the closed model looks at its stages (a ramp moves one user at a time)


def error_class_of(response: Any, patterns: dict[str, re.Pattern[str]]) -> str | None:
    """None for a 2xx; else the app's ``error_class``, or a class from the status or the socket error."""
    status = int(getattr(response, "status_code", 0) or 0)
    if 200 <= status < 400:
        return None
    if status == 0:
        err = getattr(response, "error", None)
        # geventhttpclient wraps the socket error in RetriesExceeded(original=...)
        err = getattr(err, "original", None) or err
        if isinstance(err, socket.timeout | TimeoutError | gevent.Timeout):
            return "client_timeout"
        if isinstance(err, ConnectionRefusedError):
            return "connect_refused"
        return "connection_error"
    return error_class_from_body(status, response.text, patterns)


def compile_patterns(plan: LoadPlan) -> dict[str, re.Pattern[str]]:
    return {cls: re.compile(pattern) for cls, pattern in plan.error_patterns.items()}


def abort_request(host: str, path: str, abort_after_ms: float) -> None:
    """Send a GET and disconnect ``abort_after_ms`` later (curl --max-time 0.001 in incident 002)."""
    parts = urlsplit(host)
    sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=5)
    try:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode())
        gevent.sleep(abort_after_ms / 1000.0)
    finally:
        sock.close()


def make_session(plan: LoadPlan, env: Environment | None, user: Any, timeout_s: float) -> FastHttpSession:
    """A keep-alive HTTP session whose requests give up after ``timeout_s`` (client_timeout)."""
    assert env is not None
    return FastHttpSession(base_url=plan.host, request_event=env.events.request, user=user,
                           network_timeout=timeout_s, connection_timeout=min(timeout_s, 10.0), max_retries=0,
                           insecure=True, concurrency=1)


class Sender:
    """Sends one request of the mix and records it. Requests with their own ``timeout_s`` get a
    session of their own (geventhttpclient's timeout is per session, not per request)."""

    def __init__(self, plan: LoadPlan, recorder: Recorder, env: Environment | None = None) -> None:
        self.plan = plan
        self.recorder = recorder
        self.env = env  # set once the Environment exists (it needs the user class, which needs us)
        self.patterns = compile_patterns(plan)

    def send(self, req: RequestPlan, sessions: dict[float, Any], owner: Any) -> None:
        t_start = time.monotonic()
        if req.abort_after_ms is not None:
            try:
                abort_request(self.plan.host, req.path, req.abort_after_ms)
                error_class: str | None = "aborted"
            except OSError:
                error_class = "connect_refused"
            self.recorder.record(t_start, req.name, time.monotonic() - t_start, error_class)
            return
        timeout_s = req.timeout_s or self.plan.client_timeout_s
        session = sessions.get(timeout_s)
        if session is None:
            session = sessions[timeout_s] = make_session(self.plan, self.env, owner, timeout_s)
        with session.get(req.path, name=req.name, catch_response=True) as resp:
            error_class = error_class_of(resp, self.patterns)
            elapsed = time.monotonic() - t_start
            if error_class is None:
                resp.success()
            else:
                resp.failure(error_class)
        self.recorder.record(t_start, req.name, elapsed, error_class)


def make_user_class(plan: LoadPlan, sender: Sender) -> type[FastHttpUser]:
    """A FastHttpUser whose tasks are the plan's weighted request mix (the closed model)."""

    def make_task(req: RequestPlan) -> Callable[[Any], None]:
        def task(user: Any) -> None:
            sessions = user.__dict__.setdefault("sessions", {plan.client_timeout_s: user.client})
            sender.send(req, sessions, user)

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


class OpenModel:
    """Requests arrive at the plan's rate whatever happens to earlier ones (an open model).

    ``max_in_flight`` slots, each with its own keep-alive connection(s); an arrival that finds
    every slot busy is recorded as dropped (``not_started``), so a saturated app shows up as
    offered > achieved instead of silently lowering the offered load. Arrival times come from
    the schedule, not from the clock after the previous one, so a slow scheduler catches up.
    """

    def __init__(self, plan: LoadPlan, sender: Sender, recorder: Recorder) -> None:
        assert plan.open_rate_per_s is not None
        self.plan = plan
        self.sender = sender
        self.recorder = recorder
        self.rng = random.Random(plan.seed)
        self.free: list[dict[float, Any]] = [{} for _ in range(plan.max_in_flight)]
        self.in_flight = Group()

    def arrivals(self, t0: float) -> None:
        plan = self.plan
        weights = [r.weight for r in plan.requests]
        t = 0.0
        while t < plan.duration_s:
            rate = level_at(plan.open_rate_per_s or 0.0, plan.stages, t)
            if rate <= 0:
                t += 0.05  # a stage at rate 0: nothing arrives; look again shortly
                continue
            gevent.sleep(max(0.0, t0 + t - time.monotonic()))
            req = self.rng.choices(plan.requests, weights)[0]
            if self.free:
                self.in_flight.spawn(self._one, req, self.free.pop())
            else:
                self.recorder.record(t0 + t, req.name, 0.0, NOT_STARTED)
            t += 1.0 / rate if plan.arrivals == "constant" else self.rng.expovariate(rate)

    def _one(self, req: RequestPlan, sessions: dict[float, Any]) -> None:
        try:
            self.sender.send(req, sessions, None)
        except Exception:  # never lose a slot: a bug here must not shrink the model
            log.exception("open model: request %s failed to run", req.name)
        finally:
            self.free.append(sessions)

    def drain(self, timeout_s: float) -> None:
        """Let the requests in flight finish (each within its own timeout), then stop the rest."""
        self.in_flight.join(timeout=timeout_s)
        self.in_flight.kill(block=True, timeout=5)


def health_loop(plan: LoadPlan, recorder: Recorder) -> None:
    """A separate checker (not a locust user): one fresh connection per check, like curl --max-time."""
    assert plan.health_path is not None
    url = plan.host.rstrip("/") + plan.health_path
    patterns = compile_patterns(plan)
    import urllib.error
    import urllib.request

    while True:
        t_start = time.monotonic()
        error_class: str | None = None
        try:
            with urllib.request.urlopen(url, timeout=plan.health_timeout_s) as resp:
                resp.read()
        except urllib.error.HTTPError as e:
            error_class = error_class_from_body(e.code, e.read().decode(errors="replace"), patterns)
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
    sender = Sender(plan, recorder)
    open_model = OpenModel(plan, sender, recorder) if plan.open_rate_per_s is not None else None
    user_classes: list[type[User]] = [] if open_model is not None else [make_user_class(plan, sender)]
    env = Environment(user_classes=user_classes, host=plan.host, stop_timeout=max(plan.client_timeout_s, 1.0))
    sender.env = env
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
    arrivals = gevent.spawn(open_model.arrivals, t0) if open_model is not None else None
    end = t0 + plan.duration_s
    next_status = t0 + plan.status_interval_s
    current: int | None = None  # the closed model's user count asked of locust

    def users() -> int:
        return len(open_model.in_flight) if open_model is not None else runner.user_count

    try:
        while (now := time.monotonic()) < end:
            if open_model is None:  # follow the stages: one user at a time along a ramp, at once for a step
                target = round(level_at(plan.users, plan.stages, now - t0))
                if target != current:
                    rate = plan.spawn_rate if current is None else max(1.0, abs(target - current) / STEP_SPAWN_S)
                    runner.start(target, spawn_rate=rate)
                    current = target
            if now >= next_status:
                next_status += plan.status_interval_s
                recorder.flush()
                emit({"t_s": round(now - t0, 3), "users": users(), **recorder.counts()})
            gevent.sleep(max(0.0, min(STAGE_TICK_S, next_status - now, end - now)))
    finally:
        if arrivals is not None:
            arrivals.kill()
        if open_model is not None:
            open_model.drain(max(plan.client_timeout_s, 1.0))
        runner.quit()  # users finish the request in hand (stop_timeout), then stop
        if health is not None:
            health.kill()
        recorder.close()
        emit({"done": True, "t_s": round(time.monotonic() - t0, 3), "users": 0, **recorder.counts()})
    return 0
