"""Bad input of every kind gets a 4xx JSON error naming the field, never a 5xx."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference_helpers import Api

from mmcontract.reference.params import MAX_BODY_BYTES
from mmcontract.reference.seed import KIND_PACKAGE, KIND_RM, LEADERBOARD_MODEL_IDS, oid

RM = oid(KIND_RM, 1)
PKG = oid(KIND_PACKAGE, 4)
WRITES = [
    ("POST", "/modelPackages/fromLeaderboard/"),
    ("POST", "/modelPackages/fromLearningModel/"),
    ("PATCH", f"/registeredModels/{RM}/"),
    ("PATCH", f"/registeredModels/{RM}/sharedRoles/"),
]
LISTS = [
    "/modelPackages/",
    "/registeredModels/",
    f"/registeredModels/{RM}/versions/",
    f"/registeredModels/{RM}/deployments/",
    f"/registeredModels/{RM}/sharedRoles/",
    f"/modelPackages/{PKG}/features/",
    f"/modelPackages/{PKG}/modelLogs/",
    f"/registeredModels/{RM}/versions/{PKG}/deployments/",
]


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize(
    ("content", "content_type", "status", "field"),
    [
        (b'{"modelId": ', "application/json", 422, "body"),
        (b"\xff\xfe{}", "application/json", 422, "body"),
        (b"NaN", "application/json", 422, "body"),
        (b'{"a": Infinity}', "application/json", 422, "body"),
        (b"[" * 100_000, "application/json", 422, "body"),
        (b'{"name": "x"}', "text/plain", 415, "Content-Type"),
        (b'{"name": "x"}', "application/x-www-form-urlencoded", 415, "Content-Type"),
        (b'{"name": "x"}', None, 415, "Content-Type"),
        (b"", "application/json", 422, "body"),
        (b"   ", None, 422, "body"),
    ],
    ids=["truncated", "not-utf8", "nan", "infinity", "deep", "text", "form", "no-type", "empty", "blank"],
)
def test_malformed_bodies_get_4xx_naming_the_problem(
    api: Api, method: str, path: str, content: bytes, content_type: str | None, status: int, field: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = api.request(method, path, content=content, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert field in response.json()["errors"]


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_oversized_bodies_get_413(api: Api, method: str, path: str) -> None:
    body = b'{"name": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = api.request(method, path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "body" in response.json()["errors"]


def test_json_with_charset_and_vendor_types_is_accepted(fresh: Api) -> None:
    for content_type in ("application/json; charset=utf-8", "application/vnd.api+json"):
        response = fresh.patch(
            f"/registeredModels/{RM}/",
            content=b'{"name": "caf\\u00e9"}',
            headers={"Content-Type": content_type},
        )
        assert response.status_code == 200, response.text
        assert response.json()["name"] == "café"


def test_non_ascii_values_round_trip(fresh: Api) -> None:
    name = "模型 ✓ — naïve \U0001f600"
    assert fresh.patch(f"/registeredModels/{RM}/", json={"name": name}).json()["name"] == name
    assert fresh.ok(f"/registeredModels/{RM}/")["name"] == name
    created = fresh.post(
        "/modelPackages/fromLeaderboard/",
        json={"modelId": LEADERBOARD_MODEL_IDS[1], "registeredModelName": name},
    )
    assert created.status_code == 202
    assert fresh.walk("/registeredModels/", {"search": "模型"})[0]["name"] == name


def test_archive_ignores_any_body(fresh: Api) -> None:
    response = fresh.post(
        f"/modelPackages/{PKG}/archive/", content=b"garbage", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 204


_text = st.text(st.characters(codec="utf-8"), max_size=30)
_values = st.one_of(
    _text,
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        [
            "",
            "true",
            "True",
            "0",
            "-0",
            "1e309",
            "nan",
            "2024-01-01T00:00:00+99:99",
            "9999-12-31T23:59:59-23:59",
        ]
    ),
)
_params = st.sampled_from(
    [
        "offset", "limit", "search", "sortKey", "sortDirection", "orderBy", "stage", "buildStatus", "isGlobal",
        "imported", "forChallenger", "predictionThreshold", "createdAtStartTs", "createdAtEndTs",
        "modifiedAtStartTs", "modifiedAtEndTs", "targetType", "targetName", "createdBy", "similarTo",
        "compatibleWithModelPackageId", "compatibleWithLeaderboardModelId", "predictionEnvironmentId", "modelKind",
        "includeNonPredictionFeatures", "forSegmentedAnalysis", "shareRecipientType", "id", "name", "tagKeys",
        "tagValues", "useCaseId", "modelId", "\x00", "ünknown",
    ]
)  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(LISTS), params=st.lists(st.tuples(_params, _values), max_size=6))
def test_no_query_string_makes_a_list_fail(api: Api, path: str, params: list[tuple[str, str]]) -> None:
    response = api.get(path, params=params)
    assert response.status_code in (200, 400), (params, response.status_code, response.text)
    body = response.json()
    if response.status_code == 400:
        assert body["errors"] and body["message"]
    else:
        assert body["count"] == len(body["data"])


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | _text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_text, children, max_size=4),
    max_leaves=12,
)
_fields = st.sampled_from(
    ["modelId", "name", "description", "predictionThreshold", "registeredModelId", "registeredModelName",
     "operation", "roles", "isGlobal", "tags", "computeAllTsIntervals"]
)  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    target=st.sampled_from(WRITES),
    body=st.one_of(_json, st.dictionaries(_fields, _json, max_size=5)),
)
def test_no_json_body_makes_a_write_fail(api: Api, target: tuple[str, str], body: object) -> None:
    method, path = target
    response = api.request(method, path, json=body)
    assert response.status_code < 500, (body, response.text)
    if response.status_code >= 400:
        assert response.json()["message"]
