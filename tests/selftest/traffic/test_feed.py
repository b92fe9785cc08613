"""The feed from the proxy to its judging process: records round-trip, a repeated body travels as a reference, an
exchange past the backlog limit is dropped and counted (and never referred to), both ends forget their keys
together, and nothing is written once the feed is closed."""

from __future__ import annotations

import asyncio
import gzip
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mmcontract.traffic import feed
from mmcontract.traffic.exchange import Exchange
from mmcontract.traffic.feed import FeedReader, FeedWriter, Raw, exchange_of

BASE = b"http://server:8080/api/v2"


class Ends:
    """A writer and a reader on one pipe; the writer's loop runs only when `flush` runs it."""

    def __init__(self, limit: int = feed.BACKLOG_LIMIT) -> None:
        self.loop = asyncio.new_event_loop()
        self.errors: list[dict[str, Any]] = []
        self.loop.set_exception_handler(lambda _, context: self.errors.append(context))
        self.read_fd, write_fd = os.pipe()
        self.writer = FeedWriter(write_fd, self.loop, limit=limit)
        self.reader = FeedReader(self.read_fd)
        self.seq = 0

    def put(self, url: bytes, body: bytes, method: bytes = b"GET", **kw: Any) -> int:
        """Put one exchange; the size of its record (what it added to the writer's outbox)."""
        self.seq += 1
        before = len(self.writer.outbox)
        self.writer.put(self.raw(url, body, method, **kw))
        return len(self.writer.outbox) - before

    def raw(self, url: bytes, body: bytes, method: bytes = b"GET", **kw: Any) -> Raw:
        return Raw(
            self.seq,
            float(self.seq),
            self.seq + 0.5,
            method,
            BASE + url,
            [(b"authorization", b"Bearer t")],
            kw.get("sent", b""),
            kw.get("status", 200),
            kw.get("headers", [(b"content-type", b"application/json")]),
            body,
        )

    def flush(self) -> None:
        """Let the writer's timer send what waits."""
        self.loop.run_until_complete(asyncio.sleep(feed.QUIET_SECONDS * 4))

    def read(self) -> list[Exchange]:
        exchanges: list[Exchange] = []
        while got := self.reader.read(0.05):
            exchanges += got
        return exchanges

    def close(self) -> list[Exchange]:
        """Close the writer (the stop marker) and read to the end."""
        self.writer.close()
        exchanges = self.read()
        assert self.reader.stopped
        return exchanges

    def dispose(self) -> None:
        os.close(self.read_fd)  # first: a writer still open then fails its last write at once, never blocks
        self.writer.close()
        self.loop.close()
        assert not self.errors, self.errors


@pytest.fixture
def open_ends(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Ends]]:
    """`open_ends(QUIET_SECONDS=0.1, ...)`: a pair of ends with those feed settings; disposed after the test."""
    opened: list[Ends] = []

    def make(**settings: float) -> Ends:
        for name, value in {"QUIET_SECONDS": 0.002, **settings}.items():
            monkeypatch.setattr(feed, name, value)
        opened.append(Ends())
        return opened[-1]

    yield make
    for ends in opened:
        ends.dispose()


@pytest.fixture
def ends(open_ends: Callable[..., Ends]) -> Ends:
    return open_ends()


def test_exchanges_round_trip(ends: Ends) -> None:
    plain = b'{"data": [], "next": null}'
    gzip_headers = [(b"content-type", b"application/json"), (b"content-encoding", b"gzip")]
    ends.put(b"/registeredModels/", plain, sent=b"")
    first = exchange_of(ends.raw(b"/registeredModels/", plain))
    ends.put(
        b"/modelPackages/", gzip.compress(plain), b"POST", sent=b'{"a": 1}', status=201, headers=gzip_headers
    )
    second = exchange_of(
        ends.raw(
            b"/modelPackages/",
            gzip.compress(plain),
            b"POST",
            sent=b'{"a": 1}',
            status=201,
            headers=gzip_headers,
        )
    )
    got = ends.close()
    assert got == [first, second]
    assert got[1].response_body == plain and got[1].response_headers == (
        ("content-type", "application/json"),
    )
    assert (got[1].method, got[1].url, got[1].status, got[1].request_body) == (
        "POST",
        "http://server:8080/api/v2/modelPackages/",
        201,
        b'{"a": 1}',
    )
    assert ends.reader.dropped == 0


def test_a_repeated_body_travels_as_a_reference_and_is_restored(ends: Ends) -> None:
    body, other = b"[" + b"1," * 10_000 + b"1]", b"[" + b"2," * 10_000 + b"2]"
    whole = ends.put(b"/x/", body)
    assert whole > len(body)
    assert ends.put(b"/x/", body) < 1000  # the same again: a reference
    assert ends.put(b"/x/", body, b"POST") > len(body)  # another method: another key
    assert ends.put(b"/x/", other) > len(other)  # a different body under the same URL: whole
    assert ends.put(b"/x/", body) > len(body)  # the last one for the URL is `other` now
    assert ends.put(b"/x/", body) < 1000
    assert ends.put(b"/x/", b"") == ends.put(b"/x/", b"")  # an empty body is nothing to refer to
    assert [e.response_body for e in ends.close()] == [body, body, body, other, body, body, b"", b""]


def test_an_exchange_past_the_backlog_is_dropped_counted_and_never_referred_to(ends: Ends) -> None:
    ends.writer.limit = 50_000
    b1, b2, b3 = (bytes([n]) * 20_000 for n in b"123")
    ends.put(b"/a/", b1)
    ends.put(b"/b/", b2)
    assert ends.put(b"/a/", b3) == 0  # past the limit: dropped
    assert ends.writer.dropped == 1
    ends.flush()
    assert [e.response_body for e in ends.read()] == [b1, b2]
    assert ends.put(b"/a/", b3) > len(b3)  # whole: the judging process never saw the dropped one
    assert ends.put(b"/a/", b3) < 1000  # and this one it has now
    ends.writer.limit = len(ends.writer.outbox)  # the backlog is full ...
    assert ends.put(b"/b/", b2) == 0  # ... so even a reference is dropped
    ends.writer.limit = 50_000
    ends.flush()
    assert ends.put(b"/b/", b2) > len(b2)  # and the next one is whole all the same
    got = ends.close()
    assert [(e.url.rsplit("/", 2)[-2], e.response_body) for e in got] == [("a", b3), ("a", b3), ("b", b2)]
    assert ends.reader.dropped == 2  # the stop marker's count


def test_both_ends_forget_all_keys_together_at_max_keys(ends: Ends, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed, "MAX_KEYS", 2)
    bodies = {url: url * 5000 for url in (b"/1/", b"/2/", b"/3/")}
    sent = [b"/1/", b"/2/", b"/3/", b"/1/", b"/3/", b"/1/", b"/2/", b"/3/", b"/2/"]
    sizes = [ends.put(url, bodies[url]) for url in sent]
    # /3/ is a third key: all forgotten, so /1/ goes whole again; /2/ then is a third key again
    assert [size < 1000 for size in sizes] == [False, False, False, False, True, True, False, False, True]
    got = ends.close()
    assert [e.response_body for e in got] == [bodies[url] for url in sent]
    assert ends.reader._last == ends.writer._last
    assert len(ends.writer._last) <= feed.MAX_KEYS


def test_nothing_is_written_once_the_feed_is_closed(ends: Ends, tmp_path: Path) -> None:
    write_fd = ends.writer.fd
    ends.put(b"/x/", b"[1]")  # its flush is scheduled ...
    assert len(ends.close()) == 1  # ... and it went out with the stop marker
    reused = os.open(
        tmp_path / "other", os.O_WRONLY | os.O_CREAT
    )  # the fd number is free: something takes it
    try:
        ends.flush()
        if reused == write_fd:
            assert (tmp_path / "other").read_bytes() == b""
    finally:
        os.close(reused)


def test_a_put_after_close_is_counted_not_written(ends: Ends) -> None:
    ends.close()
    assert ends.put(b"/late/", b"[1]") == 0  # nothing added to the outbox
    assert ends.writer.dropped == 1


def _steady_traffic(ends: Ends, *, seconds: float, every: float = 0.01) -> list[int]:
    """Put one exchange every `every` seconds for `seconds`, reading what arrives meanwhile: how many had
    arrived at each put."""
    arrived: list[int] = []
    seen = 0
    deadline = ends.loop.time() + seconds
    while ends.loop.time() < deadline:
        ends.put(b"/busy/", b"x" * 100)
        ends.loop.run_until_complete(asyncio.sleep(every))
        got = ends.reader.read(0)
        seen += len(got)
        arrived.append(seen)
    return arrived


def test_records_wait_while_traffic_flows_and_go_out_in_its_pause(open_ends: Callable[..., Ends]) -> None:
    ends = open_ends(QUIET_SECONDS=0.1)
    arrived = _steady_traffic(ends, seconds=0.4)
    assert arrived[-1] == 0  # puts 10 ms apart: never 100 ms quiet, so nothing went to judging
    ends.loop.run_until_complete(asyncio.sleep(0.2))  # a pause
    assert len(ends.read()) == len(arrived)


def test_with_max_wait_records_go_out_during_steady_traffic(open_ends: Callable[..., Ends]) -> None:
    ends = open_ends(QUIET_SECONDS=0.1)
    ends.writer.max_wait = 0.1  # --report-every
    arrived = _steady_traffic(ends, seconds=0.5)
    assert 0 < arrived[-1] < len(arrived)  # the older records went out while traffic went on


def test_a_large_backlog_goes_out_without_a_pause(open_ends: Callable[..., Ends]) -> None:
    ends = open_ends(QUIET_SECONDS=10.0, BUSY_FLUSH_BYTES=4096)
    for n in range(5):
        ends.put(f"/{n}/".encode(), b"y" * 2000)  # distinct URLs: sent whole
    ends.loop.run_until_complete(asyncio.sleep(0))
    assert len(ends.read()) >= 2  # past 4 KB waiting they went out, no pause needed
