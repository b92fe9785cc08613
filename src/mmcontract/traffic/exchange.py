"""One observed HTTP exchange (request, response, time order), whoever produced it: the proxy, a HAR file, or
the active suite. Nothing here judges; `traffic.judge` does.

`url` is the URL the request went to on the server (the proxy records the upstream URL it forwarded to), so
links a server sends can be matched against the requests that followed them. Bodies are kept whole (the
judgements need them); header values stay as sent and are redacted only where they are written out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from mmcontract.checks.violation import FILTERED, SENSITIVE_HEADERS
from mmcontract.traffic.memo import SharedJson, parse_json

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
Headers = tuple[tuple[str, str], ...]


@dataclass
class Exchange:
    seq: int  # 1, 2, ... in the order requests started
    method: str
    url: str  # absolute, on the server (upstream) the request went to
    request_headers: Headers
    request_body: bytes
    status: int
    response_headers: Headers
    response_body: bytes
    started: float  # seconds (any epoch: only the order and overlaps matter)
    finished: float
    operation: str | None = field(default=None, compare=False)  # "GET /registeredModels/" once routed
    path_params: dict[str, str] = field(default_factory=dict, compare=False)
    # set by the judging context before anything reads `body`: equal bytes then share one parse
    shared_json: SharedJson | None = field(default=None, compare=False, repr=False)

    @property
    def is_write(self) -> bool:
        return self.method.upper() in WRITE_METHODS

    def request_header(self, name: str) -> str | None:
        return _header(self.request_headers, name)

    def response_header(self, name: str) -> str | None:
        return _header(self.response_headers, name)

    @cached_property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(self.url).query, keep_blank_values=True)

    @cached_property
    def params(self) -> dict[str, str]:
        """Query parameters, the first value of each."""
        out: dict[str, str] = {}
        for key, value in self.query:
            out.setdefault(key, value)
        return out

    @cached_property
    def body(self) -> Any:
        """The response body as JSON (None when it is not JSON); shared with equal bodies, so never mutate it."""
        return self._json(self.response_body)

    @cached_property
    def request_json(self) -> Any:
        return self._json(self.request_body)

    def _json(self, raw: bytes) -> Any:
        return self.shared_json.parse(raw) if self.shared_json is not None else parse_json(raw)

    def label(self) -> str:
        """One line naming the exchange in a report, e.g. `#12 GET http://h/api/v2/registeredModels/ -> 200`."""
        return f"#{self.seq} {self.method} {self.url} -> {self.status}"

    def to_httpx(self) -> httpx.Response:
        """The exchange as an httpx response (with its request), for code that reads httpx objects."""
        request = self.to_httpx_request()
        headers = [(k, v) for k, v in self.response_headers if k.lower() != "content-encoding"]
        response = httpx.Response(self.status, headers=headers, content=self.response_body, request=request)
        response.elapsed = timedelta(seconds=max(0.0, self.finished - self.started))
        return response

    def to_httpx_request(self) -> httpx.Request:
        return httpx.Request(
            self.method, self.url, headers=list(self.request_headers), content=self.request_body
        )

    def curl(self) -> str:
        from mmcontract.checks.violation import curl_for

        # the request alone: a response would copy and read the whole body for nothing (once per finding)
        return curl_for(self.to_httpx_request())

    def excerpt(self) -> str:
        text = self.response_body.decode("utf-8", errors="replace")
        head = f"HTTP {self.status} {self.response_header('content-type') or ''}".rstrip()
        return f"{head}\n{text[:500]}{'...' if len(text) > 500 else ''}"


def _header(headers: Headers, name: str) -> str | None:
    lower = name.lower()
    return next((v for k, v in headers if k.lower() == lower), None)


def redacted_headers(headers: Headers) -> list[tuple[str, str]]:
    """Headers with credential values replaced; the scheme of Authorization is kept (`Token [Filtered]`)."""
    out = []
    for name, value in headers:
        if name.lower() in SENSITIVE_HEADERS:
            scheme = value.split(" ", 1)[0] if name.lower().endswith("authorization") and " " in value else ""
            value = f"{scheme} {FILTERED}".strip()
        out.append((name, value))
    return out


class Router:
    """Maps a request URL to the contract's operation ("METHOD /path/"), given the API's base path."""

    def __init__(self, document: dict[str, Any], base_path: str = "/api/v2") -> None:
        self.base_path = base_path.rstrip("/")
        self._routes: list[tuple[re.Pattern[str], str, tuple[str, ...], set[str]]] = []
        for path, item in document.get("paths", {}).items():
            names = tuple(re.findall(r"{([^}]+)}", path))
            pattern = re.sub(r"\\{[^}]+\\}", "([^/]+)", re.escape(path))
            methods = {m.upper() for m in item if m in {"get", "post", "put", "patch", "delete", "head"}}
            # fixed segments first: /modelPackages/fromLeaderboard/ before /modelPackages/{id}/
            self._routes.append((re.compile(f"^{pattern}$"), path, names, methods))
        self._routes.sort(key=lambda r: r[1].count("{"))

    def relative(self, url: str) -> str | None:
        path = urlsplit(url).path
        if self.base_path and not path.startswith(self.base_path + "/"):
            return None
        return path[len(self.base_path) :]

    def route(self, exchange: Exchange) -> None:
        rel = self.relative(exchange.url)
        if rel is None:
            return
        for pattern, path, names, methods in self._routes:
            found = pattern.match(rel) or (pattern.match(rel + "/") if not rel.endswith("/") else None)
            if found and exchange.method.upper() in methods:
                exchange.operation = f"{exchange.method.upper()} {path}"
                exchange.path_params = dict(zip(names, found.groups(), strict=True))
                return
