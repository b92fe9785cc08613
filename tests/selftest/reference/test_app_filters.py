"""Every documented filter and sort of every list, and the validation of their values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from reference_helpers import Api

from mmcontract.reference.seed import (
    KIND_ENV,
    KIND_PACKAGE,
    KIND_RM,
    LEADERBOARD_MODEL_IDS,
    USERS,
    oid,
)

RM_CHURN = oid(KIND_RM, 1)
PKG_CHURN_V4 = oid(KIND_PACKAGE, 4)
PKG_IRIS_V1 = oid(KIND_PACKAGE, 9)
PKG_FRAUD_V1 = oid(KIND_PACKAGE, 24)  # external
ARCHIVED_PKG = oid(KIND_PACKAGE, 1)


def ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


# ---- model packages ---------------------------------------------------------------------------------------
def test_archived_packages_are_not_listed_but_readable(api: Api) -> None:
    listed = api.walk("/modelPackages/")
    assert ARCHIVED_PKG not in ids(listed)
    assert all(not p["isArchived"] for p in listed)
    assert api.ok(f"/modelPackages/{ARCHIVED_PKG}/")["isArchived"] is True
    assert len(listed) == 34 - 5


def test_packages_search_is_case_insensitive_over_name_model_name_and_description(api: Api) -> None:
    by_model_name = api.walk("/modelPackages/", {"search": "GRADIENT BOOST"})
    assert by_model_name and all(
        "gradient boost" in p["modelDescription"]["modelName"].lower() for p in by_model_name
    )
    by_name = api.walk("/modelPackages/", {"search": "house price regressor V2"})
    assert [p["name"] for p in by_name] == ["House Price Regressor v2"]
    by_description = api.walk("/modelPackages/", {"search": "SUBSCRIBERS churn"})
    assert by_description and all(
        "subscribers churn" in (p["modelDescription"]["description"] or "") for p in by_description
    )
    assert api.walk("/modelPackages/", {"search": "ünïcødé ☃"}) == []


@pytest.mark.parametrize("status", ["inProgress", "complete", "failed"])
def test_packages_build_status_filter(api: Api, status: str) -> None:
    found = api.walk("/modelPackages/", {"buildStatus": status})
    assert found and {p["buildStatus"] for p in found} == {status}


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("True", True), ("false", False), ("False", False)]
)
def test_packages_imported_filter_takes_both_spellings(api: Api, value: str, expected: bool) -> None:
    found = api.walk("/modelPackages/", {"imported": value})
    assert found and {p["importMeta"]["originalFileName"] is not None for p in found} == {expected}


def test_packages_model_id_threshold_and_model_kind(api: Api) -> None:
    package = api.ok(f"/modelPackages/{PKG_CHURN_V4}/")
    assert ids(api.walk("/modelPackages/", {"modelId": package["modelId"]})) == [PKG_CHURN_V4]
    found = api.walk("/modelPackages/", {"predictionThreshold": "0.42"})
    assert found and {p["target"]["predictionThreshold"] for p in found} == {0.42}
    assert api.walk("/modelPackages/", {"predictionThreshold": "7"}) == []
    everything = api.walk("/modelPackages/")
    assert api.walk("/modelPackages/", {"modelKind": "anything"}) == everything


def test_packages_similar_to(api: Api) -> None:
    found = api.walk("/modelPackages/", {"similarTo": PKG_IRIS_V1})
    assert found and {p["target"]["type"] for p in found} == {"Multiclass"}
    assert {tuple(p["target"]["classNames"]) for p in found} == {("setosa", "versicolor", "virginica")}
    assert api.walk("/modelPackages/", {"similarTo": "no-such-package"}) == []


def test_packages_similar_to_external_for_challenger_returns_no_external(api: Api) -> None:
    similar = api.walk("/modelPackages/", {"similarTo": PKG_FRAUD_V1})
    assert any(p["modelExecutionType"] == "external" for p in similar)
    challengers = api.walk("/modelPackages/", {"similarTo": PKG_FRAUD_V1, "forChallenger": "true"})
    assert all(p["modelExecutionType"] != "external" for p in challengers)


def test_packages_prediction_environment_filter(api: Api) -> None:
    agent = api.walk("/modelPackages/", {"predictionEnvironmentId": oid(KIND_ENV, 2)})
    assert agent
    assert all(
        p["modelExecutionType"] == "external" or p["sourceMeta"]["scoringCode"]["location"] is not None
        for p in agent
    )
    serverless = api.walk("/modelPackages/", {"predictionEnvironmentId": oid(KIND_ENV, 1)})
    assert serverless and all(p["modelExecutionType"] != "external" for p in serverless)
    assert api.walk("/modelPackages/", {"predictionEnvironmentId": "unknown"}) == []


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        ("/modelPackages/", "buildStatus", "done"),
        ("/modelPackages/", "imported", "yes"),
        ("/modelPackages/", "forChallenger", "1"),
        ("/modelPackages/", "predictionThreshold", "half"),
        ("/modelPackages/", "predictionThreshold", "nan"),
        ("/registeredModels/", "isGlobal", "TRUE"),
        ("/registeredModels/", "sortKey", "label"),
        ("/registeredModels/", "sortDirection", "up"),
        ("/registeredModels/", "stage", "production"),
        ("/registeredModels/", "createdAtStartTs", "yesterday"),
        ("/registeredModels/", "createdAtEndTs", "2024-01-01"),
        ("/registeredModels/", "modifiedAtStartTs", "2024-13-01T00:00:00Z"),
        ("/registeredModels/", "modifiedAtEndTs", "2024-01-01T00:00:00+25:00"),
        (f"/registeredModels/{RM_CHURN}/versions/", "sortKey", "name"),
        (f"/registeredModels/{RM_CHURN}/versions/", "stage", "Retired"),
        (f"/registeredModels/{RM_CHURN}/deployments/", "sortKey", "status"),
        (f"/modelPackages/{PKG_CHURN_V4}/features/", "orderBy", "-featureType"),
        (f"/modelPackages/{PKG_CHURN_V4}/features/", "includeNonPredictionFeatures", "TRUE"),
        (f"/modelPackages/{PKG_CHURN_V4}/features/", "forSegmentedAnalysis", "0"),
        (f"/registeredModels/{RM_CHURN}/sharedRoles/", "shareRecipientType", "team"),
    ],
)
def test_bad_filter_values_get_400_naming_the_field(api: Api, path: str, name: str, value: str) -> None:
    response = api.get(path, params={name: value})
    assert response.status_code == 400, response.text
    body = response.json()
    assert name in body["errors"] and name in body["message"]


# ---- registered models ------------------------------------------------------------------------------------
def test_registered_models_search_is_case_insensitive_on_the_name_only(api: Api) -> None:
    found = api.walk("/registeredModels/", {"search": "ENERGY"})
    assert [m["name"] for m in found] == ["energy demand forecast"]
    assert [m["name"] for m in api.walk("/registeredModels/", {"search": "churn PRED"})] == [
        "Churn Predictor"
    ]
    # "subscribers" is only in Churn Predictor's description: registered model search is on the name
    assert api.walk("/registeredModels/", {"search": "subscribers"}) == []


@pytest.mark.parametrize(
    "value",
    [
        "2024-01-05T00:00:00Z",
        "2024-01-05T00:00:00+00:00",
        "2024-01-05T02:00:00+02:00",
        "2024-01-04T19:00:00-05:00",
        "2024-01-05T00:00:00",  # naive isoformat(): read as UTC
        "2024-01-05T00:00:00.000000",
        "2024-01-05 00:00:00Z",
        "2024-01-05T00:00:00 00:00",  # an unescaped '+' arrives as a space
    ],
)
def test_created_at_range_accepts_every_spelling_of_the_same_instant(api: Api, value: str) -> None:
    start = ts("2024-01-05T00:00:00Z")
    after = api.walk("/registeredModels/", {"createdAtStartTs": value})
    before = api.walk("/registeredModels/", {"createdAtEndTs": value})
    assert after and before
    assert all(ts(m["createdAt"]) >= start for m in after)
    assert all(ts(m["createdAt"]) < start for m in before)
    assert len(after) + len(before) == len(api.walk("/registeredModels/"))


def test_time_range_bounds_are_start_inclusive_end_exclusive(api: Api) -> None:
    model = api.ok(f"/registeredModels/{RM_CHURN}/")
    at = model["createdAt"]
    assert RM_CHURN in ids(api.walk("/registeredModels/", {"createdAtStartTs": at}))
    assert RM_CHURN not in ids(api.walk("/registeredModels/", {"createdAtEndTs": at}))
    modified = model["modifiedAt"]
    window = api.walk(
        "/registeredModels/", {"modifiedAtStartTs": modified, "modifiedAtEndTs": "2100-01-01T00:00:00Z"}
    )
    assert RM_CHURN in ids(window) and all(ts(m["modifiedAt"]) >= ts(modified) for m in window)
    assert RM_CHURN not in ids(api.walk("/registeredModels/", {"modifiedAtEndTs": modified}))


def test_numeric_offsets_shift_the_instant(api: Api) -> None:
    # 2024-01-05T04:00:00+05:00 is 2024-01-04T23:00:00Z: the model created 2024-01-05T03:00:00Z is after it
    utc = api.walk("/registeredModels/", {"createdAtStartTs": "2024-01-05T04:00:00Z"})
    shifted = api.walk("/registeredModels/", {"createdAtStartTs": "2024-01-05T04:00:00+05:00"})
    assert len(shifted) > len(utc)


@pytest.mark.parametrize(
    ("name", "value", "check"),
    [
        ("targetName", "price", lambda m: m["target"]["name"] == "price"),
        ("targetType", "Regression", lambda m: m["target"]["type"] == "Regression"),
        ("createdBy", USERS[1]["email"], lambda m: m["createdBy"]["email"] == USERS[1]["email"]),
        ("isGlobal", "true", lambda m: m["isGlobal"] is True),
        ("isGlobal", "False", lambda m: m["isGlobal"] is False),
    ],
)
def test_registered_model_field_filters(api: Api, name: str, value: str, check: Any) -> None:
    found = api.walk("/registeredModels/", {name: value})
    assert found and all(check(m) for m in found)
    assert len(found) < len(api.walk("/registeredModels/"))


@pytest.mark.parametrize(
    ("name", "value", "version_check"),
    [
        ("stage", "Production", lambda v: v["stage"] == "Production"),
        ("stage", "Archived", lambda v: v["isArchived"]),
        ("buildStatus", "failed", lambda v: v["buildStatus"] == "failed"),
        ("imported", "True", lambda v: v["importMeta"]["originalFileName"] is not None),
        ("predictionThreshold", "0.7", lambda v: v["target"]["predictionThreshold"] == 0.7),
        ("compatibleWithModelPackageId", PKG_IRIS_V1, lambda v: v["target"]["type"] == "Multiclass"),
        ("predictionEnvironmentId", oid(KIND_ENV, 2), lambda v: v["modelExecutionType"] == "external"
         or v["sourceMeta"]["scoringCode"]["location"] is not None),
    ],
)  # fmt: skip
def test_registered_model_filters_on_versions(api: Api, name: str, value: str, version_check: Any) -> None:
    found = api.walk("/registeredModels/", {name: value})
    assert found and len(found) < len(api.walk("/registeredModels/"))
    for model in found:
        versions = api.walk(f"/registeredModels/{model['id']}/versions/")
        assert any(version_check(v) for v in versions), (model["name"], name, value)


def test_registered_model_compatible_with_leaderboard_model_and_tags(api: Api) -> None:
    version = api.ok(f"/registeredModels/{RM_CHURN}/versions/{PKG_CHURN_V4}/")
    found = api.walk("/registeredModels/", {"compatibleWithLeaderboardModelId": version["modelId"]})
    assert ids(found) == [RM_CHURN]
    assert (
        api.walk("/registeredModels/", {"compatibleWithLeaderboardModelId": LEADERBOARD_MODEL_IDS[0]}) == []
    )
    tagged = api.walk("/registeredModels/", {"tagKeys": "team", "tagValues": "growth,retail"})
    assert {m["name"] for m in tagged} == {"Churn Predictor", "Sales Forecast"}
    assert {m["name"] for m in api.walk("/registeredModels/", [("tagKeys", "tier")])} == {"Churn Predictor"}


@pytest.mark.parametrize(
    ("key", "field"), [("createdAt", "createdAt"), ("modifiedAt", "modifiedAt"), ("name", "name")]
)
@pytest.mark.parametrize("direction", ["asc", "desc", None])
def test_registered_model_sorting(api: Api, key: str, field: str, direction: str | None) -> None:
    params = {"sortKey": key} | ({"sortDirection": direction} if direction else {})
    found = api.walk("/registeredModels/", {**params, "limit": 3})
    values = [ts(m[field]) if field != "name" else m[field] for m in found]
    assert values == sorted(values, reverse=direction == "desc")
    assert len(set(values)) > 1


def test_registered_models_default_order_is_created_at_ascending(api: Api) -> None:
    values = [ts(m["createdAt"]) for m in api.walk("/registeredModels/")]
    assert values == sorted(values)


# ---- versions ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("version", lambda v: v["registeredModelVersion"]),
        ("modelType", lambda v: v["modelDescription"]["modelName"]),
        ("status", lambda v: v["buildStatus"] or ""),
        ("createdAt", lambda v: ts(v["createdAt"])),
        ("updatedAt", lambda v: ts(v["updatedAt"])),
    ],
)
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_version_sorting(api: Api, key: str, value: Any, direction: str) -> None:
    found = api.walk(f"/registeredModels/{RM_CHURN}/versions/", {"sortKey": key, "sortDirection": direction})
    values = [value(v) for v in found]
    assert len(found) == 5 and values == sorted(values, reverse=direction == "desc")


@pytest.mark.parametrize(
    ("name", "value", "check"),
    [
        ("targetName", "churned", lambda v: v["target"]["name"] == "churned"),
        ("targetType", "Binary", lambda v: v["target"]["type"] == "Binary"),
        ("stage", "Production", lambda v: v["stage"] == "Production"),
        ("buildStatus", "inProgress", lambda v: v["buildStatus"] == "inProgress"),
        (
            "search",
            "LIGHT GRADIENT",
            lambda v: "light gradient" in v["modelDescription"]["modelName"].lower(),
        ),
        ("createdBy", USERS[1]["email"], lambda v: v["importMeta"]["creatorUsername"] == USERS[1]["email"]),
        ("predictionThreshold", "0.42", lambda v: v["target"]["predictionThreshold"] == 0.42),
    ],
)
def test_version_filters(api: Api, name: str, value: str, check: Any) -> None:
    found = api.walk(f"/registeredModels/{RM_CHURN}/versions/", {name: value})
    assert found and all(check(v) for v in found)
    if name not in ("targetName", "targetType"):
        assert len(found) < 5


def test_version_use_case_filter(api: Api) -> None:
    rm = oid(KIND_RM, 11)
    versions = api.walk(f"/registeredModels/{rm}/versions/")
    use_case = next(
        v["sourceMeta"]["useCaseDetails"]["id"] for v in versions if "useCaseDetails" in v["sourceMeta"]
    )
    found = api.walk(f"/registeredModels/{rm}/versions/", {"useCaseId": use_case})
    assert [v["registeredModelVersion"] for v in found] == [2]


def test_versions_list_includes_archived_versions(api: Api) -> None:
    found = api.walk(f"/registeredModels/{RM_CHURN}/versions/")
    assert [v["registeredModelVersion"] for v in found] == [1, 2, 3, 4, 5]
    assert found[0]["isArchived"] is True and found[0]["stage"] == "Archived"


# ---- deployments ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_deployment_sorting_and_search(api: Api, direction: str) -> None:
    path = f"/registeredModels/{RM_CHURN}/deployments/"
    by_label = api.walk(path, {"sortKey": "label", "sortDirection": direction})
    labels = [d["label"] for d in by_label]
    assert len(labels) == 4 and labels == sorted(labels, reverse=direction == "desc")
    by_created = api.walk(path, {"sortKey": "createdAt", "sortDirection": direction})
    created = [ts(d["createdAt"]) for d in by_created]
    assert created == sorted(created, reverse=direction == "desc")
    found = api.walk(path, {"search": "CHAMPION"})
    assert {d["label"] for d in found} == {"Churn champion", "Churn champion (old)"}


def test_version_deployments_are_the_versions_own(api: Api) -> None:
    found = api.walk(f"/registeredModels/{RM_CHURN}/versions/{PKG_CHURN_V4}/deployments/")
    assert len(found) == 2 and {d["registeredModelVersion"] for d in found} == {4}
    version = api.ok(f"/registeredModels/{RM_CHURN}/versions/{PKG_CHURN_V4}/")
    assert version["activeDeploymentCount"] == sum(d["currentlyDeployed"] for d in found)


# ---- features ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("order_by", ["name", "-name", "importance", "-importance"])
def test_feature_order_by(api: Api, order_by: str) -> None:
    found = api.walk(
        f"/modelPackages/{PKG_CHURN_V4}/features/",
        {"orderBy": order_by, "includeNonPredictionFeatures": "true"},
    )
    key = order_by.lstrip("-")
    present = [f[key] for f in found if f[key] is not None]
    assert present == sorted(present, reverse=order_by.startswith("-"))
    # features without an importance come last in both directions
    assert [f[key] is None for f in found] == sorted(f[key] is None for f in found)


@pytest.mark.parametrize("spelling", ["true", "True"])
def test_feature_inclusion_flags(api: Api, spelling: str) -> None:
    path = f"/modelPackages/{PKG_CHURN_V4}/features/"
    predictive = api.walk(path)
    everything = api.walk(path, {"includeNonPredictionFeatures": spelling})
    assert len(everything) > len(predictive)
    assert (
        api.walk(
            path,
            {
                "includeNonPredictionFeatures": spelling.replace("rue", "alse")
                .replace("t", "f")
                .replace("T", "F")
            },
        )
        == predictive
    )
    segmented = api.walk(path, {"forSegmentedAnalysis": spelling})
    assert segmented and all(f["featureType"] == "Categorical" for f in segmented)


def test_feature_search_is_case_insensitive(api: Api) -> None:
    found = api.walk(
        f"/modelPackages/{PKG_CHURN_V4}/features/", {"search": "DATE", "includeNonPredictionFeatures": "true"}
    )
    assert found and all("date" in f["name"].lower() for f in found)


# ---- shared roles -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path", [f"/registeredModels/{RM_CHURN}/sharedRoles/", f"/modelPackages/{PKG_CHURN_V4}/sharedRoles/"]
)
def test_shared_role_filters(api: Api, path: str) -> None:
    everything = api.walk(path)
    assert {r["shareRecipientType"] for r in everything} == {"user", "group", "organization"}
    for rtype in ("user", "group", "organization"):
        found = api.walk(path, {"shareRecipientType": rtype})
        assert found and {r["shareRecipientType"] for r in found} == {rtype}
    owner = everything[0]
    assert api.walk(path, {"id": owner["id"]}) == [owner]
    assert api.walk(path, {"name": owner["name"]}) == [owner]
    assert api.walk(path, {"id": owner["id"], "name": "someone else"}) == []
    assert all(
        r["role"] in {"OWNER", "USER", "EDITOR", "READ_ONLY", "CONSUMER", "READ_WRITE"} for r in everything
    )
