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
from mmcontract.target.paging import learn_ceiling
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


@pytest.mark.parametrize("full_page_operation", RETRIEVES)
def test_most_classes(full_page_operation, steering, discovered):
    package = full_pages.most_classes(discovered)
    if package is None:
        pytest.skip("no model package with classes on the target")
    _send(steering, full_page_operation, {"modelPackageId": package}, None)
