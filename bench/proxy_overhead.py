"""What the fault proxy costs on every query: SELECT 1 round trips through it and directly.

One run starts a private MariaDB and ``harness proxy serve`` (the real process, no toxics on the
proxy), then measures, alternating direct and proxied rounds so that a noisy neighbour hurts
both alike:

* round trips per second at 1 and at 32 concurrent connections, and their ratio;
* the added p50 and p99 latency of one round trip at 1 connection;
* CPU time per round trip of the proxy, MariaDB and the client (from /proc), which says where
  the cycles go and is much steadier than throughput on a shared machine.

Two clients, because the proxy's share depends on the client's cost:

* ``raw``: connections opened with PyMySQL, then each round trip is the COM_QUERY packet of
  ``SELECT 1`` written to the socket and the reply read back by length (one query first learns
  its size). The client costs almost nothing, so this is the worst case for the proxy. At 1
  connection a blocking loop, at 32 one uvloop event loop driving every connection.
* ``pymysql``: ``cursor.execute("SELECT 1")`` and ``fetchall()``, what an application does; 32
  connections are 32 threads.

Targets (issue #3): proxied >= 0.7 x direct throughput at 32 connections; added p50 <= 100 µs
at 1 connection. Usage: ``python bench/proxy_overhead.py [--seconds 2] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import socket
import statistics
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.stack.mysql import EmbeddedMySQL, MySQLEndpoint, connect
from harness.stack.net import split_host_port
from harness.stack.proxy import EmbeddedProxyServer

QUERY = b"\x03SELECT 1"
PACKET = struct.pack("<I", len(QUERY))[:3] + b"\x00" + QUERY
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
TARGET_RATIO = 0.7
TARGET_ADDED_P50_US = 100.0


@dataclass
class Sample:
    """One measured round of one target: round trips, time, latencies, CPU seconds by process."""

    round_trips: int
    elapsed_s: float
    latencies_ns: list[int] = field(default_factory=list)
    cpu_s: dict[str, float] = field(default_factory=dict)

    @property
    def per_s(self) -> float:
        return self.round_trips / self.elapsed_s


# -- the raw client ---------------------------------------------------------------------------
def reply_size(sock: socket.socket) -> int:
    """Send SELECT 1 once and return its reply's size in bytes (everything that arrives within 0.3 s)."""
    sock.sendall(PACKET)
    size = 0
    sock.settimeout(0.3)
    try:
        while data := sock.recv(65536):
            size += len(data)
    except TimeoutError:
        pass
    finally:
        sock.settimeout(None)
    if size == 0:
        raise RuntimeError("no reply to SELECT 1")
    return size


def raw_one(sock: socket.socket, size: int, seconds: float) -> Sample:
    """Blocking round trips on one connection; every latency recorded."""
    lat: list[int] = []
    view = memoryview(bytearray(65536))
    perf = time.perf_counter_ns
    send, recv_into = sock.sendall, sock.recv_into
    started = now = perf()
    deadline = started + int(seconds * 1e9)
    while now < deadline:
        t0 = now
        send(PACKET)
        got = 0
        while got < size:
            got += recv_into(view[got:])
        now = perf()
        lat.append(now - t0)
    return Sample(len(lat), (now - started) / 1e9, lat)


class Driver(asyncio.Protocol):
    """One connection of the concurrent raw client: a new query as soon as the reply is complete."""

    def __init__(self, size: int, counts: list[int]) -> None:
        self.size = size
        self.got = 0
        self.counts = counts
        self.transport: asyncio.Transport | None = None
        self.running = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.got += len(data)
        if self.got >= self.size:
            self.got -= self.size
            self.counts[0] += 1
            if self.running and self.transport is not None:
                self.transport.write(PACKET)


def raw_many(socks: list[socket.socket], size: int, seconds: float) -> Sample:
    import uvloop

    async def main() -> Sample:
        loop = asyncio.get_running_loop()
        counts = [0]
        drivers = []
        for sock in socks:
            _, proto = await loop.create_connection(lambda: Driver(size, counts), sock=sock.dup())
            drivers.append(proto)
        started = time.perf_counter()
        for d in drivers:
            d.transport.write(PACKET)  # type: ignore[union-attr]
        await asyncio.sleep(seconds)
        elapsed, done = time.perf_counter() - started, counts[0]
        for d in drivers:
            d.running = False
        await asyncio.sleep(0.2)  # the last replies arrive before the sockets are used again
        for d in drivers:
            d.transport.close()  # type: ignore[union-attr]
        return Sample(done, elapsed)

    return uvloop.run(main())


# -- the PyMySQL client -----------------------------------------------------------------------
def pymysql_run(conns: list[Any], seconds: float) -> Sample:
    """Each connection in its own thread runs SELECT 1 until the deadline; latencies of the first."""
    counts = [0] * len(conns)
    lat: list[int] = []
    deadline = time.perf_counter() + seconds

    def loop(i: int) -> None:
        cur = conns[i].cursor()
        perf = time.perf_counter_ns
        n = 0
        while time.perf_counter() < deadline:
            t0 = perf()
            cur.execute("SELECT 1")
            cur.fetchall()
            if i == 0:
                lat.append(perf() - t0)
            n += 1
        counts[i] = n

    started = time.perf_counter()
    threads = [threading.Thread(target=loop, args=(i,)) for i in range(len(conns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Sample(sum(counts), time.perf_counter() - started, lat)


# -- measurement ------------------------------------------------------------------------------
def cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measured(fn: Callable[[], Sample], pids: dict[str, int]) -> Sample:
    before = {name: cpu_s(pid) for name, pid in pids.items()} | {"client": own_cpu_s()}
    sample = fn()
    after = {name: cpu_s(pid) for name, pid in pids.items()} | {"client": own_cpu_s()}
    sample.cpu_s = {name: after[name] - before[name] for name in before}
    return sample


def open_connections(endpoint: MySQLEndpoint, host: str, port: int, n: int) -> list[Any]:
    return [connect(host=host, port=port, user=endpoint.admin_user, password=endpoint.admin_password,
                    autocommit=True) for _ in range(n)]


def raw_socket(conn: Any) -> socket.socket:
    sock: socket.socket = conn._sock
    sock.setblocking(True)
    return sock


def run_case(client: str, n: int, targets: dict[str, tuple[str, int]], endpoint: MySQLEndpoint,
             pids: dict[str, int], args: argparse.Namespace) -> dict[str, list[Sample]]:
    opened = {name: open_connections(endpoint, h, p, n) for name, (h, p) in targets.items()}
    size = 0
    if client == "raw":
        size = reply_size(raw_socket(opened["direct"][0]))
        assert size == reply_size(raw_socket(opened["proxy"][0])), "the proxy changed the reply"
    results: dict[str, list[Sample]] = {"direct": [], "proxy": []}
    try:
        for r in range(args.rounds + 1):  # round 0 warms up and is not counted
            for name in ("direct", "proxy") if r % 2 == 0 else ("proxy", "direct"):
                conns = opened[name]
                if client == "pymysql":
                    fn: Callable[[], Sample] = lambda c=conns: pymysql_run(c, args.seconds)  # noqa: E731
                elif n == 1:
                    fn = lambda c=conns: raw_one(raw_socket(c[0]), size, args.seconds)  # noqa: E731
                else:
                    fn = lambda c=conns: raw_many([raw_socket(x) for x in c], size, args.seconds)  # noqa: E731
                sample = measured(fn, pids)
                if r > 0:
                    results[name].append(sample)
    finally:
        for conns in opened.values():
            for c in conns:
                c.close()
    return results


def pct_us(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000.0


def report(results: dict[tuple[str, int], dict[str, list[Sample]]], args: argparse.Namespace) -> list[str]:
    n = args.connections
    lines = [f"SELECT 1 round trips; {args.rounds} alternating rounds of {args.seconds:g} s per case "
             f"(median round); load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", "",
             "| client | connections | direct rt/s | proxied rt/s | ratio | proxy CPU µs/rt | MariaDB CPU µs/rt "
             "| client CPU µs/rt (direct) |",
             "|---|---|---|---|---|---|---|---|"]
    verdicts = []
    for (client, c), by_target in results.items():
        direct = statistics.median(s.per_s for s in by_target["direct"])
        proxied = statistics.median(s.per_s for s in by_target["proxy"])

        def cpu(target: str, who: str, samples: dict[str, list[Sample]] = by_target) -> float:
            return statistics.median(s.cpu_s[who] / s.round_trips * 1e6 for s in samples[target])

        cpus = f"{cpu('proxy', 'proxy'):.1f} | {cpu('direct', 'mariadb'):.1f} | {cpu('direct', 'client'):.1f}"
        lines.append(f"| {client} | {c} | {direct:,.0f} | {proxied:,.0f} | {proxied / direct:.2f} | {cpus} |")
        if c == n:
            ratio = proxied / direct
            verdicts.append(f"{client} @{n}: throughput ratio {ratio:.2f} "
                            f"({'met' if ratio >= TARGET_RATIO else 'MISSED'}, target >= {TARGET_RATIO})")
    lines += ["", "| client | p50 direct µs | p50 proxied µs | added p50 µs | p99 direct µs | p99 proxied µs "
                  "| added p99 µs |", "|---|---|---|---|---|---|---|"]
    for (client, c), by_target in results.items():
        if c != 1:
            continue
        lat = {t: [x for s in by_target[t] for x in s.latencies_ns] for t in ("direct", "proxy")}
        p50 = {t: pct_us(v, 0.5) for t, v in lat.items()}
        p99 = {t: pct_us(v, 0.99) for t, v in lat.items()}
        added = p50["proxy"] - p50["direct"]
        lines.append(f"| {client} | {p50['direct']:.1f} | {p50['proxy']:.1f} | {added:.1f} | {p99['direct']:.1f} "
                     f"| {p99['proxy']:.1f} | {p99['proxy'] - p99['direct']:.1f} |")
        verdicts.append(f"{client} @1: added p50 {added:.1f} µs "
                        f"({'met' if added <= TARGET_ADDED_P50_US else 'MISSED'}, target <= {TARGET_ADDED_P50_US:g})")
    return [*lines, "", *[f"- {v}" for v in verdicts]]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one measured round (s)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating direct/proxied rounds per case")
    parser.add_argument("--connections", type=int, default=32, help="the concurrent case's connection count")
    parser.add_argument("--clients", default="raw,pymysql", help="comma-separated: raw, pymysql")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="proxy-bench-") as tmp:
        mysql = EmbeddedMySQL({"max_connections": 300}, log_dir=Path(tmp))
        proxy_server = EmbeddedProxyServer(Path(tmp))
        try:
            endpoint = mysql.start()
            client = proxy_server.start()
            assert mysql.process is not None and proxy_server.process is not None
            pids = {"proxy": proxy_server.process.pid, "mariadb": mysql.process.pid}
            listen = client.create("bench", endpoint.address)
            targets = {"direct": (endpoint.host, endpoint.port), "proxy": split_host_port(listen)}
            results = {}
            for kind in args.clients.split(","):
                for n in (1, args.connections):
                    results[(kind, n)] = run_case(kind, n, targets, endpoint, pids, args)
            print("\n".join(report(results, args)))
        finally:
            proxy_server.stop()
            mysql.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
