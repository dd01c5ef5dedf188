"""How fast the open model can offer requests, and how much of it the reference app absorbs.

Starts a private MariaDB, the fault proxy and the reference app (pool of 20), then runs the load
process's open model at several arrival rates, 3 s each, side by side in one run, and prints per
rate: the arrivals recorded (started + dropped: every scheduled arrival has a row), the requests
started, the achieved rate and achieved/offered. Not a test: figures depend on the machine (2
shared cores here). Usage: python bench/open_model_rate.py
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

from harness.load.plan import LoadPlan, RequestPlan
from harness.stack.load import LoadProcess
from harness.stack.mysql import EmbeddedMySQL
from harness.stack.net import split_host_port
from harness.stack.proxy import EmbeddedProxyServer
from harness.stack.target import BuiltinApp

RATES_PER_S = (100.0, 400.0, 1600.0)
DURATION_S = 3.0
MAX_IN_FLIGHT = 50


def run(url: str, rate: float, work: Path) -> tuple[int, int, int]:
    csv_path = work / f"requests-{rate:g}.csv"
    plan = LoadPlan(host=url, duration_s=DURATION_S, users=1, spawn_rate=1.0,
                    requests=[RequestPlan(name="q", path="/query")], requests_csv=str(csv_path), health_path=None,
                    open_rate_per_s=rate, max_in_flight=MAX_IN_FLIGHT)
    load = LoadProcess(plan, work, work)
    try:
        load.start()
        load.go(time.monotonic())
        load.done.wait(DURATION_S + 60)
        load.wait(30)
    finally:
        load.stop()
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    dropped = sum(r["outcome"] == "dropped" for r in rows)
    ok = sum(r["outcome"] == "ok" for r in rows)
    if not ok:
        raise SystemExit(f"no request succeeded at {rate:g}/s: see {work}")
    return len(rows), len(rows) - dropped, dropped


def main() -> int:
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        server = EmbeddedMySQL({"max_connections": 300}, log_dir=work)
        proxy_server = EmbeddedProxyServer(work)
        app = None
        try:
            endpoint = server.start()
            proxy = proxy_server.start()
            host, port = split_host_port(proxy.create("mysql", endpoint.address))
            app = BuiltinApp(endpoint.app_dsn(host, port), {"pool": {"max_size": 20}}, work)
            url = app.start()
            print(f"open model, {DURATION_S:g} s per rate, max_in_flight {MAX_IN_FLIGHT}, reference app pool 20")
            print(f"{'offered/s':>10} {'arrivals':>9} {'started':>8} {'dropped':>8} {'achieved/s':>11} "
                  f"{'achieved/offered':>17}")
            for rate in RATES_PER_S:
                arrivals, started, dropped = run(url, rate, work)
                print(f"{rate:>10g} {arrivals:>9} {started:>8} {dropped:>8} {started / DURATION_S:>11.0f} "
                      f"{started / (rate * DURATION_S):>17.2f}")
        finally:
            if app is not None:
                app.stop()
            proxy_server.stop()
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
