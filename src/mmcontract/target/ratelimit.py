"""429 with Retry-After is respected: wait as told (bounded), then send again."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import httpx

MAX_RETRIES = 3
MAX_WAIT = 30.0  # seconds; a longer Retry-After is cut to this


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After value (delay-seconds or HTTP-date), clamped to [0, MAX_WAIT]."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return max(0.0, min(MAX_WAIT, seconds))


class RetryAfterTransport(httpx.BaseTransport):
    """An httpx transport that waits out 429 + Retry-After, at most MAX_RETRIES times per request."""

    def __init__(self, inner: httpx.BaseTransport | None = None) -> None:
        self._inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for _ in range(MAX_RETRIES):
            response = self._inner.handle_request(request)
            delay = (
                retry_after_seconds(response.headers.get("Retry-After"))
                if response.status_code == 429
                else None
            )
            if delay is None:
                return response
            response.read()
            response.close()
            time.sleep(delay)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()
