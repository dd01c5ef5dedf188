"""Each toxic's pipe on its own: chunks in, chunks (or end of stream) out, with real timers."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Coroutine
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.faultproxy.decode import parse_body
from harness.faultproxy.errors import ApiError
from harness.faultproxy.link import Link
from harness.faultproxy.toxics import REGISTRY
from harness.faultproxy.toxics.base import Stub, Toxic
from harness.faultproxy.toxics.slicer import SlicerToxic
from harness.faultproxy.toxics.stream import Chunk, ChunkQueue, Item

SLACK_S = 0.1  # a delay is never shorter than asked; on a shared 2-core machine it may run late


def make(toxic_type: str, toxicity: float = 1.0, **attributes: int) -> Toxic:
    body = parse_body(repr(attributes).replace("'", '"').encode()) if attributes else None
    return REGISTRY[toxic_type](name="t", stream="downstream", toxicity=toxicity, attributes=body)


class Rig:
    """One stub between two queues, its task, and what came out."""

    def __init__(self, toxic: Toxic) -> None:
        self.resets = 0
        self.stub = Stub(toxic, ChunkQueue(8), ChunkQueue(1024), self._reset)

    def _reset(self) -> None:
        self.resets += 1

    def start(self) -> None:
        self.stub.task = asyncio.get_running_loop().create_task(self.stub.toxic.pipe(self.stub))

    def interrupt(self) -> None:
        """The link's own interrupt: cancel the stub's task, and forward the chunk in hand."""
        assert self.stub.task is not None
        Link._interrupt(self.stub)

    def send(self, data: bytes | None) -> None:
        self.stub.input.put_nowait(Chunk(data) if data is not None else None)

    def out(self) -> list[Item]:
        return self.stub.output.take_all()


def run(coro: Coroutine[Any, Any, None]) -> None:
    asyncio.run(coro)


def data(items: list[Item]) -> bytes:
    return b"".join(i.data for i in items if i is not None)


@given(average=st.integers(1, 200), variation_share=st.floats(0, 0.999), size=st.integers(0, 20_000))
def test_slicer_cuts_cover_the_chunk(average: int, variation_share: float, size: int) -> None:
    """Slicer pieces cover the chunk in order, none empty, none longer than average + variation."""
    variation = int(variation_share * average)
    toxic = make("slicer", average_size=average, size_variation=variation)
    assert isinstance(toxic, SlicerToxic)
    bounds = toxic.cuts(size)
    pieces = [b - a for a, b in itertools.pairwise(bounds)]
    assert (0, size) == (bounds[0], bounds[-1])
    assert all(0 < p <= average + variation for p in pieces) or size == 0


def test_slicer_sends_pieces_byte_exact() -> None:
    """The pieces of a chunk reassemble to it."""
    async def main() -> None:
        rig = Rig(make("slicer", average_size=7, size_variation=3))
        rig.start()
        payload = bytes(range(256)) * 4
        rig.send(payload)
        await asyncio.sleep(0.05)
        out = rig.out()
        assert (payload, True) == (data(out), len(out) > 100)
    run(main())


def test_latencies_stack() -> None:
    """Two 50 ms latency stubs in series delay a chunk by 100 ms, not 50."""
    async def main() -> None:
        first, second = Rig(make("latency", latency=50)), Rig(make("latency", latency=50))
        first.stub.output = second.stub.input
        first.start()
        second.start()
        started = time.monotonic()
        first.send(b"x")
        while not len(second.stub.output):
            await asyncio.sleep(0.002)
        assert 0.1 <= time.monotonic() - started < 0.1 + SLACK_S
    run(main())


def test_latency_interrupt_forwards_the_chunk_at_once() -> None:
    """Interrupting a latency stub forwards the delayed chunk immediately, as Toxiproxy does."""
    async def main() -> None:
        rig = Rig(make("latency", latency=1000))
        rig.start()
        rig.send(b"x")
        await asyncio.sleep(0.01)
        rig.interrupt()
        assert data(rig.out()) == b"x"
    run(main())


def test_limit_data_state_survives_a_restart() -> None:
    """limit_data counts bytes across an interrupt and an update; then it truncates and closes."""
    async def main() -> None:
        rig = Rig(make("limit_data", bytes=10))
        rig.start()
        rig.send(b"abcdef")
        await asyncio.sleep(0.01)
        rig.interrupt()
        rig.stub.toxic.update_attributes(parse_body(b'{"bytes": 12}'))
        rig.start()
        rig.send(b"0123456789")
        await asyncio.sleep(0.01)
        out = rig.out()
        assert (data(out), out[-1]) == (b"abcdef012345", None)
    run(main())


def test_limit_data_zero_closes_without_sending() -> None:
    """bytes 0 closes on the first chunk and sends nothing."""
    async def main() -> None:
        rig = Rig(make("limit_data", bytes=0))
        rig.start()
        rig.send(b"abc")
        await asyncio.sleep(0.01)
        assert rig.out() == [None]
    run(main())


def test_timeout_zero_drops_and_stays_open() -> None:
    """timeout 0 drops every chunk and never closes by itself; end of stream closes."""
    async def main() -> None:
        rig = Rig(make("timeout"))
        rig.start()
        rig.send(b"abc")
        await asyncio.sleep(0.1)
        assert rig.out() == []
        rig.send(None)
        await asyncio.sleep(0.01)
        assert rig.out() == [None]
    run(main())


def test_timeout_counts_from_when_it_started_not_from_each_chunk() -> None:
    """A 100 ms timeout closes 100 ms after it began, even while chunks keep arriving."""
    async def main() -> None:
        rig = Rig(make("timeout", timeout=100))
        rig.start()
        started = time.monotonic()
        while not len(rig.stub.output):
            rig.send(b"x")
            await asyncio.sleep(0.01)
        assert (rig.out(), 0.09 <= time.monotonic() - started < 0.1 + SLACK_S) == ([None], True)
    run(main())


def test_bandwidth_paces_the_data() -> None:
    """At 10 KB/s, 2,000 bytes take about 200 ms and arrive whole."""
    async def main() -> None:
        rig = Rig(make("bandwidth", rate=10))
        rig.start()
        started = time.monotonic()
        rig.send(b"x" * 2000)
        out: list[Item] = []
        while len(data(out)) < 2000:
            await asyncio.sleep(0.005)
            out += rig.out()
        assert 0.19 <= time.monotonic() - started < 0.2 + SLACK_S
    run(main())


def test_bandwidth_zero_holds_until_interrupted() -> None:
    """rate 0 holds the data (the connection stays open); an interrupt lets it go."""
    async def main() -> None:
        rig = Rig(make("bandwidth", rate=0))
        rig.start()
        rig.send(b"held")
        await asyncio.sleep(0.05)
        assert rig.out() == []
        rig.interrupt()
        assert data(rig.out()) == b"held"
    run(main())


def test_reset_peer_resets_after_its_timeout() -> None:
    """reset_peer drops the first chunk, waits its timeout, sets linger 0 (once) and closes."""
    async def main() -> None:
        rig = Rig(make("reset_peer", timeout=50))
        rig.start()
        started = time.monotonic()
        rig.send(b"greeting")
        while not len(rig.stub.output):
            await asyncio.sleep(0.002)
        assert (rig.out(), rig.resets, time.monotonic() - started >= 0.05) == ([None], 1, True)
    run(main())


def test_slow_close_keeps_its_delay_across_an_interrupt() -> None:
    """slow_close delays end of stream; an interrupt meanwhile neither loses nor restarts the delay."""
    async def main() -> None:
        rig = Rig(make("slow_close", delay=100))
        rig.start()
        rig.send(b"data")
        rig.send(None)
        started = time.monotonic()
        await asyncio.sleep(0.05)
        rig.interrupt()
        rig.start()
        out: list[Item] = []
        while None not in out:
            await asyncio.sleep(0.002)
            out += rig.out()
        assert (data(out), 0.1 <= time.monotonic() - started < 0.1 + SLACK_S) == (b"data", True)
    run(main())


def test_update_merges_and_an_invalid_update_changes_nothing() -> None:
    """Attributes merge on update; an invalid slicer update raises 400 and keeps the old values."""
    toxic = make("slicer", average_size=10, size_variation=2, delay=5)
    toxic.update_attributes(parse_body(b'{"delay": 7}'))
    with pytest.raises(ApiError):
        toxic.update_attributes(parse_body(b'{"size_variation": 10}'))
    assert toxic.attrs == {"average_size": 10, "size_variation": 2, "delay": 7}


def test_toxicity_is_rolled_per_stub_and_again_on_update() -> None:
    """A stub keeps its roll; updated() rolls again with the new toxicity."""
    toxic = make("latency", toxicity=0.0)
    stub = Stub(toxic, ChunkQueue(), ChunkQueue(), lambda: None)
    toxic.toxicity = 1.0
    assert not stub.enabled
    stub.updated()
    assert stub.enabled


def test_queues_cap_bytes_as_well_as_chunks() -> None:
    """A 1024-chunk queue (latency's) is full at 32 MiB, so a fast stream cannot fill memory."""
    q = ChunkQueue(1024)
    megabyte = b"x" * (1024 * 1024)
    count = 0
    while not q.full():
        q.put_nowait(Chunk(megabyte))
        count += 1
    assert count == 32
