"""Deterministic seed data: rich enough to exercise every filter and every schema branch.

Shape (the suite and the docs rely on it; keep it stable):
- a user directory of 6 users (usernames are emails), 2 groups and 1 organization; the API token acts as
  user `mm.owner@example.com` (id USER_IDS[0]); unknown usernames/ids get 422 on PATCH sharedRoles;
- 14 registered models with 1..5 versions each, 34 model packages in all: every target type (Binary,
  Regression, Multiclass, Multilabel, TextGeneration, GeoPoint), every modelExecutionType, every buildStatus
  (and one null), time series (single and multiseries) and not, imported and not, deprecated, archived
  packages (5) and one archived registered model (`Legacy Python2 Model`, not listed), global and local models,
  one Multiclass package with 150 classes (classNames holds 100, classCount 150), one package with 130 log
  entries;
- deployments on 7 versions (9 deployments, some challengers, one no longer deployed);
- sharing roles per registered model: an OWNER user always, other users, a group and the organization;
- features with importance on every package (some only with includeNonPredictionFeatures=true);
- leaderboard models that `fromLeaderboard`/`fromLearningModel` accept: the seeded packages' model ids and
  LEADERBOARD_MODEL_IDS (models that have no package yet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mmcontract.reference.documents import (
    build_package_doc,
    build_registered_model_doc,
    build_target,
    iso,
    user_meta,
)

BASE_TS = 1_704_067_200.0  # 2024-01-01T00:00:00Z
HOUR = 3600.0
DAY = 24 * HOUR


def oid(kind: int, n: int) -> str:
    """A 24-hex id like DataRobot's ObjectIds; `kind` keeps ids of different resources apart."""
    return f"{kind:08x}{n:016x}"


# id kinds (the first 8 hex digits of an id)
KIND_USER, KIND_GROUP, KIND_ORG = 0x5E000000, 0x5E100000, 0x5E200000
KIND_RM, KIND_PACKAGE, KIND_MODEL = 0x65A00000, 0x65B00000, 0x5D000000
KIND_DEPLOYMENT, KIND_PROJECT, KIND_ENV = 0x66D00000, 0x5C000000, 0x5F000000
KIND_TAG, KIND_USECASE, KIND_CUSTOM = 0x67000000, 0x67100000, 0x67200000

USERS: list[dict[str, Any]] = [
    {"id": oid(KIND_USER, 1), "username": "mm.owner@example.com", "fullName": "Morgan Owner"},
    {"id": oid(KIND_USER, 2), "username": "alex.analyst@example.com", "fullName": "Alex Analyst"},
    {"id": oid(KIND_USER, 3), "username": "bo.engineer@example.com", "fullName": "Bo Engineer"},
    {"id": oid(KIND_USER, 4), "username": "chen.scientist@example.com", "fullName": "Chen Scientist"},
    {"id": oid(KIND_USER, 5), "username": "dana.viewer@example.com", "fullName": None},
    {"id": oid(KIND_USER, 6), "username": "eli.ops@example.com", "fullName": "Eli Ops"},
]
for _u in USERS:
    _u["email"] = _u["username"]
USER_IDS = [u["id"] for u in USERS]
CALLER = USERS[0]

GROUPS = [
    {"id": oid(KIND_GROUP, 1), "name": "Data Science"},
    {"id": oid(KIND_GROUP, 2), "name": "ML Ops"},
]
ORGS = [{"id": oid(KIND_ORG, 1), "name": "Example Org"}]

PREDICTION_ENVIRONMENTS: list[dict[str, Any]] = [
    {
        "id": oid(KIND_ENV, 1),
        "isManagedByManagementAgent": False,
        "name": "DataRobot Serverless",
        "platform": "datarobotServerless",
        "plugin": None,
        "supportedModelFormats": ["datarobot", "customModel"],
    },
    {
        "id": oid(KIND_ENV, 2),
        "isManagedByManagementAgent": True,
        "name": "AWS SageMaker (agent)",
        "platform": "aws",
        "plugin": "sagemaker",
        "supportedModelFormats": ["externalModel", "datarobotScoringCode"],
    },
    {
        "id": oid(KIND_ENV, 3),
        "isManagedByManagementAgent": False,
        "name": "On-premise cluster",
        "platform": "onPremise",
        "plugin": None,
        "supportedModelFormats": ["datarobot", "customModel", "externalModel", "datarobotScoringCode"],
    },
]

# Leaderboard models with no package yet: fromLeaderboard/fromLearningModel accept these ids (and every
# seeded package's modelId, and ids given with --leaderboard-model-id).
LEADERBOARD_MODEL_IDS = [oid(KIND_MODEL, 0x900 + n) for n in range(1, 6)]


@dataclass
class SeedData:
    users: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    orgs: list[dict[str, Any]]
    environments: list[dict[str, Any]]
    leaderboard_models: list[dict[str, Any]]
    registered_models: list[dict[str, Any]] = field(default_factory=list)
    packages: list[dict[str, Any]] = field(default_factory=list)
    features: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    logs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    deployments: list[dict[str, Any]] = field(default_factory=list)
    roles: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # rm, type, id, name, role


def leaderboard_model(
    model_id: str,
    *,
    model_name: str = "eXtreme Gradient Boosted Trees Classifier",
    target_type: str = "Binary",
    target_name: str = "target",
    class_names: list[str] | None = None,
    model_kind: dict[str, bool] | None = None,
    timeseries: dict[str, Any] | None = None,
    project_n: int = 99,
) -> dict[str, Any]:
    """What fromLeaderboard needs to know about a leaderboard model to build its package."""
    if class_names is None and target_type == "Binary":
        class_names = ["yes", "no"]
    return {
        "id": model_id,
        "modelName": model_name,
        "targetType": target_type,
        "targetName": target_name,
        "classNames": class_names or [],
        "modelKind": model_kind or {},
        "timeseries": timeseries,
        "project": _project(project_n, f"Leaderboard project {project_n}", rows=5000),
    }


def _project(n: int, name: str, rows: int, catalog: bool = True) -> dict[str, Any]:
    creator = USERS[(n % 3) + 1]
    return {
        "id": oid(KIND_PROJECT, n),
        "name": name,
        "createdAt": iso(BASE_TS - 30 * DAY + n * HOUR),
        "creatorEmail": creator["email"],
        "creatorId": creator["id"],
        "creatorName": creator["fullName"],
        "environmentUrl": f"https://app.example.com/projects/{oid(KIND_PROJECT, n)}/models",
        "datasetName": f"{name.lower().replace(' ', '_')}.csv",
        "catalogId": oid(KIND_PROJECT + 1, n) if catalog else None,
        "catalogVersionId": oid(KIND_PROJECT + 2, n) if catalog else None,
        "rows": rows,
    }


_TS_MULTI = {
    "datetimeColumnFormat": "%Y-%m-%d",
    "datetimeColumnName": "date",
    "effectiveFeatureDerivationWindowEnd": 0,
    "effectiveFeatureDerivationWindowStart": -28,
    "featureDerivationWindowEnd": 0,
    "featureDerivationWindowStart": -28,
    "forecastDistanceColumnName": "forecast_distance",
    "forecastDistances": [1, 2, 3, 4, 5, 6, 7],
    "forecastDistancesTimeUnit": "DAY",
    "forecastPointColumnName": "forecast_point",
    "isCrossSeries": True,
    "isNewSeriesSupport": True,
    "isTraditionalTimeSeries": False,
    "seriesColumnName": "store_id",
}
_TS_SINGLE = {
    "datetimeColumnFormat": "%Y-%m-%dT%H:%M:%S",
    "datetimeColumnName": "timestamp",
    "effectiveFeatureDerivationWindowEnd": -1,
    "effectiveFeatureDerivationWindowStart": -168,
    "featureDerivationWindowEnd": -1,
    "featureDerivationWindowStart": -168,
    "forecastDistanceColumnName": "fd",
    "forecastDistances": [1, 2, 3, 6, 12, 24],
    "forecastDistancesTimeUnit": "HOUR",
    "forecastPointColumnName": "fp",
    "isCrossSeries": False,
    "isNewSeriesSupport": False,
    "isTraditionalTimeSeries": True,
    "seriesColumnName": None,
}

TAXONOMY_CLASSES = [f"category_{n:03d}" for n in range(150)]

# One row per registered model. versions: list of per-version overrides (build status, stage, ...).
_RM_SPECS: list[dict[str, Any]] = [
    {
        "name": "Churn Predictor",
        "desc": "Predicts which subscribers churn next month.",
        "target": ("Binary", "churned", ["True", "False"]),
        "exec": "dedicated",
        "models": ["eXtreme Gradient Boosted Trees Classifier", "Light Gradient Boosting on ElasticNet"],
        "global": True,
        "owner": 0,
        "versions": [
            {"stage": "Registered", "archived": True},
            {"stage": "Development", "status": "failed"},
            {"stage": "Staging", "threshold": 0.42},
            {"stage": "Production", "threshold": 0.42, "tags": [("team", "growth")]},
            {"stage": "Production", "status": "inProgress", "tags": [("team", "growth"), ("tier", "gold")]},
        ],
    },
    {
        "name": "House Price Regressor",
        "desc": "Sale price of residential houses.",
        "target": ("Regression", "price", None),
        "exec": "dedicated",
        "models": ["Elastic-Net Regressor", "Keras Slim Residual Neural Network"],
        "global": True,
        "owner": 1,
        "versions": [
            {"stage": "Development"},
            {"stage": "Staging", "imported": True},
            {"stage": "Production", "scoring": "mlpkg", "tags": [("team", "pricing")]},
        ],
    },
    {
        "name": "Iris Species",
        "desc": "Classic three-class iris classifier.",
        "target": ("Multiclass", "species", ["setosa", "versicolor", "virginica"]),
        "exec": "dedicated",
        "models": ["Random Forest Classifier"],
        "global": False,
        "owner": 0,
        "versions": [{"stage": "Registered"}, {"stage": "Development", "status": None}],
    },
    {
        "name": "Product Taxonomy Classifier",
        "desc": "Assigns one of 150 catalogue categories.",
        "target": ("Multiclass", "category", TAXONOMY_CLASSES),
        "exec": "dedicated",
        "models": ["Stochastic Gradient Descent Classifier"],
        "global": False,
        "owner": 2,
        "versions": [{"stage": "Staging"}],
    },
    {
        "name": "Content Tags",
        "desc": "Multilabel tagging of articles.",
        "target": ("Multilabel", "tags", ["sports", "politics", "tech", "culture"]),
        "exec": "dedicated",
        "models": ["Keras Multilabel Classifier"],
        "global": False,
        "owner": 0,
        "versions": [{"stage": "Registered"}, {"stage": "Development", "status": "inProgress"}],
    },
    {
        "name": "Support Reply Generator",
        "desc": "Drafts replies to support tickets.",
        "target": ("TextGeneration", "response", None),
        "exec": "custom_inference_model",
        "models": ["Custom Python LLM"],
        "env": "Python",
        "global": False,
        "owner": 3,
        "versions": [{"stage": "Development"}, {"stage": "Staging", "use_case": True}],
    },
    {
        "name": "Store Locator",
        "desc": "Predicts the best location of a new store.",
        "target": ("GeoPoint", "location", None),
        "exec": "dedicated",
        "models": ["Geospatial Nearest Neighbour Regressor"],
        "global": False,
        "owner": 0,
        "versions": [{"stage": "Registered"}],
    },
    {
        "name": "Sales Forecast",
        "desc": "Daily sales per store, seven days ahead.",
        "target": ("Regression", "sales", None),
        "exec": "dedicated",
        "models": ["eXtreme Gradient Boosting with Early Stopping (time series)"],
        "kind": {"isTimeSeries": True, "isMultiseries": True},
        "ts": _TS_MULTI,
        "global": True,
        "owner": 0,
        "versions": [
            {"stage": "Registered", "archived": True},
            {"stage": "Development", "mlpkg": True},
            {"stage": "Staging", "mlpkg": None},
            {"stage": "Production", "mlpkg": False, "tags": [("team", "retail")]},
        ],
    },
    {
        "name": "energy demand forecast",
        "desc": "Hourly grid demand, one day ahead.",
        "target": ("Regression", "demand", None),
        "exec": "dedicated",
        "models": ["ARIMA Model", "Keras LSTM"],
        "kind": {"isTimeSeries": True},
        "ts": _TS_SINGLE,
        "global": False,
        "owner": 1,
        "versions": [
            {"stage": "Registered"},
            {"stage": "Development"},
            {"stage": "Staging", "imported": True},
        ],
    },
    {
        "name": "Fraud Detector (external)",
        "desc": "Card fraud model trained outside DataRobot.",
        "target": ("Binary", "is_fraud", ["1", "0"]),
        "exec": "external",
        "models": ["External Java Gradient Boosting"],
        "env": "Java",
        "global": False,
        "owner": 0,
        "versions": [
            {"stage": "Registered", "histogram": "actuals"},
            {"stage": "Staging", "threshold": 0.8, "many_logs": True},
            {"stage": "Production", "threshold": 0.7},
        ],
    },
    {
        "name": "Credit Risk Scorecard",
        "desc": "Probability of default; custom R model.",
        "target": ("Binary", "default", ["Y", "N"]),
        "exec": "custom_inference_model",
        "models": ["Custom R Scorecard"],
        "env": "R",
        "global": True,
        "owner": 0,
        "versions": [{"stage": "Staging"}, {"stage": "Production", "threshold": 0.3, "use_case": True}],
    },
    {
        "name": "Anomaly Watch",
        "desc": "Unsupervised anomaly detection on sensor data.",
        "target": ("Binary", "anomaly", ["anomaly", "normal"]),
        "exec": "dedicated",
        "models": ["Isolation Forest Anomaly Detection"],
        "kind": {"isAnomalyDetectionModel": True, "isUnsupervisedLearning": True},
        "global": False,
        "owner": 4,
        "versions": [{"stage": "Registered"}, {"stage": "Development", "archived": True}],
    },
    {
        "name": "Legacy Python2 Model",
        "desc": "Deprecated model kept for audit; archived.",
        "target": ("Regression", "score", None),
        "exec": "custom_inference_model",
        "models": ["Custom Python 2 Regressor"],
        "env": "Other",
        "global": False,
        "owner": 0,
        "deprecated": True,
        "archived": True,
        "versions": [{"stage": "Registered"}, {"stage": "Registered"}],
    },
    {
        "name": "Demand Segments",
        "desc": "Segments with feature discovery across secondary datasets.",
        "target": ("Binary", "will_buy", ["yes", "no"]),
        "exec": "dedicated",
        "models": ["Blender (combined) Classifier"],
        "kind": {"isFeatureDiscovery": True, "isCombinedModel": True},
        "global": False,
        "owner": 5,
        "versions": [{"stage": "Development"}, {"stage": "Staging", "imported": True}],
    },
]

# (registered model index, version number, deployments: (label, currently deployed, challenger, env, status))
_DEPLOYMENTS = [
    (0, 3, [("Churn champion (old)", False, False, 0, "inactive")]),
    (0, 4, [("Churn champion", True, False, 0, "active"), ("churn shadow", True, True, 2, "active")]),
    (0, 5, [("Churn canary", True, True, 2, "launching")]),
    (1, 3, [("House prices", True, False, 2, "active")]),
    (
        7,
        4,
        [("Sales forecast EU", True, False, 0, "active"), ("Sales forecast US", True, False, 2, "active")],
    ),
    (9, 3, [("Fraud (SageMaker)", True, False, 1, "active")]),
    (10, 2, [(None, True, False, 0, "active")]),
]

_FEATURE_POOL = [
    ("customer_id", "Categorical", None, False),
    ("tenure_months", "Numeric", None, False),
    ("monthly_charges", "Numeric", None, False),
    ("contract_type", "Categorical", None, False),
    ("signup_date", "Date", "%Y-%m-%d", False),
    ("region", "Categorical", None, True),
    ("notes", "Text", None, False),
    ("support_calls", "Numeric", None, False),
    ("payment_method", "Categorical", None, False),
    ("Age", "Numeric", None, False),
    ("zip_code", "Categorical", None, False),
    ("last_login", "Date", "%Y-%m-%dT%H:%M:%S", True),
    ("discount_pct", "Percentage", None, False),
    ("device", "Categorical", None, False),
    ("raw_blob", None, None, False),
]

_LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def build_seed(with_registry: bool = True) -> SeedData:
    """The whole seed. `with_registry=False` (--no-seed) keeps only the directory and leaderboard models."""
    data = SeedData(
        users=USERS,
        groups=GROUPS,
        orgs=ORGS,
        environments=PREDICTION_ENVIRONMENTS,
        leaderboard_models=[
            leaderboard_model(mid, model_name=f"Leaderboard model {n}", project_n=90 + n)
            for n, mid in enumerate(LEADERBOARD_MODEL_IDS, start=1)
        ],
    )
    # A leaderboard model with a Multiclass target, so created packages are not all Binary.
    data.leaderboard_models[-1] = leaderboard_model(
        LEADERBOARD_MODEL_IDS[-1],
        model_name="Leaderboard multiclass model",
        target_type="Multiclass",
        target_name="species",
        class_names=["setosa", "versicolor", "virginica"],
        project_n=95,
    )
    if not with_registry:
        return data
    package_n = 0
    model_n = 0
    for rm_index, spec in enumerate(_RM_SPECS):
        rm_n = rm_index + 1
        rm_id = oid(KIND_RM, rm_n)
        owner = USERS[spec["owner"]]
        created_ts = BASE_TS + rm_index * DAY + (rm_index * 7 % 5) * HOUR
        target_type, target_name, classes = spec["target"]
        project = _project(rm_n, f"{spec['name']} project", rows=1000 * rm_n + 17)
        versions = spec["versions"]
        rm_archived = bool(spec.get("archived"))
        package_ids: list[str] = []
        for v_index, vspec in enumerate(versions):
            version = v_index + 1
            package_n += 1
            model_n += 1
            package_id = oid(KIND_PACKAGE, package_n)
            model_id = oid(KIND_MODEL, model_n)
            model_name = spec["models"][v_index % len(spec["models"])]
            creator = USERS[(spec["owner"] + v_index) % len(USERS)]
            v_created = created_ts + version * 3 * HOUR
            archived = rm_archived or bool(vspec.get("archived"))
            execution = spec["exec"]
            target = build_target(target_type, target_name, classes, vspec.get("threshold"))
            use_case = None
            if vspec.get("use_case"):
                use_case = {
                    "createdAt": iso(v_created - DAY),
                    "creatorEmail": creator["email"],
                    "creatorId": creator["id"],
                    "creatorName": creator["fullName"],
                    "id": oid(KIND_USECASE, rm_n),
                    "name": f"{spec['name']} use case",
                }
            custom = None
            if execution == "custom_inference_model":
                custom = {
                    "createdAt": iso(v_created - 2 * HOUR),
                    "creatorEmail": creator["email"],
                    "creatorId": creator["id"],
                    "creatorName": creator["fullName"],
                    "id": oid(KIND_CUSTOM, rm_n),
                    "versionLabel": f"v{version}.0" if version % 2 else None,
                }
            tags = [
                {"id": oid(KIND_TAG, package_n * 10 + i), "name": key, "value": value}
                for i, (key, value) in enumerate(vspec.get("tags", []))
            ]
            status = vspec.get("status", "complete")
            doc = build_package_doc(
                package_id=package_id,
                name=f"{spec['name']} v{version}",
                model_id=model_id,
                registered_model_id=rm_id,
                version=version,
                execution_type=execution,
                build_status=status,
                stage=vspec["stage"],
                target=target,
                model_kind=spec.get("kind", {}),
                model_name=model_name,
                description=f"{model_name} trained for {spec['desc'].lower()}" if version != 2 else None,
                creator=creator,
                created_ts=v_created,
                project=project if execution == "dedicated" else None,
                timeseries=spec.get("ts"),
                imported=bool(vspec.get("imported")),
                is_archived=archived,
                is_deprecated=bool(spec.get("deprecated")),
                build_environment=spec.get("env", "DataRobot"),
                tags=tags,
                use_case=use_case,
                custom_model=custom,
                scoring_code_location=vspec.get(
                    "scoring",
                    "local_leaderboard" if execution == "dedicated" and not spec.get("ts") else None,
                ),
                mlpkg_intervals=vspec.get("mlpkg", "absent"),
                user_provided_id=f"user-model-{rm_n}-{version}" if execution != "dedicated" else None,
                baseline_segmented_by=["region"] if rm_index in (0, 7) else [],
                histogram_baseline=vspec.get("histogram", "predictions"),
            )
            data.packages.append(doc)
            package_ids.append(package_id)
            data.features[package_id] = features_for(package_n, target_name)
            data.logs[package_id] = logs_for(
                package_n, v_created, 130 if vspec.get("many_logs") else 3 + package_n % 4
            )
            # every seeded package's model is a leaderboard model too (a new version can be made from it)
            data.leaderboard_models.append(
                leaderboard_model(
                    model_id,
                    model_name=model_name,
                    target_type=target_type,
                    target_name=target_name,
                    class_names=classes,
                    model_kind=spec.get("kind"),
                    timeseries=spec.get("ts"),
                    project_n=rm_n,
                )
            )
        modified_ts = created_ts + len(versions) * 3 * HOUR + ((rm_index * 5) % 7) * DAY
        modifier = USERS[(spec["owner"] + 1) % len(USERS)]
        data.registered_models.append(
            build_registered_model_doc(
                rm_id=rm_id,
                name=spec["name"],
                description=spec["desc"] if rm_index != 6 else "",
                creator=owner,
                created_ts=created_ts,
                modified_ts=modified_ts,
                modifier=modifier,
                target_name=target_name,
                target_type=target_type,
                last_version_num=len(versions),
                is_global=bool(spec["global"]),
                is_archived=rm_archived,
            )
        )
        data.roles.extend(_roles(rm_id, spec["owner"], rm_index, bool(spec["global"])))
    _add_deployments(data)
    return data


def features_for(n: int, target_name: str) -> list[dict[str, Any]]:
    count = 6 + n % 10
    rows = []
    for i in range(count):
        name, ftype, date_format, known = _FEATURE_POOL[(i + n) % len(_FEATURE_POOL)]
        importance = round(1.0 / (i + 1) - 0.003 * (n % 7), 6)
        rows.append(
            {
                "doc": {
                    "dateFormat": date_format,
                    "featureType": ftype,
                    "importance": importance,
                    "knownInAdvance": known,
                    "name": name,
                },
                # the last two features are raw features not used for predictions
                "forPrediction": i < count - 2,
                "segmentable": ftype == "Categorical",
            }
        )
    rows.append(
        {
            "doc": {
                "dateFormat": None,
                "featureType": "Numeric" if n % 2 else "Categorical",
                "importance": None,
                "knownInAdvance": False,
                "name": target_name,
            },
            "forPrediction": False,
            "segmentable": False,
        }
    )
    return rows


def logs_for(n: int, start_ts: float, count: int) -> list[dict[str, Any]]:
    return [
        {
            "level": _LOG_LEVELS[(i + n) % len(_LOG_LEVELS)],
            "message": f"build step {i + 1} of package {n}",
            "time": start_ts + i * 1.5,
        }
        for i in range(count)
    ]


def _roles(rm_id: str, owner: int, rm_index: int, is_global: bool) -> list[tuple[str, str, str, str, str]]:
    owner_user = USERS[owner]
    roles = [(rm_id, "user", owner_user["id"], owner_user["username"], "OWNER")]
    if owner != 0:
        # the caller (the token's user) can see every registered model
        roles.append((rm_id, "user", CALLER["id"], CALLER["username"], "USER" if rm_index % 2 else "OWNER"))
    other = USERS[(owner + 2) % len(USERS)]
    if other["id"] != CALLER["id"]:
        roles.append(
            (rm_id, "user", other["id"], other["username"], ("CONSUMER", "EDITOR", "READ_ONLY")[rm_index % 3])
        )
    if rm_index % 3 == 0:
        group = GROUPS[rm_index % 2]
        roles.append((rm_id, "group", group["id"], group["name"], "USER"))
    if is_global:
        roles.append((rm_id, "organization", ORGS[0]["id"], ORGS[0]["name"], "CONSUMER"))
    return roles


def _add_deployments(data: SeedData) -> None:
    by_key = {(p["registeredModelId"], p["registeredModelVersion"]): p for p in data.packages}
    n = 0
    for rm_index, version, deployments in _DEPLOYMENTS:
        package = by_key[(oid(KIND_RM, rm_index + 1), version)]
        created = BASE_TS + 40 * DAY + rm_index * DAY + version * HOUR
        for label, current, challenger, env_index, status in deployments:
            n += 1
            creator = USERS[(rm_index + n) % len(USERS)]
            data.deployments.append(
                {
                    "createdAt": iso(created + n * 600),
                    "createdBy": user_meta(creator),
                    "currentlyDeployed": current,
                    "firstDeployedAt": iso(created + n * 600 + 60),
                    "firstDeployedBy": user_meta(creator),
                    "id": oid(KIND_DEPLOYMENT, n),
                    "isChallenger": challenger,
                    "label": label,
                    "predictionEnvironment": PREDICTION_ENVIRONMENTS[env_index],
                    "registeredModelVersion": version,
                    "status": status,
                    # internal: which package the deployment runs (not part of the response)
                    "_packageId": package["id"],
                    "_registeredModelId": package["registeredModelId"],
                }
            )
            if current:
                package["activeDeploymentCount"] += 1
