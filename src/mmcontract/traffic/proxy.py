"""`mmcontract proxy`: a reverse proxy that forwards every exchange unchanged and judges it in the background.

Engine: the project's own, on what the reference server already runs on (uvloop, httptools): `traffic.relay`
forwards HTTP/1.1 at the protocol level, each client connection paired with its own upstream connection. Measured
against the alternatives on the bench's targets (2 cores, wrk, medians of alternating runs): mitmproxy 11.0.2 in
reverse mode, even with its addons off, kept 0.04-0.15 of the direct throughput and added 0.9-1.1 ms at p50 at
one connection (6.4 ms at eight), CPU-bound at one core; an ASGI app on uvicorn with an asyncio-streams client
(this proxy's first version) kept 0.25-0.34; httpx.AsyncClient alone cost ~2 ms per request. The relay keeps
0.56-1.0 with judging on (four runs of `python -m mmcontract.bench --part proxy`).

Judging runs in a separate process (`judge_process`), fed through a pipe (`traffic.feed`): a response is never
delayed by it, and judging takes neither the proxy's event loop nor its GIL. The judging process runs at the
lowest CPU priority and gets the exchanges in the pauses of traffic (see `traffic.feed` for why). When the backlog is full
an exchange is forwarded but not judged, and the run says so (incomplete). It writes the reports (every
--report-every seconds and at the end) and its exit code is the proxy's.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from mmcontract.traffic.exchange import Exchange
from mmcontract.traffic.feed import FeedReader, FeedWriter
from mmcontract.traffic.relay import Relay, rewrite_links
from mmcontract.traffic.session import Session

__all__ = ["ProxyOptions", "rewrite_links", "serve"]
DRAIN_SECONDS = 10.0  # on SIGINT/SIGTERM, how long exchanges in flight may take to finish


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


def judge_process(feed_end: Any, options: ProxyOptions, target: str) -> None:
    """The judging process (its own interpreter, so judging never takes the proxy's CPU time or GIL): judge
    what comes, write the reports every --report-every seconds and at the stop marker, exit with the code."""
    from mmcontract.traffic.session import summary_line

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the proxy decides when judging ends
    _lowest_priority()
    session = Session(target, level=options.level)  # type: ignore[arg-type]
    har: list[Exchange] | None = [] if options.har else None
    every = options.report_every
    due = time.monotonic() + every if every else None
    feed = FeedReader(feed_end.fileno())
    while not feed.stopped:
        for exchange in feed.read(max(0.0, due - time.monotonic()) if due else None):
            session.add(exchange)
            if har is not None:
                har.append(exchange)
        if due is not None and time.monotonic() >= due:
            write_outputs(session, har, options)
            due = time.monotonic() + (every or 0)
    session.dropped = feed.dropped
    code = write_outputs(session, har, options)
    print(summary_line(session.result()), file=sys.stderr, flush=True)
    sys.exit(code)


def _lowest_priority() -> None:
    """Forwarding first: judging runs on the CPU time nothing else wants (SCHED_IDLE where Linux has it)."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        with contextlib.suppress(OSError):
            os.nice(19)


def serve(options: ProxyOptions) -> int:
    """Run the proxy until SIGINT/SIGTERM; write the reports; return `run`'s exit code."""
    from mmcontract.errors import TargetUnreachable

    upstream = httpx.URL(options.upstream.rstrip("/"))
    try:
        httpx.get(str(upstream) + "/version/", timeout=10.0)
    except httpx.HTTPError as exc:
        raise TargetUnreachable(f"the upstream {upstream} does not answer ({type(exc).__name__})") from exc
    context = multiprocessing.get_context("spawn")
    reader, writer = context.Pipe(duplex=False)  # a plain pipe; multiprocessing hands the read end over
    judging = context.Process(
        target=judge_process, args=(reader, options, str(upstream)), name="mmcontract-judge", daemon=True
    )
    judging.start()
    reader.close()
    try:
        listening = _forward(upstream, os.dup(writer.fileno()), options)
    finally:
        writer.close()
        judging.join()
    if not listening:
        raise TargetUnreachable(f"the proxy could not listen on {options.host}:{options.port}")
    if judging.exitcode not in (0, 1):
        print(
            f"mmcontract proxy: error: the judging process ended with {judging.exitcode}: the reports may be "
            "missing or incomplete",
            file=sys.stderr,
        )
        return 2
    return int(judging.exitcode)


def _forward(upstream: httpx.URL, feed_fd: int, options: ProxyOptions) -> bool:
    """Forward until SIGINT/SIGTERM, then let exchanges in flight finish (up to DRAIN_SECONDS) and hand the
    judging process what is left; False when the listening address cannot be had."""
    import uvloop

    async def main() -> bool:
        loop = asyncio.get_running_loop()
        feed = FeedWriter(feed_fd, loop, max_wait=options.report_every)
        port = upstream.port or (443 if upstream.scheme == "https" else 80)
        relay = Relay(upstream.scheme, upstream.host, port, upstream.netloc.decode(), feed)
        try:
            try:
                server = await loop.create_server(
                    lambda: ClientSide(relay), options.host, options.port, reuse_address=True
                )
            except OSError:
                return False
            stop = asyncio.Event()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            host, port_ = server.sockets[0].getsockname()[:2]
            shown = f"[{host}]" if ":" in host else host
            print(f"mmcontract proxy: listening on http://{shown}:{port_}{upstream.path}", flush=True)
            await stop.wait()
            server.close()
            relay.closing = True
            deadline = loop.time() + DRAIN_SECONDS
            for connection in list(relay.connections):
                if not connection.queue:
                    connection.close()
            while relay.connections and loop.time() < deadline:
                await asyncio.sleep(0.05)
            for connection in list(relay.connections):
                connection.close()
            return True
        finally:
            feed.close()

    from mmcontract.traffic.relay import ClientSide

    return uvloop.run(main())
