"""Parsing and validation of query parameters and JSON bodies, written from the reference page (never from
the YAML contract), and the error every handler raises for bad input.

Every error names the field: `{"message": "...", "errors": {"limit": "..."}}`.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl

# Page sizes (the page is silent): the default page and the largest page served. A larger `limit` is
# capped ("at most this many results are returned"), and `limit=0` means "no explicit limit": the largest page.
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_LOG_LIMIT = 100  # ModelPackageModelLogsListResponse.data has maxItems 100
MAX_BODY_BYTES = 1 << 20

# Where bad input goes: query parameters get 400 ("Request invalid" on the page), bodies 422 ("Unable to
# process" on the page).
QUERY_ERROR = 400
BODY_ERROR = 422

_INT = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_DATETIME = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ](?P<time>[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?)"
    r"(?P<tz>[Zz]|[+\- ][0-9]{2}(:?[0-9]{2})?)?"
)
BOOLEANS = {"true": True, "True": True, "false": False, "False": False}


class ApiError(Exception):
    """A 4xx answer: status, a one-line message, and {field: what is wrong}."""

    def __init__(self, status: int, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


def query_error(field: str, problem: str) -> ApiError:
    return ApiError(QUERY_ERROR, f"Invalid query parameter {field!r}: {problem}", {field: problem})


def body_error(field: str, problem: str) -> ApiError:
    return ApiError(BODY_ERROR, f"Invalid field {field!r}: {problem}", {field: problem})


class Query:
    """The query string of one request: the pairs in order (for next/previous links) and typed getters."""

    __slots__ = ("pairs", "values", "variants")

    def __init__(self, raw: bytes, variants: frozenset[str] = frozenset()) -> None:
        self.variants = variants
        text = raw.decode("latin-1")
        self.pairs: list[tuple[str, str]] = (
            parse_qsl(text, keep_blank_values=True, errors="replace") if text else []
        )
        self.values: dict[str, list[str]] = {}
        for key, value in self.pairs:
            self.values.setdefault(key, []).append(value)

    def raw(self, name: str) -> str | None:
        values = self.values.get(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        """Every value of a list-like parameter, repeated (`a=1&a=2`) or comma-separated (`a=1,2`)."""
        out: list[str] = []
        for value in self.values.get(name, []):
            out.extend(part for part in value.split(",") if part)
        return out

    def string(self, name: str) -> str | None:
        """A free-text/id filter; empty means absent."""
        value = self.raw(name)
        return value if value else None

    def integer(self, name: str, default: int, *, maximum: int | None = None) -> int:
        value = self.raw(name)
        if value is None:
            return default
        if not _INT.fullmatch(value):
            raise query_error(name, f"expected an integer, got {value[:80]!r}")
        number = int(value)
        if number < 0:
            raise query_error(name, f"must be >= 0, got {number}")
        if maximum is not None and number > maximum:
            raise query_error(name, f"must be <= {maximum}, got {number}")
        return number

    def boolean(self, name: str) -> bool | None:
        value = self.raw(name)
        if value is None:
            return None
        if value not in BOOLEANS:
            raise query_error(name, f"expected one of true, false, True, False, got {value[:80]!r}")
        return BOOLEANS[value]

    def enum(self, name: str, allowed: tuple[str, ...]) -> str | None:
        value = self.raw(name)
        if value is None:
            return None
        if value not in allowed:
            if "unknown-query-values-ignored" in self.variants:
                return None  # the variant: an unknown value is read as an absent parameter
            raise query_error(name, f"expected one of {', '.join(allowed)}, got {value[:80]!r}")
        return value

    def number(self, name: str, minimum: float | None = None, maximum: float | None = None) -> float | None:
        value = self.raw(name)
        if value is None:
            return None
        if not _NUMBER.fullmatch(value):
            raise query_error(name, f"expected a number, got {value[:80]!r}")
        number = float(value)
        if not math.isfinite(number):
            raise query_error(name, f"expected a finite number, got {value[:80]!r}")
        if minimum is not None and number < minimum:
            raise query_error(name, f"must be >= {minimum}, got {value}")
        if maximum is not None and number > maximum:
            raise query_error(name, f"must be <= {maximum}, got {value}")
        return number

    def timestamp(self, name: str, *, drop_offset: bool = False) -> float | None:
        """A date-time: RFC 3339 (`Z` or a numeric offset) or the naive isoformat() the official client sends
        (read as UTC). A `+` that arrived unescaped (decoded as a space) is read as `+`."""
        value = self.raw(name)
        if value is None:
            return None
        match = _DATETIME.fullmatch(value)
        if match is None:
            raise query_error(name, f"expected an RFC 3339 date-time, got {value[:80]!r}")
        try:
            moment = datetime.fromisoformat(f"{match['date']}T{match['time']}")
        except ValueError as exc:
            raise query_error(name, f"invalid date-time {value[:80]!r}: {exc}") from None
        tz_text = match["tz"]
        tz: timezone = UTC
        if tz_text and tz_text not in ("Z", "z") and not drop_offset:
            sign = -1 if tz_text[0] == "-" else 1
            digits = tz_text[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:] or 0)
            if hours > 23 or minutes > 59:
                raise query_error(name, f"invalid UTC offset in {value[:80]!r}")
            tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
        try:
            return moment.replace(tzinfo=tz).timestamp()
        except (OverflowError, ValueError):
            raise query_error(name, f"date-time out of range: {value[:80]!r}") from None

    def page(
        self, *, maximum: int = MAX_LIMIT, default_limit: int | None = None, documented_400: bool = False
    ) -> tuple[int, int]:
        """(offset, effective limit): limit 0 and limits above `maximum` serve `maximum` items.

        `default_limit` is a documented default (features: 0); None means the page states none. Variants
        (variants.py) change the default and largest page, refuse a limit above it, or serve limit=0 empty;
        `documented_400`: the operation documents 400 for an invalid request, so a refusal is 400 there."""
        variants = self.variants
        if "page-max-50" in variants:
            maximum = min(maximum, 50)
        if default_limit is None:
            default_limit = min(20 if "page-default-20" in variants else DEFAULT_LIMIT, maximum)
        offset = self.integer("offset", 0)
        limit = self.integer("limit", default_limit)
        explicit = self.raw("limit") is not None
        if explicit and limit > maximum:
            problem = f"must be <= {maximum}, got {limit}"
            if "limit-over-max-422" in variants and not documented_400:
                raise ApiError(422, f"Invalid query parameter 'limit': {problem}", {"limit": problem})
            if "limit-over-max-rejected" in variants:
                raise query_error("limit", problem)
        if explicit and limit == 0 and default_limit != 0 and "limit-zero-empty" in variants:
            return offset, 0
        return offset, min(limit or maximum, maximum)


def parse_json_body(raw: bytes, content_type: str | None, *, required: bool) -> Any:
    """The decoded JSON body; None when there is none and it is optional. Raises ApiError(415/422)."""
    if not raw.strip():
        if required:
            raise ApiError(BODY_ERROR, "A JSON request body is required", {"body": "missing"})
        return None
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != "application/json" and not (media.startswith("application/") and media.endswith("+json")):
        raise ApiError(
            415,
            f"Unsupported Content-Type {media or '(none)'!r}: send application/json",
            {"Content-Type": "expected application/json"},
        )
    try:
        text = raw.decode("utf-8")
        return json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ApiError(
            BODY_ERROR, f"Malformed JSON body: {str(exc)[:200]}", {"body": "not valid JSON"}
        ) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# ---- body field validators --------------------------------------------------------------------------
_MISSING = object()


def field(body: dict[str, Any], name: str) -> Any:
    return body.get(name, _MISSING)


def is_missing(value: Any) -> bool:
    return value is _MISSING


def want_string(
    name: str, value: Any, *, nullable: bool = False, max_length: int | None = None
) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise body_error(name, f"expected a string{' or null' if nullable else ''}, got {_kind(value)}")
    if max_length is not None and len(value) > max_length:
        raise body_error(name, f"must be at most {max_length} characters, got {len(value)}")
    return value


def want_bool(name: str, value: Any, *, nullable: bool = False) -> bool | None:
    if value is None and nullable:
        return None
    if not isinstance(value, bool):
        raise body_error(name, f"expected a boolean{' or null' if nullable else ''}, got {_kind(value)}")
    return value


def want_number(
    name: str, value: Any, *, minimum: float | None = None, maximum: float | None = None
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise body_error(name, f"expected a number, got {_kind(value)}")
    if minimum is not None and value < minimum:
        raise body_error(name, f"must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise body_error(name, f"must be <= {maximum}, got {value}")
    return float(value)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
    }.get(type(value), type(value).__name__)
