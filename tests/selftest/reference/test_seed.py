"""The seed is deterministic and has the shape the issue asks for (read back over HTTP)."""

from __future__ import annotations

from collections import Counter

from reference_helpers import Api

from mmcontract.reference.seed import build_seed


def _all_packages(api: Api) -> list[dict]:
    packages = []
    for model in api.walk("/registeredModels/") + [
        api.ok(f"/registeredModels/{m}/") for m in _archived_ids()
    ]:
        packages += api.walk(f"/registeredModels/{model['id']}/versions/")
    return packages


def _archived_ids() -> list[str]:
    return [m["id"] for m in build_seed().registered_models if m["isArchived"]]


def test_seed_is_deterministic() -> None:
    assert build_seed() == build_seed()


def test_packages_cover_every_branch(api: Api) -> None:
    packages = _all_packages(api)
    assert len(packages) >= 30
    assert {p["target"]["type"] for p in packages} == {
        "Binary", "Regression", "Multiclass", "Multilabel", "TextGeneration", "GeoPoint"
    }  # fmt: skip
    assert {p["modelExecutionType"] for p in packages} == {"dedicated", "custom_inference_model", "external"}
    assert {p["buildStatus"] for p in packages} == {"inProgress", "complete", "failed", None}
    assert {p["modelKind"]["isTimeSeries"] for p in packages} == {True, False}
    assert {p["modelKind"]["isMultiseries"] for p in packages} == {True, False}
    assert {p["isArchived"] for p in packages} == {True, False}
    assert {p["isDeprecated"] for p in packages} == {True, False}
    assert {p["importMeta"]["originalFileName"] is None for p in packages} == {True, False}
    assert {p["sourceMeta"]["scoringCode"]["location"] for p in packages} == {
        "local_leaderboard",
        "mlpkg",
        None,
    }
    assert {p["modelDescription"]["buildEnvironmentType"] for p in packages} == {
        "DataRobot",
        "Python",
        "R",
        "Java",
        "Other",
    }
    assert {p["datasets"]["targetHistogramBaseline"] for p in packages} == {"predictions", "actuals"}
    assert {p["stage"] for p in packages} == {
        "Registered",
        "Development",
        "Staging",
        "Production",
        "Archived",
    }
    assert any("useCaseDetails" in p["sourceMeta"] for p in packages)
    assert any("customModelDetails" in p["sourceMeta"] for p in packages)
    assert {p.get("mlpkgFileContents", {}).get("allTimeSeriesPredictionIntervals", "absent") for p in packages} == {
        True, False, None, "absent"
    }  # fmt: skip
    assert {p["timeseries"]["forecastDistancesTimeUnit"] for p in packages} == {"DAY", "HOUR", None}


def test_class_names_are_limited_to_100_and_class_count_is_true(api: Api) -> None:
    packages = _all_packages(api)
    big = [p for p in packages if (p["target"]["classCount"] or 0) > 100]
    assert big and all(len(p["target"]["classNames"]) == 100 for p in big)
    assert all(len(p["target"]["classNames"]) <= 100 for p in packages)
    binary = [p for p in packages if p["target"]["type"] == "Binary"]
    assert all(
        len(p["target"]["classNames"]) == 2 and p["target"]["predictionThreshold"] is not None for p in binary
    )


def test_logs_features_and_deployments(api: Api) -> None:
    packages = _all_packages(api)
    log_counts = [
        api.ok(f"/modelPackages/{p['id']}/modelLogs/", params={"limit": 1})["totalCount"] for p in packages
    ]
    assert max(log_counts) > 100 and min(log_counts) >= 1
    levels = Counter(
        entry["level"] for p in packages[:6] for entry in api.walk(f"/modelPackages/{p['id']}/modelLogs/")
    )
    assert set(levels) == {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
    for package in packages:
        features = api.walk(
            f"/modelPackages/{package['id']}/features/", {"includeNonPredictionFeatures": "true"}
        )
        assert features and any(isinstance(f["importance"], float) for f in features)
    deployed = [p for p in packages if p["activeDeploymentCount"] > 0]
    assert len(deployed) >= 5


def test_registered_models_versions_and_roles(api: Api) -> None:
    models = api.walk("/registeredModels/") + [api.ok(f"/registeredModels/{m}/") for m in _archived_ids()]
    assert len(models) >= 10
    assert {m["isGlobal"] for m in models} == {True, False}
    assert any(m["isArchived"] for m in models)
    recipient_types = set()
    for model in models:
        versions = api.walk(f"/registeredModels/{model['id']}/versions/")
        assert 1 <= len(versions) <= 5 and model["lastVersionNum"] == len(versions)
        assert {v["registeredModelId"] for v in versions} == {model["id"]}
        assert isinstance(model["description"], str)
        roles = api.walk(f"/registeredModels/{model['id']}/sharedRoles/")
        assert any(r["role"] == "OWNER" for r in roles)
        recipient_types |= {r["shareRecipientType"] for r in roles}
    assert recipient_types == {"user", "group", "organization"}
    with_deployments = [
        m for m in models if api.ok(f"/registeredModels/{m['id']}/deployments/")["totalCount"]
    ]
    assert 3 <= len(with_deployments) < len(models)
