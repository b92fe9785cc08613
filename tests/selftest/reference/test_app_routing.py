"""Auth, routing (404/405 with Allow), the version and benchmark routes, and error bodies."""

from __future__ import annotations

import pytest
from reference_helpers import TOKEN, Api

from mmcontract.reference.seed import KIND_PACKAGE, KIND_RM, oid

RM = oid(KIND_RM, 1)
PKG = oid(KIND_PACKAGE, 4)

# One concrete request per documented operation (method, path); writes use ids of the seed.
OPERATIONS = [
    ("GET", "/modelPackages/"),
    ("POST", "/modelPackages/fromLeaderboard/"),
    ("POST", "/modelPackages/fromLearningModel/"),
    ("GET", f"/modelPackages/{PKG}/"),
    ("POST", f"/modelPackages/{PKG}/archive/"),
    ("GET", f"/modelPackages/{PKG}/capabilities/"),
    ("GET", f"/modelPackages/{PKG}/features/"),
    ("GET", f"/modelPackages/{PKG}/modelLogs/"),
    ("GET", f"/modelPackages/{PKG}/sharedRoles/"),
    ("GET", "/registeredModels/"),
    ("DELETE", f"/registeredModels/{RM}/"),
    ("GET", f"/registeredModels/{RM}/"),
    ("PATCH", f"/registeredModels/{RM}/"),
    ("GET", f"/registeredModels/{RM}/deployments/"),
    ("GET", f"/registeredModels/{RM}/sharedRoles/"),
    ("PATCH", f"/registeredModels/{RM}/sharedRoles/"),
    ("GET", f"/registeredModels/{RM}/versions/"),
    ("GET", f"/registeredModels/{RM}/versions/{PKG}/"),
    ("GET", f"/registeredModels/{RM}/versions/{PKG}/deployments/"),
]


def test_every_operation_is_routed() -> None:
    assert len(OPERATIONS) == 19


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize(
    "header",
    [None, "Bearer wrong", f"Basic {TOKEN}", "Bearer", f"Bearer{TOKEN}", f"Bearer {TOKEN}x"],
    ids=["missing", "wrong", "basic", "empty", "no-space", "suffix"],
)
def test_missing_or_wrong_token_gets_401_json(api: Api, method: str, path: str, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = api.request(method, path, auth=False, headers=headers, json={"modelId": "x"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert "message" in response.json()


@pytest.mark.parametrize("scheme", ["Bearer", "Token", "bearer", "TOKEN"])
def test_bearer_and_token_schemes_are_accepted(api: Api, scheme: str) -> None:
    response = api.get("/registeredModels/", auth=False, headers={"Authorization": f"{scheme} {TOKEN}"})
    assert response.status_code == 200


def test_version_route_is_what_the_official_client_expects(api: Api) -> None:
    assert api.ok("/version/") == {"major": 2, "minor": 49, "versionString": "2.49.0"}
    assert api.get("/version/", auth=False).status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/nothing/",
        "/registeredModels",
        f"/registeredModels/{RM}",
        "/modelPackages//",
        "/",
        "/api/v3/x",
        "/api/v2",
        "/registeredModels/*/sharedRoles/",  # an id `*` (a hostile string) is an unknown id, not the wildcard
        "/modelPackages/*/",
    ],
)
def test_unknown_paths_get_404_json(api: Api, path: str) -> None:
    url = "http://testserver" + path if path.startswith("/api") or path == "/" else path
    response = api.get(url)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json()["message"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/registeredModels/", "GET, HEAD"),
        ("PUT", f"/registeredModels/{RM}/", "DELETE, GET, HEAD, PATCH"),
        ("DELETE", "/modelPackages/", "GET, HEAD"),
        ("GET", "/modelPackages/fromLeaderboard/", "POST"),
        ("GET", f"/modelPackages/{PKG}/archive/", "POST"),
        ("OPTIONS", f"/registeredModels/{RM}/sharedRoles/", "GET, HEAD, PATCH"),
        ("TRACE", f"/registeredModels/{RM}/versions/{PKG}/", "GET, HEAD"),
        ("QUERY", f"/modelPackages/{PKG}/features/", "GET, HEAD"),
        ("PATCH", f"/registeredModels/{RM}/versions/", "GET, HEAD"),
        ("POST", "/version/", "GET, HEAD"),
    ],
)
def test_undeclared_methods_get_405_with_allow(api: Api, method: str, path: str, allow: str) -> None:
    response = api.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.headers["content-type"] == "application/json"


def test_405_comes_before_the_id_lookup(api: Api) -> None:
    assert api.request("PUT", "/registeredModels/unknown-id/").status_code == 405


def test_head_answers_headers_only(api: Api) -> None:
    response = api.request("HEAD", f"/registeredModels/{RM}/")
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) > 0


@pytest.mark.parametrize("size", [12, 100, 3500, 350_000])
def test_bench_constant_route_has_the_asked_size_and_needs_auth(api: Api, size: int) -> None:
    response = api.get("/_bench/constant", params={"size": size})
    assert response.status_code == 200
    assert len(response.content) == size
    assert response.headers["content-type"] == "application/json"
    assert response.json()["data"]
    assert api.get("/_bench/constant", auth=False, params={"size": size}).status_code == 401


def test_bench_constant_rejects_bad_sizes(api: Api) -> None:
    assert api.get("/_bench/constant", params={"size": 3}).status_code == 400
    assert api.get("/_bench/constant", params={"size": "big"}).json()["errors"] == {
        "size": "expected an integer, got 'big'"
    }
