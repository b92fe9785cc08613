"""Schemathesis failures as report records (code, family, title, basis, expected/actual, curl, excerpt)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mmcontract.checks.catalogue import basis_of, family_of, title_of


def _expected_actual(failure: Any) -> tuple[str | None, str | None]:
    code = failure.code
    status = getattr(failure, "status_code", None)
    for name in ("expected_statuses", "allowed_statuses", "defined_status_codes"):
        expected = getattr(failure, name, None)
        if expected:
            return ", ".join(map(str, expected)), str(status) if status is not None else None
    if code == "ST108":
        path = "/".join(map(str, getattr(failure, "instance_path", []) or []))
        schema_path = "/".join(map(str, getattr(failure, "schema_path", []) or []))
        return (
            f"schema at {schema_path}",
            f"{path or '(root)'} = {getattr(failure, 'instance', None)!r}"[:300],
        )
    if code == "ST101":
        return "a response below 500", str(status) if status is not None else None
    if code == "ST112":
        return "a response within the request timeout", "no response"
    if code in ("ST104", "ST105"):
        documented = getattr(failure, "media_types", None) or getattr(failure, "defined_content_types", None)
        return (", ".join(documented) if documented else None, getattr(failure, "content_type", None))
    return None, None


def _iter_failures(exc: BaseException) -> Iterator[Any]:
    from schemathesis.core.failures import Failure

    if isinstance(exc, Failure):
        yield exc
    elif isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from _iter_failures(inner)


def failure_record(
    failure: Any, operation: str, curl: str | None = None, excerpt: str | None = None
) -> dict[str, Any]:
    code = failure.code
    expected, actual = _expected_actual(failure)
    return {
        "check": code,
        "operation": operation,
        "title": title_of(code, getattr(failure, "title", "")),
        "family": family_of(code),
        "message": f"{failure.title}: {failure.message}" if failure.message else failure.title,
        "basis": basis_of(code, operation),
        "expected": expected,
        "actual": actual,
        "curl": curl,
        "response_excerpt": excerpt,
    }


def failures_from_exception(
    exc: BaseException, operation: str, notes: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Records for the failures in the exception that ended a Schemathesis test, with the curl line and
    response the test noted last for the same check (the minimal example after shrinking)."""
    latest: dict[str, dict[str, Any]] = {}
    for note in notes:
        latest[note["check"]] = note
    records = []
    seen: set[tuple[str, str]] = set()
    for failure in _iter_failures(exc):
        key = (failure.code, str(failure.message).splitlines()[0] if failure.message else "")
        if key in seen:
            continue
        seen.add(key)
        note = latest.get(failure.code, {})
        records.append(
            failure_record(
                failure, failure.operation or operation, note.get("curl"), note.get("response_excerpt")
            )
        )
    if not records and notes:  # e.g. a timeout the test turned into a failure itself
        records = [dict(note) for note in latest.values()]
    return records
