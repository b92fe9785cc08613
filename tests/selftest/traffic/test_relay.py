"""The relay at the protocol level: `ClientSide` served on an in-process uvloop (a background thread) in front of
a fake upstream that answers scripted bytes, a raw socket as the client, and the feed read back by `FeedReader`:
framing, hop-by-hop headers, keep-alive and its failures, flow control, link rewriting, and what gets judged."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import os
import random
import socket
import struct
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import uvloop

from mmcontract.traffic import relay as relay_module
from mmcontract.traffic.exchange import Exchange
from mmcontract.traffic.feed import FeedReader, FeedWriter
from mmcontract.traffic.relay import ClientSide, Relay

pytestmark = [pytest.mark.socket]

# how long a wait may take before the test fails: every wait ends much sooner unless the relay hangs
TIMEOUT = 5.0
PROXY_HOST = "proxy.test:8080"  # the Host the client uses: where moved links must point

Headers = list[tuple[bytes, bytes]]


def header(headers: Headers, name: bytes) -> bytes | None:
    return next((v for k, v in headers if k.lower() == name.lower()), None)


def names(headers: Headers) -> set[bytes]:
    return {k.lower() for k, _ in headers}


def request(
    method: str = "GET",
    target: str = "/api/v2/things/",
    headers: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
    version: str = "HTTP/1.1",
    host: str | None = PROXY_HOST,
) -> bytes:
    """A request as the client writes it (a Content-Length added for a body unless its framing is given)."""
    lines = [f"{method} {target} {version}"] + ([f"Host: {host}"] if host else [])
    lines += [f"{k}: {v}" for k, v in headers]
    framed = {k.lower() for k, _ in headers} & {"content-length", "transfer-encoding"}
    if body and not framed:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def answer(
    body: bytes = b"",
    status: str = "200 OK",
    headers: Sequence[tuple[str, str]] = (("Content-Type", "text/plain"),),
    length: bool = True,
) -> bytes:
    """An upstream's answer (with a Content-Length unless `length` is False)."""
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def chunked(*parts: bytes, trailer: bytes = b"") -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n" + trailer + b"\r\n"


# ---- the fake upstream (on the relay's loop)


@dataclass
class Received:
    """A request as the upstream read it."""

    method: bytes
    target: bytes
    version: bytes
    headers: Headers
    body: bytes
    connection: int  # 1 for the upstream's first accepted connection, ...


class Conn:
    """One accepted upstream connection, as its script sees it."""

    def __init__(self, upstream: Upstream, number: int, reader: asyncio.StreamReader, writer: Any) -> None:
        self.upstream, self.number, self.reader, self.writer = upstream, number, reader, writer

    async def head(self) -> Received | None:
        """The next request's head; None when the relay closed the connection first."""
        try:
            raw = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        first, *lines = raw[:-4].split(b"\r\n")
        method, target, version = first.split(b" ", 2)
        headers = [(k, v.strip()) for k, v in (line.split(b":", 1) for line in lines)]
        return Received(method, target, version, headers, b"", self.number)

    async def body(self, request: Received, size: int | None = None) -> bytes:
        """`size` bytes of its body (by default, what its Content-Length leaves to read)."""
        if size is None:
            size = int(header(request.headers, b"content-length") or 0) - len(request.body)
        data = await self.reader.readexactly(size)
        request.body += data
        return data

    async def request(self) -> Received | None:
        """The next whole request (recorded in `upstream.received`)."""
        request = await self.head()
        if request is not None:
            await self.body(request)
            self.upstream.received.append(request)
        return request

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()
        self.upstream.sent += len(data)

    async def reply(self) -> None:
        """Read one request and echo it."""
        request = await self.request()
        assert request is not None
        await self.send(echo(request))

    async def serve(self, respond: Callable[[Received], bytes]) -> None:
        """Answer every request with `respond(request)` until the relay closes the connection."""
        while (request := await self.request()) is not None:
            await self.send(respond(request))


Script = Callable[[Conn], Awaitable[None]]


def answering(respond: Callable[[Received], bytes]) -> Script:
    async def script(conn: Conn) -> None:
        await conn.serve(respond)

    return script


def echo(request: Received) -> bytes:
    return answer(request.method + b" " + request.target + b" " + request.body)


async def until(event: threading.Event) -> None:
    """Wait on the loop for an event the test sets."""
    deadline = time.monotonic() + TIMEOUT
    while not event.is_set() and time.monotonic() < deadline:
        await asyncio.sleep(0.001)


class Upstream:
    """Accepts connections and runs `script` on each; counts accepts and bytes sent, records what it read."""

    def __init__(self) -> None:
        self.script: Script = answering(echo)
        self.accepts = 0
        self.sent = 0
        self.received: list[Received] = []
        self.tasks: set[asyncio.Task[Any]] = set()

    async def accept(self, reader: asyncio.StreamReader, writer: Any) -> None:
        self.accepts += 1
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        try:
            await self.script(Conn(self, self.accepts, reader, writer))
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            self.tasks.discard(task)


# ---- the client (a raw socket, in the test's thread)


@dataclass
class Response:
    version: bytes
    status: int
    reason: bytes
    headers: Headers
    body: bytes = b""  # de-chunked

    def header(self, name: bytes) -> bytes | None:
        return header(self.headers, name)

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    def __init__(self, port: int, rcvbuf: int | None = None) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect(("127.0.0.1", port))
        self.buffer = bytearray()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _more(self) -> bool:
        data = self.sock.recv(1024 * 1024)
        self.buffer += data
        return bool(data)

    def take_until(self, marker: bytes) -> bytes:
        while (end := self.buffer.find(marker)) < 0:
            assert self._more(), f"closed before {marker!r}: {bytes(self.buffer)!r}"
        data = bytes(self.buffer[: end + len(marker)])
        del self.buffer[: end + len(marker)]
        return data

    def take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            assert self._more(), f"closed after {len(self.buffer)} of {size} bytes"
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def chunk(self) -> bytes:
        """One chunk of a chunked body (b"" for the last one: its trailer section follows)."""
        size = int(self.take_until(b"\r\n").split(b";")[0], 16)
        if not size:
            return b""
        data = self.take(size)
        assert self.take(2) == b"\r\n"
        return data

    def head(self) -> Response:
        first, *lines = self.take_until(b"\r\n\r\n")[:-4].split(b"\r\n")
        version, status, reason = [*first.split(b" ", 2), b""][:3]
        headers = [(k, v.strip()) for k, v in (line.split(b":", 1) for line in lines)]
        return Response(version, int(status), reason, headers)

    def response(self, head: bool = False) -> Response:
        """The next response, its body read by its own framing (none to a HEAD, a 1xx, a 204, a 304)."""
        response = self.head()
        if head or response.status < 200 or response.status in (204, 304):
            return response
        if (response.header(b"transfer-encoding") or b"").lower() == b"chunked":
            body = bytearray()
            while chunk := self.chunk():
                body += chunk
            while self.take_until(b"\r\n") != b"\r\n":  # trailers
                pass
            response.body = bytes(body)
        elif (length := response.header(b"content-length")) is not None:
            response.body = self.take(int(length))
        else:
            while self._more():
                pass
            response.body, self.buffer = bytes(self.buffer), bytearray()
        return response

    def closed_after(self) -> bool:
        """The proxy closed the connection, nothing more having come."""
        more = self._more()
        return not more and not self.buffer

    def close(self) -> None:
        self.sock.close()


# ---- the relay, on its own loop


class Proxy:
    """A relay in front of a fake upstream, on a uvloop in a background thread."""

    def __init__(self) -> None:
        self.errors: list[
            dict[str, Any]
        ] = []  # what the loop reports (a callback that raised) fails the test
        self.loop = uvloop.new_event_loop()
        self.loop.set_exception_handler(lambda _, context: self.errors.append(context))
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.upstream = Upstream()
        self.clients: list[Client] = []
        self.feed_read, feed_write = os.pipe()
        self.reader = FeedReader(self.feed_read)
        self.feed_open = True
        self.run(self._start(feed_write))

    async def _start(self, feed_fd: int) -> None:
        loop = asyncio.get_running_loop()
        self.upstream_server = await asyncio.start_server(self.upstream.accept, "127.0.0.1", 0)
        self.upstream_port = self.upstream_server.sockets[0].getsockname()[1]
        self.feed = FeedWriter(feed_fd, loop)
        netloc = f"127.0.0.1:{self.upstream_port}"
        self.relay = Relay("http", "127.0.0.1", self.upstream_port, netloc, self.feed)
        self.server = await loop.create_server(lambda: ClientSide(self.relay), "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.upstream_port}"

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(TIMEOUT)

    def call(self, function: Callable[[], Any]) -> Any:
        """`function()` on the loop's thread (where the relay's state may be read)."""

        async def call() -> Any:
            return function()

        return self.run(call())

    def client(self, rcvbuf: int | None = None) -> Client:
        client = Client(self.port, rcvbuf)
        self.clients.append(client)
        return client

    def exchanges(self) -> list[Exchange]:
        """What the relay fed, up to now: the feed is closed (its stop marker sent) and read to the end."""
        closing = asyncio.run_coroutine_threadsafe(self._close_feed(), self.loop)
        exchanges: list[Exchange] = []
        deadline = time.monotonic() + TIMEOUT
        while not self.reader.stopped and time.monotonic() < deadline:
            exchanges += self.reader.read(0.1)
        closing.result(TIMEOUT)
        assert self.reader.stopped and self.reader.dropped == 0
        return exchanges

    async def _close_feed(self) -> None:
        if self.feed_open:
            self.feed_open = False
            self.feed.close()

    async def _stop(self) -> None:
        self.server.close()
        self.upstream_server.close()
        for connection in list(self.relay.connections):
            connection.close()
        for task in list(self.upstream.tasks):
            task.cancel()
        for _ in range(
            20
        ):  # connection_lost and the scripts' ends run: nothing is fed once the feed is closed
            await asyncio.sleep(0.001)

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.run(self._stop())
        if self.feed_open:
            self.exchanges()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(TIMEOUT)
        self.loop.close()
        os.close(self.feed_read)


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    running = Proxy()
    try:
        yield running
    finally:
        running.close()
    assert not running.errors, running.errors


@contextlib.contextmanager
def unreachable() -> Iterator[int]:
    """A port bound but not listening: a connection to it is refused, and nothing else can take it meanwhile."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def until_still(count: Callable[[], int]) -> None:
    """Wait until `count()` (bytes sent so far) has stopped growing for 50 ms: that side is held back."""
    last, still = -1, 0
    while still < 5:
        time.sleep(0.01)
        now = count()
        still, last = (still + 1, last) if now == last else (0, now)


class BodySender:
    """A client sending a request head and `size` body bytes (`piece` at a time) from a thread, as most clients
    do: the whole body, then read the answer. `sent` counts the body bytes the client's socket took."""

    def __init__(self, client: Any, head: bytes, size: int, piece: bytes = b"x" * 65536) -> None:
        self.sent = 0

        def send() -> None:
            client.send(head)
            for _ in range(size // len(piece)):
                client.send(piece)
                self.sent += len(piece)

        self.thread = threading.Thread(target=send, daemon=True)
        self.thread.start()

    def held_back(self) -> None:
        until_still(lambda: self.sent)

    def finished(self) -> bool:
        self.thread.join(TIMEOUT)
        return not self.thread.is_alive()


# ---- 1. a plain GET: what is changed and what is not


def test_a_get_goes_upstream_with_its_host_and_without_hop_by_hop_headers(proxy: Proxy) -> None:
    proxy.upstream.script = answering(
        lambda _: answer(
            b"hello",
            status="203 Fine By Me",
            headers=[
                ("Content-Type", "text/plain"),
                ("X-Answer", "1"),
                ("Set-Cookie", "a=1"),
                ("Set-Cookie", "b=2"),
                ("Connection", "keep-alive, X-Hop-Back"),
                ("Keep-Alive", "timeout=5"),
                ("X-Hop-Back", "dropped"),
                ("Proxy-Authenticate", "Basic"),
                ("Upgrade", "h2c"),
            ],
        )
    )
    client = proxy.client()
    target = "/api/v2/things/?a=1&b=%2F"
    for auth in ("Bearer x", "Token x"):
        client.send(
            request(
                target=target,
                headers=[
                    ("Authorization", auth),
                    ("Accept", "application/json"),
                    ("X-Same", "1"),
                    ("X-Same", "2"),
                    ("Connection", "keep-alive, X-Hop"),
                    ("Keep-Alive", "timeout=5"),
                    ("TE", "trailers"),
                    ("Upgrade", "h2c"),
                    ("Proxy-Authorization", "Basic eDp5"),
                    ("X-Hop", "dropped"),
                ],
            )
        )
        got = client.response()
        assert (got.version, got.status, got.reason) == (b"HTTP/1.1", 203, b"Fine By Me")
        assert got.headers == [
            (b"Content-Type", b"text/plain"),
            (b"X-Answer", b"1"),
            (b"Set-Cookie", b"a=1"),
            (b"Set-Cookie", b"b=2"),
            (b"Content-Length", b"5"),
        ]
        assert got.body == b"hello"
    first, second = proxy.upstream.received
    for sent, auth in ((first, b"Bearer x"), (second, b"Token x")):
        assert (sent.method, sent.target, sent.version) == (b"GET", target.encode(), b"HTTP/1.1")
        assert sent.headers == [
            (b"Host", f"127.0.0.1:{proxy.upstream_port}".encode()),
            (b"Authorization", auth),
            (b"Accept", b"application/json"),
            (b"X-Same", b"1"),
            (b"X-Same", b"2"),
        ]
    exchanges = proxy.exchanges()
    assert [(e.method, e.url, e.status, e.response_body) for e in exchanges] == [
        ("GET", proxy.origin + target, 203, b"hello")
    ] * 2
    assert [e.request_header("authorization") for e in exchanges] == ["Bearer x", "Token x"]
    assert exchanges[0].seq < exchanges[1].seq


def test_an_absolute_form_target_goes_upstream_as_its_path(proxy: Proxy) -> None:
    client = proxy.client()
    client.send(request(target=f"http://{PROXY_HOST}/api/v2/things/?limit=1"))
    assert client.response().body == b"GET /api/v2/things/?limit=1 "
    assert [e.url for e in proxy.exchanges()] == [proxy.origin + "/api/v2/things/?limit=1"]


# ---- 2. keep-alive


def test_requests_on_one_client_connection_share_one_upstream_connection(proxy: Proxy) -> None:
    client = proxy.client()
    for n in range(5):
        client.send(request(target=f"/api/v2/things/{n}/"))
        assert client.response().body == f"GET /api/v2/things/{n}/ ".encode()
    assert proxy.upstream.accepts == 1
    other = proxy.client()  # another client connection: its own upstream connection
    other.send(request())
    assert other.response().status == 200
    assert proxy.upstream.accepts == 2
    assert [r.connection for r in proxy.upstream.received] == [1, 1, 1, 1, 1, 2]


# ---- 3. an upstream that closes its side of a keep-alive connection


async def _closes_its_first_connection_unanswered(conn: Conn) -> None:
    if conn.number == 1:
        await conn.reply()
        await conn.request()  # read, then closed unanswered: its idle timeout raced the request
        return
    await conn.serve(echo)


def test_an_idempotent_request_the_upstream_closed_unanswered_is_sent_again_on_a_fresh_connection(
    proxy: Proxy,
) -> None:
    proxy.upstream.script = _closes_its_first_connection_unanswered
    client = proxy.client()
    client.send(request(target="/api/v2/a/"))
    assert client.response().body == b"GET /api/v2/a/ "
    client.send(request("PUT", "/api/v2/b/", body=b"payload"))
    assert client.response().body == b"PUT /api/v2/b/ payload"  # the body too was sent again
    assert proxy.upstream.accepts == 2
    assert [(r.connection, r.target, r.body) for r in proxy.upstream.received] == [
        (1, b"/api/v2/a/", b""),
        (1, b"/api/v2/b/", b"payload"),
        (2, b"/api/v2/b/", b"payload"),
    ]
    assert [(e.method, e.status) for e in proxy.exchanges()] == [("GET", 200), ("PUT", 200)]


def test_a_post_the_upstream_closed_unanswered_is_a_502_never_sent_twice(proxy: Proxy) -> None:
    proxy.upstream.script = _closes_its_first_connection_unanswered
    client = proxy.client()
    client.send(request(target="/api/v2/a/"))
    assert client.response().status == 200
    client.send(request("POST", "/api/v2/b/", body=b"payload"))
    answer = client.response()
    assert answer.status == 502  # the upstream may have acted on it: RFC 9110 9.2.2, no automatic retry
    assert [(r.connection, r.target) for r in proxy.upstream.received] == [
        (1, b"/api/v2/a/"),
        (1, b"/api/v2/b/"),
    ]


def test_a_connection_the_upstream_closed_while_idle_is_replaced(proxy: Proxy) -> None:
    done = threading.Event()

    async def script(conn: Conn) -> None:
        if conn.number == 1:
            await conn.reply()
            done.set()  # and closed: the upstream's idle timeout
            return
        await conn.serve(echo)

    proxy.upstream.script = script
    client = proxy.client()
    client.send(request(target="/api/v2/a/"))
    assert client.response().status == 200
    assert done.wait(TIMEOUT)
    client.send(request(target="/api/v2/b/"))
    assert client.response().body == b"GET /api/v2/b/ "
    assert proxy.upstream.accepts == 2


def test_a_request_dropped_on_a_fresh_connection_is_a_502_and_the_client_connection_goes_on(
    proxy: Proxy,
) -> None:
    async def script(conn: Conn) -> None:
        if conn.number == 1:
            await conn.request()  # read, then closed unanswered
            return
        await conn.serve(echo)

    proxy.upstream.script = script
    client = proxy.client()
    client.send(request())
    got = client.response()
    assert got.status == 502 and got.header(b"content-type") == b"application/json"
    assert "closed the connection" in got.json()["message"]
    client.send(request(target="/api/v2/next/"))
    assert client.response().body == b"GET /api/v2/next/ "
    assert proxy.upstream.accepts == 2
    assert [e.status for e in proxy.exchanges()] == [200]  # the proxy's own 502 is not the upstream's answer


# ---- 4. an upstream that cannot be reached


def test_an_unreachable_upstream_is_a_502_with_a_one_line_message(proxy: Proxy) -> None:
    with unreachable() as port:
        proxy.call(lambda: setattr(proxy.relay, "port", port))
        client = proxy.client()
        for _ in range(2):  # and the client connection stays usable
            client.send(request())
            got = client.response()
            assert got.status == 502 and got.header(b"content-type") == b"application/json"
            message = got.json()["message"]
            assert message.startswith("mmcontract proxy: cannot connect to the upstream")
            assert len(message.splitlines()) == 1
    assert proxy.exchanges() == []


def test_pipelined_requests_that_get_502s_leave_the_client_connection_reading(proxy: Proxy) -> None:
    with unreachable() as port:
        proxy.call(lambda: setattr(proxy.relay, "port", port))
        client = proxy.client()
        client.send(request(target="/api/v2/1/") + request(target="/api/v2/2/"))
        assert [client.response().status for _ in range(2)] == [502, 502]
        client.send(request(target="/api/v2/3/"))
        assert client.response().status == 502


# ---- 5. request bodies


def test_a_content_length_body_goes_upstream_byte_exact(proxy: Proxy) -> None:
    body = random.Random(5).randbytes(3 * 1024 * 1024)  # more than the socket and pipe buffers hold
    proxy.upstream.script = answering(lambda r: answer(b"%d" % len(r.body)))
    client = proxy.client()
    client.send(request("PUT", "/api/v2/blob/", [("Content-Type", "application/octet-stream")], body))
    assert client.response().body == b"%d" % len(body)
    (sent,) = proxy.upstream.received
    assert header(sent.headers, b"content-length") == b"%d" % len(body)
    assert sent.body == body
    (exchange,) = proxy.exchanges()
    assert exchange.request_body == body


def test_a_chunked_body_goes_upstream_with_a_content_length(proxy: Proxy) -> None:
    parts = [b'{"name": ', b'"x' + b"y" * 200_000, b'"}']
    body = b"".join(parts)
    client = proxy.client()
    head = request(
        "POST", "/api/v2/things/", [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")]
    )
    client.send(head)
    framed = chunked(*parts, trailer=b"X-Checksum: 1\r\n")
    for start in range(0, len(framed), 50_000):  # in several writes: the body is collected across reads
        client.send(framed[start : start + 50_000])
    assert client.response().body == b"POST /api/v2/things/ " + body
    (sent,) = proxy.upstream.received
    assert header(sent.headers, b"content-length") == b"%d" % len(body)
    assert b"transfer-encoding" not in names(sent.headers)
    assert header(sent.headers, b"content-type") == b"application/json"
    assert sent.body == body
    (exchange,) = proxy.exchanges()
    assert exchange.request_body == body


def test_a_body_larger_than_the_judged_maximum_goes_upstream_whole_and_is_judged_cut(
    proxy: Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(relay_module, "MAX_JUDGED_BODY", 1000)
    body = random.Random(6).randbytes(200_000)
    proxy.upstream.script = answering(lambda r: answer(b"%d" % len(r.body)))
    client = proxy.client()
    client.send(request("POST", body=body))
    assert client.response().body == b"200000"
    assert proxy.upstream.received[0].body == body
    (exchange,) = proxy.exchanges()
    assert exchange.request_body == body[:1000]


# ---- 6. an upstream that answers before the body is all sent


def test_an_early_answer_reaches_the_client_and_the_rest_of_the_body_still_goes_upstream(
    proxy: Proxy,
) -> None:
    body = random.Random(7).randbytes(2 * 1024 * 1024)
    first = 64 * 1024
    whole = threading.Event()

    async def script(conn: Conn) -> None:
        request_ = await conn.head()
        assert request_ is not None
        await conn.body(request_, first)
        await conn.send(
            answer(b'{"message": "too large"}', "413 Content Too Large", [("Content-Type", "text/json")])
        )
        await conn.body(request_)  # the rest comes on this connection all the same
        conn.upstream.received.append(request_)
        whole.set()
        await conn.serve(echo)

    proxy.upstream.script = script
    client = proxy.client()
    client.send(request("POST", "/api/v2/blob/", body=body)[: -len(body) + first])
    got = client.response()
    assert got.status == 413 and got.json() == {"message": "too large"}
    client.send(body[first:])
    assert whole.wait(TIMEOUT)
    client.send(request(target="/api/v2/after/"))
    assert client.response().body == b"GET /api/v2/after/ "
    assert proxy.upstream.accepts == 1
    assert [(r.target, r.body == body) for r in proxy.upstream.received] == [
        (b"/api/v2/blob/", True),
        (b"/api/v2/after/", False),
    ]
    assert [e.status for e in proxy.exchanges()] == [413, 200]


def test_an_early_answer_then_a_close_drops_the_rest_of_the_body_and_the_next_request_works(
    proxy: Proxy,
) -> None:
    body = random.Random(8).randbytes(1024 * 1024)
    first = 64 * 1024
    answered = threading.Event()

    async def script(conn: Conn) -> None:
        if conn.number == 1:
            request_ = await conn.head()
            assert request_ is not None
            await conn.body(request_, first)
            await conn.send(answer(b"too large", "413 Content Too Large"))
            await until(answered)
            return  # closed, without saying so in its answer
        await conn.serve(echo)

    proxy.upstream.script = script
    client = proxy.client()
    client.send(request("POST", "/api/v2/blob/", body=body)[: -len(body) + first])
    assert client.response().status == 413
    answered.set()
    wait_for(
        lambda: proxy.call(
            lambda: all(c.upstream is None or c.upstream.lost for c in proxy.relay.connections)
        )
    )
    client.send(body[first:])
    client.send(request(target="/api/v2/after/"))
    got = client.response()
    assert (got.status, got.body) == (200, b"GET /api/v2/after/ ")
    assert proxy.upstream.accepts == 2


def test_an_early_answer_with_close_from_an_upstream_that_stopped_reading_lets_the_client_send_on(
    proxy: Proxy,
) -> None:
    size = 8 * 1024 * 1024
    stalled, done = threading.Event(), threading.Event()

    async def script(conn: Conn) -> None:
        if conn.number == 1:
            assert await conn.head() is not None  # and none of the body: the proxy's writes back up
            await until(stalled)
            await conn.send(answer(b"too large", "413 Content Too Large", [("Connection", "close")]))
            await until(done)  # its end stays open a while: the proxy is done with it all the same
            return
        await conn.serve(echo)

    proxy.upstream.script = script
    client = proxy.client()
    sender = BodySender(client, request("POST", "/api/v2/blob/", [("Content-Length", str(size))]), size)
    sender.held_back()  # (or its socket buffers took it all)
    assert proxy.call(lambda: [c.pauses for c in proxy.relay.connections]) == [{"upstream"}]
    stalled.set()
    assert sender.finished()  # the rest of the body was read (and dropped): the client could send it all
    assert client.response().status == 413
    client.send(request(target="/api/v2/after/"))
    assert client.response().body == b"GET /api/v2/after/ "
    assert proxy.upstream.accepts == 2
    done.set()


def test_the_rest_of_a_body_with_nowhere_to_go_is_not_kept(
    proxy: Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(relay_module, "MAX_JUDGED_BODY", 1000)
    body = random.Random(12).randbytes(4 * 1024 * 1024)
    first = 64 * 1024

    async def script(conn: Conn) -> None:
        if conn.number == 1:
            request_ = await conn.head()
            assert request_ is not None
            await conn.body(request_, first)
            await conn.send(answer(b"too large", "413 Content Too Large", [("Connection", "close")]))
            return
        await conn.serve(echo)

    proxy.upstream.script = script
    client = proxy.client()
    client.send(request("POST", "/api/v2/blob/", body=body)[: -len(body) + first])
    assert client.response().status == 413
    (parsing,) = proxy.call(lambda: [c.current for c in proxy.relay.connections])
    client.send(body[first:])
    client.send(request(target="/api/v2/after/"))
    assert client.response().body == b"GET /api/v2/after/ "
    assert parsing.complete and parsing.body_size == len(body)
    assert len(parsing.body_bytes()) <= first  # what was kept for judging, not the rest


# ---- 7. response bodies


def test_a_content_length_answer_is_streamed(proxy: Proxy) -> None:
    more = threading.Event()

    async def script(conn: Conn) -> None:
        await conn.request()
        await conn.send(
            answer(b"first", headers=[("Content-Type", "application/octet-stream")])[:-5] + b"fir"
        )
        await until(more)  # the client has the first part before the upstream sends the rest
        await conn.send(b"st")
        await conn.serve(echo)

    proxy.upstream.script = script
    client = proxy.client()
    client.send(request())
    got = client.head()
    assert got.status == 200 and got.header(b"content-length") == b"5"
    assert client.take(3) == b"fir"
    more.set()
    assert client.take(2) == b"st"
    client.send(request(target="/api/v2/next/"))
    assert client.response().body == b"GET /api/v2/next/ "


def test_a_chunked_answer_is_chunked_again_to_the_client(proxy: Proxy) -> None:
    parts = [b"abcd", b"e" * 70_000, b"fgh"]
    proxy.upstream.script = answering(
        lambda r: (
            answer(
                chunked(*parts, trailer=b"X-Trailer: t\r\n").replace(b"4\r\n", b"4;ext=1\r\n", 1),
                headers=[("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")],
                length=False,
            )
            if r.target == b"/api/v2/chunked/"
            else echo(r)
        )
    )
    client = proxy.client()
    client.send(request(target="/api/v2/chunked/"))
    got = client.response()
    assert got.header(b"transfer-encoding") == b"chunked" and got.header(b"content-length") is None
    assert got.body == b"".join(parts)
    client.send(request(target="/api/v2/next/"))
    assert client.response().body == b"GET /api/v2/next/ "
    assert proxy.upstream.accepts == 1
    assert proxy.exchanges()[0].response_body == b"".join(parts)


def test_an_answer_delimited_by_the_close_reaches_an_http11_client_chunked_and_whole(proxy: Proxy) -> None:
    body = random.Random(9).randbytes(300_000)

    async def script(conn: Conn) -> None:
        if conn.number == 1:
            await conn.request()
            await conn.send(answer(headers=[("Content-Type", "application/octet-stream")], length=False))
            for start in range(0, len(body), 100_000):
                await conn.send(body[start : start + 100_000])
            return  # the close ends the body
        await conn.serve(echo)

    proxy.upstream.script = script
    client = proxy.client()
    client.send(request())
    got = client.response()
    assert got.header(b"transfer-encoding") == b"chunked"
    assert got.body == body
    client.send(request(target="/api/v2/next/"))  # the client connection stays; the upstream one is new
    assert client.response().body == b"GET /api/v2/next/ "
    assert proxy.upstream.accepts == 2
    assert proxy.exchanges()[0].response_body == body


@pytest.mark.parametrize("version", ["HTTP/1.1", "HTTP/1.0"])
def test_an_answer_delimited_by_the_close_is_not_complete_when_the_client_leaves_first(
    proxy: Proxy, version: str
) -> None:
    left = threading.Event()

    async def script(conn: Conn) -> None:
        await conn.request()
        await conn.send(answer(b"x" * 1000, headers=[("Content-Type", "text/plain")], length=False))
        await until(left)  # the rest never comes: the proxy closes this connection when the client goes

    proxy.upstream.script = script
    client = proxy.client()
    client.send(request(version=version))
    got = client.head()
    assert got.header(b"transfer-encoding") == (b"chunked" if version == "HTTP/1.1" else None)
    assert (client.chunk() if version == "HTTP/1.1" else client.take(1000)) == b"x" * 1000
    client.close()
    wait_for(lambda: proxy.call(lambda: not proxy.relay.connections))
    left.set()
    assert proxy.exchanges() == []  # an answer cut short is not judged as a whole one


def test_an_answer_delimited_by_the_close_is_not_complete_when_the_upstream_resets(proxy: Proxy) -> None:
    read = threading.Event()

    async def script(conn: Conn) -> None:
        await conn.request()
        await conn.send(answer(b"x" * 1000, headers=[("Content-Type", "text/plain")], length=False))
        await until(read)
        sock = conn.writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.writer.transport.abort()  # a reset, not the close that ends such a body

    proxy.upstream.script = script
    client = proxy.client()
    client.send(request())
    assert client.head().header(b"transfer-encoding") == b"chunked"
    assert client.chunk() == b"x" * 1000
    read.set()
    assert client.closed_after()  # no last chunk: the client sees the answer was cut short
    assert proxy.exchanges() == []


def test_204_and_304_answers_have_no_body(proxy: Proxy) -> None:
    answers = {
        b"/api/v2/204/": b"HTTP/1.1 204 No Content\r\nX-Id: 1\r\n\r\n",
        b"/api/v2/304/": b'HTTP/1.1 304 Not Modified\r\nETag: "e"\r\nContent-Length: 42\r\n\r\n',
    }
    proxy.upstream.script = answering(lambda r: answers.get(r.target) or echo(r))
    client = proxy.client()
    client.send(request(target="/api/v2/204/"))
    got = client.response()
    assert (got.status, got.header(b"x-id"), got.header(b"transfer-encoding")) == (204, b"1", None)
    client.send(request(target="/api/v2/304/"))
    got = client.response()
    assert (got.status, got.header(b"etag"), got.header(b"transfer-encoding")) == (304, b'"e"', None)
    client.send(request(target="/api/v2/next/"))  # nothing came after those heads: the next answer parses
    assert client.response().body == b"GET /api/v2/next/ "
    assert proxy.upstream.accepts == 1
    assert [(e.status, e.response_body) for e in proxy.exchanges()][:2] == [(204, b""), (304, b"")]


@pytest.mark.parametrize("framing", [("Content-Length", "1234"), ("Transfer-Encoding", "chunked")])
def test_a_head_answer_has_no_body_and_the_connection_goes_on(proxy: Proxy, framing: tuple[str, str]) -> None:
    proxy.upstream.script = answering(
        lambda r: (
            answer(headers=[("Content-Type", "application/json"), framing], length=False)
            if r.method == b"HEAD"
            else echo(r)
        )
    )
    client = proxy.client()
    client.send(request("HEAD"))
    got = client.response(head=True)
    assert got.status == 200
    if framing[0] == "Content-Length":  # what a GET would get; chunked is the proxy's own framing to say
        assert got.header(b"content-length") == b"1234"
    client.send(request(target="/api/v2/next/"))
    assert client.response().body == b"GET /api/v2/next/ "
    assert proxy.upstream.accepts == 1
    assert (e := proxy.exchanges()[0]) and (e.method, e.status, e.response_body) == ("HEAD", 200, b"")


# ---- 8. links moved to the proxy


def page(origin: str, next_: str | None = None) -> dict[str, Any]:
    return {
        "data": [{"id": "1", "self": f"{origin}/api/v2/things/1/"}],
        "next": next_ if next_ is not None else f"{origin}/api/v2/things/?offset=2&limit=1",
        "previous": f"{origin}/api/v2/things/?offset=0&limit=1",
        "totalCount": 3,
    }


def test_links_to_the_upstream_in_a_json_get_answer_are_moved_to_the_proxy(proxy: Proxy) -> None:
    original = json.dumps(page(proxy.origin)).encode()
    proxy.upstream.script = answering(  # chunked: the rewritten answer has its own Content-Length
        lambda _: answer(
            chunked(original[:50], original[50:]),
            headers=[("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")],
            length=False,
        )
    )
    client = proxy.client()
    client.send(request())
    got = client.response()
    assert got.header(b"transfer-encoding") is None
    assert got.header(b"content-length") == b"%d" % len(got.body)
    moved = got.json()
    assert moved["next"] == f"http://{PROXY_HOST}/api/v2/things/?offset=2&limit=1"
    assert moved["previous"] == f"http://{PROXY_HOST}/api/v2/things/?offset=0&limit=1"
    assert moved["data"] == page(proxy.origin)["data"]  # only next and previous move
    assert got.body == original.replace(
        f'"{proxy.origin}/api/v2/things/?'.encode(), f'"http://{PROXY_HOST}/api/v2/things/?'.encode()
    )
    (exchange,) = proxy.exchanges()
    assert exchange.response_body == original  # judged as the upstream sent it


def test_the_json_media_type_is_matched_in_any_case(proxy: Proxy) -> None:
    original = json.dumps(page(proxy.origin)).encode()
    proxy.upstream.script = answering(
        lambda _: answer(original, headers=[("Content-Type", "Application/JSON")])
    )
    client = proxy.client()
    client.send(request())
    assert client.response().json()["next"] == f"http://{PROXY_HOST}/api/v2/things/?offset=2&limit=1"


def test_links_in_a_gzip_answer_are_moved_and_the_answer_still_gunzips(proxy: Proxy) -> None:
    original = json.dumps(page(proxy.origin)).encode()
    proxy.upstream.script = answering(
        lambda _: answer(
            gzip.compress(original),
            headers=[("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
        )
    )
    client = proxy.client()
    client.send(request(headers=[("Accept-Encoding", "gzip")]))
    got = client.response()
    assert got.header(b"content-encoding") == b"gzip"
    assert got.header(b"content-length") == b"%d" % len(got.body)
    moved = json.loads(gzip.decompress(got.body))
    assert moved["next"] == f"http://{PROXY_HOST}/api/v2/things/?offset=2&limit=1"
    assert moved["previous"] == f"http://{PROXY_HOST}/api/v2/things/?offset=0&limit=1"
    (exchange,) = proxy.exchanges()
    assert exchange.response_body == original  # gunzipped for judging, links as the upstream sent them


@pytest.mark.parametrize(
    ("method", "next_"),
    [
        ("GET", "http://elsewhere.test/api/v2/things/?offset=2"),  # another origin
        ("GET", "{origin}0/api/v2/things/?offset=2"),  # the upstream's origin as a prefix of another port
        ("POST", None),  # not a GET: its links are the upstream's
    ],
)
def test_other_links_and_other_answers_are_left_byte_identical(
    proxy: Proxy, method: str, next_: str | None
) -> None:
    body = page(proxy.origin)  # its `self` links always stay
    if next_ is not None:
        body["next"], body["previous"] = next_.format(origin=proxy.origin), None
    original = json.dumps(body, separators=(",", ":")).encode()
    sent = answer(original, headers=[("Content-Type", "application/json"), ("X-Id", "1")])
    proxy.upstream.script = answering(lambda _: sent)
    client = proxy.client()
    client.send(request(method, body=b"{}" if method == "POST" else b""))
    got = client.response()
    assert got.body == original
    assert {k.lower(): v for k, v in got.headers} == {
        b"content-type": b"application/json",
        b"x-id": b"1",
        b"content-length": b"%d" % len(original),
    }
    assert proxy.exchanges()[0].response_body == original


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_a_json_answer_too_large_to_hold_is_streamed_unchanged(
    proxy: Proxy, monkeypatch: pytest.MonkeyPatch, framing: str
) -> None:
    monkeypatch.setattr(relay_module, "MAX_REWRITTEN_BODY", 1000)
    body = page(proxy.origin)
    body["data"] = [{"id": str(n)} for n in range(500)]
    original = json.dumps(body).encode()
    sent = {
        "length": answer(original, headers=[("Content-Type", "application/json")]),
        "chunked": answer(
            chunked(*(original[n : n + 700] for n in range(0, len(original), 700))),
            headers=[("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")],
            length=False,
        ),
    }[framing]
    proxy.upstream.script = answering(lambda r: sent if r.target == b"/api/v2/things/" else echo(r))
    client = proxy.client()
    client.send(request())
    assert client.response().body == original  # its links are the upstream's: too large to be rewritten
    client.send(request(target="/api/v2/next/"))
    assert client.response().body == b"GET /api/v2/next/ "
    assert proxy.exchanges()[0].response_body == original


# ---- 9. 100-continue


def test_an_expect_100_continue_client_gets_the_upstream_s_100_then_the_answer(proxy: Proxy) -> None:
    async def script(conn: Conn) -> None:
        request_ = await conn.head()
        assert request_ is not None
        conn.upstream.received.append(request_)
        await conn.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        await conn.body(request_)
        await conn.send(echo(request_))

    proxy.upstream.script = script
    client = proxy.client()
    client.send(request("PUT", headers=[("Expect", "100-continue"), ("Content-Length", "5")]))
    interim = client.response()  # before any body byte is sent
    assert (interim.status, interim.reason) == (100, b"Continue")
    client.send(b"hello")
    got = client.response()
    assert (got.status, got.body) == (200, b"PUT /api/v2/things/ hello")
    assert header(proxy.upstream.received[0].headers, b"expect") == b"100-continue"
    assert [(e.status, e.request_body) for e in proxy.exchanges()] == [(200, b"hello")]


def test_an_interim_answer_the_client_did_not_ask_for_is_relayed_before_the_final_one(proxy: Proxy) -> None:
    proxy.upstream.script = answering(
        lambda r: b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" + echo(r)
    )
    client = proxy.client()
    for _ in range(2):
        client.send(request())
        interim = client.response()
        assert (interim.status, interim.header(b"link")) == (103, b"</style.css>; rel=preload")
        assert client.response().body == b"GET /api/v2/things/ "
    assert [e.status for e in proxy.exchanges()] == [200, 200]


# ---- 10. pipelining


def test_pipelined_requests_are_answered_in_order(proxy: Proxy) -> None:
    async def script(conn: Conn) -> None:
        first = await conn.request()
        assert first is not None
        await asyncio.sleep(0.01)  # a slow first answer: the second still comes after it
        await conn.send(echo(first))
        await conn.serve(echo)

    proxy.upstream.script = script
    client = proxy.client()
    client.send(
        request(target="/api/v2/1/")
        + request("POST", "/api/v2/2/", body=b"two")
        + request(target="/api/v2/3/")
    )
    assert [client.response().body for _ in range(3)] == [
        b"GET /api/v2/1/ ",
        b"POST /api/v2/2/ two",
        b"GET /api/v2/3/ ",
    ]
    assert proxy.upstream.accepts == 1
    assert [e.url for e in proxy.exchanges()] == [proxy.origin + f"/api/v2/{n}/" for n in (1, 2, 3)]


# ---- 11. the end of a client connection


def test_connection_close_from_the_client_is_answered_and_the_connection_closed(proxy: Proxy) -> None:
    client = proxy.client()
    client.send(request(headers=[("Connection", "close")]))
    got = client.response()
    assert got.header(b"connection") == b"close" and got.body == b"GET /api/v2/things/ "
    assert client.closed_after()
    assert b"connection" not in names(proxy.upstream.received[0].headers)


@pytest.mark.parametrize("framing", ["chunked", "close", "length"])
def test_an_http10_client_gets_an_answer_it_can_read(proxy: Proxy, framing: str) -> None:
    body = b"x" * 5000
    framed = {
        "chunked": answer(
            chunked(body[:1000], body[1000:]), headers=[("Transfer-Encoding", "chunked")], length=False
        ),
        "close": answer(body, length=False),
        "length": answer(body),
    }[framing]

    async def script(conn: Conn) -> None:
        await conn.request()
        await conn.send(framed)  # and closed

    proxy.upstream.script = script
    client = proxy.client()
    client.send(request(version="HTTP/1.0"))
    got = client.response()
    assert got.header(b"transfer-encoding") is None
    assert got.body == body
    assert client.closed_after()
    assert proxy.upstream.received[0].version == b"HTTP/1.1"


def test_an_idle_client_connection_is_closed_but_not_while_its_answer_is_awaited(
    proxy: Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(relay_module, "IDLE_TIMEOUT", 0.05)

    async def script(conn: Conn) -> None:
        while (request_ := await conn.request()) is not None:
            await asyncio.sleep(0.15)  # longer than the idle timeout
            await conn.send(echo(request_))

    proxy.upstream.script = script
    client = proxy.client()
    client.send(request())
    assert client.response().body == b"GET /api/v2/things/ "
    started = time.monotonic()
    assert client.closed_after()  # then idle: closed
    assert time.monotonic() - started < 1.0
    assert proxy.client().closed_after()  # a connection that never sends a request too


# ---- 12. requests that are not forwarded


@pytest.mark.parametrize(
    "sent",
    [
        b"GET /api/v2/things/ HTTP/1.1\r\nHost proxy.test\r\n\r\n",  # a header without its colon
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # TLS to a plain-HTTP port
        b"POST / HTTP/1.1\r\nHost: p\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    ],
    ids=["no-colon", "tls", "length-and-chunked"],
)
def test_a_malformed_request_is_a_400_and_the_connection_closes(proxy: Proxy, sent: bytes) -> None:
    client = proxy.client()
    client.send(sent)
    got = client.response()
    assert got.status == 400 and "not a valid" in got.json()["message"]
    assert client.closed_after()
    assert proxy.upstream.accepts == 0


@pytest.mark.parametrize(
    "sent",
    [
        request(target="/ws", headers=[("Connection", "Upgrade"), ("Upgrade", "websocket")]),
        request("CONNECT", "upstream.test:443"),
    ],
    ids=["websocket", "connect"],
)
def test_an_upgrade_request_is_a_501_and_not_forwarded(proxy: Proxy, sent: bytes) -> None:
    client = proxy.client()
    client.send(sent)
    got = client.response()
    assert got.status == 501 and "upgrade" in got.json()["message"]
    assert client.closed_after()
    assert proxy.upstream.received == []


# ---- 13. flow control


def test_a_large_answer_to_a_slow_client_arrives_whole_without_being_held_in_memory(proxy: Proxy) -> None:
    size = 20 * 1024 * 1024
    piece = random.Random(10).randbytes(256 * 1024)

    async def script(conn: Conn) -> None:
        await conn.request()
        await conn.send(
            answer(
                headers=[("Content-Type", "application/octet-stream"), ("Content-Length", str(size))],
                length=False,
            )
        )
        for _ in range(size // len(piece)):
            await conn.send(piece)

    proxy.upstream.script = script
    client = proxy.client(rcvbuf=64 * 1024)
    client.send(request())
    got = client.head()
    assert got.status == 200
    # The client reads nothing until the upstream is held back (what it sent stops growing) ...
    until_still(lambda: proxy.upstream.sent)
    buffered = proxy.call(lambda: max(c.transport.get_write_buffer_size() for c in proxy.relay.connections))
    assert buffered <= 1024 * 1024  # ... and the proxy holds no more than a read or two of it meanwhile
    body = client.take(size)
    assert body == piece * (size // len(piece))
    (exchange,) = proxy.exchanges()
    assert exchange.response_body == body[: len(exchange.response_body)]


def test_a_large_body_to_a_slow_upstream_goes_whole_without_being_held_in_memory(proxy: Proxy) -> None:
    size = 20 * 1024 * 1024
    piece = random.Random(11).randbytes(256 * 1024)
    go = threading.Event()

    async def script(conn: Conn) -> None:
        request_ = await conn.head()
        assert request_ is not None
        await until(go)  # reads nothing of the body meanwhile
        await conn.body(request_)
        conn.upstream.received.append(request_)
        await conn.send(answer(b"%d" % len(request_.body)))

    proxy.upstream.script = script
    client = proxy.client()
    sender = BodySender(client, request("PUT", "/api/v2/blob/", [("Content-Length", str(size))]), size, piece)
    sender.held_back()  # (or it has sent it all)
    buffered = proxy.call(
        lambda: max(
            c.upstream.transport.get_write_buffer_size() for c in proxy.relay.connections if c.upstream
        )
    )
    assert buffered <= 1024 * 1024  # what the upstream does not read waits in the client's socket, not here
    go.set()
    assert sender.finished()
    assert client.response().body == b"%d" % size
    assert proxy.upstream.received[0].body == piece * (size // len(piece))


def test_a_body_sent_while_the_upstream_connection_is_being_made_waits_in_the_client_socket(
    proxy: Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = 20 * 1024 * 1024
    connect, connecting = relay_module.UpstreamSide.connect, threading.Event()

    def slow_connect(upstream: relay_module.UpstreamSide) -> None:  # a remote upstream, a TLS handshake
        async def later() -> None:
            await until(connecting)
            connect(upstream)

        asyncio.get_running_loop().create_task(later())

    monkeypatch.setattr(relay_module.UpstreamSide, "connect", slow_connect)
    proxy.upstream.script = answering(lambda r: answer(b"%d" % len(r.body)))
    client = proxy.client()
    sender = BodySender(client, request("PUT", "/api/v2/blob/", [("Content-Length", str(size))]), size)
    sender.held_back()  # (or it has sent it all)
    held = proxy.call(
        lambda: [sum(map(len, c.upstream.outbox)) for c in proxy.relay.connections if c.upstream]
    )
    assert held and max(held) <= 1024 * 1024  # not the whole body waiting for the connection
    connecting.set()
    assert sender.finished()
    assert client.response().body == b"%d" % size
