"""Behaviour under trouble: 429 + Retry-After is waited out, a slow response is a failure (not a hang)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from runner_helpers import options_for

from mmcontract.runner import run
from mmcontract.target.embedded import start_embedded
from mmcontract.target.ratelimit import MAX_WAIT, RetryAfterTransport, retry_after_seconds

CAPABILITIES = "GET /modelPackages/{modelPackageId}/capabilities/"


def test_retry_after_values() -> None:
    assert retry_after_seconds("2") == 2.0
    assert retry_after_seconds("-3") == 0.0
    assert retry_after_seconds("99999") == MAX_WAIT
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_429_with_retry_after_is_waited_out() -> None:
    calls: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": "0.2"})
        return httpx.Response(200, json={"ok": True})

    client = httpx.Client(transport=RetryAfterTransport(httpx.MockTransport(handler)))
    response = client.get("http://127.0.0.1/api/v2/registeredModels/")
    assert response.status_code == 200
    assert len(calls) == 2
    assert calls[1] - calls[0] >= 0.2


class SlowCapabilities:
    """ASGI middleware: the capabilities of a model package take longer than the run's request timeout."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.app: Any = None

    def wrap(self, app: Any) -> SlowCapabilities:
        self.app = app
        return self

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/capabilities/"):
            await asyncio.sleep(self.delay)
        await self.app(scope, receive, send)


def test_a_slow_response_is_a_failure_not_a_hang() -> None:
    server = start_embedded(wrap=SlowCapabilities(delay=3).wrap)
    started = time.monotonic()
    try:
        result = run(
            options_for(server, seed=1, request_timeout=1, operations=(CAPABILITIES,), checks=("ST112",))
        )
    finally:
        server.stop()
    assert result.exit_code == 1
    timeouts = [f for f in result.failures if f.check == "ST112"]
    assert timeouts and timeouts[0].operation == CAPABILITIES
    assert "curl" in (timeouts[0].curl or "")
    assert time.monotonic() - started < 60
