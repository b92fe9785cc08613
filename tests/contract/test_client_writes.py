"""MM804, MM805, MM810: what the official datarobot client needs of writes, beyond the page. Only with --allow-writes,
and only on what the check creates (archived and deleted afterwards; MM810 shares a registered model created for
it), like test_semantics_writes.py."""

from __future__ import annotations

import pytest

from mmcontract.checks import client
from mmcontract.checks.outcome import run_check
from mmcontract.target.litter import name_prefix

CREATE = "POST /modelPackages/fromLeaderboard/"


def _writable(target):
    if not target.allow_writes:
        pytest.skip("writes are not allowed on this target (pass --allow-writes)")
    if not target.leaderboard_model_id:
        pytest.skip("no --leaderboard-model-id to create a model package from")


@pytest.mark.mm(code="MM804", operation=CREATE)
def test_create_parses_as_package(api, target):
    _writable(target)
    run_check(
        target.covers,
        CREATE,
        lambda: client.check_create_parses(api, target.leaderboard_model_id, name_prefix=name_prefix()),
    )


@pytest.mark.mm(code="MM805", operation=CREATE)
def test_registered_model_name(api, target):
    _writable(target)
    run_check(
        target.covers,
        [CREATE, "GET /registeredModels/"],
        lambda: client.check_registered_model_name(
            api, target.leaderboard_model_id, name_prefix=name_prefix()
        ),
    )


@pytest.mark.mm(code="MM810", operation="PATCH /registeredModels/{registeredModelId}/sharedRoles/")
def test_role_names_accepted(api, target, discovered, writable_registered_model):
    rm = writable_registered_model.registered_model_id
    run_check(
        target.covers,
        [
            "PATCH /registeredModels/{registeredModelId}/sharedRoles/",
            "GET /registeredModels/{registeredModelId}/sharedRoles/",
        ],
        lambda: client.check_role_names_accepted(api, rm, list(discovered.recipients)),
    )
