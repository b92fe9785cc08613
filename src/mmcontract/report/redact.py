"""Keep credentials out of everything the tool writes or prints.

`redact(text)` is the one place that knows what a secret looks like. Every report writer runs it on each
string it emits, and the runner can `register_secret(token)` so the exact token is removed wherever it
appears, even in a shape no pattern anticipates (a response echoing it, a URL, an error message).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any, TypeVar

FILTERED = "[Filtered]"

_secrets: set[str] = set()

# "Authorization: Bearer x" in headers, curl lines and repr()s; up to the end of the quoted or line value.
_AUTH_HEADER = re.compile(
    r"""(?P<key>\b(?:proxy-)?authorization\b["']?\s*[:=]\s*["']?)(?P<value>[^"'\r\n,}\]]+)""",
    re.IGNORECASE,
)
# "Bearer x" / "Token x" anywhere: the value must look like a credential (a digit in it, or long), so that
# prose such as "token expired" survives.
_SCHEME_VALUE = re.compile(
    r"""(?P<key>\b(?:bearer|token)\s+)(?P<value>(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{6,}|[A-Za-z0-9._~+/=-]{16,})""",
    re.IGNORECASE,
)
# Secrets in query strings, env assignments ("token=x") and JSON/YAML keys ('"token": "x"').
_NAMES = r"datarobot_api_token|api[_-]?token|api[_-]?key|access[_-]?token|password|secret|token"
_KEY_VALUE = re.compile(
    rf"""(?P<key>\b(?:{_NAMES})=|["'](?:{_NAMES})["']\s*:\s*["']?|\b(?:datarobot_api_token|api[_-]?token|access[_-]?token):\s*)"""
    r"""(?P<value>[^\s"'&,;}\]]+)""",
    re.IGNORECASE,
)


def register_secret(secret: str | None) -> None:
    """Remember a secret (the run's token) so that every later `redact` removes it verbatim."""
    if secret and len(secret) >= 4:
        _secrets.add(secret)


def clear_secrets() -> None:
    _secrets.clear()


def _filter_value(match: re.Match[str]) -> str:
    value = match.group("value")
    if value.startswith("[Filtered") or value.strip() == "":
        return match.group(0)
    return match.group("key") + FILTERED


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return `text` with tokens, Authorization values and registered secrets replaced by [Filtered]."""
    if not text:
        return text
    for secret in sorted({*_secrets, *(s for s in secrets if s and len(s) >= 4)}, key=len, reverse=True):
        text = text.replace(secret, FILTERED)
    text = _AUTH_HEADER.sub(_filter_value, text)
    text = _SCHEME_VALUE.sub(_filter_value, text)
    text = _KEY_VALUE.sub(_filter_value, text)
    return text


T = TypeVar("T")


def redact_all(value: T, secrets: Iterable[str] = ()) -> T:
    """Deep copy of a dataclass / dict / list structure with `redact` applied to every string in it."""
    secrets = tuple(secrets)
    return _redact_any(value, secrets)


def _redact_any(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return redact(value, secrets)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _redact_any(getattr(value, f.name), secrets) for f in dataclasses.fields(value) if f.init
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, dict):
        return {k: _redact_any(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact_any(v, secrets) for v in value)
    return value
