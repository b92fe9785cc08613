"""MM201 (sortKey/sortDirection) and MM202 (orderBy on features), on the longest list of each kind."""

from __future__ import annotations

import pytest

from mmcontract.checks import ordering
from mmcontract.checks.budget import budget_for
from mmcontract.checks.listing import LIST_OPERATIONS, candidates_for, pick_instance
from mmcontract.checks.outcome import run_check

FEATURES = "GET /modelPackages/{modelPackageId}/features/"

SORT_CASES = [
    pytest.param(
        operation,
        key,
        direction,
        marks=pytest.mark.mm(code="MM201", operation=operation),
        id=f"MM201-{operation}-{key}-{direction}",
    )
    for operation, keys in ordering.SORT_FIELDS.items()
    for key in keys
    for direction in ("asc", "desc")
]
ORDER_BY_CASES = [
    pytest.param(value, marks=pytest.mark.mm(code="MM202", operation=FEATURES), id=f"MM202-orderBy={value}")
    for value in ("name", "-name", "importance", "-importance")
]


@pytest.mark.parametrize(("operation", "key", "direction"), SORT_CASES)
def test_sort(operation, key, direction, api, discovered, target):
    op = LIST_OPERATIONS[operation]
    budget = budget_for(target.profile)

    def check():
        path, _ = pick_instance(
            api, op, candidates_for(op, discovered), code="MM201", max_probes=budget.probes
        )
        return ordering.check_sort(api, op, path, key, direction, budget=budget)

    run_check(target.covers, operation, check, confirm=True)


@pytest.mark.parametrize("order_by", ORDER_BY_CASES)
def test_order_by(order_by, api, discovered, target):
    op = LIST_OPERATIONS[FEATURES]
    budget = budget_for(target.profile)

    def check():
        path, _ = pick_instance(
            api, op, candidates_for(op, discovered), code="MM202", max_probes=budget.probes
        )
        return ordering.check_order_by(api, op, path, order_by, budget=budget)

    run_check(target.covers, FEATURES, check, confirm=True)
