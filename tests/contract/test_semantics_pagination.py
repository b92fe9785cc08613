"""MM101-MM105 on every list operation (nested lists on the discovered id whose list is longest)."""

from __future__ import annotations

import pytest

from mmcontract.checks import pagination
from mmcontract.checks.budget import budget_for
from mmcontract.checks.listing import LIST_OPERATIONS, candidates_for, pick_instance
from mmcontract.checks.outcome import run_check

CHECKS = {
    "MM101": pagination.check_page_count,
    "MM102": pagination.check_total_stable,
    "MM103": pagination.check_walk,
    "MM104": pagination.check_ends,
    "MM105": pagination.check_links,
}
WITH_SEED = {"MM101", "MM103"}

CASES = [
    pytest.param(
        code, operation, marks=pytest.mark.mm(code=code, operation=operation), id=f"{code}-{operation}"
    )
    for code in CHECKS
    for operation in LIST_OPERATIONS
]


@pytest.mark.parametrize(("code", "operation"), CASES)
def test_pagination(code, operation, api, discovered, target):
    op = LIST_OPERATIONS[operation]
    budget = budget_for(target.profile)

    def check():
        path, _ = pick_instance(api, op, candidates_for(op, discovered), code=code, max_probes=budget.probes)
        extra = {"seed": target.seed} if code in WITH_SEED else {}
        return CHECKS[code](api, op, path, budget=budget, **extra)

    run_check(target.covers, operation, check, confirm=True)
