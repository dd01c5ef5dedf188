"""Toxics changing under live traffic never lose, duplicate or reorder a byte.

The proxy runs in this process (on uvloop) between a real client and a real echo server; a
counting stream flows both ways while toxics are added, updated and removed in a loop, the link
switching between direct and chain mode again and again. What comes back must be exactly what
was sent.
"""

from __future__ import annotations

import asyncio
import random

import uvloop

from harness.faultproxy.decode import parse_body
from harness.faultproxy.proxy import Proxy
from harness.faultproxy.toxic_collection import parse_toxic

CHURN = [
    b'{"type": "latency", "name": "lat", "attributes": {"latency": 3, "jitter": 2}}',
    b'{"type": "slicer", "name": "sl", "attributes": {"average_size": 50, "size_variation": 20, "delay": 10}}',
    b'{"type": "noop", "name": "nu", "stream": "upstream"}',
    b'{"type": "bandwidth", "name": "bw", "stream": "upstream", "attributes": {"rate": 2000}}',
    b'{"type": "latency", "name": "lat2", "stream": "upstream", "attributes": {"latency": 1}}',
    b'{"type": "limit_data", "name": "ld", "attributes": {"bytes": 100000000}}',
]


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
    writer.close()


async def churn(proxy: Proxy, stop: asyncio.Event, rng: random.Random) -> int:
    changes = 0
    while not stop.is_set():
        body = rng.choice(CHURN)
        toxic = parse_toxic(parse_body(body))
        if proxy.toxics.find(toxic.name) is None:
            proxy.toxics.add(toxic)
        elif rng.random() < 0.3:
            proxy.toxics.update_json(toxic.name, parse_body(b'{"toxicity": 1}'))
        else:
            proxy.toxics.remove(toxic.name)
        changes += 1
        await asyncio.sleep(rng.uniform(0, 0.01))
    return changes


async def scenario(seed: int) -> tuple[bytes, bytes, int]:
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    upstream = f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
    proxy = Proxy("churn", "127.0.0.1:0", upstream)
    await proxy.start()
    host, port = proxy.listen.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    payload = bytes(i % 251 for i in range(2_000_000))
    stop = asyncio.Event()
    churner = asyncio.create_task(churn(proxy, stop, random.Random(seed)))

    async def send() -> None:
        for i in range(0, len(payload), 7919):
            writer.write(payload[i:i + 7919])
            await writer.drain()
            await asyncio.sleep(0.002)  # keep the stream flowing while the toxics change

    sender = asyncio.create_task(send())
    try:
        received = await asyncio.wait_for(reader.readexactly(len(payload)), 30)
    except (TimeoutError, asyncio.IncompleteReadError) as e:
        received = e.partial if isinstance(e, asyncio.IncompleteReadError) else b"(stalled: bytes lost)"
    sender.cancel()
    stop.set()
    changes = await churner
    writer.close()
    proxy.stop()
    server.close()
    return payload, received, changes


def test_bytes_survive_toxic_churn() -> None:
    """2 MB echoed through a proxy whose toxics change every few ms come back exactly."""
    for seed in (1, 2):
        payload, received, changes = uvloop.run(scenario(seed))
        assert (True, len(payload)) == (changes > 50, len(received))
        assert payload == received
