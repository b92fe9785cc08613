"""The one failure type of the semantic checks, and the curl line that reproduces it.

A check raises `ContractViolation` with a stable MM code, the basis that requires the behaviour (a quote from
the reference page, or a recorded `x-doc-gap` decision of the contract), Expected/Actual, and the response
that showed it. The runner turns it into a `report.model.Failure`. `NotApplicable` says that a check had
nothing to look at on this target (e.g. a list too short to order): the test skips with that reason.
"""

from __future__ import annotations

import shlex

import httpx

from mmcontract.checks.catalogue import info

# Headers whose values are credentials: never printed, whatever the prefix (Bearer/Token).
SENSITIVE_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization", "x-api-key"})
FILTERED = "[Filtered]"


class ContractViolation(AssertionError):
    """A target broke a documented (or contract-recorded) behaviour."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        basis: str,
        expected: object = None,
        actual: object = None,
        response: httpx.Response | None = None,
    ) -> None:
        self.code = code
        self.title = info(code).title
        self.family = info(code).family
        self.message = message
        self.basis = basis
        self.expected = None if expected is None else str(expected)
        self.actual = None if actual is None else str(actual)
        self.response = response
        super().__init__(self._render())

    @property
    def curl(self) -> str | None:
        if self.response is None:
            return None
        return curl_for(self.response.request)

    @property
    def response_excerpt(self) -> str | None:
        if self.response is None:
            return None
        text = self.response.text
        head = f"HTTP {self.response.status_code} {self.response.headers.get('content-type', '')}".rstrip()
        return f"{head}\n{text[:500]}{'...' if len(text) > 500 else ''}"

    def _render(self) -> str:
        lines = [f"{self.code} {self.title}: {self.message}", f"Basis: {self.basis}"]
        if self.expected is not None:
            lines.append(f"Expected: {self.expected}")
        if self.actual is not None:
            lines.append(f"Actual: {self.actual}")
        if self.response is not None:
            lines.append(f"Reproduce with: {self.curl}")
        return "\n".join(lines)


class NotApplicable(Exception):
    """The target holds nothing this check can look at; the message says what was missing."""


def status_line(response: httpx.Response) -> str:
    """What a server answered, for an Actual line: the status, then the start of the body if it has one."""
    body = response.text[:200]
    return f"HTTP {response.status_code}: {body}" if body else f"HTTP {response.status_code}"


def curl_for(request: httpx.Request) -> str:
    """A curl command line for `request`, with credential headers replaced by `[Filtered]`."""
    parts = ["curl", "-X", request.method]
    for raw_name, raw_value in request.headers.raw:
        name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
        lower = name.lower()
        if lower in {"host", "content-length", "accept-encoding", "connection", "user-agent"}:
            continue
        if lower in SENSITIVE_HEADERS:
            value = FILTERED
        parts += ["-H", f"{name}: {value}"]
    body = request.content if hasattr(request, "_content") else b""
    if body:
        parts += ["-d", body.decode("utf-8", errors="replace")]
    parts.append(str(request.url))
    return " ".join(shlex.quote(p) for p in parts)
