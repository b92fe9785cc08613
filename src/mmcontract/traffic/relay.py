"""The proxy's forwarding: HTTP/1.1 relayed between a client connection and its own upstream connection.

asyncio protocols on uvloop with httptools' parsers (both already dependencies: what uvicorn runs on), and no
framework on the path: an ASGI app on uvicorn with an asyncio-streams client cost 3-4x the upstream's own time per
request, and httpx.AsyncClient alone ~2 ms (see `make bench`). Each client connection gets one upstream
connection, opened on its first request and reopened when the upstream closes it; requests on a connection go
upstream one at a time, in order (a pipelining client waits, its later requests buffered).

Forwarded unchanged: method, target, headers, body, status, reason, headers, body, streamed both ways with flow
control. Changed, as a reverse proxy must: Host names the upstream; hop-by-hop headers (RFC 9110 7.6.1, and those
named by Connection) are dropped and the framing is the proxy's own (Content-Length kept, chunked re-chunked; a
chunked request body is sent on with a Content-Length, since an upstream need not take chunked bodies); and the
`next`/`previous` links of a JSON answer to a GET that point at the upstream are moved to the address the client
used (its Host), so the client stays on the proxy. Such an answer is held whole (up to `MAX_REWRITTEN_BODY`) to
be rewritten. The exchange goes to the judging process as the upstream sent it (`traffic.feed`).
"""

from __future__ import annotations

import asyncio
import gzip
import re
import ssl
import time
from collections import deque
from typing import Any
from urllib.parse import urlsplit

import httptools

from mmcontract.traffic.feed import FeedWriter, Raw

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
    }
)
MAX_JUDGED_BODY = 16 * 1024 * 1024  # a larger body is forwarded whole but kept only up to this for judging
MAX_REWRITTEN_BODY = 8 * 1024 * 1024
IDLE_TIMEOUT = 75.0  # seconds a client's keep-alive connection may stay idle
NO_BODY_STATUSES = frozenset({204, 304})
# a proxy may send these again after a connection failed under them, the others never (RFC 9110 9.2.2)
IDEMPOTENT = frozenset({b"GET", b"HEAD", b"OPTIONS", b"TRACE", b"PUT", b"DELETE"})


def link_pattern(origin: str) -> re.Pattern[bytes]:
    escaped = re.escape(origin.encode())
    return re.compile(rb'("(?:next|previous)"\s*:\s*")' + escaped + rb"(?=[/\"?])")


def rewrite_links(body: bytes, origin: str, proxy_origin: str) -> bytes:
    """`next`/`previous` string values that start with the upstream's origin, moved to the proxy's."""
    return link_pattern(origin).sub(lambda m: m.group(1) + proxy_origin.encode(), body)


class Relay:
    """What every connection shares: the upstream's address, the judging feed, the exchange counter."""

    def __init__(self, scheme: str, host: str, port: int, netloc: str, feed: FeedWriter) -> None:
        self.host, self.port, self.feed = host, port, feed
        self.origin = f"{scheme}://{netloc}"
        self.origin_bytes = self.origin.encode()
        self.host_header = netloc.encode("latin-1")
        self.ssl = ssl.create_default_context() if scheme == "https" else None
        self.pattern = link_pattern(self.origin)
        self.seq = 0
        self.connections: set[ClientSide] = set()
        self.closing = False

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


class Request:
    """One request from the client, as it is forwarded."""

    __slots__ = (
        "body", "body_size", "buffered", "complete", "head", "headers", "host", "http11", "keep_alive", "kept_all",
        "method", "seq", "started", "target", "url",
    )  # fmt: skip

    def __init__(self) -> None:
        self.method = b""
        self.target = b""
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.head = b""
        self.body: list[bytes] = []  # for judging (up to MAX_JUDGED_BODY), and whole until it is sent on
        self.body_size = 0
        self.kept_all = True  # every body byte is in `body`: the request can be sent again
        self.complete = False
        self.buffered = False  # a chunked body: sent on once complete, with a Content-Length
        self.keep_alive = True
        self.http11 = True
        self.host: bytes | None = None
        self.seq = 0
        self.started = 0.0

    @property
    def replayable(self) -> bool:
        return self.complete and self.kept_all and self.method in IDEMPOTENT

    def body_bytes(self) -> bytes:
        return b"".join(self.body)

    def judged_body(self) -> bytes:
        body = self.body_bytes()
        return body if len(body) <= MAX_JUDGED_BODY else body[:MAX_JUDGED_BODY]


def _drop_hop_by_hop(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    named = {
        token.strip().lower()
        for name, value in headers
        if name.lower() == b"connection"
        for token in value.split(b",")
    }
    return [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP and k.lower() not in named]


def _head(first_line: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    return first_line + b"".join(k + b": " + v + b"\r\n" for k, v in headers) + b"\r\n"


class ClientSide(asyncio.Protocol):
    """A client's connection: parses its requests, sends them upstream in order, answers in order."""

    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self.parser = httptools.HttpRequestParser(self)
        self.transport: Any = None
        self.upstream: UpstreamSide | None = None
        self.queue: deque[Request] = deque()  # not yet answered; the first one is with the upstream
        self.current: Request | None = None  # the request being parsed
        self.sending: Request | None = None  # the request whose body is still going upstream
        self.pauses: set[str] = set()
        self.forwarded = 0  # the seq of the last request sent upstream
        self.idle_timer: asyncio.TimerHandle | None = None
        self.closed = False

    # ---- connection
    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.relay.connections.add(self)
        self._idle()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.relay.connections.discard(self)
        if self.idle_timer is not None:
            self.idle_timer.cancel()
        if self.upstream is not None:
            self.upstream.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.transport.close()

    def _idle(self) -> None:
        if self.relay.closing:
            self.close()
            return
        loop = asyncio.get_running_loop()
        self.idle_timer = loop.call_later(IDLE_TIMEOUT, self.close)

    def _pause(self, reason: str, on: bool) -> None:
        before = bool(self.pauses)
        (self.pauses.add if on else self.pauses.discard)(reason)
        if self.closed or before == bool(self.pauses):
            return
        (self.transport.pause_reading if self.pauses else self.transport.resume_reading)()

    def pause_writing(self) -> None:  # the client reads slower than the upstream answers
        if self.upstream is not None:
            self.upstream.pause(True)

    def resume_writing(self) -> None:
        if self.upstream is not None:
            self.upstream.pause(False)

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._refuse(b"501 Not Implemented", b"mmcontract proxy: protocol upgrades are not forwarded")
        except httptools.HttpParserError:
            self._refuse(b"400 Bad Request", b"mmcontract proxy: not a valid HTTP/1.1 request")

    def _refuse(self, status: bytes, message: bytes) -> None:
        if not self.queue:  # nothing in flight: say why before closing
            self.transport.write(_error_response(status, message))
        self.close()

    # ---- httptools callbacks
    def on_message_begin(self) -> None:
        if self.idle_timer is not None:
            self.idle_timer.cancel()
            self.idle_timer = None
        self.current = Request()

    def on_url(self, url: bytes) -> None:
        assert self.current is not None
        self.current.target += url

    def on_header(self, name: bytes, value: bytes) -> None:
        assert self.current is not None
        self.current.headers.append((name, value))

    def on_headers_complete(self) -> None:
        request, relay = self.current, self.relay
        assert request is not None
        if self.closed or self.parser.should_upgrade():  # refused (501) in data_received, not forwarded
            return
        request.method = self.parser.get_method()
        request.keep_alive = self.parser.should_keep_alive()
        request.http11 = self.parser.get_http_version() == "1.1"
        request.seq = relay.next_seq()
        request.started = time.time()
        target = request.target
        if not target.startswith(b"/") and b"://" in target:  # absolute-form: the path is what goes upstream
            parts = urlsplit(target.decode("latin-1"))
            target = (parts.path or "/").encode("latin-1") + (
                b"?" + parts.query.encode() if parts.query else b""
            )
            request.target = target
        request.url = relay.origin_bytes + target
        sized = chunked = False
        for name, value in request.headers:
            lower = name.lower()
            if lower == b"host":
                request.host = value
            elif lower == b"content-length":
                sized = True
            elif lower == b"transfer-encoding":
                chunked = True
        forwarded = _drop_hop_by_hop(request.headers)
        request.buffered = chunked and not sized
        request.head = _head(
            request.method + b" " + target + b" HTTP/1.1\r\n", [(b"Host", relay.host_header), *forwarded]
        )
        self.queue.append(request)
        if len(self.queue) > 1:
            self._pause("pipelined", True)  # later requests wait their turn: read no more meanwhile
        self._advance()

    def on_body(self, chunk: bytes) -> None:
        request = self.current
        assert request is not None
        request.body_size += len(chunk)
        if request.seq == self.forwarded and request is not self.sending:
            return  # answered, its upstream connection dropped (`finished`): the rest goes nowhere
        if request is self.sending and not request.buffered:
            self.upstream.send_body(chunk)  # type: ignore[union-attr]
            if request.body_size - len(chunk) >= MAX_JUDGED_BODY:
                request.kept_all = False
                return
        request.body.append(chunk)  # kept whole until it goes upstream; then up to MAX_JUDGED_BODY

    def on_message_complete(self) -> None:
        request = self.current
        assert request is not None
        request.complete = True
        self.current = None
        if request is self.sending:
            self.sending = None
            if request.buffered:
                self.upstream.send_buffered(request)  # type: ignore[union-attr]
            self._advance()
        if not self.queue and self.idle_timer is None:
            self._idle()

    # ---- forwarding
    def _advance(self) -> None:
        """Send the first waiting request upstream once the one before it is answered and wholly sent (an
        upstream that answers early still reads the rest of that body on the same connection)."""
        if not self.queue or self.queue[0].seq == self.forwarded or self.sending is not None or self.closed:
            return
        self._start(self.queue[0])

    def _start(self, request: Request) -> None:
        if self.upstream is None or self.upstream.lost:
            self.upstream = UpstreamSide(self)
            self.upstream.connect()
        self.forwarded = request.seq
        self.sending = None if request.complete else request
        self.upstream.send_request(request)

    def finished(self, request: Request, keep_upstream: bool) -> None:
        """The upstream's answer to `request` is complete and forwarded: on to the next one, or close."""
        self.queue.popleft()
        if not keep_upstream and self.upstream is not None:
            self.upstream.close()
            self.upstream = None
            self.sending = None  # the rest of its body has nowhere to go
            self._pause("upstream", False)  # nor its flow control: a closing connection may never drain
        if not request.keep_alive:
            self.close()
            return
        if len(self.queue) == 1:
            self._pause("pipelined", False)
        if self.queue:
            self._advance()
        elif self.current is None and self.idle_timer is None:
            self._idle()

    def failed(self, request: Request, why: str, answered: bool) -> None:
        """The upstream could not answer `request`: a 502 if nothing of an answer went out yet, else close."""
        if self.upstream is not None:
            self.upstream.close()
            self.upstream = None
        self._pause("upstream", False)  # it may have failed to connect, holding the client (see `_write`)
        if answered or self.closed:
            self.close()
            return
        self.transport.write(_error_response(b"502 Bad Gateway", f"mmcontract proxy: {why}".encode()[:300]))
        self.queue.popleft()
        if len(self.queue) <= 1:  # as in `finished`: what follows is read again (the queue may be empty here)
            self._pause("pipelined", False)
        self.sending = None
        if not request.keep_alive or not request.complete:
            self.close()
        elif self.queue:
            self._advance()
        elif self.idle_timer is None:
            self._idle()


def _error_response(status: bytes, message: bytes) -> bytes:
    import json

    body = json.dumps({"message": message.decode("utf-8", "replace")}).encode()
    return (
        _head(
            b"HTTP/1.1 " + status + b"\r\n",
            [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        )
        + body
    )


class UpstreamSide(asyncio.Protocol):
    """The client connection's own connection to the upstream: sends one request at a time, relays its answer."""

    def __init__(self, client: ClientSide) -> None:
        self.client = client
        self.relay = client.relay
        self.transport: Any = None
        self.parser = httptools.HttpResponseParser(self)
        self.outbox: list[bytes] = []  # written once connected
        self.lost = False
        self.reused = False  # an answer already came on this connection: a failure now may be a stale one
        self.request: Request | None = None
        self.paused = False
        self.head_answer: Request | None = None
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.kept: list[bytes] = []  # the body as the upstream sent it (de-chunked), for judging
        self.kept_size = 0
        self.held: list[bytes] | None = None  # a JSON answer held whole to rewrite its links
        self.held_size = 0
        self.head_sent = False
        self.chunked_out = False
        self.delimited_by_close = False
        self.keep_alive = False
        self.interim = False
        self.done = False

    # ---- connection
    def connect(self) -> None:
        relay = self.relay
        loop = asyncio.get_running_loop()
        connecting = loop.create_task(
            loop.create_connection(
                lambda: self,
                relay.host,
                relay.port,
                ssl=relay.ssl,
                server_hostname=relay.host if relay.ssl else None,
            )
        )
        connecting.add_done_callback(self._connected)

    def _connected(self, task: asyncio.Task[Any]) -> None:
        if task.cancelled() or task.exception() is not None:
            self.lost = True
            error = task.exception() if not task.cancelled() else None
            if self.request is not None:
                self.client.failed(self.request, f"cannot connect to the upstream: {error}", answered=False)

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        if self.lost or self.client.closed:
            transport.close()
            return
        self.client._pause("upstream", False)  # the transport's flow control takes over (see `_write`)
        if self.outbox:
            transport.writelines(self.outbox)
            self.outbox.clear()
        if self.paused:
            transport.pause_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        closed_here, self.lost = self.lost, True
        request = self.request
        if request is None or self.client.upstream is not self:
            return
        # the end of the body is the upstream's own clean close (not ours, the client gone; not a reset)
        if self.status and self.delimited_by_close and not self.done and exc is None and not closed_here:
            self.on_message_complete()
            return
        if self.reused and not self.status and request.replayable and not self.client.closed:
            self.client.upstream = None  # a keep-alive connection the upstream had closed: once more, afresh
            self.client._start(request)
            return
        self.client.failed(request, "the upstream closed the connection before answering", self.head_sent)

    def close(self) -> None:
        self.lost = True
        if self.transport is not None:
            self.transport.close()

    def pause(self, on: bool) -> None:
        self.paused = on
        if self.transport is not None and not self.lost:
            (self.transport.pause_reading if on else self.transport.resume_reading)()

    def pause_writing(self) -> None:  # the upstream reads slower than the client sends
        self.client._pause("upstream", True)

    def resume_writing(self) -> None:
        self.client._pause("upstream", False)

    def _write(self, data: bytes) -> None:
        if self.transport is None:
            self.outbox.append(data)
            self.client._pause("upstream", True)  # no flow control until connected: read the client no more
        elif not self.transport.is_closing():  # closed: nowhere to go (uvloop raises on a closed one)
            self.transport.write(data)

    # ---- sending
    def send_request(self, request: Request) -> None:
        self.request = request
        self._reset()
        if request.buffered:
            if request.complete:
                self.send_buffered(request)
            return
        self._write(request.head)
        for chunk in request.body:  # what arrived before it was this request's turn
            self._write(chunk)

    def send_body(self, chunk: bytes) -> None:
        self._write(chunk)

    def send_buffered(self, request: Request) -> None:
        body = request.body_bytes()
        head = request.head[:-2] + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
        self._write(head + body)

    # ---- httptools callbacks
    def data_received(self, data: bytes) -> None:
        if self.request is None:  # nothing asked: an upstream speaking out of turn is not relayed
            self.close()
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:  # a 101 nobody asked for: upgrade requests are never forwarded
            if self.request is not None:
                self.client.failed(self.request, "the upstream switched protocols unasked", self.head_sent)
            return
        except httptools.HttpParserError as exc:
            if self.request is not None:
                self.client.failed(
                    self.request, f"the upstream's answer is not HTTP/1.1 ({exc})", self.head_sent
                )
            return
        if self.head_answer is not None:
            # llhttp would wait for the body a HEAD answer's Content-Length announces: the answer is complete
            # here, and the next one starts on a fresh parser (one request at a time: nothing else is buffered)
            request, self.head_answer = self.head_answer, None
            self.parser = httptools.HttpResponseParser(self)
            if self.request is request and not self.done:
                self.on_message_complete()

    def on_status(self, reason: bytes) -> None:
        self.reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        request = self.request
        assert request is not None
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()  # asked now: after the message the parser has reset
        if 100 <= self.status < 200:  # an interim answer (100 Continue): relayed, the final one follows
            self.interim = True
            self.client.transport.write(self._response_head(self.headers))
            return
        sized = chunked = False
        json_body = False
        encoding = b""
        for name, value in self.headers:
            lower = name.lower()
            if lower == b"content-length":
                sized = True
            elif lower == b"transfer-encoding":
                chunked = True
            elif lower == b"content-type":
                json_body = b"json" in value.lower()
            elif lower == b"content-encoding":
                encoding = value.strip().lower()
        bodiless = request.method == b"HEAD" or self.status in NO_BODY_STATUSES
        self.delimited_by_close = not bodiless and not sized and not chunked
        # re-chunked towards the client; an HTTP/1.0 client gets it delimited by the close instead
        self.chunked_out = not bodiless and not sized and request.http11
        if not bodiless and not sized and not request.http11:
            request.keep_alive = False
        if (
            not bodiless
            and request.method == b"GET"
            and json_body
            and encoding in (b"", b"identity", b"gzip")
            and request.host is not None
        ):
            self.held = []
        else:
            self._send_head()
        if request.method == b"HEAD":
            self.head_answer = request

    def _response_head(self, headers: list[tuple[bytes, bytes]]) -> bytes:
        headers = _drop_hop_by_hop(headers)
        if self.request is not None and not self.request.keep_alive:
            headers.append((b"connection", b"close"))
        return _head(b"HTTP/1.1 %d %s\r\n" % (self.status, self.reason), headers)

    def _send_head(self) -> None:
        head = self._response_head(self.headers)
        if self.chunked_out:  # added after the hop-by-hop headers are dropped: it is one of them
            head = head[:-2] + b"transfer-encoding: chunked\r\n\r\n"
        self.client.transport.write(head)
        self.head_sent = True

    def on_body(self, chunk: bytes) -> None:
        if self.interim:
            return
        if self.kept_size < MAX_JUDGED_BODY:
            self.kept.append(chunk)
        self.kept_size += len(chunk)
        if self.held is not None:
            self.held.append(chunk)
            self.held_size += len(chunk)
            if self.held_size <= MAX_REWRITTEN_BODY:
                return
            held, self.held = self.held, None  # too large to hold: streamed unchanged from here on
            self._send_head()
            for part in held:
                self._send_chunk(part)
            return
        self._send_chunk(chunk)

    def _send_chunk(self, chunk: bytes) -> None:
        if self.chunked_out:
            self.client.transport.writelines((b"%x\r\n" % len(chunk), chunk, b"\r\n"))
        else:
            self.client.transport.write(chunk)

    def on_message_complete(self) -> None:
        if self.done:
            return
        if self.interim:
            self.interim = False
            self.status, self.reason, self.headers = 0, b"", []
            return
        self.done = True
        request = self.request
        assert request is not None
        body = b"".join(self.kept)  # as the upstream sent it
        if self.held is not None:
            self._send_held(body, request)
        elif self.chunked_out and self.head_sent:
            self.client.transport.write(b"0\r\n\r\n")
        self.reused = True
        self.request = None
        self.relay.feed.put(
            Raw(
                request.seq,
                request.started,
                time.time(),
                request.method,
                request.url,
                request.headers,
                request.judged_body(),
                self.status,
                self.headers,
                body,
            )
        )
        self.client.finished(request, keep_upstream=self.keep_alive and not self.delimited_by_close)

    def _send_held(self, raw: bytes, request: Request) -> None:
        """The held JSON answer, its upstream links moved to the proxy, with its own Content-Length."""
        body = raw
        relay = self.relay
        gzipped = any(
            k.lower() == b"content-encoding" and v.strip().lower() == b"gzip" for k, v in self.headers
        )
        plain = raw
        if gzipped and raw:
            try:
                plain = gzip.decompress(raw)
            except (OSError, EOFError):
                plain = b""
        if plain.find(relay.origin_bytes) >= 0 and relay.pattern.search(plain):
            proxy_origin = b"http://" + (request.host or b"")
            changed = relay.pattern.sub(lambda m: m.group(1) + proxy_origin, plain)
            body = gzip.compress(changed) if gzipped else changed
        headers = [
            (k, v) for k, v in self.headers if k.lower() not in (b"content-length", b"transfer-encoding")
        ]
        headers.append((b"content-length", b"%d" % len(body)))
        self.chunked_out = False
        self.client.transport.write(self._response_head(headers) + body)
        self.head_sent = True
