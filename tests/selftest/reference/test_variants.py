"""Every variant of the catalogue is observable over HTTP, variants combine, and the CLI lists and refuses them.

PROBES holds, per variant, a probe that answers "does this server make the variant's choice?" through the API
only. No probe fires on the default server; each variant's own probe fires on a server with that variant (and
`literal`'s on every variant it includes). With every variant at once, every operation still answers 2xx to a
normal request. The features search stays case-insensitive in every variant (the page says so).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from reference_helpers import TOKEN, Api

from mmcontract.reference.seed import KIND_PACKAGE, KIND_RM, LEADERBOARD_MODEL_IDS, USERS, build_seed, oid
from mmcontract.reference.variants import BY_NAME, VARIANTS, expand, parse
from mmcontract.target.embedded import start_embedded

UNKNOWN = "65f0c0ffee0000000000dead"
SEED = build_seed(with_registry=True)
ARCHIVED_PACKAGE = next(p for p in SEED.packages if p["isArchived"])


def rm(n: int) -> str:
    return oid(KIND_RM, n)


def pkg(n: int) -> str:
    return oid(KIND_PACKAGE, n)


def _create(api: Api, **extra: Any) -> Any:
    return api.post("/modelPackages/fromLeaderboard/", json={"modelId": LEADERBOARD_MODEL_IDS[0], **extra})


def _query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


# ---- one probe per variant: True when the server makes the variant's choice -------------------------------
def page_default_20(api: Api) -> bool:
    return len(api.ok("/modelPackages/")["data"]) == 20


def page_max_50(api: Api) -> bool:
    # the seed has fewer than 50 packages: the clamped limit shows in the previous link
    page = api.ok("/modelPackages/", params={"offset": 1, "limit": 500})
    return dict(_query(page["previous"])).get("limit") == "50"


def limit_over_max_rejected(api: Api) -> bool:
    return api.get("/modelPackages/", params={"limit": 100000}).status_code == 400


def limit_over_max_422(api: Api) -> bool:
    return api.get("/registeredModels/", params={"limit": 100000}).status_code == 422


def limit_zero_empty(api: Api) -> bool:
    page = api.ok("/modelPackages/", params={"limit": 0})
    return page["data"] == [] and page["next"] is None


def bad_query_422(api: Api) -> bool:
    return api.get("/registeredModels/", params={"isGlobal": "maybe"}).status_code == 422


def unknown_query_values_ignored(api: Api) -> bool:
    unknown = {"sortKey": "nope", "sortDirection": "sideways", "stage": "Nowhere", "buildStatus": "maybe"}
    reply = api.get("/registeredModels/", params=unknown)
    return reply.status_code == 200 and reply.json()["data"] == api.ok("/registeredModels/")["data"]


def search_case_sensitive(api: Api) -> bool:
    # the seed's "energy demand forecast"
    return api.ok("/registeredModels/", params={"search": "ENERGY"})["totalCount"] == 0


def archived_listed(api: Api) -> bool:
    # archived packages are never listed (the page says so), in every variant
    models = any(m["isArchived"] for m in api.walk("/registeredModels/"))
    return models and not any(p["isArchived"] for p in api.walk("/modelPackages/"))


def versions_hide_archived(api: Api) -> bool:
    versions = api.ok(f"/registeredModels/{ARCHIVED_PACKAGE['registeredModelId']}/versions/")["data"]
    return ARCHIVED_PACKAGE["id"] not in {v["id"] for v in versions}


def order_newest_first(api: Api) -> bool:
    created = [m["createdAt"] for m in api.ok("/registeredModels/")["data"]]
    return created == sorted(created, reverse=True) and created != sorted(created)


def sort_default_desc(api: Api) -> bool:
    names = [m["name"] for m in api.ok("/registeredModels/", params={"sortKey": "name"})["data"]]
    return names == sorted(names, reverse=True)


def links_query_order(api: Api) -> bool:
    page = api.ok("/registeredModels/", params={"sortKey": "name", "search": "e", "limit": 1})
    names = [k for k, _ in _query(page["next"])]
    return names[0] == "limit" and names[-1] == "sortDirection"


def links_server_address(api: Api) -> bool:
    page = api.ok("/modelPackages/", params={"limit": 1}, headers={"Host": "proxy.example:8443"})
    return "proxy.example" not in page["next"]


def sharing_links_relative(api: Api) -> bool:
    page = api.ok(f"/registeredModels/{rm(1)}/sharedRoles/", params={"limit": 1})
    return page["next"].startswith("/api/v2/")


def error_body_plain(api: Api) -> bool:
    response = api.get(f"/registeredModels/{UNKNOWN}/")
    if response.status_code != 404 or not response.headers["content-type"].startswith("application/json"):
        return False
    return "error" in response.json() and "message" not in response.json()


def error_body_text(api: Api) -> bool:
    return api.get(f"/registeredModels/{UNKNOWN}/").headers["content-type"].startswith("text/plain")


def unknown_method_404(api: Api) -> bool:
    return api.request("PUT", "/registeredModels/").status_code == 404


def oversize_body_422(api: Api) -> bool:
    body = b'{"name": "' + b"x" * (2 << 20) + b'"}'
    response = api.patch(
        f"/registeredModels/{rm(9)}/", content=body, headers={"Content-Type": "application/json"}
    )
    return response.status_code == 422


def content_type_lenient(api: Api) -> bool:
    body = b'{"description": "sent as text/plain"}'
    response = api.patch(f"/registeredModels/{rm(9)}/", content=body, headers={"Content-Type": "text/plain"})
    return response.status_code == 200


def no_trailing_slash_served(api: Api) -> bool:
    return api.get("/registeredModels").status_code == 200


def omit_optional(api: Api) -> bool:
    page = api.ok("/registeredModels/")
    shared = api.ok(f"/registeredModels/{rm(1)}/sharedRoles/")  # SharingListV2Response: count Required true
    return "count" not in page and all("description" not in m for m in page["data"]) and "count" in shared


def null_optional_nullable(api: Api) -> bool:
    doc = api.ok(f"/modelPackages/{pkg(4)}/")
    return doc["modelDescription"].get("modelCreatedAt", "absent") is None


def extra_properties(api: Api) -> bool:
    response = api.get(f"/registeredModels/{rm(1)}/")
    doc = response.json()
    return "x-vendor" in doc and "x-vendor" in doc["createdBy"] and "x-vendor-trace" in response.headers


def uuid_ids(api: Api) -> bool:
    first = api.ok("/registeredModels/")["data"][0]["id"]
    return len(first) == 36 and api.get(f"/registeredModels/{first}/").status_code == 200


def create_202_id_only(api: Api) -> bool:
    created = _create(api)
    return created.status_code in (201, 202) and bool(created.content) and set(created.json()) == {"id"}


def create_empty_body(api: Api) -> bool:
    created = _create(api)
    return created.status_code == 202 and created.content == b"" and "location" in created.headers


def patch_200_empty(api: Api) -> bool:
    response = api.patch(f"/registeredModels/{rm(9)}/", json={"description": "empty answer"})
    return response.status_code == 200 and response.content == b""


def no_registered_model_name(api: Api) -> bool:
    _create(api, registeredModelName="probe registered model")
    return api.ok("/registeredModels/", params={"search": "probe registered model"})["totalCount"] == 0


def package_page_properties_only(api: Api) -> bool:
    return "registeredModelId" not in api.ok(f"/modelPackages/{pkg(4)}/")


def page_routes_only(api: Api) -> bool:
    return api.get("/version/").status_code == 404


def token_bearer_only(api: Api) -> bool:
    return (
        api.get("/registeredModels/", auth=False, headers={"Authorization": f"Token {TOKEN}"}).status_code
        == 401
    )


def roles_observer_as_observer(api: Api) -> bool:
    user = USERS[5]["username"]
    grant = {"username": user, "role": "OBSERVER", "shareRecipientType": "user"}
    api.patch(f"/registeredModels/{rm(7)}/sharedRoles/", json={"operation": "updateRoles", "roles": [grant]})
    roles = api.ok(f"/registeredModels/{rm(7)}/sharedRoles/")["data"]
    return {r["name"]: r["role"] for r in roles}.get(user) == "OBSERVER"


# variant name -> the probe function of the same name (dashes as underscores)
PROBES: dict[str, Callable[[Api], bool]] = {
    name: probe for name in BY_NAME if (probe := globals().get(name.replace("-", "_"))) is not None
}
SINGLE = [v.name for v in VARIANTS if not v.includes]


def _fired(api: Api) -> set[str]:
    return {name for name, probe in PROBES.items() if probe(api)}


def test_catalogue_is_well_formed() -> None:
    assert len(SINGLE) >= 20 and len(BY_NAME) == len(VARIANTS)
    for v in VARIANTS:
        assert v.name == v.name.lower() and " " not in v.name, v.name
        assert v.description and v.page_basis.startswith("page:"), v.name
        assert set(v.includes) <= set(SINGLE), v.name


def test_every_single_variant_has_a_probe() -> None:
    assert sorted(PROBES) == sorted(SINGLE)


def test_no_probe_fires_on_the_default_server(make_api) -> None:  # type: ignore[no-untyped-def]
    assert _fired(make_api()) == set()


@pytest.mark.parametrize("variant", SINGLE)
def test_each_variant_is_observable(make_api, variant: str) -> None:  # type: ignore[no-untyped-def]
    assert PROBES[variant](make_api(variants=frozenset({variant})))


def test_literal_is_the_variants_it_includes(make_api) -> None:  # type: ignore[no-untyped-def]
    included = set(BY_NAME["literal"].includes)
    assert expand({"literal"}) == included
    assert included <= _fired(make_api(variants=frozenset({"literal"})))


# ---- combinations -------------------------------------------------------------------------------------------
def _every_operation(api: Api) -> dict[str, int]:
    """A normal request to each of the 19 operations (in an order that keeps each one's target alive)."""
    first_rm = api.ok("/registeredModels/")["data"][0]["id"]
    version = api.ok(f"/registeredModels/{first_rm}/versions/")["data"][0]["id"]
    package = api.ok("/modelPackages/")["data"][0]["id"]
    listed = {r["name"] for r in api.ok(f"/registeredModels/{first_rm}/sharedRoles/")["data"]}
    grantee = next(u["username"] for u in USERS if u["username"] not in listed)
    grant = {"username": grantee, "role": "USER", "shareRecipientType": "user"}
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/modelPackages/", {}),
        ("GET", f"/modelPackages/{package}/", {}),
        ("GET", f"/modelPackages/{package}/capabilities/", {}),
        ("GET", f"/modelPackages/{package}/features/", {}),
        ("GET", f"/modelPackages/{package}/modelLogs/", {}),
        ("GET", f"/modelPackages/{package}/sharedRoles/", {}),
        ("GET", "/registeredModels/", {}),
        ("GET", f"/registeredModels/{first_rm}/", {}),
        ("GET", f"/registeredModels/{first_rm}/deployments/", {}),
        ("GET", f"/registeredModels/{first_rm}/sharedRoles/", {}),
        ("GET", f"/registeredModels/{first_rm}/versions/", {}),
        ("GET", f"/registeredModels/{first_rm}/versions/{version}/", {}),
        ("GET", f"/registeredModels/{first_rm}/versions/{version}/deployments/", {}),
        ("PATCH", f"/registeredModels/{first_rm}/", {"json": {"description": "combined"}}),
        (
            "PATCH",
            f"/registeredModels/{first_rm}/sharedRoles/",
            {"json": {"operation": "updateRoles", "roles": [grant]}},
        ),
        ("POST", "/modelPackages/fromLeaderboard/", {"json": {"modelId": LEADERBOARD_MODEL_IDS[0]}}),
        ("POST", "/modelPackages/fromLearningModel/", {"json": {"modelId": LEADERBOARD_MODEL_IDS[1]}}),
        ("POST", f"/modelPackages/{package}/archive/", {}),
        ("DELETE", f"/registeredModels/{first_rm}/", {}),
    ]
    return {
        f"{method} {path}": api.request(method, path, **kwargs).status_code for method, path, kwargs in calls
    }


@pytest.mark.parametrize(
    "variants",
    [
        pytest.param(frozenset(SINGLE), id="every-variant"),
        pytest.param(frozenset(SINGLE) - {"uuid-ids"}, id="every-variant-but-uuid"),
        pytest.param(
            frozenset({"literal", "uuid-ids", "omit-optional", "error-body-text"}), id="literal-plus"
        ),
    ],
)
def test_combined_variants_serve_every_operation(make_api, variants: frozenset[str]) -> None:  # type: ignore[no-untyped-def]
    statuses = _every_operation(make_api(variants=variants))
    assert len(statuses) == 19
    assert {op: status for op, status in statuses.items() if not 200 <= status < 300} == {}


def test_combined_variants_keep_each_choice(make_api) -> None:  # type: ignore[no-untyped-def]
    """Probes of variants that do not exclude each other all fire on one server with all of them."""
    exclusive = {
        "limit-over-max-rejected",  # refuse what page-max-50 clamps
        "limit-over-max-422",
        "error-body-plain",  # error-body-text wins
        "create-202-id-only",  # create-empty-body wins
        "omit-optional",  # null-optional-nullable's properties would be gone
    }
    together = frozenset(SINGLE) - exclusive
    fired = _fired(make_api(variants=together))
    assert together - fired == set()


@pytest.mark.parametrize("variants", [frozenset(), frozenset(SINGLE), frozenset({"literal"})])
def test_features_search_stays_case_insensitive(make_api, variants: frozenset[str]) -> None:  # type: ignore[no-untyped-def]
    api = make_api(variants=variants)
    package = api.ok("/modelPackages/")["data"][0]["id"]
    path = f"/modelPackages/{package}/features/"
    name = api.ok(path)["data"][0]["name"]
    found = [f["name"] for f in api.ok(path, params={"search": name.swapcase()})["data"]]
    assert name in found


@pytest.mark.parametrize("variant", ["bad-query-422", "limit-over-max-422"])
def test_model_packages_keep_their_documented_400(make_api, variant: str) -> None:  # type: ignore[no-untyped-def]
    api = make_api(variants=frozenset({variant, "limit-over-max-rejected"}))
    for params in ({"limit": "abc"}, {"limit": 100000}, {"imported": "maybe"}):
        assert api.get("/modelPackages/", params=params).status_code == 400, params


def test_unknown_variant_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown variant"):
        Api(variants=frozenset({"no-such-variant"}))
    with pytest.raises(ValueError, match="unknown variant"):
        parse(["page-default-20,no-such-variant"])
    assert parse(["page-default-20,page-max-50", "literal"]) == {"page-default-20", "page-max-50", "literal"}


# ---- CLI ----------------------------------------------------------------------------------------------------
def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mmcontract", "serve", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_cli_lists_variants() -> None:
    result = _serve("--list-variants")
    assert result.returncode == 0, result.stderr
    for v in VARIANTS:
        assert v.name in result.stdout and v.page_basis in result.stdout


def test_cli_list_variants_survives_a_closed_pipe() -> None:
    command = f"{sys.executable} -m mmcontract serve --list-variants | head -1"
    result = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=60)
    assert result.stdout.startswith("NAME") and "Traceback" not in result.stderr


def test_cli_refuses_an_unknown_variant_in_one_line() -> None:
    result = _serve("--variant", "page-default-20,no-such-variant", "--db", ":memory:", "--port", "0")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "no-such-variant" in result.stderr


@pytest.mark.parametrize(
    "variants",
    [
        pytest.param(frozenset(), id="default"),
        pytest.param(frozenset(SINGLE), id="every-variant"),
        pytest.param(frozenset(SINGLE) - {"uuid-ids", "order-newest-first"}, id="every-variant-but-two"),
    ],
)
def test_combined_variants_walk_consistently(make_api, variants: frozenset[str]) -> None:  # type: ignore[no-untyped-def]
    """Following next from page 1 yields totalCount distinct items, with and without sortKey."""
    api = make_api(variants=variants)
    first_rm = api.ok("/registeredModels/", params={"sortKey": "name", "sortDirection": "asc"})["data"][0][
        "id"
    ]
    package = api.ok("/modelPackages/")["data"][0]["id"]
    lists = [
        ("/registeredModels/", {}),
        ("/registeredModels/", {"sortKey": "name"}),
        ("/modelPackages/", {}),
        (f"/registeredModels/{first_rm}/versions/", {"sortKey": "createdAt"}),
        (f"/modelPackages/{package}/features/", {}),
        (f"/modelPackages/{package}/modelLogs/", {}),
        (f"/registeredModels/{first_rm}/sharedRoles/", {}),
        (f"/modelPackages/{package}/sharedRoles/", {}),
    ]
    for path, params in lists:
        total = api.ok(path, params=params)["totalCount"]
        items = api.walk(path, {**params, "limit": 1})
        keys = [str(sorted(item.items())) for item in items]
        assert len(keys) == total and len(set(keys)) == total, (path, params, len(keys), total)


def test_a_fault_comes_on_top_of_variants(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(fault="schema-bad-enum", variants=frozenset({"uuid-ids", "page-default-20"}))
    packages = api.ok("/modelPackages/")["data"]
    assert len(packages) == 20 and all(len(p["id"]) == 36 for p in packages)
    assert any(p["buildStatus"] == "done" for p in packages)


def test_the_embedded_server_takes_variants() -> None:
    server = start_embedded(variants=frozenset({"uuid-ids", "token-bearer-only"}))
    try:
        headers = {"Authorization": f"Bearer {server.token}"}
        listing = httpx.get(f"{server.base_url}/registeredModels/", headers=headers, timeout=30)
        assert listing.status_code == 200 and len(listing.json()["data"][0]["id"]) == 36
        token = {"Authorization": f"Token {server.token}"}
        assert httpx.get(f"{server.base_url}/registeredModels/", headers=token, timeout=30).status_code == 401
    finally:
        server.stop()
