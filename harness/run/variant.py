"""One variant's lifecycle: stack up, load + faults + probes, heal, drain, stack down.

Everything started here is stopped by one ExitStack, in reverse order of start, whatever
happens: the nemesis heals first, then probes stop, then the load, the app, the proxy and MySQL.
A crash of a component or a Ctrl-C still leaves the recorded files and an event saying why.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import AppError, HarnessError, LoadError, StackError
from harness.faults import FaultContext
from harness.history.recorder import History
from harness.load.plan import LoadPlan, RequestPlan, Stage
from harness.probes.loop import ProbeLoop, Sampler
from harness.probes.mysql import MySQLSampler
from harness.probes.pool import PoolSampler
from harness.probes.proxy import ProxySampler
from harness.run.nemesis import Nemesis
from harness.run.progress import Progress
from harness.scenario.model import Scenario
from harness.stack.load import LoadProcess
from harness.stack.net import free_port
from harness.stack.up import PROXY_NAME, planned_url, pool_path, start_stack

log = logging.getLogger(__name__)
LOAD_GRACE_S = 90.0  # how long past duration_s the load may take to finish its last requests


@dataclass
class VariantResult:
    name: str
    status: str = "completed"  # completed | interrupted | failed
    error: str | None = None
    stack: dict[str, str] = field(default_factory=dict)


@dataclass
class VariantOptions:
    mysql_dsn: str | None = None
    toxiproxy_url: str | None = None
    keep_stack: bool = False


def load_plan(scenario: Scenario, app_url: str, requests_csv: Path) -> LoadPlan:
    load = scenario.load
    think = load.think_time_s
    opened = load.open_model
    stages = [Stage(kind=st.type, at_s=st.at_s, for_s=st.for_s_or_zero,
                    value=float((st.rate_per_s if opened else st.users) or 0)) for st in load.stages]
    return LoadPlan(
        host=app_url, duration_s=scenario.duration_s, users=load.users,
        spawn_rate=load.spawn_rate or float(load.users),
        requests=[RequestPlan(name=r.name, path=r.path, weight=r.weight, abort_after_ms=r.abort_after_ms,
                              timeout_s=r.timeout_s) for r in load.requests],
        stages=stages, open_rate_per_s=opened.rate_per_s if opened else None,
        max_in_flight=opened.max_in_flight if opened else 100, arrivals=opened.arrivals if opened else "constant",
        requests_csv=str(requests_csv), wait_min_s=think * 0.5, wait_max_s=think * 1.5,
        client_timeout_s=load.client_timeout_s,
        health_path=load.health.path if load.health else None,
        health_interval_s=load.health.interval_s if load.health else 1.0,
        health_timeout_s=load.health.timeout_s if load.health else 5.0,
        seed=scenario.seed, error_patterns=dict(scenario.app.error_patterns),
    )


def run_variant(name: str, scenario: Scenario, variant_dir: Path, opts: VariantOptions, progress: Progress,
                label: str) -> VariantResult:
    history = History(variant_dir)
    events = history.events
    result = VariantResult(name=name)
    try:
        with contextlib.ExitStack() as stack:
            _run(name, scenario, history, opts, progress, label, result, stack)
    except KeyboardInterrupt:
        result.status = "interrupted"
        events.emit("run.interrupted")
        raise
    except HarnessError as e:
        result.status, result.error = "failed", str(e)
        events.emit("run.failed", error=str(e))
    finally:
        events.emit("stack.stopped")
        history.close()
        progress.done()
    return result


def _run(name: str, scenario: Scenario, history: History, opts: VariantOptions, progress: Progress, label: str,
         result: VariantResult, stack: contextlib.ExitStack) -> None:
    events, logs = history.events, history.logs_dir
    app_port = free_port()
    app_url = planned_url(scenario, app_port)

    # The locust process takes the longest to import: start it first, it waits for a start line.
    load = LoadProcess(load_plan(scenario, app_url, history.requests_path), history.dir, logs)
    stack.callback(load.stop)
    load.start_async()

    stack_start = time.monotonic()
    up = start_stack(scenario, stack, logs, mysql_dsn=opts.mysql_dsn, toxiproxy_url=opts.toxiproxy_url,
                     app_port=app_port)
    mysql, endpoint, proxy, listen, app = up.mysql, up.endpoint, up.proxy, up.listen, up.app
    result.stack = up.versions()
    load.wait_ready()
    stack_ready = time.monotonic()

    samplers: list[Sampler] = [MySQLSampler(endpoint, scenario.probes.zombie_idle_s), ProxySampler(proxy, PROXY_NAME)]
    path = pool_path(scenario)
    if path is not None:
        samplers.append(PoolSampler(app_url + path, timeout_s=max(0.2, scenario.probes.interval_s / 2)))
    probes = ProbeLoop(history, samplers, scenario.probes.interval_s)
    ctx = FaultContext(proxy=proxy, proxy_name=PROXY_NAME, mysql=mysql, endpoint=endpoint, app=app, events=events)
    nemesis = Nemesis(list(scenario.faults), ctx, history.clock, scenario.duration_s)

    t0 = time.monotonic()
    history.clock.reset(t0)
    events.emit("stack.start", at=stack_start)
    events.emit("stack.ready", at=stack_ready, mysql_address=endpoint.address, proxy_listen=listen,
                app_url=app_url, versions=result.stack)
    events.emit("load.start", users=scenario.load.users)
    probes.start()
    stack.callback(probes.stop)
    load.go(t0)
    nemesis.start()
    stack.callback(nemesis.heal_all)  # registered last: runs first when the stack unwinds

    duration = scenario.duration_s
    while not load.done.wait(0.25):
        now = history.clock.now_s()
        progress.update(progress.line(label, min(now, duration), duration, load.status, probes.latest,
                                      nemesis.current()))
        if not load.alive() and not load.done.is_set():
            raise LoadError(f"the load process died (exit {load.process.returncode() if load.process else '?'}):\n"
                            f"{load.process.log_tail() if load.process else ''}")
        expected_down = nemesis.expects_app_down()  # read before and after: a restart may begin or end between
        if not app.alive() and not (expected_down or nemesis.expects_app_down()):
            events.emit("app.crash", code=app.process.returncode() if app.process else None)
            raise AppError(f"the app died mid-run:\n{app.process.log_tail() if app.process else ''}")
        if now > duration + LOAD_GRACE_S:
            raise LoadError(f"the load did not finish within {LOAD_GRACE_S:.0f} s after duration_s")
    events.emit("load.stop", **{k: v for k, v in load.status.items() if k in ("requests", "errors")})
    nemesis.heal_all()

    drain_end = history.clock.now_s() + scenario.probes.drain_s
    while history.clock.now_s() < drain_end:
        progress.update(progress.line(label, history.clock.now_s(), duration, {"users": 0, **load.status},
                                      probes.latest, [], phase="drain"))
        time.sleep(0.1)
    probes.final_tick()  # one last sample at the very end of the drain: leaked_at_end reads it
    events.emit("drain.end")
    if nemesis.errors:  # a fault that did not apply (or heal) means the scenario did not run as written
        raise StackError(f"the fault timeline did not run as written: {nemesis.errors} step(s) failed, first "
                         f"{nemesis.first_error}")
    if opts.keep_stack:
        progress.done(f"[{label}] stack kept up: {up.addresses()} (Ctrl-C ends)")
        while True:
            time.sleep(3600)
