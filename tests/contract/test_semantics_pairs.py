"""MM503 (a documented value is accepted where its pair is): on the creates and on PATCH of a registered model,
the page allows 422 to a valid request ("Unable to process ..."), so each documented value of the request body is
sent in a pair with a base body; refusing the value while accepting its base fails. Writes only: creates go
through `api` (recorded for the clean-up, names with the run's prefix); PATCH only the suite's own model."""

from __future__ import annotations

import pytest

from mmcontract.checks import pairs
from mmcontract.checks.outcome import run_check
from mmcontract.spec import load_spec
from mmcontract.target.litter import name_prefix

CREATES = (pairs.CREATE_FROM_LEADERBOARD, pairs.CREATE_FROM_LEARNING_MODEL)


@pytest.mark.parametrize(
    "operation",
    [pytest.param(op, marks=pytest.mark.mm(code="MM503", operation=op), id=f"MM503-{op}") for op in CREATES],
)
def test_create_pairs(operation, api, target):
    if not target.allow_writes:
        pytest.skip("writes are not allowed on this target (pass --allow-writes)")
    run_check(
        target.covers,
        operation,
        lambda: pairs.check_pairs(
            api,
            load_spec(),
            operation,
            name_prefix=name_prefix(),
            leaderboard_model_id=target.leaderboard_model_id,
        ),
    )


@pytest.mark.mm(code="MM503", operation=pairs.UPDATE_REGISTERED_MODEL)
def test_update_pairs(api, target, writable_registered_model):
    run_check(
        target.covers,
        pairs.UPDATE_REGISTERED_MODEL,
        lambda: pairs.check_pairs(
            api,
            load_spec(),
            pairs.UPDATE_REGISTERED_MODEL,
            name_prefix=name_prefix(),
            registered_model_id=writable_registered_model.registered_model_id,
        ),
    )
