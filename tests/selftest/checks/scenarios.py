"""One scenario per (check code, operation): the check run the way the contract tests run it, against a
reference server built by the `reference` fixture. The self-tests run each scenario clean (no violation, and
not NotApplicable: the reference seed has data for every check) and against the fault that breaks it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conftest import Reference

from mmcontract.checks import auth, filtering, isolation, ordering, pagination, pairs, validation, writes
from mmcontract.checks.budget import budget_for
from mmcontract.checks.listing import LIST_OPERATIONS, candidates_for, pick_instance
from mmcontract.spec import load_spec

BUDGET = budget_for("quick")
SEED = 1234
RMS = "GET /registeredModels/"
PACKAGES = "GET /modelPackages/"
FEATURES = "GET /modelPackages/{modelPackageId}/features/"
VERSIONS = "GET /registeredModels/{registeredModelId}/versions/"

Scenario = Callable[[Reference], Any]

PAGINATION = {
    "MM101": pagination.check_page_count,
    "MM102": pagination.check_total_stable,
    "MM103": pagination.check_walk,
    "MM104": pagination.check_ends,
    "MM105": pagination.check_links,
}


def _path(ref: Reference, operation: str, code: str) -> str:
    op = LIST_OPERATIONS[operation]
    path, _ = pick_instance(
        ref.client, op, candidates_for(op, ref.discovered), code=code, max_probes=BUDGET.probes
    )
    return path


def paging(code: str, operation: str) -> Scenario:
    def run(ref: Reference) -> Any:
        extra = {"seed": SEED} if code in ("MM101", "MM103") else {}
        op = LIST_OPERATIONS[operation]
        return PAGINATION[code](ref.client, op, _path(ref, operation, code), budget=BUDGET, **extra)

    return run


def sort(operation: str, key: str, direction: str) -> Scenario:
    return lambda ref: ordering.check_sort(
        ref.client, LIST_OPERATIONS[operation], _path(ref, operation, "MM201"), key, direction, budget=BUDGET
    )


def order_by(value: str) -> Scenario:
    return lambda ref: ordering.check_order_by(
        ref.client, LIST_OPERATIONS[FEATURES], _path(ref, FEATURES, "MM202"), value, budget=BUDGET
    )


def search(operation: str, case_insensitive: str | None = "default") -> Scenario:
    def run(ref: Reference) -> Any:
        quote = (
            filtering.search_case_insensitive(load_spec(), operation)
            if case_insensitive == "default"
            else case_insensitive
        )
        op = LIST_OPERATIONS[operation]
        return filtering.check_search(
            ref.client, op, _path(ref, operation, "MM301"), budget=BUDGET, case_insensitive=quote, seed=SEED
        )

    return run


def field_filter(operation: str, param: str, field: str, match: str, values: list[Any] | None) -> Scenario:
    def run(ref: Reference) -> Any:
        op = LIST_OPERATIONS[operation]
        return filtering.check_field_filter(
            ref.client,
            op,
            _path(ref, operation, "MM302"),
            param,
            field,
            budget=BUDGET,
            match=match,
            basis="selftest",
            values=values,
        )

    return run


def stage(value: str, param: str = "stage", *, by_field: bool = False) -> Scenario:
    """MM302 on a registered-model filter that reads the versions (`stage`, `buildStatus`), judged by the
    versions list's own filter or (by_field) by the versions' field, as the contract test judges buildStatus."""

    def run(ref: Reference) -> Any:
        if by_field:
            related = filtering.versions_match(ref.client, {}, BUDGET, field=param, value=value)
        else:
            related = filtering.versions_match(ref.client, {param: value}, BUDGET)
        return filtering.check_related_filter(
            ref.client, param, value, related=related, budget=BUDGET, basis="selftest", related_desc=param
        )

    return run


def time_range(param: str) -> Scenario:
    op = LIST_OPERATIONS[RMS]
    return lambda ref: filtering.check_time_range(ref.client, op, op.path(), param, budget=BUDGET, seed=SEED)


def on_created(check: Callable[[Reference, str, str], Any]) -> Scenario:
    def run(ref: Reference) -> Any:
        rm, package = ref.create_registered_model("mmcontract-selftest")
        return check(ref, rm, package)

    return run


def query_value(operation: str, param: str, value: Any) -> Scenario:
    case = next(
        c
        for c in validation.query_cases(load_spec())
        if (c.operation, c.param, c.value) == (operation, param, value)
    )

    def run(ref: Reference) -> Any:
        op = LIST_OPERATIONS[operation]
        return validation.check_query_value(ref.client, op.path(*candidates_for(op, ref.discovered)[0]), case)

    return run


def auth_probe(operation: str, wrong: bool) -> Scenario:
    def run(ref: Reference) -> Any:
        rm, version = ref.discovered.versions[0]
        ids = {
            "registeredModelId": rm,
            "versionId": version,
            "modelPackageId": ref.discovered.model_package_ids[0],
        }
        return auth.check_auth(ref.client, auth.probe_for(operation, ids), wrong=wrong)

    return run


# fault -> (expected code, scenario that must fire on it and pass clean)
FAULT_SCENARIOS: dict[str, tuple[str, Scenario]] = {
    "page-count-mismatch": ("MM101", paging("MM101", RMS)),
    "page-limit-ignored": ("MM101", paging("MM101", PACKAGES)),
    "page-total-page-local": ("MM102", paging("MM102", RMS)),
    "page-offset-skip": ("MM103", paging("MM103", RMS)),
    "page-next-last-not-null": ("MM104", paging("MM104", RMS)),
    "page-next-relative": ("MM105", paging("MM105", RMS)),
    "page-next-drops-filter": ("MM105", paging("MM105", RMS)),
    "order-direction-ignored": ("MM201", sort(RMS, "name", "desc")),
    "order-orderby-ignored": ("MM202", order_by("-name")),
    "filter-features-search-case-sensitive": ("MM301", search(FEATURES)),
    "filter-stage-ignored": ("MM302", stage("Production")),
    "filter-isglobal-inverted": ("MM302", field_filter(RMS, "isGlobal", "isGlobal", "bool", [True, False])),
    "filter-time-offset-ignored": ("MM303", time_range("createdAtStartTs")),
    "write-patch-not-persisted": (
        "MM401",
        on_created(lambda ref, rm, _: writes.check_patch_persists(ref.client, rm)),
    ),
    "write-delete-keeps-versions": (
        "MM402",
        on_created(lambda ref, rm, _: writes.check_delete_archives_all(ref.client, rm)),
    ),
    "write-archive-noop": (
        "MM403",
        on_created(lambda ref, _, pkg: writes.check_archive_sets_flag(ref.client, pkg)),
    ),
    "write-sharing-invisible": (
        "MM404",
        on_created(
            lambda ref, rm, _: writes.check_sharing_visible(ref.client, rm, ref.discovered.recipients)
        ),
    ),
    "write-sharing-no-owner-allowed": (
        "MM405",
        on_created(lambda ref, rm, _: writes.check_sharing_no_owner(ref.client, rm)),
    ),
    "write-sharing-unknown-user-accepted": (
        "MM406",
        on_created(lambda ref, rm, _: writes.check_sharing_unknown_user(ref.client, rm)),
    ),
    "status-create-200": (
        "MM407",
        lambda ref: writes.check_create_readable(ref.client, ref.leaderboard_model_id),
    ),
    "validation-maxlength-ignored": (
        "MM501",
        on_created(lambda ref, rm, _: validation.check_patch_length(ref.client, rm, "name", valid=False)),
    ),
    "robust-500-unknown-sort-key": ("MM501", query_value(RMS, "sortKey", validation.INVALID_TEXT)),
    "validation-bounds-ignored": (
        "MM501",
        lambda ref: validation.check_create_threshold(ref.client, ref.leaderboard_model_id, 1.5),
    ),
    "robust-500-negative-offset": ("MM501", query_value(RMS, "offset", -1)),
    "reject-valid-sort-desc": ("MM502", query_value(RMS, "sortDirection", "desc")),
    "reject-valid-capital-true": ("MM502", query_value(FEATURES, "includeNonPredictionFeatures", "True")),
    "reject-create-name-null": (
        "MM503",
        lambda ref: pairs.check_pairs(
            ref.client,
            load_spec(),
            pairs.CREATE_FROM_LEADERBOARD,
            name_prefix="mmcontract-selftest-",
            leaderboard_model_id=ref.leaderboard_model_id,
        ),
    ),
    "isolation-version-any-model": (
        "MM601",
        lambda ref: isolation.check_version_isolation(ref.client, ref.discovered.versions, "version"),
    ),
    "isolation-deployments-any-model": (
        "MM601",
        lambda ref: isolation.check_version_isolation(ref.client, ref.discovered.versions, "deployments"),
    ),
    "auth-missing-token-accepted": ("MM701", auth_probe(RMS, wrong=False)),
    "auth-wrong-token-accepted": (
        "MM702",
        auth_probe("GET /registeredModels/{registeredModelId}/", wrong=True),
    ),
}
