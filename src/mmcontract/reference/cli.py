"""`mmcontract serve`: run the reference server on uvicorn.

The API is served under http://HOST:PORT/api/v2/. Requests need `Authorization: Bearer TOKEN` (or
`Token TOKEN`). The token comes from --token, else the environment variable MMCONTRACT_SERVE_TOKEN, else
the development token `mmcontract-dev-token` (documented, for local use only). The token itself is never
printed.
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
import sys
from pathlib import Path

from mmcontract.errors import UsageError
from mmcontract.reference.app import DEV_TOKEN, TOKEN_ENV, create_app
from mmcontract.reference.faults import BY_NAME, FAULTS
from mmcontract.reference.store import StoreError
from mmcontract.reference.variants import VARIANTS
from mmcontract.reference.variants import parse as parse_variants


def default_db_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mmcontract" / "reference.db"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    parser.add_argument(
        "--db",
        default=None,
        help=f"SQLite file (default {default_db_path()}; ':memory:' keeps nothing); data persists across restarts",
    )
    parser.add_argument(
        "--token",
        default=None,
        help=f"API token clients must send (default: ${TOKEN_ENV}, else the development token '{DEV_TOKEN}')",
    )
    parser.add_argument(
        "--leaderboard-model-id",
        action="append",
        default=[],
        dest="leaderboard_model_ids",
        metavar="ID",
        help="an extra leaderboard model id fromLeaderboard accepts (repeatable; seeded ids are accepted too)",
    )
    parser.add_argument("--no-seed", action="store_true", help="start with no registered models or packages")
    parser.add_argument("--fault", metavar="NAME", help="switch on one injected defect (see --list-faults)")
    parser.add_argument("--list-faults", action="store_true", help="print the fault catalogue and exit")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        dest="variants",
        metavar="NAME[,NAME...]",
        help="switch on legal choices where the page is silent (repeatable; see --list-variants)",
    )
    parser.add_argument("--list-variants", action="store_true", help="print the variant catalogue and exit")
    parser.add_argument(
        "--access-log", action="store_true", help="log every request (off: it costs throughput)"
    )


def list_faults() -> str:
    width = max(len(f.name) for f in FAULTS)
    class_width = max(len(f.fault_class) for f in FAULTS)
    lines = [f"{'NAME'.ljust(width)}  {'CLASS'.ljust(class_width)}  DESCRIPTION"]
    lines += [f"{f.name.ljust(width)}  {f.fault_class.ljust(class_width)}  {f.description}" for f in FAULTS]
    return "\n".join(lines)


def list_variants() -> str:
    width = max(len(v.name) for v in VARIANTS)
    lines = [f"{'NAME'.ljust(width)}  DESCRIPTION / PAGE BASIS"]
    for v in VARIANTS:
        lines.append(f"{v.name.ljust(width)}  {v.description}")
        if v.includes:
            lines.append(f"{''.ljust(width)}  = {', '.join(v.includes)}")
        lines.append(f"{''.ljust(width)}  basis: {v.page_basis}")
    return "\n".join(lines)


def _print_safely(text: str) -> None:
    try:
        print(text, flush=True)
    except BrokenPipeError:  # `--list-... | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted sockets only then (else Nagle adds ~40 ms)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} on {host} is already in use; choose another with --port") from None
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def execute(args: argparse.Namespace) -> int:
    if args.list_faults:
        _print_safely(list_faults())
        return 0
    if args.list_variants:
        _print_safely(list_variants())
        return 0
    if args.fault is not None and args.fault not in BY_NAME:
        raise UsageError(f"unknown fault {args.fault!r}; `mmcontract serve --list-faults` lists them")
    try:
        variants = parse_variants(args.variants)
    except ValueError as exc:
        raise UsageError(f"{exc}; `mmcontract serve --list-variants` lists them") from None
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0..65535, got {args.port}")
    db = args.db
    if db is None:
        path = default_db_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create the data directory {path.parent}: {exc.strerror}") from None
        db = str(path)
    if args.token is not None:
        token, token_source = args.token, "--token"
    elif os.environ.get(TOKEN_ENV):
        token, token_source = os.environ[TOKEN_ENV], f"${TOKEN_ENV}"
    else:
        token, token_source = DEV_TOKEN, "the development default (set --token or $" + TOKEN_ENV + ")"
    if not token.strip() or any(c.isspace() for c in token):
        raise UsageError("the token must be non-empty and contain no whitespace")
    try:
        app = create_app(
            db=db,
            token=token,
            fault=args.fault,
            seed=not args.no_seed,
            leaderboard_model_ids=args.leaderboard_model_ids,
            variants=variants,
        )
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    sock = _bind(args.host, args.port)
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host

    import uvicorn

    config = uvicorn.Config(
        app,
        lifespan="off",
        log_level="warning",
        access_log=args.access_log,
        server_header=False,
    )
    server = uvicorn.Server(config)
    print(
        f"mmcontract serve: http://{host}:{port}/api/v2 (db {db}; fault {args.fault or 'none'}; "
        f"variants {','.join(sorted(variants)) or 'none'}; "
        f"token from {token_source})",
        flush=True,
    )
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        app.state.store.close()
    return 0
