"""Builders of the API's JSON documents (model packages, registered models, deployments, ...).

The seed and the write handlers build documents through these functions only, so a package created by
`fromLeaderboard` has exactly the shape of a seeded one. Documents are stored pre-serialised; the columns
that filters and sorts need are derived from a document by `store.package_columns` and friends.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

CAPABILITY_NAMES = (
    "supportsAutomaticActuals",
    "supportsChallengerModels",
    "supportsFeatureDriftTracking",
    "supportsHumilityRecommendedRules",
    "supportsHumilityRules",
    "supportsHumilityRulesDefaultCalculations",
    "supportsPredictionWarning",
    "supportsRetraining",
    "supportsScoringCodeDownload",
    "supportsSecondaryDatasets",
    "supportsSegmentedAnalysisDriftAndAccuracy",
    "supportsShapBasedPredictionExplanations",
    "supportsTargetDriftTracking",
)

# What the caller may do with a package; the reference server has one caller (the token's user).
PERMISSIONS = ["CAN_ARCHIVE", "CAN_DEPLOY", "CAN_SHARE", "CAN_UPDATE", "CAN_VIEW"]

# modelExecutionType -> the model formats a prediction environment must support to run it
FORMATS_BY_EXECUTION_TYPE = {
    "dedicated": "datarobot",
    "custom_inference_model": "customModel",
    "external": "externalModel",
}


def iso(ts: float) -> str:
    """RFC 3339 in UTC with a `Z`; microseconds only when there are some."""
    moment = datetime.fromtimestamp(ts, tz=UTC)
    text = moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def user_meta(user: dict[str, Any]) -> dict[str, Any]:
    return {"email": user["email"], "id": user["id"], "name": user["fullName"]}


def capabilities_for(execution_type: str, target_type: str, is_time_series: bool) -> dict[str, bool]:
    external = execution_type == "external"
    generative = target_type == "TextGeneration"
    caps = {
        "supportsAutomaticActuals": is_time_series,
        "supportsChallengerModels": not external and not generative,
        "supportsFeatureDriftTracking": not generative,
        "supportsHumilityRecommendedRules": target_type in ("Binary", "Regression") and not external,
        "supportsHumilityRules": target_type in ("Binary", "Regression", "Multiclass"),
        "supportsHumilityRulesDefaultCalculations": target_type in ("Binary", "Regression") and not external,
        "supportsPredictionWarning": target_type == "Regression",
        "supportsRetraining": execution_type == "dedicated" and not generative,
        "supportsScoringCodeDownload": execution_type == "dedicated" and not is_time_series,
        "supportsSecondaryDatasets": execution_type == "dedicated",
        "supportsSegmentedAnalysisDriftAndAccuracy": not generative,
        "supportsShapBasedPredictionExplanations": target_type in ("Binary", "Regression"),
        "supportsTargetDriftTracking": not generative,
    }
    return caps


def capability_list(caps: dict[str, bool]) -> list[dict[str, Any]]:
    """The body of GET .../capabilities/: every capability with a reason when it is unsupported."""
    return [
        {
            "name": name,
            "supported": bool(caps.get(name)),
            "messages": [] if caps.get(name) else [f"{name} is not available for this model package."],
        }
        for name in CAPABILITY_NAMES
    ]


def build_package_doc(
    *,
    package_id: str,
    name: str,
    model_id: str,
    registered_model_id: str,
    version: int,
    execution_type: str,
    build_status: str | None,
    stage: str,
    target: dict[str, Any],
    model_kind: dict[str, bool],
    model_name: str,
    description: str | None,
    creator: dict[str, Any],
    created_ts: float,
    project: dict[str, Any] | None,
    timeseries: dict[str, Any] | None,
    imported: bool = False,
    is_archived: bool = False,
    is_deprecated: bool = False,
    active_deployment_count: int = 0,
    build_environment: str = "DataRobot",
    tags: list[dict[str, str]] | None = None,
    use_case: dict[str, Any] | None = None,
    custom_model: dict[str, Any] | None = None,
    scoring_code_location: str | None = None,
    mlpkg_intervals: bool | str | None = "absent",
    user_provided_id: str | None = None,
    baseline_segmented_by: list[str] | None = None,
    histogram_baseline: str = "predictions",
) -> dict[str, Any]:
    """A ModelPackageRetrieveResponse (also the body of a registered model version)."""
    created = iso(created_ts)
    is_ts = bool(model_kind.get("isTimeSeries"))
    project = project or {}
    source_meta: dict[str, Any] = {
        "environmentUrl": project.get("environmentUrl"),
        "fips_140_2Enabled": False,
        "projectCreatedAt": project.get("createdAt"),
        "projectCreatorEmail": project.get("creatorEmail"),
        "projectCreatorId": project.get("creatorId"),
        "projectCreatorName": project.get("creatorName"),
        "projectId": project.get("id"),
        "projectName": project.get("name"),
        "scoringCode": {
            "dataRobotPredictionVersion": "1.2.3" if scoring_code_location else None,
            "location": scoring_code_location,
        },
    }
    if use_case is not None:
        source_meta["useCaseDetails"] = use_case
    if custom_model is not None:
        source_meta["customModelDetails"] = custom_model
    ts_doc = {
        "datetimeColumnFormat": None,
        "datetimeColumnName": None,
        "effectiveFeatureDerivationWindowEnd": None,
        "effectiveFeatureDerivationWindowStart": None,
        "featureDerivationWindowEnd": None,
        "featureDerivationWindowStart": None,
        "forecastDistanceColumnName": None,
        "forecastDistances": [],
        "forecastDistancesTimeUnit": None,
        "forecastPointColumnName": None,
        "isCrossSeries": None,
        "isNewSeriesSupport": None,
        "isTraditionalTimeSeries": None,
        "seriesColumnName": None,
    }
    if timeseries:
        ts_doc.update(timeseries)
    doc: dict[str, Any] = {
        "activeDeploymentCount": active_deployment_count,
        "buildStatus": build_status,
        "capabilities": capabilities_for(execution_type, target["type"], is_ts),
        "datasets": {
            "baselineSegmentedBy": baseline_segmented_by or [],
            "datasetName": project.get("datasetName"),
            "holdoutDataCatalogId": None,
            "holdoutDataCatalogVersionId": None,
            "holdoutDataCreatedAt": None,
            "holdoutDataCreatorEmail": None,
            "holdoutDataCreatorId": None,
            "holdoutDataCreatorName": None,
            "holdoutDatasetName": None,
            "targetHistogramBaseline": histogram_baseline,
            "trainingDataCatalogId": project.get("catalogId"),
            "trainingDataCatalogVersionId": project.get("catalogVersionId"),
            "trainingDataCreatedAt": project.get("createdAt") if project.get("catalogId") else None,
            "trainingDataCreatorEmail": project.get("creatorEmail") if project.get("catalogId") else None,
            "trainingDataCreatorId": project.get("creatorId") if project.get("catalogId") else None,
            "trainingDataCreatorName": project.get("creatorName") if project.get("catalogId") else None,
            "trainingDataSize": project.get("rows", 0),
        },
        "id": package_id,
        "importMeta": {
            "containsFearPipeline": True if imported else None,
            "containsFeaturelists": True if imported else None,
            "containsLeaderboardMeta": True if imported else None,
            "containsProjectMeta": False if imported else None,
            "creatorFullName": creator["fullName"],
            "creatorId": creator["id"],
            "creatorUsername": creator["username"],
            "dateCreated": created,
            "originalFileName": f"{name.replace(' ', '_').lower()}.mlpkg" if imported else None,
        },
        "isArchived": is_archived,
        "isDeprecated": is_deprecated,
        "modelDescription": {
            "buildEnvironmentType": build_environment,
            "description": description,
            "location": None if execution_type != "external" else "s3://models/external/" + model_id,
            "modelCreatedAt": created,
            "modelCreatorEmail": creator["email"],
            "modelCreatorId": creator["id"],
            "modelCreatorName": creator["fullName"],
            "modelName": model_name,
        },
        "modelExecutionType": execution_type,
        "modelId": model_id,
        "modelKind": {
            "isAnomalyDetectionModel": bool(model_kind.get("isAnomalyDetectionModel")),
            "isCombinedModel": bool(model_kind.get("isCombinedModel")),
            "isFeatureDiscovery": bool(model_kind.get("isFeatureDiscovery")),
            "isMultiseries": bool(model_kind.get("isMultiseries")),
            "isTimeSeries": is_ts,
            "isUnsupervisedLearning": bool(model_kind.get("isUnsupervisedLearning")),
        },
        "name": name,
        "permissions": list(PERMISSIONS),
        "sourceMeta": source_meta,
        "target": target,
        "timeseries": ts_doc,
        "updatedBy": user_meta(creator),
        # Beyond the page: what the official client needs on a version (registeredModelId/Version) and
        # what makes the stage and tag filters checkable.
        "registeredModelId": registered_model_id,
        "registeredModelVersion": version,
        "stage": "Archived" if is_archived else stage,
        "tags": tags or [],
        "createdAt": created,
        "updatedAt": created,
    }
    if mlpkg_intervals != "absent":
        doc["mlpkgFileContents"] = {"allTimeSeriesPredictionIntervals": mlpkg_intervals}
    if user_provided_id is not None:
        doc["userProvidedId"] = user_provided_id
    return doc


def build_target(
    target_type: str,
    name: str,
    class_names: list[str] | None = None,
    threshold: float | None = None,
) -> dict[str, Any]:
    """target: classNames limited to 100 returned, classCount the true number."""
    classes = list(class_names or [])
    classification = target_type in ("Binary", "Multiclass", "Multilabel")
    return {
        "classCount": len(classes) if classification else None,
        "classNames": classes[:100],
        "name": name,
        "predictionProbabilitiesColumn": f"{name}_PREDICTION" if classification else None,
        "predictionThreshold": (0.5 if threshold is None else threshold) if target_type == "Binary" else None,
        "type": target_type,
    }


def build_registered_model_doc(
    *,
    rm_id: str,
    name: str,
    description: str,
    creator: dict[str, Any],
    created_ts: float,
    modified_ts: float,
    modifier: dict[str, Any],
    target_name: str,
    target_type: str | None,
    last_version_num: int,
    is_global: bool,
    is_archived: bool = False,
) -> dict[str, Any]:
    return {
        "createdAt": iso(created_ts),
        "createdBy": user_meta(creator),
        "description": description,
        "id": rm_id,
        "isArchived": is_archived,
        "isGlobal": is_global,
        "lastVersionNum": last_version_num,
        "modifiedAt": iso(modified_ts),
        "modifiedBy": user_meta(modifier),
        "name": name,
        "target": {"name": target_name, "type": target_type},
    }


# ---- the page's optional response properties (Required false), for the variants omit-optional and
# null-optional-nullable: path inside the document -> nullable ("string,null" on the page)
PACKAGE_OPTIONAL: dict[tuple[str, ...], bool] = {
    ("buildStatus",): True,
    ("mlpkgFileContents", "allTimeSeriesPredictionIntervals"): True,
    ("mlpkgFileContents",): False,
    ("userProvidedId",): False,
    ("capabilities", "supportsAutomaticActuals"): False,
    ("capabilities", "supportsRetraining"): False,
    ("capabilities", "supportsScoringCodeDownload"): False,
    **{
        ("datasets", f"holdoutData{part}"): True
        for part in ("CreatedAt", "CreatorEmail", "CreatorId", "CreatorName")
    },
    ("datasets", "targetHistogramBaseline"): False,
    **{
        ("datasets", f"trainingData{part}"): True
        for part in ("CreatedAt", "CreatorEmail", "CreatorId", "CreatorName")
    },
    ("datasets", "trainingDataSize"): False,
    **{
        ("importMeta", key): True
        for key in (
            "containsFearPipeline",
            "containsFeaturelists",
            "containsLeaderboardMeta",
            "containsProjectMeta",
        )
    },
    **{("modelDescription", f"modelCreator{part}"): True for part in ("Email", "Id", "Name")},
    ("modelDescription", "modelCreatedAt"): True,
    ("modelDescription", "modelName"): False,
    ("sourceMeta", "customModelDetails", "creatorEmail"): True,
    ("sourceMeta", "customModelDetails", "creatorName"): True,
    ("sourceMeta", "customModelDetails", "versionLabel"): True,
    ("sourceMeta", "customModelDetails"): False,
    ("sourceMeta", "fips_140_2Enabled"): False,
    **{("sourceMeta", f"projectCreator{part}"): True for part in ("Email", "Id", "Name")},
    ("sourceMeta", "projectCreatedAt"): True,
    ("sourceMeta", "useCaseDetails", "creatorEmail"): True,
    ("sourceMeta", "useCaseDetails", "creatorName"): True,
    ("sourceMeta", "useCaseDetails", "name"): True,
    ("sourceMeta", "useCaseDetails"): False,
}
REGISTERED_MODEL_OPTIONAL: dict[tuple[str, ...], bool] = {("description",): True, ("isGlobal",): False}
DEPLOYMENT_OPTIONAL: dict[tuple[str, ...], bool] = {
    ("predictionEnvironment", "plugin"): True,
    ("predictionEnvironment", "supportedModelFormats"): False,
    ("predictionEnvironment",): False,
}
# model package properties the page does not list (served for the official client and the filters)
PACKAGE_OFF_PAGE = ("registeredModelId", "registeredModelVersion", "stage", "tags", "createdAt", "updatedAt")


def shape_optional(doc: dict[str, Any], table: dict[tuple[str, ...], bool], *, omit: bool) -> None:
    """In place: omit every optional property of `table` (omit=True), or null every optional nullable one.
    Inner paths come before their parent in the tables, so omitting a parent last is harmless."""
    for path, nullable in table.items():
        parent: Any = doc
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(parent, dict) or path[-1] not in parent:
            continue
        if omit:
            del parent[path[-1]]
        elif nullable:
            parent[path[-1]] = None
