"""MM601: a version (and its deployments) is not readable under another registered model."""

from __future__ import annotations

import pytest

from mmcontract.checks import isolation
from mmcontract.checks.outcome import run_check

CASES = [
    pytest.param(what, marks=pytest.mark.mm(code="MM601", operation=operation), id=f"MM601-{what}")
    for what, (operation, _) in isolation.TARGETS.items()
]


@pytest.mark.parametrize("what", CASES)
def test_version_isolation(what, api, discovered, target):
    operation = isolation.TARGETS[what][0]
    run_check(
        target.covers, operation, lambda: isolation.check_version_isolation(api, discovered.versions, what)
    )
