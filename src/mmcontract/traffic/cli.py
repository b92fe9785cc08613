"""`mmcontract proxy` and `mmcontract check-traffic`: the judgements of `traffic.judge` on real traffic.

One module for both subcommands: `configure(parser)` adds the options of the subcommand the parser is for
(its prog ends with the subcommand's name), `execute(args)` runs it. Exit codes as `run`: 0 no server finding
at the level, 1 findings, 2 could not run (bad input, unreachable upstream, a file that is not HAR).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mmcontract.errors import UsageError
from mmcontract.report.model import LEVELS

DEFAULT_REPORT_DIR = Path("reports/traffic")


def _listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host or "127.0.0.1", int(port)


def _upstream(value: str) -> str:
    import httpx

    try:
        url = httpx.URL(value)
    except Exception as exc:
        raise argparse.ArgumentTypeError(f"not a URL: {value!r}") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise argparse.ArgumentTypeError(f"expected http(s)://HOST:PORT/api/v2, got {value!r}")
    return value.rstrip("/")


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {value!r}")
    return seconds


def configure(parser: argparse.ArgumentParser) -> None:
    common = parser.add_argument
    if parser.prog.endswith("proxy"):
        parser.description = (
            "a reverse proxy between a client and its server: forwards every exchange unchanged, judges both "
            "sides against the contract, writes the reports on exit (SIGINT/SIGTERM)"
        )
        common("--upstream", required=True, type=_upstream, help="the server, as http://HOST:PORT/api/v2")
        common(
            "--listen", type=_listen, default=("127.0.0.1", 8899), help="HOST:PORT (default 127.0.0.1:8899)"
        )
        common("--har", type=Path, help="record the exchanges as HAR 1.2 (tokens redacted)")
        common("--report-every", type=_seconds, help="also write the reports every SECONDS")
        parser.set_defaults(_traffic="proxy")
    else:
        parser.description = "judge recorded traffic (HAR 1.2: the proxy's, a browser's, mitmproxy's)"
        common("har_files", nargs="+", type=Path, metavar="FILE.har")
        common("--base-path", default="/api/v2", help="the API's base path in the recorded URLs")
        parser.set_defaults(_traffic="check-traffic")
    common("--level", choices=LEVELS, default="page", help="the level findings fail at (default page)")
    common("--report-dir", type=Path, default=DEFAULT_REPORT_DIR, help=f"default {DEFAULT_REPORT_DIR}")


def execute(args: argparse.Namespace) -> int:
    if args._traffic == "proxy":
        from mmcontract.traffic.proxy import ProxyOptions, serve

        host, port = args.listen
        options = ProxyOptions(
            args.upstream, host, port, args.report_dir, args.har, args.report_every, args.level
        )
        return serve(options)
    return check_traffic(
        args.har_files, level=args.level, report_dir=args.report_dir, base_path=args.base_path
    )


def check_traffic(files: list[Path], *, level: str, report_dir: Path | None, base_path: str) -> int:
    from urllib.parse import urlsplit

    from mmcontract.report import write_reports
    from mmcontract.traffic.har import read_har
    from mmcontract.traffic.session import Session, summary_line

    exchanges = []
    for path in files:
        exchanges += read_har(path, first_seq=len(exchanges) + 1)
    exchanges.sort(key=lambda e: (e.started, e.seq))
    target = next(
        (
            f"{p.scheme}://{p.netloc}{base_path}"
            for p in (urlsplit(e.url) for e in exchanges)
            if p.path.startswith(base_path.rstrip("/") + "/")
        ),
        None,
    )
    if target is None:
        raise UsageError(
            f"no request in {', '.join(map(str, files))} is under {base_path}/ (see --base-path)"
        )
    session = Session(target, level=level, profile="traffic")  # type: ignore[arg-type]
    for n, exchange in enumerate(exchanges, start=1):
        exchange.seq = n
        session.add(exchange)
    result = session.result()
    if report_dir is not None:
        write_reports(result, report_dir)
    print(summary_line(result), file=sys.stderr)
    return result.exit_code
