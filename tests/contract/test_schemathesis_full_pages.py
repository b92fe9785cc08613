"""Full pages added to the generated cases (mmcontract.st.full_pages): every list at offset 0 with a full page on
the resource holding the most items, sorted and filtered by values present on the target, and the model package
with the most classes; Schemathesis cases validated like the generated ones (ST checks, MM801), seeded by the run's
seed. A list the target holds no item of is skipped (the run's completeness says so)."""

from __future__ import annotations

import pytest

from mmcontract.checks.listing import LIST_OPERATIONS
from mmcontract.spec import load_spec
from mmcontract.st import full_pages
from mmcontract.st.config import load_schema
from mmcontract.st.execute import run_case
from mmcontract.target.paging import known_ceiling, learn_ceiling
from mmcontract.target.plugin import current_target, list_items

TARGET = current_target()
SPEC = load_spec()
schema = load_schema(TARGET)
LISTS = [label for label in LIST_OPERATIONS if TARGET.covers(label)]
RETRIEVES = [label for label in full_pages.RETRIEVES if TARGET.covers(label)]


def _send(steering, label, path_parameters, query):
    """One added case, sent and validated like a generated one; its path ids stay as built (not steered)."""
    method, path = label.split(" ", 1)
    # the auth header as generated cases carry it (a case built by hand gets no configured header)
    case = schema[path][method].Case(path_parameters=path_parameters, query=query, headers=TARGET.headers())
    steering.pinned.add(id(case))
    try:
        return run_case(case, TARGET)
    finally:
        steering.pinned.discard(id(case))


@pytest.mark.parametrize("full_page_operation", LISTS)
def test_full_page(full_page_operation, steering, discovered):
    found = full_pages.plan(full_page_operation, discovered, SPEC, TARGET.seed)
    if found is None:
        pytest.skip(f"{full_page_operation}: no resource with an item to list")
    while True:
        query = {"offset": 0, "limit": found.limit}
        response = _send(steering, full_page_operation, found.path_parameters, query)
        smaller = full_pages.smaller_limit(found.limit, response.status_code)
        if smaller is None:
            break
        found.limit = smaller  # the server's own ceiling: asked smaller, as the suite's lists are
        learn_ceiling(TARGET.base_url + "/", found.url, smaller)
    items = []
    if list_items(response):
        items = [item for item in response.json()["data"] if isinstance(item, dict)]
    for _, query in full_pages.queries(found, SPEC, items):
        _send(steering, full_page_operation, found.path_parameters, query)
    if (
        len(items) > 1
    ):  # a one-item page of the same list: its `next` is not null (both sides of the nullable)
        _send(steering, full_page_operation, found.path_parameters, {"offset": 0, "limit": 1})


@pytest.mark.parametrize("full_page_operation", RETRIEVES)
def test_most_classes(full_page_operation, steering, discovered):
    package = full_pages.most_classes(discovered)
    if package is None:
        pytest.skip("no model package with classes on the target")
    _send(steering, full_page_operation, {"modelPackageId": package}, None)


def _walk(steering, label, path_parameters):
    """Every item of one list, by full pages from offset 0 until `next` is null (at most MAX_WALK_PAGES pages):
    a complete walk, so the run can say which nodes the target does not hold."""
    found = full_pages.Plan(
        label, path_parameters, full_pages.FULL_PAGE, full_pages.rng_for(TARGET.seed, label)
    )
    limit = full_pages.documented_max_items(SPEC, label) or full_pages.FULL_PAGE
    ceiling = known_ceiling(found.url)
    limit = min(limit, ceiling) if ceiling else limit
    items, offset = [], 0
    for _ in range(full_pages.MAX_WALK_PAGES):
        response = _send(steering, label, path_parameters, {"offset": offset, "limit": limit})
        smaller = full_pages.smaller_limit(limit, response.status_code)
        if smaller is not None:
            limit = smaller
            learn_ceiling(TARGET.base_url + "/", found.url, smaller)
            continue
        if not list_items(response):
            break
        body = response.json()
        data = [item for item in body["data"] if isinstance(item, dict)]
        items += data
        offset += len(body["data"])
        if not body.get("next"):
            break
    return items


_VERSIONS: list[tuple[str, dict]] = []  # (registeredModelId, version item), walked once per run


def _versions(steering, discovered):
    if not _VERSIONS and TARGET.covers(full_pages.VERSIONS_LIST):
        for rm_id in discovered.registered_model_ids[: full_pages.MAX_PARENTS_WALKED]:
            _VERSIONS.extend(
                (rm_id, item)
                for item in _walk(steering, full_pages.VERSIONS_LIST, {"registeredModelId": rm_id})
            )
    return _VERSIONS


DIVERSE = [
    label
    for label in (full_pages.PACKAGE_RETRIEVE, full_pages.VERSION_RETRIEVE, full_pages.RM_RETRIEVE)
    if TARGET.covers(label)
]


@pytest.mark.parametrize("full_page_operation", DIVERSE)
def test_diverse_retrieves(full_page_operation, steering, discovered):
    """Get-by-id on the few resources that together show every value the lists showed."""
    if full_page_operation == full_pages.PACKAGE_RETRIEVE:
        live = [p for p in discovered.model_packages if p.get("isArchived") is not True]
        # versions are packages too, archived ones among them ("It will only be accessible at the model
        # package retrieve route"): what only they show is read by id as well
        listed = {p.get("id") for p in live}
        versions = [item for _, item in _versions(steering, discovered) if item.get("id") not in listed]
        chosen = [
            {"modelPackageId": p["id"]}
            for p in full_pages.diverse(live + versions)
            if isinstance(p.get("id"), str)
        ]
    elif full_page_operation == full_pages.RM_RETRIEVE:
        chosen = [
            {"registeredModelId": rm["id"]}
            for rm in full_pages.diverse(discovered.registered_models)
            if isinstance(rm.get("id"), str)
        ]
    else:
        versions = _versions(steering, discovered)
        owner = {id(item): rm_id for rm_id, item in versions}
        chosen = [
            {"registeredModelId": owner[id(item)], "versionId": item["id"]}
            for item in full_pages.diverse([item for _, item in versions])
            if isinstance(item.get("id"), str)
        ]
    if not chosen:
        pytest.skip(f"{full_page_operation}: no resource listed to retrieve")
    for path_parameters in chosen:
        _send(steering, full_page_operation, path_parameters, None)


DEPLOYMENTS = [
    label for label in (full_pages.RM_DEPLOYMENTS, full_pages.VERSION_DEPLOYMENTS) if TARGET.covers(label)
]


@pytest.mark.parametrize("full_page_operation", DEPLOYMENTS)
def test_deployment_lists(full_page_operation, steering, discovered):
    """Every registered model's deployments walked (when the target holds at most MAX_PARENTS_WALKED), so the
    deployments the target does not hold can be told apart from those the run missed; and the deployments of
    every version known to have some (at most MAX_DEPLOYMENT_LISTS)."""
    if full_page_operation == full_pages.RM_DEPLOYMENTS:
        models = discovered.registered_model_ids
        if len(models) > full_pages.MAX_PARENTS_WALKED:
            sizes = discovered.list_sizes.get(full_page_operation, {})
            models = [rm for rm in models if sizes.get((rm,), 0) > 0][: full_pages.MAX_DEPLOYMENT_LISTS]
        parents = [{"registeredModelId": rm} for rm in models]
    else:
        parents = [
            {"registeredModelId": rm, "versionId": v}
            for rm, v in full_pages.with_deployments(_versions(steering, discovered), discovered)
        ]
    if not parents:
        pytest.skip(f"{full_page_operation}: no registered model or version with deployments")
    for path_parameters in parents:
        _walk(steering, full_page_operation, path_parameters)


SHARING = [label for label in (full_pages.RM_SHARING, full_pages.PACKAGE_SHARING) if TARGET.covers(label)]


@pytest.mark.parametrize("full_page_operation", SHARING)
def test_sharing_lists(full_page_operation, steering, discovered):
    """Every live resource's sharing walked when the target holds at most MAX_PARENTS_WALKED of them: recipients
    of every type, wherever they are (the fullest list may hold users only)."""
    if full_page_operation == full_pages.RM_SHARING:
        parents = [{"registeredModelId": rm} for rm in discovered.registered_model_ids]
    else:
        live = [p for p in discovered.model_packages if p.get("isArchived") is not True]
        parents = [{"modelPackageId": p["id"]} for p in live if isinstance(p.get("id"), str)]
    if not parents or len(parents) > full_pages.MAX_PARENTS_WALKED:
        pytest.skip(f"{full_page_operation}: {len(parents)} resources (walked when 1 to MAX_PARENTS_WALKED)")
    for path_parameters in parents:
        _walk(steering, full_page_operation, path_parameters)
