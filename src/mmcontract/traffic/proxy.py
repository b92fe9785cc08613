"""`mmcontract proxy`: a reverse proxy that forwards every exchange unchanged and judges it in the background.

Engine: the project's own stack, a bare ASGI app on uvicorn (httptools, uvloop) forwarding with an
`httpx.AsyncClient` (keep-alive pool, streamed request and response bodies). Both are already dependencies and
already what the reference server runs on; a proxy library (mitmproxy) would add a large dependency and its own
event loop for the same ~150 lines. No Starlette routing on the hot path: one ASGI callable.

What is changed on the way: nothing, except `next`/`previous` links of a JSON answer that point at the
upstream, which are rewritten to the proxy's address (the address the client used, from its Host header) so
the client stays on the proxy; Content-Length follows the rewritten body. The exchange is judged as the
upstream sent it. Hop-by-hop headers are not forwarded (RFC 9110 7.6.1).

Judging runs in a thread fed by a bounded queue: a response is never delayed by it. When the queue is full,
the exchange is forwarded but not judged, and the run says so (incomplete).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import queue
import re
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from mmcontract.traffic.exchange import Exchange
from mmcontract.traffic.session import Session

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
_STOP = object()


@dataclass
class ProxyState:
    upstream: httpx.URL  # http://host:port/api/v2
    session: Session
    har: list[Exchange] | None = None
    queue: queue.Queue[Any] = field(default_factory=lambda: queue.Queue(QUEUE_SIZE))
    seq: int = 0
    client: httpx.AsyncClient | None = None

    @property
    def origin(self) -> str:
        return f"{self.upstream.scheme}://{self.upstream.netloc.decode()}"


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
        assert state.client is not None
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

        has_body = any(k.lower() in ("content-length", "transfer-encoding") for k, _ in headers)
        request = state.client.build_request(
            method, url, headers=forwarded, content=body_stream() if has_body else None
        )
        try:
            response = await state.client.send(request, stream=True)
        except httpx.HTTPError as exc:
            await _answer(
                send,
                502,
                b'{"message": "mmcontract proxy: the upstream did not answer (%s)"}'
                % type(exc).__name__.encode(),
            )
            return
        try:
            out_headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in HOP_BY_HOP]
            encoding = (response.headers.get("content-encoding") or "").lower()
            kept = bytearray()
            rewrite = (
                host is not None
                and method == "GET"
                and "json" in (response.headers.get("content-type") or "")
                and encoding in ("", "identity", "gzip")
                and int(response.headers.get("content-length") or 0) <= MAX_REWRITTEN_BODY
            )
            if rewrite:
                raw = await response.aread()
                plain = gzip.decompress(raw) if encoding == "gzip" and raw else raw
                kept.extend(plain[:MAX_JUDGED_BODY])
                if self._pattern.search(plain):
                    proxy_origin = f"{scope.get('scheme', 'http')}://{host}"
                    changed = rewrite_links(plain, state.origin, proxy_origin)
                    raw = gzip.compress(changed) if encoding == "gzip" else changed
                    out_headers = [(k, v) for k, v in out_headers if k.lower() != "content-length"]
                    out_headers.append(("content-length", str(len(raw))))
                await send(_start(response.status_code, out_headers))
                await send({"type": "http.response.body", "body": raw, "more_body": False})
            else:
                await send(_start(response.status_code, out_headers))
                async for chunk in response.aiter_raw():
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
            await response.aclose()
        judged_headers = tuple(
            (k, v) for k, v in response.headers.multi_items() if k.lower() != "content-encoding"
        )
        exchange = Exchange(
            seq=seq,
            method=method,
            url=url,
            request_headers=tuple(headers),
            request_body=bytes(request_body),
            status=response.status_code,
            response_headers=judged_headers,
            response_body=bytes(kept),
            started=started,
            finished=time.time(),
        )
        try:
            state.queue.put_nowait(exchange)
        except queue.Full:
            state.session.dropped += 1


def _start(status: int, headers: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "type": "http.response.start",
        "status": status,
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
    }


async def _answer(send: Any, status: int, body: bytes) -> None:
    await send(_start(status, [("content-type", "application/json"), ("content-length", str(len(body)))]))
    await send({"type": "http.response.body", "body": body, "more_body": False})


def judge_forever(state: ProxyState) -> None:
    """The judging thread: take exchanges off the queue until the stop marker."""
    while True:
        item = state.queue.get()
        if item is _STOP:
            return
        try:
            state.session.add(item)
        except Exception as exc:  # a judgement bug must not stop the proxy; the run says it could not judge
            message = f"an exchange could not be judged: {type(exc).__name__}: {exc}"
            if message not in state.session.incomplete:
                state.session.incomplete.append(message)
        if state.har is not None:
            state.har.append(item)


@dataclass
class ProxyOptions:
    upstream: str
    host: str
    port: int
    report_dir: Path | None
    har: Path | None
    report_every: float | None
    level: str


def write_outputs(state: ProxyState, options: ProxyOptions) -> int:
    from mmcontract.report import write_reports
    from mmcontract.traffic.har import write_har

    result = state.session.result()
    if options.report_dir is not None:
        write_reports(result, options.report_dir)
    if options.har is not None and state.har is not None:
        write_har(options.har, list(state.har))
    return result.exit_code


def serve(options: ProxyOptions) -> int:
    """Run the proxy until SIGINT/SIGTERM; write the reports; return `run`'s exit code."""
    import uvicorn

    from mmcontract.errors import TargetUnreachable
    from mmcontract.traffic.session import summary_line

    upstream = httpx.URL(options.upstream.rstrip("/"))
    try:
        httpx.get(str(upstream) + "/version/", timeout=10.0)
    except httpx.HTTPError as exc:
        raise TargetUnreachable(f"the upstream {upstream} does not answer ({type(exc).__name__})") from exc
    session = Session(str(upstream), level=options.level)  # type: ignore[arg-type]
    state = ProxyState(upstream, session, har=[] if options.har else None)
    judge_thread = threading.Thread(target=judge_forever, args=(state,), name="mmcontract-judge", daemon=True)
    judge_thread.start()
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
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=64, keepalive_expiry=60)
        async with httpx.AsyncClient(timeout=httpx.Timeout(None, connect=10.0), limits=limits) as client:
            state.client = client
            serving = asyncio.create_task(server.serve())
            while not server.started:
                if serving.done():
                    await serving
                    return
                await asyncio.sleep(0.02)
            sock = server.servers[0].sockets[0].getsockname()
            print(f"mmcontract proxy: listening on http://{sock[0]}:{sock[1]}{upstream.path}", flush=True)
            periodic = asyncio.create_task(_every(options, state)) if options.report_every else None
            await serving
            if periodic:
                periodic.cancel()

    asyncio.run(main())
    if not server.started:
        raise TargetUnreachable(f"the proxy could not listen on {options.host}:{options.port}")
    state.queue.put(_STOP)
    judge_thread.join()
    code = write_outputs(state, options)
    print(summary_line(state.session.result()), file=sys.stderr, flush=True)
    return code


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


async def _every(options: ProxyOptions, state: ProxyState) -> None:
    assert options.report_every
    while True:
        await asyncio.sleep(options.report_every)
        await asyncio.to_thread(write_outputs, state, options)
