"""Running a semantic check inside a contract test: skip what the run does not cover or what the target has
nothing for (`NotApplicable`), and print the check's notes (pytest shows them with `-rA` and in the junit
output), so a pass says what it did not look at."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from mmcontract.checks.violation import NotApplicable


def run_check(
    covers: Callable[[str], bool], operations: str | Iterable[str], check: Callable[[], Any]
) -> None:
    ops = [operations] if isinstance(operations, str) else list(operations)
    uncovered = [op for op in ops if not covers(op)]
    if uncovered:
        pytest.skip(f"not in this run's operations: {', '.join(uncovered)}")
    try:
        notes = check()
    except NotApplicable as exc:
        pytest.skip(str(exc))
    for note in notes or []:
        print(f"note: {note}")
