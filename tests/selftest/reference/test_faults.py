"""Every fault of the catalogue is observable over HTTP, and each is one local deviation.

PROBES holds, per fault, a probe that answers "is this deviation visible?" through the API only. A fault
without a probe fails `test_every_fault_has_a_probe`; the matrix test runs every probe against the correct
server (none may fire) and against each faulty server (exactly its own probe fires), so a fault that leaks
into another's behaviour, or a probe that cannot fire, is caught.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from reference_helpers import TOKEN, Api

from mmcontract.reference.faults import BY_NAME, FAULT_CLASSES, FAULTS
from mmcontract.reference.seed import KIND_PACKAGE, KIND_RM, LEADERBOARD_MODEL_IDS, USERS, oid

UNKNOWN = "65f0c0ffee0000000000dead"


def rm(n: int) -> str:
    return oid(KIND_RM, n)


def pkg(n: int) -> str:
    return oid(KIND_PACKAGE, n)


def ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _share(api: Api, rm_id: str, *grants: dict[str, str]) -> int:
    body = {"operation": "updateRoles", "roles": list(grants)}
    return api.patch(f"/registeredModels/{rm_id}/sharedRoles/", json=body).status_code


def _roles(api: Api, rm_id: str) -> dict[str, str]:
    return {r["name"]: r["role"] for r in api.ok(f"/registeredModels/{rm_id}/sharedRoles/")["data"]}


# ---- one probe per fault: True when the deviation is visible ----------------------------------------------
def schema_missing_required(api: Api) -> bool:
    return "createdBy" not in api.ok(f"/registeredModels/{rm(1)}/")


def schema_wrong_type(api: Api) -> bool:
    return isinstance(api.ok(f"/modelPackages/{pkg(4)}/")["activeDeploymentCount"], str)


def schema_bad_enum(api: Api) -> bool:
    return any(p["buildStatus"] == "done" for p in api.ok("/modelPackages/")["data"])


def schema_null_not_nullable(api: Api) -> bool:
    return api.ok(f"/registeredModels/{rm(1)}/")["name"] is None


def schema_bad_datetime(api: Api) -> bool:
    return api.ok("/registeredModels/")["data"][0]["createdAt"] == "24/08/2019"


def status_create_200(api: Api) -> bool:
    created = api.post("/modelPackages/fromLeaderboard/", json={"modelId": LEADERBOARD_MODEL_IDS[0]})
    return created.status_code == 200


def status_archive_200(api: Api) -> bool:
    response = api.post(f"/modelPackages/{pkg(7)}/archive/")
    return response.status_code == 200 and bool(response.content)


def status_missing_410(api: Api) -> bool:
    return api.get(f"/registeredModels/{UNKNOWN}/").status_code == 410


def content_type_text(api: Api) -> bool:
    return api.get("/registeredModels/").headers["content-type"].startswith("text/plain")


def content_type_missing(api: Api) -> bool:
    return "content-type" not in api.get(f"/modelPackages/{pkg(4)}/capabilities/").headers


def page_count_mismatch(api: Api) -> bool:
    page = api.ok("/registeredModels/", params={"limit": 3})
    return page["count"] != len(page["data"])


def page_limit_ignored(api: Api) -> bool:
    return len(api.ok("/modelPackages/", params={"limit": 2})["data"]) > 2


def page_next_relative(api: Api) -> bool:
    return not api.ok(f"/registeredModels/{rm(1)}/versions/", params={"limit": 1})["next"].startswith(
        "http://"
    )


def page_next_last_not_null(api: Api) -> bool:
    total = api.ok(f"/registeredModels/{rm(1)}/deployments/")["totalCount"]
    return (
        api.ok(f"/registeredModels/{rm(1)}/deployments/", params={"offset": total - 1, "limit": 1})["next"]
        is not None
    )


def page_offset_skip(api: Api) -> bool:
    path = f"/modelPackages/{pkg(4)}/features/"
    total = api.ok(path)["totalCount"]
    return len(_walk_ids_by_name(api, path)) != total


def _walk_ids_by_name(api: Api, path: str) -> list[str]:
    """Follow next (at most 50 pages; a relative link is resolved against the server)."""
    page = api.ok(path, params={"limit": 2})
    found = [f["name"] for f in page["data"]]
    for _ in range(50):
        if page["next"] is None:
            break
        page = api.ok(urljoin("http://testserver/", page["next"]))
        found += [f["name"] for f in page["data"]]
    return found


def page_next_drops_filter(api: Api) -> bool:
    page = api.ok(f"/modelPackages/{pkg(25)}/sharedRoles/", params={"limit": 1, "shareRecipientType": "user"})
    return dict(parse_qsl(urlsplit(page["next"]).query)).get("shareRecipientType") != "user"


def page_total_page_local(api: Api) -> bool:
    page = api.ok(f"/modelPackages/{pkg(25)}/modelLogs/", params={"limit": 5})
    return page["totalCount"] == 5


def order_direction_ignored(api: Api) -> bool:
    response = api.get("/registeredModels/", params={"sortKey": "modifiedAt", "sortDirection": "desc"})
    if response.status_code != 200:
        return False  # refusing the value is another fault (reject-valid-sort-desc)
    stamps = [ts(m["modifiedAt"]) for m in response.json()["data"]]
    return stamps != sorted(stamps, reverse=True)


def order_orderby_ignored(api: Api) -> bool:
    names = [
        f["name"] for f in api.ok(f"/modelPackages/{pkg(4)}/features/", params={"orderBy": "name"})["data"]
    ]
    return names != sorted(names)


def filter_features_search_case_sensitive(api: Api) -> bool:
    path = f"/modelPackages/{pkg(4)}/features/"
    name = api.ok(path)["data"][0]["name"]
    return api.ok(path, params={"search": name.swapcase()})["totalCount"] == 0


def filter_stage_ignored(api: Api) -> bool:
    staged = api.ok("/registeredModels/", params={"stage": "Production"})["totalCount"]
    return staged == api.ok("/registeredModels/")["totalCount"]


def filter_isglobal_inverted(api: Api) -> bool:
    return any(not m["isGlobal"] for m in api.ok("/registeredModels/", params={"isGlobal": "true"})["data"])


def filter_time_offset_ignored(api: Api) -> bool:
    # 04:00+05:00 is 23:00Z the day before: the model created 2024-01-05T03:00Z must be included
    found = api.ok("/registeredModels/", params={"createdAtStartTs": "2024-01-05T04:00:00+05:00"})["data"]
    return rm(5) not in [m["id"] for m in found]


def write_patch_not_persisted(api: Api) -> bool:
    api.patch(f"/registeredModels/{rm(2)}/", json={"description": "patched"})
    return api.ok(f"/registeredModels/{rm(2)}/")["description"] != "patched"


def write_delete_keeps_versions(api: Api) -> bool:
    api.delete(f"/registeredModels/{rm(5)}/")
    return not all(v["isArchived"] for v in api.ok(f"/registeredModels/{rm(5)}/versions/")["data"])


def write_archive_noop(api: Api) -> bool:
    api.post(f"/modelPackages/{pkg(6)}/archive/")
    return api.ok(f"/modelPackages/{pkg(6)}/")["isArchived"] is False


def write_sharing_invisible(api: Api) -> bool:
    user = USERS[5]["username"]
    status = _share(api, rm(7), {"username": user, "role": "EDITOR", "shareRecipientType": "user"})
    return status == 204 and _roles(api, rm(7)).get(user) != "EDITOR"


def write_sharing_no_owner_allowed(api: Api) -> bool:
    status = _share(
        api, rm(3), {"username": USERS[0]["username"], "role": "NO_ROLE", "shareRecipientType": "user"}
    )
    return status == 204


def write_sharing_unknown_user_accepted(api: Api) -> bool:
    grant = {"username": "nobody@example.com", "role": "USER", "shareRecipientType": "user"}
    return _share(api, rm(11), grant) == 204


def write_lost_update(api: Api) -> bool:
    path = f"/registeredModels/{rm(4)}/"
    api.patch(path, json={"description": "alone"})
    if api.ok(path)["description"] != "alone":
        return False  # a PATCH that is never stored is another fault (write-patch-not-persisted)
    flipped = not api.ok(path)["isGlobal"]
    api.concurrently(
        ("PATCH", path, {"json": {"description": "concurrent description"}}),
        ("PATCH", path, {"json": {"isGlobal": flipped}}),
    )
    final = api.ok(path)
    return (final["description"], final["isGlobal"]) != ("concurrent description", flipped)


def write_ack_before_commit(api: Api) -> bool:
    # not visible over HTTP without a crash (test_durability.py kills the server to show it): an answered
    # write must leave no transaction open
    api.patch(f"/registeredModels/{rm(6)}/", json={"description": "committed?"})
    return bool(api.app.state.store.uncommitted())


def validation_maxlength_ignored(api: Api) -> bool:
    return api.patch(f"/registeredModels/{rm(9)}/", json={"name": "n" * 1025}).status_code == 200


def validation_bounds_ignored(api: Api) -> bool:
    body = {"modelId": LEADERBOARD_MODEL_IDS[1], "predictionThreshold": 1.5}
    return api.post("/modelPackages/fromLeaderboard/", json=body).status_code < 300


def reject_valid_sort_desc(api: Api) -> bool:
    return api.get("/registeredModels/", params={"sortDirection": "desc"}).status_code == 422


def reject_valid_capital_true(api: Api) -> bool:
    path = f"/modelPackages/{pkg(4)}/features/"
    return api.get(path, params={"includeNonPredictionFeatures": "True"}).status_code == 422


def robust_500_negative_offset(api: Api) -> bool:
    response = api.get("/registeredModels/", params={"offset": "-1"})
    return response.status_code == 500 and response.json()["message"] == "Internal server error"


def robust_500_unknown_sort_key(api: Api) -> bool:
    return api.get("/registeredModels/", params={"sortKey": "bogus"}).status_code == 500


def robust_500_non_ascii_search(api: Api) -> bool:
    return api.get("/modelPackages/", params={"search": "café"}).status_code == 500


def item_shared_roles_bad_enum(api: Api) -> bool:
    roles = api.ok(f"/registeredModels/{rm(1)}/sharedRoles/")["data"]
    return any(r["shareRecipientType"] == "USER" for r in roles)


def item_package_shared_roles_missing_required(api: Api) -> bool:
    return any("name" not in r for r in api.ok(f"/modelPackages/{pkg(25)}/sharedRoles/")["data"])


def item_features_wrong_type(api: Api) -> bool:
    return any(isinstance(f["importance"], str) for f in api.ok(f"/modelPackages/{pkg(4)}/features/")["data"])


def item_model_logs_over_max(api: Api) -> bool:
    page = api.ok(f"/modelPackages/{pkg(25)}/modelLogs/", params={"limit": 100})  # 130 entries
    return len(page["data"]) > 100


def item_deployments_missing_required(api: Api) -> bool:
    return any("status" not in d for d in api.ok(f"/registeredModels/{rm(1)}/deployments/")["data"])


def item_version_deployments_wrong_type(api: Api) -> bool:
    for version in api.ok(f"/registeredModels/{rm(1)}/versions/")["data"]:
        path = f"/registeredModels/{rm(1)}/versions/{version['id']}/deployments/"
        if any(isinstance(d["registeredModelVersion"], str) for d in api.ok(path)["data"]):
            return True
    return False


def item_versions_bad_enum(api: Api) -> bool:
    versions = api.ok(f"/registeredModels/{rm(1)}/versions/")["data"]
    return any(v["modelExecutionType"] == "leaderboard" for v in versions)


def status_delete_200(api: Api) -> bool:
    return api.delete(f"/registeredModels/{rm(8)}/").status_code == 200


def reject_create_name_null(api: Api) -> bool:
    body = {"modelId": LEADERBOARD_MODEL_IDS[2], "name": None}
    return api.post("/modelPackages/fromLeaderboard/", json=body).status_code == 422


def robust_500_search_percent(api: Api) -> bool:
    return api.get("/registeredModels/", params={"search": "100%"}).status_code == 500


def robust_500_long_path_id(api: Api) -> bool:
    return api.get(f"/modelPackages/{'f' * 65}/").status_code == 500


def auth_missing_token_accepted(api: Api) -> bool:
    return api.get("/registeredModels/", auth=False).status_code == 200


def auth_wrong_token_accepted(api: Api) -> bool:
    return (
        api.get(
            f"/modelPackages/{pkg(4)}/", auth=False, headers={"Authorization": "Bearer not-it"}
        ).status_code
        == 200
    )


def isolation_version_any_model(api: Api) -> bool:
    return api.get(f"/registeredModels/{rm(3)}/versions/{pkg(4)}/").status_code == 200


def isolation_deployments_any_model(api: Api) -> bool:
    return api.get(f"/registeredModels/{rm(3)}/versions/{pkg(4)}/deployments/").status_code == 200


# fault name -> the probe function of the same name (dashes as underscores)
PROBES: dict[str, Callable[[Api], bool]] = {
    name: probe for name in BY_NAME if (probe := globals().get(name.replace("-", "_"))) is not None
}


def test_every_fault_has_a_probe() -> None:
    assert sorted(PROBES) == sorted(BY_NAME)


def test_catalogue_is_well_formed() -> None:
    assert len(FAULTS) >= 25 and len(BY_NAME) == len(FAULTS)
    assert {f.fault_class for f in FAULTS} == set(FAULT_CLASSES)
    assert all(f.description and f.name == f.name.lower() for f in FAULTS)


def _fired(api: Api) -> set[str]:
    return {name for name, probe in PROBES.items() if probe(api)}


def test_no_probe_fires_on_the_correct_server(make_api) -> None:  # type: ignore[no-untyped-def]
    assert _fired(make_api()) == set()


@pytest.mark.parametrize("fault", [f.name for f in FAULTS])
def test_each_fault_is_observable_and_alone(make_api, fault: str) -> None:  # type: ignore[no-untyped-def]
    assert _fired(make_api(fault=fault)) == {fault}


def test_unknown_fault_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        Api(fault="no-such-fault")


def test_auth_faults_still_refuse_the_other_case(make_api) -> None:  # type: ignore[no-untyped-def]
    missing = make_api(fault="auth-missing-token-accepted")
    assert (
        missing.get("/registeredModels/", auth=False, headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    assert missing.get(f"/registeredModels/{rm(1)}/", auth=False).status_code == 401
    wrong = make_api(fault="auth-wrong-token-accepted")
    assert wrong.get("/registeredModels/", auth=False).status_code == 401
    assert (
        wrong.get("/registeredModels/", auth=False, headers={"Authorization": f"Token {TOKEN}"}).status_code
        == 200
    )
