"""`mmcontract proxy`: a reverse proxy that forwards every exchange unchanged and judges it in the background.

Engine: the project's own stack, a bare ASGI app on uvicorn (httptools, uvloop), forwarding through a small
HTTP/1.1 client on asyncio streams and httptools (`traffic.upstream`: keep-alive pool, streamed request and
response bodies). uvicorn and httptools are already dependencies, what the reference server runs on; a proxy
library (mitmproxy) would add a large dependency tree and its own event loop and addon API for the same job;
httpx.AsyncClient was tried first and alone cost ~2 ms per request here (see traffic/upstream.py). No Starlette
routing on the hot path: one ASGI callable.

What is changed on the way: nothing, except `next`/`previous` links of a JSON answer that point at the
upstream, which are rewritten to the proxy's address (the address the client used, from its Host header) so
the client stays on the proxy; Content-Length follows the rewritten body. The exchange is judged as the
upstream sent it. Hop-by-hop headers are not forwarded (RFC 9110 7.6.1).

Judging runs in a separate process fed by a bounded queue: a response is never delayed by it, and judging
takes neither the proxy's event loop nor its GIL. When the queue is full, the exchange is forwarded but not
judged, and the run says so (incomplete). That process writes the reports (every --report-every seconds and
at the end) and its exit code is the proxy's.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import multiprocessing
import os
import queue
import re
import signal
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from mmcontract.traffic.exchange import Exchange
from mmcontract.traffic.session import Session
from mmcontract.traffic.upstream import Pool, UpstreamError

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
    }
)
MAX_JUDGED_BODY = 16 * 1024 * 1024  # a larger body is forwarded whole but kept only up to this for judging
MAX_REWRITTEN_BODY = 8 * 1024 * 1024
QUEUE_SIZE = 20_000
_STOP = "mmcontract-stop"


@dataclass
class ProxyState:
    upstream: httpx.URL  # http://host:port/api/v2
    queue: Any  # a multiprocessing queue to the judging process
    pool: Pool
    seq: int = 0
    dropped: int = 0

    @property
    def origin(self) -> str:
        return f"{self.upstream.scheme}://{self.netloc}"

    @property
    def netloc(self) -> str:
        return self.upstream.netloc.decode()


def _link_pattern(origin: str) -> re.Pattern[bytes]:
    escaped = re.escape(origin.encode())
    return re.compile(rb'("(?:next|previous)"\s*:\s*")' + escaped + rb"(?=[/\"?])")


def rewrite_links(body: bytes, origin: str, proxy_origin: str) -> bytes:
    """`next`/`previous` string values that start with the upstream's origin, moved to the proxy's."""
    return _link_pattern(origin).sub(lambda m: m.group(1) + proxy_origin.encode(), body)


class ProxyApp:
    """The ASGI callable: one request in, the same request to the upstream, its answer back."""

    def __init__(self, state: ProxyState) -> None:
        self.state = state
        self._pattern = _link_pattern(state.origin)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        state = self.state
        state.seq += 1
        seq = state.seq
        started = time.time()
        method = scope["method"]
        raw_path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string") or b""
        url = state.origin + raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        forwarded = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
        host = next((v for k, v in headers if k.lower() == "host"), None)
        request_body = bytearray()

        async def body_stream() -> AsyncIterator[bytes]:
            while True:
                message = await receive()
                chunk = message.get("body", b"")
                if chunk:
                    if len(request_body) < MAX_JUDGED_BODY:
                        request_body.extend(chunk)
                    yield chunk
                if not message.get("more_body"):
                    return

        sized = any(k.lower() == "content-length" for k, _ in headers)
        chunked = any(k.lower() == "transfer-encoding" for k, _ in headers)
        body: AsyncIterator[bytes] | bytes | None = body_stream() if sized else None
        if chunked and not sized:  # sent on with a Content-Length: the upstream need not take chunked bodies
            body = b"".join([chunk async for chunk in body_stream()])
        target = raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
        try:
            response = await state.pool.send(method, target, [("Host", state.netloc), *forwarded], body)
        except UpstreamError as exc:
            await _answer(send, 502, b'{"message": "mmcontract proxy: %s"}' % str(exc).encode()[:200])
            return
        try:
            out_headers = [(k, v) for k, v in response.headers if k.lower() not in HOP_BY_HOP]
            encoding = (response.header("content-encoding") or "").lower()
            kept = bytearray()
            rewrite = (
                host is not None
                and method == "GET"
                and "json" in (response.header("content-type") or "")
                and encoding in ("", "identity", "gzip")
                and int(response.header("content-length") or 0) <= MAX_REWRITTEN_BODY
            )
            if rewrite:
                raw = await response.read()
                plain = gzip.decompress(raw) if encoding == "gzip" and raw else raw
                kept.extend(plain[:MAX_JUDGED_BODY])
                if self._pattern.search(plain):
                    proxy_origin = f"{scope.get('scheme', 'http')}://{host}"
                    changed = rewrite_links(plain, state.origin, proxy_origin)
                    raw = gzip.compress(changed) if encoding == "gzip" else changed
                    out_headers = [(k, v) for k, v in out_headers if k.lower() != "content-length"]
                    out_headers.append(("content-length", str(len(raw))))
                await send(_start(response.status, out_headers))
                await send({"type": "http.response.body", "body": raw, "more_body": False})
            else:
                await send(_start(response.status, out_headers))
                async for chunk in response.chunks():
                    if len(kept) < MAX_JUDGED_BODY:
                        kept.extend(chunk)
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                if encoding == "gzip" and kept:
                    try:
                        kept = bytearray(gzip.decompress(bytes(kept)))
                    except (OSError, EOFError):
                        kept = bytearray()
        finally:
            response.abandon()
        judged_headers = tuple((k, v) for k, v in response.headers if k.lower() != "content-encoding")
        exchange = Exchange(
            seq=seq,
            method=method,
            url=url,
            request_headers=tuple(headers),
            request_body=bytes(request_body),
            status=response.status,
            response_headers=judged_headers,
            response_body=bytes(kept),
            started=started,
            finished=time.time(),
        )
        try:
            state.queue.put_nowait(exchange)
        except queue.Full:
            state.dropped += 1


def _start(status: int, headers: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "type": "http.response.start",
        "status": status,
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
    }


async def _answer(send: Any, status: int, body: bytes) -> None:
    await send(_start(status, [("content-type", "application/json"), ("content-length", str(len(body)))]))
    await send({"type": "http.response.body", "body": body, "more_body": False})


@dataclass
class ProxyOptions:
    upstream: str
    host: str
    port: int
    report_dir: Path | None
    har: Path | None
    report_every: float | None
    level: str


def write_outputs(session: Session, har: list[Exchange] | None, options: ProxyOptions) -> int:
    from mmcontract.report import write_reports
    from mmcontract.traffic.har import write_har

    result = session.result()
    if options.report_dir is not None:
        write_reports(result, options.report_dir)
    if options.har is not None and har is not None:
        write_har(options.har, har)
    return result.exit_code


def judge_process(exchanges: Any, options: ProxyOptions, target: str) -> None:
    """The judging process (its own interpreter, so judging never takes the proxy's CPU time or GIL): judge
    what comes, write the reports every --report-every seconds and at the stop marker, exit with the code."""
    import signal as signals

    from mmcontract.traffic.session import summary_line

    signals.signal(signals.SIGINT, signals.SIG_IGN)  # the proxy decides when judging ends
    with contextlib.suppress(OSError):
        os.nice(10)  # forwarding first: judging takes the CPU the proxied traffic leaves
    session = Session(target, level=options.level)  # type: ignore[arg-type]
    har: list[Exchange] | None = [] if options.har else None
    every = options.report_every
    due = time.monotonic() + every if every else None
    while True:
        try:
            item = exchanges.get(timeout=max(0.0, due - time.monotonic()) if due else None)
        except queue.Empty:
            item = None
        if isinstance(item, tuple) and item and item[0] == _STOP:
            session.dropped = int(item[1])
            break
        if isinstance(item, Exchange):
            session.add(item)
            if har is not None:
                har.append(item)
        if due is not None and time.monotonic() >= due:
            write_outputs(session, har, options)
            due = time.monotonic() + (every or 0)
    code = write_outputs(session, har, options)
    print(summary_line(session.result()), file=sys.stderr, flush=True)
    sys.exit(code)


def serve(options: ProxyOptions) -> int:
    """Run the proxy until SIGINT/SIGTERM; write the reports; return `run`'s exit code."""
    import uvicorn

    from mmcontract.errors import TargetUnreachable

    upstream = httpx.URL(options.upstream.rstrip("/"))
    try:
        httpx.get(str(upstream) + "/version/", timeout=10.0)
    except httpx.HTTPError as exc:
        raise TargetUnreachable(f"the upstream {upstream} does not answer ({type(exc).__name__})") from exc
    context = multiprocessing.get_context("spawn")
    exchanges = context.Queue(QUEUE_SIZE)
    judging = context.Process(
        target=judge_process, args=(exchanges, options, str(upstream)), name="mmcontract-judge", daemon=True
    )
    judging.start()
    port = upstream.port or (443 if upstream.scheme == "https" else 80)
    state = ProxyState(upstream, exchanges, Pool(upstream.host, port, upstream.scheme == "https"))
    config = uvicorn.Config(
        ProxyApp(state),
        host=options.host,
        port=options.port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        http="httptools",
        loop="uvloop",
        timeout_keep_alive=75,
    )
    server = _server_class()(config)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, server.stop)
        serving = asyncio.create_task(server.serve())
        while not server.started:
            if serving.done():
                await serving
                return
            await asyncio.sleep(0.02)
        sock = server.servers[0].sockets[0].getsockname()
        print(f"mmcontract proxy: listening on http://{sock[0]}:{sock[1]}{upstream.path}", flush=True)
        await serving
        state.pool.close()

    try:
        asyncio.run(main())
    finally:
        exchanges.put((_STOP, state.dropped))
        judging.join()
    if not server.started:
        raise TargetUnreachable(f"the proxy could not listen on {options.host}:{options.port}")
    return judging.exitcode if judging.exitcode in (0, 1) else 2


def _server_class() -> type:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server without its own signal handling (it re-raises SIGINT after shutdown): the proxy
        stops on SIGINT/SIGTERM, then writes its reports and exits with `run`'s code."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

        def stop(self) -> None:
            self.should_exit = True

    return Server
