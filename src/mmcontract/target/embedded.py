"""The embedded reference server: started in this process when a run names no endpoint.

It listens on a free loopback port, keeps its data in memory (or a temp file), accepts a token generated for
this run and knows one leaderboard model id, so a run with writes can create resources on it.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mmcontract.errors import MMContractError

EMBEDDED_LEADERBOARD_MODEL_ID = "5d1f0c9e2c6b4f0001a1b2c3"  # 24 hex digits, the shape of a DataRobot id
STARTUP_TIMEOUT = 15.0


class EmbeddedServerError(MMContractError):
    pass


@dataclass
class EmbeddedServer:
    base_url: str
    token: str = field(repr=False)
    leaderboard_model_id: str
    _server: Any = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        # force_exit: do not wait for idle keep-alive connections (the suite's clients may hold some)
        self._server.force_exit = True
        self._server.should_exit = True
        self._thread.join(timeout=10)


def _build_app(
    token: str,
    fault: str | None,
    leaderboard_model_id: str,
    variants: frozenset[str] = frozenset(),
    seed: bool = True,
) -> Any:
    try:
        from mmcontract.reference.app import create_app
    except ImportError as exc:
        raise EmbeddedServerError(f"the embedded reference server is not available: {exc}") from None
    return create_app(
        db=":memory:",
        token=token,
        fault=fault,
        seed=seed,
        leaderboard_model_ids=[leaderboard_model_id],
        variants=variants,
    )


def start_embedded(
    fault: str | None = None,
    wrap: Callable[[Any], Any] | None = None,
    token: str | None = None,
    variants: frozenset[str] = frozenset(),
    seed: bool = True,
) -> EmbeddedServer:
    """Start the reference server on 127.0.0.1:<free port>; `wrap` may wrap the ASGI app (tests record
    requests this way); seed=False starts it empty (no registered models). Stop it with `.stop()`."""
    import uvicorn

    token = token or f"mmc-{secrets.token_hex(16)}"
    app = _build_app(token, fault, EMBEDDED_LEADERBOARD_MODEL_ID, variants, seed)
    if wrap is not None:
        app = wrap(app)
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted connections only for such sockets; without it
    # every keep-alive request waits ~40 ms for a delayed ACK
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="critical", access_log=False, lifespan="auto", timeout_keep_alive=30
    )
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # not the main thread
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="mmcontract-embedded", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            with contextlib.suppress(OSError):
                sock.close()
            raise EmbeddedServerError("the embedded reference server did not start")
        time.sleep(0.02)
    return EmbeddedServer(
        base_url=f"http://127.0.0.1:{port}/api/v2",
        token=token,
        leaderboard_model_id=EMBEDDED_LEADERBOARD_MODEL_ID,
        _server=server,
        _thread=thread,
    )
