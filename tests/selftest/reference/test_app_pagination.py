"""Every list: offset/limit, count == len(data), totalCount, absolute next/previous carrying every filter and
sort, null at the ends, and validation of the paging parameters."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from reference_helpers import Api

from mmcontract.reference.params import DEFAULT_LIMIT, MAX_LIMIT, MAX_LOG_LIMIT
from mmcontract.reference.seed import KIND_PACKAGE, KIND_RM, oid

RM = oid(KIND_RM, 1)
PKG = oid(KIND_PACKAGE, 4)
MANY_LOGS = oid(KIND_PACKAGE, 25)

# (list path, a filter/sort the list documents)
LISTS = [
    ("/modelPackages/", {"buildStatus": "complete"}),
    (f"/modelPackages/{PKG}/features/", {"orderBy": "-importance", "includeNonPredictionFeatures": "true"}),
    (f"/modelPackages/{MANY_LOGS}/modelLogs/", {}),
    (f"/modelPackages/{PKG}/sharedRoles/", {"shareRecipientType": "user"}),
    ("/registeredModels/", {"sortKey": "name", "sortDirection": "desc", "search": "e"}),
    (f"/registeredModels/{RM}/deployments/", {"sortKey": "label"}),
    (f"/registeredModels/{RM}/sharedRoles/", {}),
    (f"/registeredModels/{RM}/versions/", {"sortKey": "createdAt", "sortDirection": "desc"}),
    (f"/registeredModels/{RM}/versions/{oid(KIND_PACKAGE, 4)}/deployments/", {"sortKey": "createdAt"}),
]
IDS = [path.split("/")[1] + "/" + path.rstrip("/").split("/")[-1] for path, _ in LISTS]


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


@pytest.mark.parametrize(("path", "filters"), LISTS, ids=IDS)
def test_walking_next_yields_every_item_once_with_consistent_counts(
    api: Api, path: str, filters: dict[str, str]
) -> None:
    first = api.ok(path, params={**filters, "limit": 1000})
    everything = {"data": api.walk(path, {**filters, "limit": 1000}), "totalCount": first["totalCount"]}
    assert first["previous"] is None
    assert len(everything["data"]) == everything["totalCount"] >= 2
    limit = 2
    page = api.ok(path, params={**filters, "offset": 0, "limit": limit})
    assert page["previous"] is None
    seen = []
    pages = 0
    while True:
        pages += 1
        assert page["count"] == len(page["data"]) <= limit
        assert page["totalCount"] == everything["totalCount"]
        seen.extend(page["data"])
        if page["next"] is None:
            break
        link = urlsplit(page["next"])
        assert (link.scheme, link.netloc, link.path) == ("http", "testserver", "/api/v2" + path)
        assert _query(page["next"]) == {**filters, "offset": str(pages * limit), "limit": str(limit)}
        page = api.ok(page["next"])
        assert _query(page["previous"]) == {
            **filters,
            "offset": str((pages - 1) * limit),
            "limit": str(limit),
        }
    assert seen == everything["data"]
    assert pages == -(-everything["totalCount"] // limit)


@pytest.mark.parametrize(("path", "filters"), LISTS, ids=IDS)
def test_offset_past_the_end_is_an_empty_last_page(api: Api, path: str, filters: dict[str, str]) -> None:
    page = api.ok(path, params={**filters, "offset": 10_000, "limit": 5})
    assert page["data"] == [] and page["count"] == 0 and page["next"] is None
    assert page["totalCount"] > 0
    assert _query(page["previous"])["offset"] == "9995"


@pytest.mark.parametrize(("path", "filters"), LISTS, ids=IDS)
@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("limit", "-1", "must be >= 0"),
        ("offset", "-5", "must be >= 0"),
        ("limit", "ten", "expected an integer"),
        ("offset", "1.5", "expected an integer"),
        ("limit", "", "expected an integer"),
        ("offset", " 1", "expected an integer"),
        ("limit", "\u0661", "expected an integer"),  # an Arabic-Indic digit: int() would take it
    ],
)
def test_bad_paging_values_get_400_naming_the_field(
    api: Api, path: str, filters: dict[str, str], name: str, value: str, problem: str
) -> None:
    response = api.get(path, params={**filters, name: value})
    assert response.status_code == 400
    assert problem in response.json()["errors"][name]


@pytest.mark.parametrize(("path", "filters"), LISTS, ids=IDS)
def test_limit_zero_and_huge_limits_serve_the_largest_page(
    api: Api, path: str, filters: dict[str, str]
) -> None:
    maximum = MAX_LOG_LIMIT if "modelLogs" in path else MAX_LIMIT
    for limit in ("0", str(maximum + 1), "99999999999999999999999"):
        page = api.ok(path, params={**filters, "limit": limit})
        assert page["count"] == min(page["totalCount"], maximum)
        if page["next"] is not None:
            assert _query(page["next"])["limit"] == str(maximum)


def test_default_page_sizes(api: Api) -> None:
    logs = api.ok(f"/modelPackages/{MANY_LOGS}/modelLogs/")
    assert logs["totalCount"] == 130 and logs["count"] == MAX_LOG_LIMIT
    assert _query(logs["next"]) == {"offset": "100", "limit": "100"}
    last = api.ok(logs["next"])
    assert last["count"] == 30 and last["next"] is None
    assert _query(last["previous"]) == {"offset": "0", "limit": "100"}
    packages = api.ok("/modelPackages/", params={"limit": 5})
    assert packages["totalCount"] > 5
    assert api.ok("/modelPackages/")["count"] == min(DEFAULT_LIMIT, packages["totalCount"])


@pytest.mark.parametrize(
    "path",
    [
        f"/modelPackages/{PKG}/features/",
        f"/registeredModels/{RM}/sharedRoles/",
        f"/modelPackages/{PKG}/sharedRoles/",
    ],
)
def test_offset_and_limit_marked_required_on_the_page_may_be_omitted(api: Api, path: str) -> None:
    page = api.ok(path)
    assert page["count"] == page["totalCount"] > 0
    assert page["next"] is None and page["previous"] is None


def test_links_use_the_requests_own_base_url(api: Api) -> None:
    page = api.ok("http://127.0.0.1:5555/api/v2/registeredModels/", params={"limit": 1, "isGlobal": "True"})
    assert page["next"].startswith("http://127.0.0.1:5555/api/v2/registeredModels/?")
    assert _query(page["next"]) == {"isGlobal": "True", "offset": "1", "limit": "1"}


def test_repeated_and_non_ascii_params_are_carried_into_links(api: Api) -> None:
    page = api.ok(
        "/modelPackages/", params=[("search", "é"), ("limit", "1"), ("modelKind", "a"), ("modelKind", "b")]
    )
    assert page["next"] is None  # nothing matches "é"
    page = api.ok("/modelPackages/", params=[("modelKind", "a"), ("modelKind", "b"), ("limit", "1")])
    assert parse_qsl(urlsplit(page["next"]).query) == [
        ("modelKind", "a"),
        ("modelKind", "b"),
        ("offset", "1"),
        ("limit", "1"),
    ]
