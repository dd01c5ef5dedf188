"""`harness run`: validate, then for each variant a fresh stack; then analysis, charts, report.

Exit codes (DESIGN.md): 0 every check passed; 1 a check failed; 2 bad input; 3 a component could
not start or failed; 130 interrupted. Whatever ends the run, the recorded data is analysed and a
report is written (marked partial when the run did not complete).
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from harness.errors import BadInput, ChecksFailed, Interrupted, StackError
from harness.run.progress import Progress
from harness.run.rundir import new_run_dir, write_scenario
from harness.run.variant import VariantOptions, VariantResult, run_variant
from harness.scenario.loader import load_scenario
from harness.scenario.model import Scenario
from harness.scenario.variants import scale_duration, select
from harness.stack.mysql import redact_dsn
from harness.stack.net import is_loopback

log = logging.getLogger(__name__)
DESTRUCTIVE_FAULTS = frozenset({"kill_idle", "set_variable", "mysql_restart"})


@dataclass
class RunOptions:
    out: Path | None = None
    variants: list[str] = field(default_factory=list)
    duration_s: float | None = None
    mysql_dsn: str | None = None
    toxiproxy_url: str | None = None
    keep_stack: bool = False
    quiet: bool = False
    junit: Path | None = None


def _sigterm_as_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def check_safety(variants: list[tuple[str, Scenario]], mysql_dsn: str | None) -> None:
    """Destructive faults only against a loopback server, unless the scenario says allow_remote;
    no restart of a server that is not ours."""
    from harness.stack.mysql import parse_dsn

    for name, scenario in variants:
        if mysql_dsn and any(f.type == "mysql_restart" for f in scenario.faults):
            raise BadInput(f"variant {name!r}: mysql_restart needs the embedded server; --mysql-dsn gives one "
                           "that is not ours to restart")
        dsn = mysql_dsn or (scenario.mysql.dsn if scenario.mysql.mode == "external" else None)
        if not dsn or scenario.mysql.allow_remote:
            continue
        host = parse_dsn(dsn).host
        destructive = sorted({f.type for f in scenario.faults} & DESTRUCTIVE_FAULTS)
        if destructive and not is_loopback(host):
            raise BadInput(f"variant {name!r}: {', '.join(destructive)} against {host}, which is not a loopback "
                           "server; set mysql.allow_remote: true to allow it")


def run_scenario_file(path: Path, opts: RunOptions) -> int:
    # --quiet: no progress line and no warnings (a probe failing while the app is frozen, say); errors stay
    logging.basicConfig(level=logging.ERROR if opts.quiet else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    loaded = load_scenario(path)  # bad input: exit 2 before anything starts
    variants = select(loaded.variants, opts.variants)
    if opts.duration_s is not None:
        variants = [(n, scale_duration(s, opts.duration_s)) for n, s in variants]
    check_safety(variants, opts.mysql_dsn)

    run_dir, run_id = new_run_dir(loaded.name, opts.out)
    write_scenario(run_dir, loaded.raw, [(n, loaded.overrides.get(n, {})) for n, _ in variants], loaded.descriptions)
    progress = Progress(quiet=opts.quiet)
    progress.say(f"{loaded.name}: {len(variants)} variant(s), {variants[0][1].duration_s:g} s each -> {run_dir}")
    previous = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    results: list[VariantResult] = []
    status = "completed"
    started = time.monotonic()
    try:
        for i, (name, scenario) in enumerate(variants, start=1):
            label = f"{loaded.name}/{name} {i}/{len(variants)}"
            vopts = VariantOptions(mysql_dsn=opts.mysql_dsn, toxiproxy_url=opts.toxiproxy_url,
                                   keep_stack=opts.keep_stack)
            result = run_variant(name, scenario, run_dir / name, vopts, progress, label)
            results.append(result)
            if result.status == "failed":
                status = "failed"
                progress.say(f"[{label}] failed: {result.error}")
    except KeyboardInterrupt:
        status = "interrupted"
        progress.say("interrupted: stopping the stack, writing what was recorded")
    finally:
        signal.signal(signal.SIGTERM, previous)

    from harness.analysis.run import analyse_run  # pandas only after the run
    from harness.report.build import write_reports

    stack = next((r.stack for r in results if r.stack), {})
    meta = {"scenario": loaded.name, "description": loaded.base.description, "run_id": run_id,
            "status": status, "stack": stack}
    analysis = analyse_run(run_dir, variants, meta)
    report = write_reports(run_dir, analysis)
    if opts.junit is not None:
        from harness.report.junit import write_junit

        write_junit(opts.junit, analysis.summary)
    print(f"report: {report.resolve()}  ({time.monotonic() - started:.0f} s)")
    for name, check in analysis.checks_failed:
        print(f"FAILED {name}: {check['name']}: {check['detail']}", file=sys.stderr)
    for name, check in analysis.checks_unknown:
        print(f"UNKNOWN {name}: {check['name']}: {check['detail']}", file=sys.stderr)

    if status == "interrupted":
        raise Interrupted("interrupted; partial results were written")
    if status == "failed":
        errors = "; ".join(r.error or "" for r in results if r.status == "failed")
        raise StackError(f"a component failed; partial results were written ({errors.splitlines()[0]})")
    if analysis.checks_failed or analysis.checks_unknown:
        raise ChecksFailed(checks_verdict(analysis.checks_failed, analysis.checks_unknown))
    return 0


def checks_verdict(failed: list[tuple[str, dict[str, Any]]], unknown: list[tuple[str, dict[str, Any]]]) -> str:
    """One line for exit 1: the first check that did not pass, by how much, and how many others."""
    worst = failed or unknown
    variant, check = worst[0]
    verb = "failed" if failed else "could not be evaluated"
    others = len(failed) + len(unknown) - 1
    more = f" (and {others} more check{'s' * (others != 1)} did not pass)" if others else ""
    return f"check {verb}: {variant}: {check['name']}: {check['detail']}{more}"


def stack_up(path: Path, variant: str | None) -> int:
    """`harness stack up`: MySQL + proxy + app of one variant, addresses printed, until Ctrl-C.

    No load and no faults: point your own load, a toxiproxy client or a MySQL client at it.
    """
    import contextlib
    import tempfile

    from harness.stack.up import start_stack

    loaded = load_scenario(path)
    name, scenario = select(loaded.variants, [variant] if variant else [])[0]
    previous = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    try:
        with tempfile.TemporaryDirectory(prefix="pool-harness-stack-") as logs, contextlib.ExitStack() as exits:
            up = start_stack(scenario, exits, Path(logs))
            print(f"{loaded.name}/{name}: {up.addresses()}", flush=True)
            print(f"  app DSN (through the proxy): {redact_dsn(up.app_dsn)}", flush=True)
            print(f"  toxiproxy clients: TOXIPROXY_URL={up.proxy.url}; logs in {logs}; Ctrl-C ends", flush=True)
            while up.app.alive():
                time.sleep(0.5)
            raise StackError(f"the app exited:\n{up.app.process.log_tail() if up.app.process else ''}")
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
