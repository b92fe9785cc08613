"""MM501 (documented bounds and enums enforced) and MM502 (documented values accepted): every enum value,
boolean and minimum of every list's query parameters (from the contract, honouring its x-mm-lenient-* and
x-mm-no-negative marks), and the page's body bounds on PATCH and fromLeaderboard (writes only)."""

from __future__ import annotations

import pytest

from mmcontract.checks import validation
from mmcontract.checks.listing import LIST_OPERATIONS, candidates_for
from mmcontract.checks.outcome import run_check
from mmcontract.spec import load_spec
from mmcontract.target.litter import name_prefix

RM = "/registeredModels/{registeredModelId}/"
CREATE = "POST /modelPackages/fromLeaderboard/"

QUERY_CASES = [
    pytest.param(
        case, marks=pytest.mark.mm(code=case.code, operation=case.operation), id=f"{case.code}-{case.id}"
    )
    for case in validation.query_cases(load_spec())
]


@pytest.mark.parametrize("case", QUERY_CASES)
def test_query_value(case, api, discovered, target):
    op = LIST_OPERATIONS[case.operation]
    candidates = candidates_for(op, discovered)
    if not candidates:
        pytest.skip(f"no existing resource to list {case.operation} on")
    path = op.path(*candidates[0])
    run_check(target.covers, case.operation, lambda: validation.check_query_value(api, path, case))


@pytest.mark.parametrize(
    ("field", "valid"),
    [
        pytest.param(
            f,
            v,
            marks=pytest.mark.mm(code="MM502" if v else "MM501", operation=f"PATCH {RM}"),
            id=f"{'MM502' if v else 'MM501'}-PATCH-{f}-{'at' if v else 'over'}-maxLength",
        )
        for f in validation.PATCH_LIMITS
        for v in (False, True)
    ],
)
def test_patch_length(field, valid, api, target, writable_registered_model):
    rm = writable_registered_model.registered_model_id
    run_check(
        target.covers, f"PATCH {RM}", lambda: validation.check_patch_length(api, rm, field, valid=valid)
    )


@pytest.mark.parametrize(
    "threshold",
    [
        pytest.param(
            t, marks=pytest.mark.mm(code="MM501", operation=CREATE), id=f"MM501-predictionThreshold={t}"
        )
        for t in (-0.5, 1.5)
    ],
)
def test_create_threshold(threshold, api, target):
    if not target.allow_writes:
        pytest.skip("writes are not allowed on this target (pass --allow-writes)")
    if not target.leaderboard_model_id:
        pytest.skip("no --leaderboard-model-id to create a model package from")
    run_check(
        target.covers,
        CREATE,
        lambda: validation.check_create_threshold(
            api, target.leaderboard_model_id, threshold, name_prefix=name_prefix()
        ),
    )
