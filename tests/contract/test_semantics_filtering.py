"""MM301 (search), MM302 (value filters) and MM303 (time ranges), with values drawn from the target's data."""

from __future__ import annotations

import pytest

from mmcontract.checks import filtering
from mmcontract.checks.budget import budget_for
from mmcontract.checks.listing import LIST_OPERATIONS, candidates_for, pick_instance
from mmcontract.checks.outcome import run_check
from mmcontract.spec import load_spec

RMS = "GET /registeredModels/"
PACKAGES = "GET /modelPackages/"
VERSIONS = "GET /registeredModels/{registeredModelId}/versions/"
RM_ROLES = "GET /registeredModels/{registeredModelId}/sharedRoles/"
MP_ROLES = "GET /modelPackages/{modelPackageId}/sharedRoles/"
STAGES = ("Registered", "Development", "Staging", "Production", "Archived")
BUILD_STATUSES = ("inProgress", "complete", "failed")


def _mark(code, operation, ident):
    return {"marks": pytest.mark.mm(code=code, operation=operation), "id": f"{code}-{operation}-{ident}"}


def _path(api, op, discovered, code, budget):
    path, _ = pick_instance(api, op, candidates_for(op, discovered), code=code, max_probes=budget.probes)
    return path


@pytest.mark.parametrize(
    "operation", [pytest.param(op, **_mark("MM301", op, "search")) for op in filtering.SEARCH_FIELDS]
)
def test_search(operation, api, discovered, target):
    op = LIST_OPERATIONS[operation]
    budget = budget_for(target.profile)
    quote = filtering.search_case_insensitive(load_spec(), operation)

    def check():
        path = _path(api, op, discovered, "MM301", budget)
        return filtering.check_search(api, op, path, budget=budget, case_insensitive=quote, seed=target.seed)

    run_check(target.covers, operation, check, confirm=True)


# (operation, query parameter, response field, match, fixed values or None to draw them, basis)
FIELD_FILTERS = [
    (
        RMS,
        "createdBy",
        "createdBy.email",
        "equal",
        None,
        'page: "createdBy ... Email of the user that created registered model to filter by"',
    ),
    (
        PACKAGES,
        "modelId",
        "modelId",
        "equal",
        None,
        'page: "modelId ... limit results to model packages for the model with the specified ID"',
    ),
    (
        RMS,
        "isGlobal",
        "isGlobal",
        "bool",
        [True, False],
        'page: "isGlobal ... Return only global ... registered models or local"',
    ),
    (
        RMS,
        "targetType",
        "target.type",
        "equal",
        None,
        'page: "targetType ... Type of the target to filter by"',
    ),
    (
        RMS,
        "targetName",
        "target.name",
        "contains",
        None,
        'page: "targetName ... Name of the target to filter by"',
    ),
    (
        VERSIONS,
        "targetType",
        "target.type",
        "equal",
        None,
        'page: "targetType ... Type of the target to filter by"',
    ),
    (
        VERSIONS,
        "targetName",
        "target.name",
        "contains",
        None,
        'page: "targetName ... Name of the target to filter by"',
    ),
    (
        VERSIONS,
        "buildStatus",
        "buildStatus",
        "equal",
        list(BUILD_STATUSES),
        'page: "buildStatus ... filter versions by the build status"',
    ),
    (
        PACKAGES,
        "buildStatus",
        "buildStatus",
        "equal",
        list(BUILD_STATUSES),
        'page: "buildStatus ... filter model packages by the build status"',
    ),
    (
        RM_ROLES,
        "shareRecipientType",
        "shareRecipientType",
        "equal",
        ["user", "group", "organization"],
        'page: "shareRecipientType ... List access controls for recipients with this type"',
    ),
    (
        RM_ROLES,
        "id",
        "id",
        "equal",
        None,
        'page: "id ... Only return roles for a user, group or organization with this identifier"',
    ),
    (
        RM_ROLES,
        "name",
        "name",
        "equal",
        None,
        'page: "name ... Only return roles for a user, group or organization with this name"',
    ),
    (
        MP_ROLES,
        "shareRecipientType",
        "shareRecipientType",
        "equal",
        ["user", "group", "organization"],
        'page: "shareRecipientType ... List access controls for recipients with this type"',
    ),
    (
        MP_ROLES,
        "id",
        "id",
        "equal",
        None,
        'page: "id ... Only return roles for a user, group or organization with this identifier"',
    ),
    (
        MP_ROLES,
        "name",
        "name",
        "equal",
        None,
        'page: "name ... Only return roles for a user, group or organization with this name"',
    ),
]


@pytest.mark.parametrize(
    ("operation", "param", "field", "match", "values", "basis"),
    [pytest.param(*f, **_mark("MM302", f[0], f[1])) for f in FIELD_FILTERS],
)
def test_field_filter(operation, param, field, match, values, basis, api, discovered, target):
    op = LIST_OPERATIONS[operation]
    budget = budget_for(target.profile)

    def check():
        path = _path(api, op, discovered, "MM302", budget)
        return filtering.check_field_filter(
            api, op, path, param, field, budget=budget, match=match, basis=basis, values=values
        )

    run_check(target.covers, operation, check, confirm=True)


@pytest.mark.parametrize("stage", [pytest.param(s, **_mark("MM302", RMS, f"stage={s}")) for s in STAGES])
def test_stage_filter(stage, api, target):
    budget = budget_for(target.profile)
    basis = (
        'page: registered models "stage ... only returns models that have versions in the specified stage", '
        'versions "stage ... filter versions by the stage" (the response shows no stage: the two filters must agree)'
    )

    def check():
        related = filtering.versions_match(api, {"stage": stage}, budget)
        return filtering.check_related_filter(
            api,
            "stage",
            stage,
            related=related,
            budget=budget,
            basis=basis,
            related_desc=f"a version in stage {stage}",
        )

    run_check(target.covers, [RMS, VERSIONS], check, confirm=True)


@pytest.mark.parametrize(
    "status", [pytest.param(s, **_mark("MM302", RMS, f"buildStatus={s}")) for s in BUILD_STATUSES]
)
def test_build_status_filter(status, api, target):
    budget = budget_for(target.profile)
    basis = 'page: registered models "buildStatus ... only return models that have versions with specified build status"'

    def check():
        related = filtering.versions_match(api, {}, budget, field="buildStatus", value=status)
        return filtering.check_related_filter(
            api,
            "buildStatus",
            status,
            related=related,
            budget=budget,
            basis=basis,
            related_desc=f"a version with buildStatus {status}",
        )

    run_check(target.covers, [RMS, VERSIONS], check, confirm=True)


TIME_PARAMS = ("createdAtStartTs", "createdAtEndTs", "modifiedAtStartTs", "modifiedAtEndTs")


@pytest.mark.parametrize("param", [pytest.param(p, **_mark("MM303", RMS, p)) for p in TIME_PARAMS])
def test_time_range(param, api, target):
    op = LIST_OPERATIONS[RMS]
    budget = budget_for(target.profile)

    def check():
        return filtering.check_time_range(api, op, op.path(), param, budget=budget, seed=target.seed)

    run_check(target.covers, RMS, check, confirm=True)
