"""MM401-MM407: writes, only with --allow-writes and only on what this run created or the user named
(`writable_registered_model` is fresh for each test, so the destructive checks do not depend on order; on a
server where none can be created, a --writable-registered-model, restored after each test). MM402 DELETEs and
runs last; MM403 archives a package the run created (no registered model needed)."""

from __future__ import annotations

import pytest

from mmcontract.checks import writes
from mmcontract.checks.outcome import run_check
from mmcontract.target.litter import name_prefix

RM = "/registeredModels/{registeredModelId}/"
ROLES = "/registeredModels/{registeredModelId}/sharedRoles/"


def mm(code, operation):
    return pytest.mark.mm(code=code, operation=operation)


@mm("MM401", f"PATCH {RM}")
def test_patch_persists(api, target, writable_registered_model):
    rm = writable_registered_model.registered_model_id
    run_check(
        target.covers,
        [f"PATCH {RM}", f"GET {RM}"],
        lambda: writes.check_patch_persists(api, rm, name_prefix=name_prefix()),
    )


@mm("MM402", f"DELETE {RM}")
def test_delete_archives_all(api, target, deletable_registered_model):
    rm = deletable_registered_model.registered_model_id
    run_check(target.covers, [f"DELETE {RM}", f"GET {RM}"], lambda: writes.check_delete_archives_all(api, rm))


@mm("MM403", "POST /modelPackages/{modelPackageId}/archive/")
def test_archive_sets_flag(api, target, writable_model_package):
    package = writable_model_package
    run_check(
        target.covers,
        ["POST /modelPackages/{modelPackageId}/archive/", "GET /modelPackages/"],
        lambda: writes.check_archive_sets_flag(api, package),
    )


@mm("MM404", f"PATCH {ROLES}")
def test_sharing_visible(api, target, discovered, writable_registered_model):
    rm = writable_registered_model.registered_model_id
    run_check(
        target.covers,
        [f"PATCH {ROLES}", f"GET {ROLES}"],
        lambda: writes.check_sharing_visible(api, rm, discovered.recipients),
    )


@mm("MM405", f"PATCH {ROLES}")
def test_sharing_no_owner(api, target, writable_registered_model):
    rm = writable_registered_model.registered_model_id
    run_check(target.covers, f"PATCH {ROLES}", lambda: writes.check_sharing_no_owner(api, rm))


@mm("MM406", f"PATCH {ROLES}")
def test_sharing_unknown_user(api, target, writable_registered_model):
    rm = writable_registered_model.registered_model_id
    run_check(target.covers, f"PATCH {ROLES}", lambda: writes.check_sharing_unknown_user(api, rm))


@mm("MM407", "POST /modelPackages/fromLeaderboard/")
def test_create_readable(api, target):
    if not target.allow_writes:
        pytest.skip("writes are not allowed on this target (pass --allow-writes)")
    run_check(
        target.covers,
        "POST /modelPackages/fromLeaderboard/",
        lambda: writes.check_create_readable(
            api, target.leaderboard_model_id or "", name_prefix=name_prefix()
        ),
    )
