"""What the fault proxy costs on every query: SELECT 1 round trips through it and directly.

One run starts a private MariaDB and ``harness proxy serve`` (the real process, no toxics on the
proxy), then measures, alternating direct and proxied rounds so that a noisy neighbour hurts
both alike:

* round trips per second at 1 and at 32 concurrent connections, and their ratio;
* the added p50 and p99 latency of one round trip at 1 connection.

The client must not hide the proxy behind its own cost: connections are opened with PyMySQL,
then each round trip is the raw COM_QUERY packet of ``SELECT 1`` written to the socket and the
reply read back by length (one query first learns the reply's exact size). At 1 connection the
client is a blocking loop; at 32 it is one uvloop event loop driving every connection.

Targets (issue #3): proxied >= 0.7 x direct throughput at 32 connections; added p50 <= 100 µs
at 1 connection. Usage: ``python bench/proxy_overhead.py [--seconds 2] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import struct
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.stack.mysql import EmbeddedMySQL, MySQLEndpoint, connect
from harness.stack.net import split_host_port
from harness.stack.proxy import EmbeddedProxyServer

QUERY = b"\x03SELECT 1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PACKET = struct.pack("<I", len(QUERY))[:3] + b"\x00" + QUERY


@dataclass
class Sample:
    """One measured round of one target at one concurrency."""

    round_trips: int
    elapsed_s: float
    latencies_ns: list[int] = field(default_factory=list)
    proxy_cpu_s: float = 0.0

    @property
    def per_s(self) -> float:
        return self.round_trips / self.elapsed_s


def reply_size(sock: socket.socket) -> int:
    """Send SELECT 1 once and return its reply's size in bytes (everything that arrives within 0.3 s)."""
    sock.sendall(PACKET)
    size = 0
    sock.settimeout(0.3)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                raise RuntimeError("the server closed the connection")
            size += len(data)
    except TimeoutError:
        pass
    finally:
        sock.settimeout(None)
    if size == 0:
        raise RuntimeError("no reply to SELECT 1")
    return size


def open_sockets(endpoint: MySQLEndpoint, host: str, port: int, n: int) -> tuple[list[object], list[socket.socket]]:
    conns: list[object] = []
    socks: list[socket.socket] = []
    for _ in range(n):
        conn = connect(host=host, port=port, user=endpoint.admin_user, password=endpoint.admin_password,
                       autocommit=True)
        conns.append(conn)
        sock: socket.socket = conn._sock  # type: ignore[attr-defined]
        sock.setblocking(True)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        socks.append(sock)
    return conns, socks


def run_one(sock: socket.socket, size: int, seconds: float) -> Sample:
    """Blocking round trips on one connection; every latency recorded."""
    lat: list[int] = []
    buf = bytearray(65536)
    view = memoryview(buf)
    perf = time.perf_counter_ns
    send, recv_into = sock.sendall, sock.recv_into
    started = perf()
    deadline = started + int(seconds * 1e9)
    now = started
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
    """One connection of the concurrent client: a new query as soon as the reply is complete."""

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


def run_many(socks: list[socket.socket], size: int, seconds: float) -> Sample:
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
            assert d.transport is not None
            d.transport.write(PACKET)
        await asyncio.sleep(seconds)
        elapsed = time.perf_counter() - started
        done = counts[0]
        for d in drivers:
            d.running = False
        await asyncio.sleep(0.2)  # let the last replies arrive before the sockets are reused
        for d in drivers:
            assert d.transport is not None
            d.transport.close()
        return Sample(done, elapsed)

    return uvloop.run(main())


def cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def pct(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000.0  # ns -> µs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one measured round (s)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating direct/proxied rounds per case")
    parser.add_argument("--connections", type=int, default=32, help="the concurrent case's connection count")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="proxy-bench-") as tmp:
        mysql = EmbeddedMySQL({"max_connections": 300}, log_dir=Path(tmp))
        proxy_server = EmbeddedProxyServer(Path(tmp))
        try:
            endpoint = mysql.start()
            client = proxy_server.start()
            assert proxy_server.process is not None
            proxy_pid = proxy_server.process.pid
            listen = client.create("bench", endpoint.address)
            targets = {"direct": (endpoint.host, endpoint.port), "proxy": split_host_port(listen)}
            results: dict[tuple[str, int], list[Sample]] = {}
            for n in (1, args.connections):
                opened = {name: open_sockets(endpoint, h, p, n) for name, (h, p) in targets.items()}
                size = reply_size(opened["direct"][1][0])
                assert size == reply_size(opened["proxy"][1][0]), "the proxy changed the reply"
                for r in range(args.rounds + 1):  # round 0 warms up and is not counted
                    order = ("direct", "proxy") if r % 2 == 0 else ("proxy", "direct")
                    for name in order:
                        socks = opened[name][1]
                        cpu0 = cpu_s(proxy_pid)
                        sample = run_one(socks[0], size, args.seconds) if n == 1 else run_many(
                            socks, size, args.seconds)
                        sample.proxy_cpu_s = cpu_s(proxy_pid) - cpu0
                        if r > 0:
                            results.setdefault((name, n), []).append(sample)
                for conns, _ in opened.values():
                    for c in conns:
                        c.close()  # type: ignore[attr-defined]
            report(results, args)
        finally:
            proxy_server.stop()
            mysql.stop()
    return 0


def report(results: dict[tuple[str, int], list[Sample]], args: argparse.Namespace) -> None:
    n = args.connections
    rate = {k: statistics.median(s.per_s for s in v) for k, v in results.items()}
    lat = {k: [x for s in v for x in s.latencies_ns] for k, v in results.items() if k[1] == 1}
    p50 = {k: pct(v, 0.50) for k, v in lat.items()}
    p99 = {k: pct(v, 0.99) for k, v in lat.items()}
    print(f"SELECT 1 round trips, {args.rounds} alternating rounds of {args.seconds:g} s each "
          f"(median round shown)")
    print(f"{'case':<16}{'direct/s':>12}{'proxy/s':>12}{'ratio':>8}")
    for c in (1, n):
        d, p = rate[("direct", c)], rate[("proxy", c)]
        print(f"{f'{c} connection(s)':<16}{d:>12,.0f}{p:>12,.0f}{p / d:>8.2f}")
    print(f"{'latency (µs)':<16}{'direct':>12}{'proxy':>12}{'added':>8}")
    for name, q in (("p50", p50), ("p99", p99)):
        d, p = q[("direct", 1)], q[("proxy", 1)]
        print(f"{name + ' @1':<16}{d:>12.1f}{p:>12.1f}{p - d:>8.1f}")
    for c in (1, n):
        cpu_us = statistics.median(s.proxy_cpu_s / s.round_trips * 1e6 for s in results[("proxy", c)])
        print(f"proxy CPU per proxied round trip @{c}: {cpu_us:.1f} µs")
    ratio = rate[("proxy", n)] / rate[("direct", n)]
    added = p50[("proxy", 1)] - p50[("direct", 1)]
    print(f"targets: throughput ratio @{n} >= 0.70: {'met' if ratio >= 0.7 else 'MISSED'} ({ratio:.2f}); "
          f"added p50 @1 <= 100 µs: {'met' if added <= 100 else 'MISSED'} ({added:.1f} µs)")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
