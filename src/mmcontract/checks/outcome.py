"""Running a semantic check inside a contract test: skip what the run does not cover or what the target has
nothing for (`NotApplicable`), and print the check's notes (pytest shows them with `-rA` and in the junit
output), so a pass says what it did not look at.

`confirm=True` (read-only checks) runs a check a second time when it finds a violation and reports only a
violation that happens again: a live target's data may change while a check reads it (another user, or
this suite's own write tests in another worker), and a list that changed between two requests is not a
broken filter. A defect of the server shows up both times; the one-off is printed as a note.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from mmcontract.checks.violation import ContractViolation, NotApplicable


def run_check(
    covers: Callable[[str], bool],
    operations: str | Iterable[str],
    check: Callable[[], Any],
    *,
    confirm: bool = False,
) -> None:
    ops = [operations] if isinstance(operations, str) else list(operations)
    uncovered = [op for op in ops if not covers(op)]
    if uncovered:
        pytest.skip(f"not in this run's operations: {', '.join(uncovered)}")
    for note in confirmed(check) if confirm else _run(check):
        print(f"note: {note}")


def _run(check: Callable[[], Any]) -> list[str]:
    try:
        return list(check() or [])
    except NotApplicable as exc:
        pytest.skip(str(exc))


def confirmed(check: Callable[[], Any]) -> list[str]:
    """Run `check`; after a violation run it again and raise only if it fails again."""
    try:
        return _run(check)
    except ContractViolation as first:
        notes = _run(check)
        return [
            *notes,
            f"not reproduced, so not reported (the data changed while it was read?): {first.message}",
        ]
