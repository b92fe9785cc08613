"""Writes: create from the leaderboard/learning model, archive, delete, PATCH, sharing; and unknown ids."""

from __future__ import annotations

import pytest
from reference_helpers import Api

from mmcontract.reference.seed import KIND_PACKAGE, KIND_RM, LEADERBOARD_MODEL_IDS, USERS, oid

RM_CHURN = oid(KIND_RM, 1)
RM_IRIS = oid(KIND_RM, 3)
PKG_CHURN_V4 = oid(KIND_PACKAGE, 4)
PKG_IRIS_V1 = oid(KIND_PACKAGE, 9)
LEADERBOARD = LEADERBOARD_MODEL_IDS[0]
UNKNOWN = "65f0c0ffee0000000000dead"

VERSION_FIELDS = {
    "id", "registeredModelId", "registeredModelVersion", "name", "modelId", "modelExecutionType", "isArchived",
    "isDeprecated", "permissions", "activeDeploymentCount", "importMeta", "sourceMeta", "modelKind", "target",
    "modelDescription", "datasets", "timeseries", "capabilities", "buildStatus", "updatedBy",
}  # fmt: skip


# ---- create -----------------------------------------------------------------------------------------------
def test_from_leaderboard_creates_a_registered_model_then_a_new_version(fresh: Api) -> None:
    before = fresh.ok("/registeredModels/", params={"limit": 1})["totalCount"]
    created = fresh.post(
        "/modelPackages/fromLeaderboard/",
        json={
            "modelId": LEADERBOARD,
            "name": "my package",
            "description": "d",
            "predictionThreshold": 0.25,
            "registeredModelName": "My Registered Model",
            "registeredModelDescription": "rd",
            "tags": [{"name": "t", "value": "v"}],
            "registeredModelTags": [{"name": "t2", "value": "v2"}],
            "computeAllTsIntervals": True,
            "distributionPredictionModelId": None,
        },
    )
    assert created.status_code == 202, created.text
    package = created.json()
    assert set(package) >= VERSION_FIELDS
    assert package["name"] == "my package" and package["modelId"] == LEADERBOARD
    assert package["registeredModelVersion"] == 1 and package["target"]["predictionThreshold"] == 0.25
    assert package["tags"][0]["name"] == "t"
    assert fresh.ok(f"/modelPackages/{package['id']}/") == package
    model = fresh.ok(f"/registeredModels/{package['registeredModelId']}/")
    assert (
        model["name"] == "My Registered Model"
        and model["description"] == "rd"
        and model["lastVersionNum"] == 1
    )
    assert fresh.ok("/registeredModels/", params={"limit": 1})["totalCount"] == before + 1
    roles = fresh.ok(f"/registeredModels/{model['id']}/sharedRoles/")["data"]
    assert roles == [
        {"id": USERS[0]["id"], "name": USERS[0]["username"], "role": "OWNER", "shareRecipientType": "user"}
    ]

    second = fresh.post(
        "/modelPackages/fromLeaderboard/", json={"modelId": LEADERBOARD, "registeredModelId": model["id"]}
    )
    assert second.status_code == 202, second.text
    assert second.json()["registeredModelVersion"] == 2
    assert fresh.ok(f"/registeredModels/{model['id']}/")["lastVersionNum"] == 2
    versions = fresh.walk(f"/registeredModels/{model['id']}/versions/")
    assert [v["id"] for v in versions] == [package["id"], second.json()["id"]]
    assert fresh.ok(f"/registeredModels/{model['id']}/versions/{second.json()['id']}/") == second.json()
    assert fresh.walk(f"/modelPackages/{package['id']}/features/") and fresh.walk(
        f"/modelPackages/{package['id']}/modelLogs/"
    )


def test_from_leaderboard_without_names_is_named_after_the_model(fresh: Api) -> None:
    created = fresh.post("/modelPackages/fromLeaderboard/", json={"modelId": LEADERBOARD})
    assert created.status_code == 202
    package = created.json()
    model = fresh.ok(f"/registeredModels/{package['registeredModelId']}/")
    assert package["name"] and model["name"] == package["name"] and model["description"] == ""


def test_new_version_of_a_seeded_model_from_its_leaderboard_model(fresh: Api) -> None:
    model_id = fresh.ok(f"/modelPackages/{PKG_IRIS_V1}/")["modelId"]
    created = fresh.post(
        "/modelPackages/fromLeaderboard/", json={"modelId": model_id, "registeredModelId": RM_IRIS}
    )
    assert created.status_code == 202, created.text
    assert created.json()["registeredModelVersion"] == 3
    assert created.json()["target"]["classNames"] == ["setosa", "versicolor", "virginica"]


def test_from_learning_model_answers_201_with_the_package(fresh: Api) -> None:
    created = fresh.post("/modelPackages/fromLearningModel/", json={"modelId": LEADERBOARD, "name": "legacy"})
    assert created.status_code == 201, created.text
    assert set(created.json()) >= VERSION_FIELDS
    assert fresh.ok(f"/modelPackages/{created.json()['id']}/")["name"] == "legacy"


def test_extra_leaderboard_model_ids_are_accepted(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(leaderboard_model_ids=["65f0c0ffee00000000001eab"], seed=False)
    assert api.ok("/registeredModels/")["totalCount"] == 0
    assert api.ok("/modelPackages/")["totalCount"] == 0
    created = api.post("/modelPackages/fromLeaderboard/", json={"modelId": "65f0c0ffee00000000001eab"})
    assert created.status_code == 202
    assert api.ok("/registeredModels/")["totalCount"] == 1


@pytest.mark.parametrize("path", ["/modelPackages/fromLeaderboard/", "/modelPackages/fromLearningModel/"])
@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"modelId": UNKNOWN}, 404, "modelId"),
        ({"modelId": LEADERBOARD, "registeredModelId": UNKNOWN}, 404, "registeredModelId"),
        ({}, 422, "modelId"),
        ({"modelId": 5}, 422, "modelId"),
        ({"modelId": LEADERBOARD, "predictionThreshold": 1.5}, 422, "predictionThreshold"),
        ({"modelId": LEADERBOARD, "predictionThreshold": -0.1}, 422, "predictionThreshold"),
        ({"modelId": LEADERBOARD, "predictionThreshold": "0.5"}, 422, "predictionThreshold"),
        ({"modelId": LEADERBOARD, "predictionThreshold": True}, 422, "predictionThreshold"),
        ({"modelId": LEADERBOARD, "predictionThreshold": None}, 422, "predictionThreshold"),
        ({"modelId": LEADERBOARD, "name": "n" * 1025}, 422, "name"),
        ({"modelId": LEADERBOARD, "description": "d" * 2049}, 422, "description"),
        ({"modelId": LEADERBOARD, "name": 3}, 422, "name"),
        ({"modelId": LEADERBOARD, "computeAllTsIntervals": "yes"}, 422, "computeAllTsIntervals"),
        (
            {"modelId": LEADERBOARD, "registeredModelName": "a", "registeredModelId": RM_CHURN},
            422,
            "registeredModelId",
        ),
        ({"modelId": LEADERBOARD, "registeredModelId": RM_CHURN}, 422, "registeredModelId"),  # another target
        (
            {"modelId": LEADERBOARD, "registeredModelId": oid(KIND_RM, 13)},
            422,
            "registeredModelId",
        ),  # archived
        ({"modelId": LEADERBOARD, "tags": "t"}, 422, "tags"),
        ({"modelId": LEADERBOARD, "tags": [{"name": 1}]}, 422, "tags[0]"),
        ([LEADERBOARD], 422, "body"),
    ],
)
def test_create_rejects_bad_bodies_naming_the_field(
    fresh: Api, path: str, body: object, status: int, field: str
) -> None:
    response = fresh.post(path, json=body)
    assert response.status_code == status, response.text
    assert field in response.json()["errors"]


def test_create_accepts_the_boundaries(fresh: Api) -> None:
    for body in (
        {"modelId": LEADERBOARD, "predictionThreshold": 0},
        {"modelId": LEADERBOARD, "predictionThreshold": 1},
        {"modelId": LEADERBOARD, "name": "n" * 1024, "description": "d" * 2048},
        {"modelId": LEADERBOARD, "name": None, "description": None, "computeAllTsIntervals": None},
        {"modelId": LEADERBOARD, "unknownField": {"is": "ignored"}},
    ):
        assert fresh.post("/modelPackages/fromLeaderboard/", json=body).status_code == 202, body


# ---- archive ----------------------------------------------------------------------------------------------
def test_archive_is_idempotent_hides_from_the_list_and_stays_readable(fresh: Api) -> None:
    assert PKG_CHURN_V4 in [p["id"] for p in fresh.walk("/modelPackages/")]
    for _ in range(2):
        response = fresh.post(f"/modelPackages/{PKG_CHURN_V4}/archive/")
        assert response.status_code == 204 and response.content == b""
        assert "content-type" not in response.headers
    package = fresh.ok(f"/modelPackages/{PKG_CHURN_V4}/")
    assert package["isArchived"] is True
    assert PKG_CHURN_V4 not in [p["id"] for p in fresh.walk("/modelPackages/")]
    version = fresh.ok(f"/registeredModels/{RM_CHURN}/versions/{PKG_CHURN_V4}/")
    assert version["isArchived"] is True and version["stage"] == "Archived"
    assert fresh.post(f"/modelPackages/{UNKNOWN}/archive/").status_code == 404


# ---- delete -----------------------------------------------------------------------------------------------
def test_delete_archives_the_model_and_all_its_versions(fresh: Api) -> None:
    response = fresh.delete(f"/registeredModels/{RM_CHURN}/")
    assert response.status_code == 204 and response.content == b""
    model = fresh.ok(f"/registeredModels/{RM_CHURN}/")
    assert model["isArchived"] is True
    versions = fresh.walk(f"/registeredModels/{RM_CHURN}/versions/")
    assert len(versions) == 5 and all(v["isArchived"] for v in versions)
    assert RM_CHURN not in [m["id"] for m in fresh.walk("/registeredModels/")]  # decision: not listed
    assert all(p["registeredModelId"] != RM_CHURN for p in fresh.walk("/modelPackages/"))
    assert fresh.delete(f"/registeredModels/{RM_CHURN}/").status_code == 204  # idempotent
    assert fresh.delete(f"/registeredModels/{UNKNOWN}/").status_code == 404


# ---- PATCH registered model -------------------------------------------------------------------------------
def test_patch_updates_and_persists(fresh: Api) -> None:
    before = fresh.ok(f"/registeredModels/{RM_CHURN}/")
    response = fresh.patch(
        f"/registeredModels/{RM_CHURN}/", json={"name": "Renamed ✓", "description": "new", "isGlobal": False}
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["name"], updated["description"], updated["isGlobal"]) == ("Renamed ✓", "new", False)
    assert updated["modifiedAt"] > before["modifiedAt"] and updated["createdAt"] == before["createdAt"]
    assert fresh.ok(f"/registeredModels/{RM_CHURN}/") == updated
    assert [m["id"] for m in fresh.walk("/registeredModels/", {"search": "renamed ✓"})] == [RM_CHURN]
    partial = fresh.patch(f"/registeredModels/{RM_CHURN}/", json={"description": ""}).json()
    assert partial["name"] == "Renamed ✓" and partial["description"] == ""
    same = fresh.patch(f"/registeredModels/{RM_CHURN}/", json={}).json()
    assert same == partial


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "n" * 1025}, "name"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"name": 7}, "name"),
        ({"description": "d" * 2049}, "description"),
        ({"description": None}, "description"),
        ({"isGlobal": "true"}, "isGlobal"),
        ({"isGlobal": 1}, "isGlobal"),
        ([], "body"),
        ("name", "body"),
    ],
)
def test_patch_rejects_invalid_fields_with_422(fresh: Api, body: object, field: str) -> None:
    before = fresh.ok(f"/registeredModels/{RM_CHURN}/")
    response = fresh.patch(f"/registeredModels/{RM_CHURN}/", json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]
    assert fresh.ok(f"/registeredModels/{RM_CHURN}/") == before


def test_patch_accepts_the_maximum_lengths(fresh: Api) -> None:
    response = fresh.patch(
        f"/registeredModels/{RM_CHURN}/", json={"name": "n" * 1024, "description": "d" * 2048}
    )
    assert response.status_code == 200


# ---- sharing ----------------------------------------------------------------------------------------------
def _roles(api: Api, rm: str = RM_CHURN) -> dict[str, str]:
    return {r["name"]: r["role"] for r in api.walk(f"/registeredModels/{rm}/sharedRoles/")}


def _share(api: Api, *grants: dict[str, object], rm: str = RM_CHURN) -> object:
    return api.patch(
        f"/registeredModels/{rm}/sharedRoles/", json={"operation": "updateRoles", "roles": list(grants)}
    )


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("OWNER", "OWNER"),
        ("USER", "USER"),
        ("OBSERVER", "CONSUMER"),
        ("CONSUMER", "CONSUMER"),
        ("EDITOR", "EDITOR"),
        ("READ_ONLY", "READ_ONLY"),
        ("READ_WRITE", "READ_WRITE"),
    ],
)
def test_sharing_grants_by_username_and_roles_are_visible(fresh: Api, sent: str, stored: str) -> None:
    user = USERS[5]["username"]
    response = _share(fresh, {"username": user, "role": sent, "shareRecipientType": "user"})
    assert response.status_code == 204 and response.content == b""
    assert _roles(fresh)[user] == stored
    assert fresh.walk(f"/modelPackages/{PKG_CHURN_V4}/sharedRoles/", {"name": user})[0]["role"] == stored


def test_sharing_by_id_with_can_share_then_no_role_removes(fresh: Api) -> None:
    user = USERS[3]
    grant = {"id": user["id"], "role": "EDITOR", "shareRecipientType": "user", "canShare": False}
    assert _share(fresh, grant).status_code == 204
    assert _roles(fresh)[user["username"]] == "EDITOR"
    assert _share(fresh, {**grant, "role": "NO_ROLE", "canShare": None}).status_code == 204
    assert user["username"] not in _roles(fresh)


def test_sharing_with_groups_and_organizations_by_name_or_id(fresh: Api) -> None:
    assert (
        _share(fresh, {"username": "ML Ops", "role": "USER", "shareRecipientType": "group"}).status_code
        == 204
    )
    assert _roles(fresh)["ML Ops"] == "USER"
    org = fresh.walk(f"/registeredModels/{RM_CHURN}/sharedRoles/", {"shareRecipientType": "organization"})[0]
    assert (
        _share(fresh, {"id": org["id"], "role": "NO_ROLE", "shareRecipientType": "organization"}).status_code
        == 204
    )
    assert org["name"] not in _roles(fresh)


def test_sharing_that_leaves_no_owner_is_409_and_changes_nothing(fresh: Api) -> None:
    before = _roles(fresh)
    owner = USERS[0]["username"]
    response = _share(
        fresh,
        {"username": USERS[4]["username"], "role": "USER", "shareRecipientType": "user"},
        {"username": owner, "role": "NO_ROLE", "shareRecipientType": "user"},
    )
    assert response.status_code == 409
    assert response.json()["message"]
    assert _roles(fresh) == before
    demote = _share(fresh, {"username": owner, "role": "CONSUMER", "shareRecipientType": "user"})
    assert demote.status_code == 409
    # handing ownership over in the same request is fine
    handover = _share(
        fresh,
        {"username": USERS[4]["username"], "role": "OWNER", "shareRecipientType": "user"},
        {"username": owner, "role": "USER", "shareRecipientType": "user"},
    )
    assert handover.status_code == 204
    assert _roles(fresh)[owner] == "USER" and _roles(fresh)[USERS[4]["username"]] == "OWNER"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"operation": "updateRoles", "roles": [{"username": "nobody@example.com", "role": "USER", "shareRecipientType": "user"}]}, "roles[0].username"),
        ({"operation": "updateRoles", "roles": [{"id": UNKNOWN, "role": "USER", "shareRecipientType": "user"}]}, "roles[0].id"),
        ({"operation": "updateRoles", "roles": [{"username": "Data Science", "role": "USER", "shareRecipientType": "user"}]}, "roles[0].username"),
        ({"operation": "updateRoles", "roles": [{"username": USERS[1]["username"], "role": "ADMIN", "shareRecipientType": "user"}]}, "roles[0].role"),
        ({"operation": "updateRoles", "roles": [{"username": USERS[1]["username"], "role": {}, "shareRecipientType": "user"}]}, "roles[0].role"),
        ({"operation": "updateRoles", "roles": [{"username": USERS[1]["username"], "shareRecipientType": "user"}]}, "roles[0].role"),
        ({"operation": "updateRoles", "roles": [{"username": USERS[1]["username"], "role": "USER"}]}, "roles[0].shareRecipientType"),
        ({"operation": "updateRoles", "roles": [{"username": USERS[1]["username"], "role": "USER", "shareRecipientType": "team"}]}, "roles[0].shareRecipientType"),
        ({"operation": "updateRoles", "roles": [{"role": "USER", "shareRecipientType": "user"}]}, "roles[0]"),
        ({"operation": "updateRoles", "roles": [{"username": 5, "role": "USER", "shareRecipientType": "user"}]}, "roles[0].username"),
        ({"operation": "updateRoles", "roles": [{"username": USERS[1]["username"], "id": USERS[2]["id"], "role": "USER", "shareRecipientType": "user"}]}, "roles[0]"),
        ({"operation": "updateRoles", "roles": [{"username": USERS[1]["username"], "role": "USER", "shareRecipientType": "user", "canShare": "no"}]}, "roles[0].canShare"),
        ({"operation": "updateRoles", "roles": ["OWNER"]}, "roles[0]"),
        ({"operation": "updateRoles", "roles": []}, "roles"),
        ({"operation": "updateRoles", "roles": [{"username": USERS[1]["username"], "role": "USER", "shareRecipientType": "user"}] * 101}, "roles"),
        ({"operation": "updateRoles", "roles": {}}, "roles"),
        ({"operation": "updateRoles"}, "roles"),
        ({"operation": "setRoles", "roles": [{"username": USERS[1]["username"], "role": "USER", "shareRecipientType": "user"}]}, "operation"),
        ({"roles": [{"username": USERS[1]["username"], "role": "USER", "shareRecipientType": "user"}]}, "operation"),
        ([], "body"),
    ],
)  # fmt: skip
def test_sharing_rejects_unknown_users_and_malformed_grants_with_422(
    fresh: Api, body: object, field: str
) -> None:
    before = _roles(fresh)
    response = fresh.patch(f"/registeredModels/{RM_CHURN}/sharedRoles/", json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]
    assert _roles(fresh) == before


def test_sharing_accepts_100_grants_and_username_with_matching_id(fresh: Api) -> None:
    grant = {
        "username": USERS[1]["username"],
        "id": USERS[1]["id"],
        "role": "USER",
        "shareRecipientType": "user",
    }
    assert _share(fresh, *([grant] * 100)).status_code == 204


# ---- unknown ids and isolation ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/modelPackages/{UNKNOWN}/"),
        ("GET", f"/modelPackages/{UNKNOWN}/capabilities/"),
        ("GET", f"/modelPackages/{UNKNOWN}/features/"),
        ("GET", f"/modelPackages/{UNKNOWN}/modelLogs/"),
        ("GET", f"/modelPackages/{UNKNOWN}/sharedRoles/"),
        ("POST", f"/modelPackages/{UNKNOWN}/archive/"),
        ("GET", f"/registeredModels/{UNKNOWN}/"),
        ("PATCH", f"/registeredModels/{UNKNOWN}/"),
        ("DELETE", f"/registeredModels/{UNKNOWN}/"),
        ("GET", f"/registeredModels/{UNKNOWN}/deployments/"),
        ("GET", f"/registeredModels/{UNKNOWN}/sharedRoles/"),
        ("PATCH", f"/registeredModels/{UNKNOWN}/sharedRoles/"),
        ("GET", f"/registeredModels/{UNKNOWN}/versions/"),
        ("GET", f"/registeredModels/{UNKNOWN}/versions/{PKG_CHURN_V4}/"),
        ("GET", f"/registeredModels/{RM_CHURN}/versions/{UNKNOWN}/"),
        ("GET", f"/registeredModels/{UNKNOWN}/versions/{PKG_CHURN_V4}/deployments/"),
        ("GET", f"/registeredModels/{RM_CHURN}/versions/{UNKNOWN}/deployments/"),
        # a version under a registered model it does not belong to
        ("GET", f"/registeredModels/{RM_IRIS}/versions/{PKG_CHURN_V4}/"),
        ("GET", f"/registeredModels/{RM_IRIS}/versions/{PKG_CHURN_V4}/deployments/"),
        # odd ids
        ("GET", f"/registeredModels/{'x' * 5000}/"),
        ("GET", "/registeredModels/%C3%A9%E2%98%83/"),
        ("GET", "/modelPackages/%00/"),
        ("GET", "/registeredModels/a%2Fb/"),
    ],
)
def test_unknown_ids_get_404_json(api: Api, method: str, path: str) -> None:
    response = api.request(method, path, json={"name": "x", "operation": "updateRoles", "roles": []})
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/json" and response.json()["message"]


@pytest.mark.parametrize("segment", ["%0A", "a%0Ab", "%0D%0A", "%09"])
def test_control_characters_in_ids_get_json_404(api: Api, segment: str) -> None:
    for path in (f"/modelPackages/{segment}/capabilities/", f"/registeredModels/{segment}/"):
        response = api.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/json"
