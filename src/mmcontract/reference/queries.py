"""The documented filters and sorts of each list, turned into SQL over the store's columns.

Each builder reads a request's `Query` (validating as it goes) and returns (where-clause, bound params,
order-by). SQL text is assembled only from constants here; every request value is a bound parameter.
"""

from __future__ import annotations

from typing import Any

from mmcontract.reference.params import ApiError, Query

BUILD_STATUSES = ("inProgress", "complete", "failed")
STAGES = ("Registered", "Development", "Staging", "Production", "Archived")
SORT_DIRECTIONS = ("asc", "desc")
RM_SORT_KEYS = ("createdAt", "modifiedAt", "name")
# the page's version sort keys; `modifiedAt` is what the official client's enum sends for updatedAt
VERSION_SORT_KEYS = ("version", "modelType", "status", "createdAt", "updatedAt", "modifiedAt")
PAGE_VERSION_SORT_KEYS = VERSION_SORT_KEYS[:-1]
DEPLOYMENT_SORT_KEYS = ("createdAt", "label")
FEATURE_ORDER = ("name", "importance", "-name", "-importance")
RECIPIENT_TYPES = ("user", "group", "organization")

_RM_SORT_COLUMNS = {"createdAt": "created_ts", "modifiedAt": "modified_ts", "name": "name"}
_VERSION_SORT_COLUMNS = {
    "version": "version",
    "modelType": "model_type",
    "status": "build_status",
    "createdAt": "created_ts",
    "updatedAt": "updated_ts",
    "modifiedAt": "updated_ts",
}
_DEPLOYMENT_SORT_COLUMNS = {"createdAt": "created_ts", "label": "label"}


class Clauses:
    def __init__(self) -> None:
        self.where: list[str] = []
        self.params: list[Any] = []

    def add(self, sql: str, *params: Any) -> None:
        self.where.append(sql)
        self.params.extend(params)

    def never(self) -> None:
        self.where.append("0")

    def equal(self, column: str, value: Any) -> None:
        """`column = value`, when the filter was given."""
        if value is not None:
            self.add(f"{column} = ?", value)

    def contains(self, lowered_column: str, search: str | None) -> None:
        """Case-insensitive substring match on a column that holds lower-cased text, when given."""
        if search is None:
            return
        term = search_term(search)
        if term is None:
            self.never()
        else:
            self.add(f"instr({lowered_column}, ?) > 0", term)

    def contains_exact(self, columns: tuple[str, ...], search: str | None) -> None:
        """Case-sensitive substring match on any of `columns` (SQL expressions over stored text), when given."""
        if search is None:
            return
        self.add(
            "(" + " OR ".join(f"instr(coalesce({c}, ''), ?) > 0" for c in columns) + ")",
            *[search] * len(columns),
        )

    def sql(self) -> str:
        return " AND ".join(self.where)


def direction(value: str | None, variants: frozenset[str] = frozenset()) -> str:
    """SQL direction of `sortDirection`; absent is ascending (descending under `sort-default-desc`)."""
    if value is None and "sort-default-desc" in variants:
        return "DESC"
    return "DESC" if value == "desc" else "ASC"


def unsorted(q: Query, variants: frozenset[str]) -> bool:
    """True when the list keeps its default order and that order is `order-newest-first`'s."""
    return "order-newest-first" in variants and q.raw("sortKey") is None and q.raw("sortDirection") is None


# the text a package search looks in, as stored (the case-sensitive search of `search-case-sensitive`)
PACKAGE_SEARCH_COLUMNS = (
    "json_extract(doc, '$.name')",
    "json_extract(doc, '$.modelDescription.modelName')",
    "json_extract(doc, '$.modelDescription.description')",
)


def package_search(clauses: Clauses, search: str | None, variants: frozenset[str]) -> None:
    if "search-case-sensitive" in variants:
        clauses.contains_exact(PACKAGE_SEARCH_COLUMNS, search)
    else:
        clauses.contains("search_lc", search)


def search_term(value: str) -> str | None:
    """The lower-cased term; None when it can never match (it contains the field separator)."""
    return None if "\x00" in value else value.lower()


def package_filters(q: Query, store: Any, clauses: Clauses, *, prefix: str = "") -> None:
    """Version-level filters shared by /modelPackages/, /registeredModels/ and .../versions/.

    `prefix` qualifies columns (`p.`) inside an EXISTS sub-query."""
    c = prefix
    clauses.equal(f"{c}model_id", q.string("modelId"))
    clauses.equal(f"{c}model_id", q.string("compatibleWithLeaderboardModelId"))
    for_challenger = q.boolean("forChallenger")
    for name in ("similarTo", "compatibleWithModelPackageId"):
        ref_id = q.string(name)
        if ref_id is None:
            continue
        ref = store.package_row(ref_id)
        if ref is None:
            clauses.never()
            continue
        clauses.add(
            f"{c}target_type IS ? AND {c}class_key = ? AND {c}is_time_series = ? AND {c}is_multiseries = ?",
            ref["target_type"],
            ref["class_key"],
            ref["is_time_series"],
            ref["is_multiseries"],
        )
        if for_challenger and ref["execution_type"] == "external":
            clauses.add(f"{c}execution_type IN ('dedicated', 'custom_inference_model')")
    threshold = q.number("predictionThreshold")  # any number: outside [0, 1] simply matches nothing
    if threshold is not None:
        clauses.add(f"abs({c}threshold - ?) < 1e-9", threshold)
    imported = q.boolean("imported")
    if imported is not None:
        clauses.add(f"{c}imported = ?", int(imported))
    env_id = q.string("predictionEnvironmentId")
    if env_id is not None:
        formats = store.environment_formats(env_id)
        if not formats:
            clauses.never()
        else:
            clauses.add(
                "(" + " OR ".join(f"instr(' ' || {c}model_format || ' ', ?) > 0" for _ in formats) + ")",
                *(f" {fmt} " for fmt in formats),
            )
    # modelKind is typed "any" on the page with no documented values: accepted and not applied.
    clauses.equal(f"{c}build_status", q.enum("buildStatus", BUILD_STATUSES))


def version_only_filters(q: Query, clauses: Clauses, *, prefix: str = "") -> None:
    """stage (registered models and versions)."""
    clauses.equal(f"{prefix}stage", q.enum("stage", STAGES))


def model_packages(
    q: Query, store: Any, *, fault: str | None, variants: frozenset[str] = frozenset()
) -> tuple[Clauses, str]:
    clauses = Clauses()
    # page (archive): "It will not be accessible in the model package list api." (no variant may list them)
    clauses.add("is_archived = 0")
    package_filters(q, store, clauses)
    search = q.string("search")
    if search is not None and fault == "robust-500-non-ascii-search":
        search.encode("ascii")  # the injected defect: raises UnicodeEncodeError -> 500
    package_search(clauses, search, variants)
    if "order-newest-first" in variants:
        return clauses, "created_ts DESC, id DESC"
    return clauses, "created_ts DESC, seq DESC"


def versions(q: Query, store: Any, rm_id: str, variants: frozenset[str] = frozenset()) -> tuple[Clauses, str]:
    clauses = Clauses()
    clauses.add("rm_id = ?", rm_id)
    if "versions-hide-archived" in variants:
        clauses.add("is_archived = 0")
    package_filters(q, store, clauses)
    version_only_filters(q, clauses)
    clauses.equal("target_name", q.string("targetName"))
    clauses.equal("target_type", q.string("targetType"))
    clauses.equal("use_case_id", q.string("useCaseId"))
    clauses.equal("created_by", q.string("createdBy"))
    package_search(clauses, q.string("search"), variants)
    keys = PAGE_VERSION_SORT_KEYS if "page-routes-only" in variants else VERSION_SORT_KEYS
    key = q.enum("sortKey", keys) or "version"
    if unsorted(q, variants):
        return clauses, "version DESC, id DESC"
    tie = "version DESC" if "order-newest-first" in variants else "version ASC"
    sort_dir = direction(q.enum("sortDirection", SORT_DIRECTIONS), variants)
    return clauses, f"{_VERSION_SORT_COLUMNS[key]} {sort_dir}, {tie}"


def registered_models(
    q: Query, store: Any, *, fault: str | None, variants: frozenset[str] = frozenset()
) -> tuple[Clauses, str]:
    clauses = Clauses()
    if "archived-listed" not in variants:
        clauses.add("is_archived = 0")  # decision: archived (deleted) registered models are not listed
    search = q.string("search")
    if "search-case-sensitive" in variants:
        clauses.contains_exact(("name",), search)
    else:
        clauses.contains("name_lc", search)
    drop_offset = fault == "filter-time-offset-ignored"
    for name, column, op in (
        ("createdAtStartTs", "created_ts", ">="),
        ("createdAtEndTs", "created_ts", "<"),
        ("modifiedAtStartTs", "modified_ts", ">="),
        ("modifiedAtEndTs", "modified_ts", "<"),
    ):
        ts = q.timestamp(name, drop_offset=drop_offset)
        if ts is not None:
            clauses.add(f"{column} {op} ?", ts)
    clauses.equal("target_name", q.string("targetName"))
    clauses.equal("target_type", q.string("targetType"))
    clauses.equal("created_by", q.string("createdBy"))
    is_global = q.boolean("isGlobal")
    if is_global is not None:
        if fault == "filter-isglobal-inverted":
            is_global = not is_global
        clauses.add("is_global = ?", int(is_global))
    # filters on the registered model's versions: one version must satisfy all of them
    inner = Clauses()
    package_filters(q, store, inner, prefix="p.")
    if fault != "filter-stage-ignored":
        version_only_filters(q, inner, prefix="p.")
    elif q.raw("stage") is not None:
        q.enum("stage", STAGES)  # still validated; the defect is that it is not applied
    if inner.where:
        clauses.add(
            f"EXISTS (SELECT 1 FROM packages p WHERE p.rm_id = registered_models.id AND {inner.sql()})",
            *inner.params,
        )
    tag_keys, tag_values = q.all("tagKeys"), q.all("tagValues")
    if tag_keys or tag_values:
        tag_sql = ["t.rm_id = registered_models.id"]
        tag_params: list[Any] = []
        if tag_keys:
            tag_sql.append(f"t.name IN ({','.join('?' * len(tag_keys))})")
            tag_params.extend(tag_keys)
        if tag_values:
            tag_sql.append(f"t.value IN ({','.join('?' * len(tag_values))})")
            tag_params.extend(tag_values)
        clauses.add(f"EXISTS (SELECT 1 FROM tags t WHERE {' AND '.join(tag_sql)})", *tag_params)
    if fault == "robust-500-unknown-sort-key":
        key = q.raw("sortKey") or "createdAt"  # the injected defect: looked up unchecked -> KeyError -> 500
    else:
        key = q.enum("sortKey", RM_SORT_KEYS) or "createdAt"
    sort_direction = q.enum("sortDirection", SORT_DIRECTIONS)
    if fault == "order-direction-ignored":
        sort_direction = "asc"
    if unsorted(q, variants):
        return clauses, "created_ts DESC, id DESC"
    tie = "id DESC" if "order-newest-first" in variants else "seq ASC"
    return clauses, f"{_RM_SORT_COLUMNS[key]} {direction(sort_direction, variants)}, {tie}"


def deployments(
    q: Query, *, rm_id: str | None, package_id: str | None, variants: frozenset[str] = frozenset()
) -> tuple[Clauses, str]:
    clauses = Clauses()
    clauses.equal("rm_id", rm_id)
    clauses.equal("package_id", package_id)
    if "search-case-sensitive" in variants:
        clauses.contains_exact(("label",), q.string("search"))
    else:
        clauses.contains("label_lc", q.string("search"))
    key = q.enum("sortKey", DEPLOYMENT_SORT_KEYS) or "createdAt"
    if unsorted(q, variants):
        return clauses, "created_ts DESC, id DESC"
    tie = "id DESC" if "order-newest-first" in variants else "seq ASC"
    sort_dir = direction(q.enum("sortDirection", SORT_DIRECTIONS), variants)
    return clauses, f"{_DEPLOYMENT_SORT_COLUMNS[key]} {sort_dir}, {tie}"


def features(q: Query, package_id: str, *, fault: str | None) -> tuple[Clauses, str]:
    clauses = Clauses()
    clauses.add("package_id = ?", package_id)
    names = ("includeNonPredictionFeatures", "forSegmentedAnalysis")
    include_all = q.boolean(names[0])
    if include_all and fault == "reject-valid-capital-true" and q.raw(names[0]) == "True":
        raise ApiError(422, f"Invalid query parameter {names[0]!r}", {names[0]: "'True' is not accepted"})
    if not include_all:
        clauses.add("for_prediction = 1")
    if q.boolean(names[1]):
        clauses.add("segmentable = 1")
    search = q.string("search")
    if fault == "filter-features-search-case-sensitive":
        clauses.contains_exact(("name",), search)
    else:
        clauses.contains("name_lc", search)  # the page: "Case insensitive" (in every variant)
    order_by = q.enum("orderBy", FEATURE_ORDER)
    if order_by is None or fault == "order-orderby-ignored":
        return clauses, "pos ASC"
    column = order_by.lstrip("-")
    sql_dir = "DESC" if order_by.startswith("-") else "ASC"
    # features without an importance sort last in both directions
    return clauses, f"({column} IS NULL) ASC, {column} {sql_dir}, pos ASC"


def shared_roles(q: Query) -> tuple[str, list[Any]]:
    """Extra filters of the sharedRoles lists (recipient id, name, type)."""
    clauses = Clauses()
    clauses.equal("recipient_id", q.string("id"))
    clauses.equal("name", q.string("name"))
    clauses.equal("type", q.enum("shareRecipientType", RECIPIENT_TYPES))
    return clauses.sql(), clauses.params
