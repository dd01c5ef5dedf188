"""The `harness` command: parses arguments, calls one function, maps HarnessError to an exit code.

Nothing else lives here. Heavy modules are imported inside each command so `harness --help`
stays fast (and so `harness app serve` can let gevent patch the standard library first).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from harness.errors import HarnessError, Interrupted


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="harness", description="Reproduce connection-pool incidents on a laptop.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario (every variant) and write its report")
    run.add_argument("scenario", type=Path)
    run.add_argument("--out", type=Path, help="run directory (default reports/<scenario>/<timestamp>)")
    run.add_argument("--variant", action="append", default=[], help="run only this variant (repeatable)")
    run.add_argument("--duration-s", type=float, help="scale the scenario's timeline to this duration")
    run.add_argument("--mysql-dsn", help="use this MySQL server instead of a private MariaDB")
    run.add_argument("--toxiproxy-url", help="use this toxiproxy instead of the embedded fault proxy")
    run.add_argument("--keep-stack", action="store_true", help="leave the stack up after the run (Ctrl-C ends)")
    run.add_argument("--quiet", action="store_true", help="no live progress line")
    run.add_argument("--junit", type=Path, help="also write the checks as JUnit XML")

    val = sub.add_parser("validate", help="check scenario files; start nothing")
    val.add_argument("scenarios", type=Path, nargs="+")

    sub.add_parser("schema", help="print the JSON Schema of scenario files")

    align_help = ("line the variants up at: load (load start, the default), a fault type (its first start, "
                  "e.g. latency) or faults[N]")
    rep = sub.add_parser("report", help="rebuild summary, charts and reports of a run directory")
    rep.add_argument("run_dir", type=Path)
    rep.add_argument("--align", default="load", metavar="AT", help=align_help)

    cmp_ = sub.add_parser("compare", help="compare runs made at different times (e.g. before and after a change)")
    cmp_.add_argument("run_dirs", type=Path, nargs="+")
    cmp_.add_argument("--out", type=Path, required=True, help="directory for the comparison's charts and report")
    cmp_.add_argument("--align", default="load", metavar="AT", help=align_help)

    proxy = sub.add_parser("proxy", help="the fault proxy").add_subparsers(dest="proxy_command", required=True)
    serve = proxy.add_parser("serve", help="a toxiproxy-server compatible fault proxy",
                             description="A drop-in for toxiproxy-server: its flags also work with one dash "
                                         "(-host=0.0.0.0, -port 8474), and LOG_LEVEL sets the log level.")
    serve.add_argument("--host", "-host", default="localhost", help="API host (default localhost)")
    serve.add_argument("--port", "-port", type=int, default=8474, help="API port (default 8474)")
    serve.add_argument("--config", "-config", help="JSON file of proxies to create at start (as POST /populate)")
    serve.add_argument("--seed", "-seed", type=int, help="seed for jitter, toxicity and slicer randomness")
    serve.add_argument("--proxy-metrics", "-proxy-metrics", action="store_true",
                       help="serve /metrics with per-proxy counters")
    serve.add_argument("--runtime-metrics", "-runtime-metrics", action="store_true", help="serve /metrics")
    serve.add_argument("--version", "-version", action="store_true", help="print the version and exit")

    app = sub.add_parser("app", help="the reference app").add_subparsers(dest="app_command", required=True)
    aserve = app.add_parser("serve", help="serve the reference app alone")
    aserve.add_argument("--host", default="127.0.0.1")
    aserve.add_argument("--port", type=int, default=8080)
    aserve.add_argument("--dsn", required=True, help="mysql://user:password@host:port/db (the proxy's address)")
    aserve.add_argument("--config", default="{}", help="JSON: a scenario's app.builtin section")

    stack = sub.add_parser("stack", help="the stack alone").add_subparsers(dest="stack_command", required=True)
    up = stack.add_parser("up", help="start MySQL + proxy + app, print addresses; Ctrl-C ends")
    up.add_argument("scenario", type=Path)
    up.add_argument("--variant", help="use this variant's settings")
    return p


def dispatch(args: argparse.Namespace) -> int:
    if args.command == "proxy":
        from harness.faultproxy.server import VERSION
        from harness.faultproxy.server import main as proxy_main

        if args.version:
            print(f"toxiproxy-server version {VERSION}")
            return 0
        return proxy_main(args.host, args.port, args.config, args.proxy_metrics or args.runtime_metrics, args.seed)
    if args.command == "app":
        from harness.app.server import main as app_main  # patches the standard library with gevent

        return app_main(args.host, args.port, args.dsn, args.config)
    if args.command == "validate":
        from harness.scenario.loader import validate_files

        return validate_files(args.scenarios)
    if args.command == "schema":
        from harness.scenario.model import schema_json

        print(schema_json())
        return 0
    if args.command == "run":
        from harness.run.orchestrator import RunOptions, run_scenario_file

        opts = RunOptions(out=args.out, variants=args.variant, duration_s=args.duration_s, mysql_dsn=args.mysql_dsn,
                          toxiproxy_url=args.toxiproxy_url, keep_stack=args.keep_stack, quiet=args.quiet,
                          junit=args.junit)
        return run_scenario_file(args.scenario, opts)
    if args.command == "report":
        from harness.report.build import rebuild

        return rebuild(args.run_dir, args.align)
    if args.command == "compare":
        from harness.report.build import compare_runs

        return compare_runs(args.run_dirs, args.out, args.align)
    if args.command == "stack":
        from harness.run.orchestrator import stack_up

        return stack_up(args.scenario, args.variant)
    raise AssertionError(args.command)  # pragma: no cover


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return dispatch(args)
    except Interrupted as e:
        print(f"harness: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("harness: interrupted", file=sys.stderr)
        return Interrupted.exit_code
    except HarnessError as e:
        print(f"harness: {e}", file=sys.stderr)
        return e.exit_code


if __name__ == "__main__":
    sys.exit(main())
