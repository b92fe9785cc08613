"""Curl lines and response excerpts for failures; credentials never appear in either."""

from __future__ import annotations

import shlex
from typing import Any

FILTERED = "[Filtered]"
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})
# httpx adds these to every request; they only make the line longer
_NOISE_HEADERS = frozenset({"host", "accept-encoding", "connection", "user-agent", "content-length"})
EXCERPT_CHARS = 800


def curl_line(method: str, url: str, headers: Any = None, body: bytes | str | None = None) -> str:
    parts = ["curl", "-X", method.upper(), shlex.quote(url)]
    for name, value in (headers or {}).items():
        lower = name.lower()
        if lower in _NOISE_HEADERS:
            continue
        shown = FILTERED if lower in SENSITIVE_HEADERS else value
        parts += ["-H", shlex.quote(f"{name}: {shown}")]
    if body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        parts += ["-d", shlex.quote(text)]
    return " ".join(parts)


def curl_for_httpx(request: Any) -> str:
    """Curl line for an httpx.Request."""
    try:
        body = request.content
    except Exception:  # a streaming body that was not read
        body = None
    return curl_line(request.method, str(request.url), dict(request.headers), body)


def excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str | None:
    if text is None:
        return None
    return text if len(text) <= limit else text[:limit] + f"... ({len(text) - limit} more characters)"


def response_excerpt(response: Any) -> str | None:
    """`[status] body` of an httpx or requests response, cut to EXCERPT_CHARS."""
    if response is None:
        return None
    status = getattr(response, "status_code", None)
    try:
        content = getattr(response, "content", None)
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else response.text
    except Exception:
        text = "<unreadable body>"
    return excerpt(f"[{status}] {text}")


def strip_secret(text: str | None, secret: str | None) -> str | None:
    """Remove the exact token wherever it appears (a server echoing it, an error message quoting it)."""
    if text is None or not secret:
        return text
    return text.replace(secret, FILTERED)
