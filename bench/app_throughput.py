"""How many ``/query`` requests per second the reference app serves on one core.

The app must not be the bottleneck of a run (issue 4: at least 2,000 ``/query`` per second on one
core against the embedded MariaDB). This starts a private MariaDB, then for each configuration
starts the app pinned to CPU 0 and a separate load process pinned to CPU 1 (keep-alive HTTP/1.1
over raw gevent sockets, so the client is as cheap as it can be), measures for ``--duration-s``
and prints requests per second, the app's CPU use (from /proc) and the ratio to the target.
All configurations run side by side in one invocation, so their ratios compare.

    python bench/app_throughput.py [--duration-s 8] [--users 32] [--through-proxy]

On a machine with one core the pinning is skipped and said so. The machine this project is built
on is shared: say so when you record figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_RPS = 2000.0
CONFIGS: list[tuple[str, str, dict[str, Any]]] = [
    ("reference pool, /query", "/query", {"pool": {"max_size": 10}}),
    ("reference, validate always", "/query", {"pool": {"max_size": 10, "validate": "always"}}),
    ("sqlalchemy QueuePool, /query", "/query", {"pool": {"engine": "sqlalchemy", "max_size": 10}}),
    ("reference, server_cached", "/query", {"pool": {"max_size": 10},
                                            "bugs": {"prepared_statements": "server_cached"}}),
]


# -- the load process ----------------------------------------------------------------------------
def client_main(url: str, users: int, warmup_s: float, duration_s: float) -> None:
    """Closed-model keep-alive load: ``users`` greenlets, one socket each, back-to-back GETs."""
    from gevent import monkey

    monkey.patch_all()
    import socket
    from urllib.parse import urlsplit

    import gevent

    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = f"GET {parts.path or '/'}{'?' + parts.query if parts.query else ''} HTTP/1.1\r\nHost: {host}\r\n\r\n"
    raw = request.encode()
    counts = {"ok": 0, "failed": 0}
    measuring = {"on": False}

    def user() -> None:
        sock = socket.create_connection((host, port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        while True:
            sock.sendall(raw)
            while b"\r\n\r\n" not in buf:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                buf += chunk
            head, _, buf = buf.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(buf) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                buf += chunk
            buf = buf[length:]
            if measuring["on"]:
                counts["ok" if head.startswith(b"HTTP/1.1 200") else "failed"] += 1

    greenlets = [gevent.spawn(user) for _ in range(users)]
    gevent.sleep(warmup_s)
    measuring["on"] = True
    t0 = time.perf_counter()
    gevent.sleep(duration_s)
    measuring["on"] = False
    elapsed = time.perf_counter() - t0
    gevent.killall(greenlets, block=False)
    print(json.dumps({"ok": counts["ok"], "failed": counts["failed"], "elapsed_s": elapsed}), flush=True)


# -- the driver ----------------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    """utime + stime of a process from /proc (clock ticks -> seconds)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pin(pid: int, cpu: int) -> bool:
    """Pin every thread of ``pid`` (threads it starts later inherit it); False on a one-CPU machine."""
    if (os.cpu_count() or 1) < 2:
        return False
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            os.sched_setaffinity(int(task.name), {cpu})
        except OSError:  # the thread ended meanwhile
            pass
    return True


def measure(dsn: str, path: str, config: dict[str, Any], users: int, warmup_s: float, duration_s: float,
            db_pid: int) -> dict[str, float]:
    from harness.stack.target import BuiltinApp

    with tempfile.TemporaryDirectory(prefix="bench-app-") as tmp:
        app = BuiltinApp(dsn, config, Path(tmp))
        app.start()
        try:
            assert app.process is not None and app.process.popen is not None
            app_pid = app.process.pid
            pinned = pin(app_pid, 0)
            client = subprocess.Popen([sys.executable, __file__, "--client", app.url + path, "--users",
                                       str(users), "--warmup-s", str(warmup_s), "--duration-s", str(duration_s)],
                                      stdout=subprocess.PIPE, text=True)
            try:
                pin(client.pid, 1)
                time.sleep(warmup_s)
                cpu0 = {pid: cpu_seconds(pid) for pid in (app_pid, db_pid, client.pid)}
                t0 = time.perf_counter()
                time.sleep(duration_s * 0.9)  # read the CPU counters while the client still runs
                used = {pid: cpu_seconds(pid) - c for pid, c in cpu0.items()}
                wall_s = time.perf_counter() - t0
                out, _ = client.communicate(timeout=duration_s + 30)
            finally:
                if client.poll() is None:
                    client.kill()
                    client.wait()
            res = json.loads(out.strip().splitlines()[-1])
        finally:
            app.stop()
    rps = res["ok"] / res["elapsed_s"]
    return {"rps": rps, "failed": res["failed"], "pinned": float(pinned), "app_cores": used[app_pid] / wall_s,
            "db_cores": used[db_pid] / wall_s, "client_cores": used[client.pid] / wall_s}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--client", help=argparse.SUPPRESS)
    ap.add_argument("--users", type=int, default=32)
    ap.add_argument("--warmup-s", type=float, default=1.5)
    ap.add_argument("--duration-s", type=float, default=8.0)
    ap.add_argument("--through-proxy", action="store_true", help="put the fault proxy between app and MariaDB")
    args = ap.parse_args()
    if args.client:
        client_main(args.client, args.users, args.warmup_s, args.duration_s)
        return 0

    from harness.stack.mysql import EmbeddedMySQL
    from harness.stack.net import split_host_port
    from harness.stack.proxy import EmbeddedProxyServer

    with tempfile.TemporaryDirectory(prefix="bench-logs-") as logs:
        server = EmbeddedMySQL({"max_connections": 300}, log_dir=Path(logs))
        endpoint = server.start()
        assert server.process is not None
        db_pid = server.process.pid
        pin(db_pid, 1)  # MariaDB beside the load, so the app has CPU 0 to itself (as far as we decide)
        proxy = EmbeddedProxyServer(Path(logs)) if args.through_proxy else None
        try:
            dsn = endpoint.app_dsn()
            if proxy is not None:
                client = proxy.start()
                host, port = split_host_port(client.create("mysql", endpoint.address))
                dsn = endpoint.app_dsn(host, port)
            print(f"app pinned to CPU 0; load process and MariaDB pinned to CPU 1; {args.users} keep-alive users; "
                  f"{args.duration_s:g} s per configuration; {'through the fault proxy' if proxy else 'direct'}; "
                  f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start")
            print(f"{'configuration':30} {'req/s':>7} {'vs 2,000':>8} | {'app':>5} {'db':>5} {'load':>5} cores "
                  f"| {'req/s per app core':>18} {'vs 2,000':>8}")
            for label, path, config in CONFIGS:
                r = measure(dsn, path, config, args.users, args.warmup_s, args.duration_s, db_pid)
                per_core = r["rps"] / max(r["app_cores"], 1e-9)
                print(f"{label:30} {r['rps']:7.0f} {r['rps'] / TARGET_RPS:7.2f}x | {r['app_cores']:5.2f} "
                      f"{r['db_cores']:5.2f} {r['client_cores']:5.2f}       | {per_core:18.0f} "
                      f"{per_core / TARGET_RPS:7.2f}x" + (f"  ({r['failed']:.0f} failed)" if r["failed"] else "")
                      + ("" if r["pinned"] else "  (not pinned: one CPU)"))
        finally:
            if proxy is not None:
                proxy.stop()
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
