"""The fault catalogue: `mmcontract serve --fault NAME` switches on exactly one realistic defect.

Each fault is a small local deviation in one place of the server, so the suite can show that each of its
checks fires. The expected check for each fault is a table in tests/selftest (fault -> check code); a new
check comes with a new fault. Names are stable: tests and docs refer to them.
"""

from __future__ import annotations

from dataclasses import dataclass

FAULT_CLASSES = (
    "response-schema",
    "status-code",
    "content-type",
    "pagination",
    "ordering-filtering",
    "write-semantics",
    "input-validation",
    "valid-input-rejected",
    "robustness",
    "auth",
    "isolation",
)


@dataclass(frozen=True)
class Fault:
    name: str
    fault_class: str
    description: str


FAULTS: tuple[Fault, ...] = (
    # response schema
    Fault(
        "schema-missing-required",
        "response-schema",
        "GET registered model omits the required createdBy object",
    ),
    Fault("schema-wrong-type", "response-schema", "model packages report activeDeploymentCount as a string"),
    Fault(
        "schema-bad-enum",
        "response-schema",
        "model packages report buildStatus 'done', outside [inProgress, complete, failed]",
    ),
    Fault(
        "schema-null-not-nullable",
        "response-schema",
        "registered models report name as null although name is not nullable",
    ),
    Fault(
        "schema-bad-datetime",
        "response-schema",
        "registered models report createdAt as '24/08/2019', not an RFC 3339 date-time",
    ),
    # list items: one defect in the items of each list the existing faults leave alone
    Fault(
        "item-shared-roles-bad-enum",
        "response-schema",
        "registered model sharedRoles items report shareRecipientType 'USER', outside [user, group, organization]",
    ),
    Fault(
        "item-package-shared-roles-missing-required",
        "response-schema",
        "model package sharedRoles items omit the required name",
    ),
    Fault(
        "item-features-wrong-type",
        "response-schema",
        "model package features report importance as a string ('0.42')",
    ),
    Fault(
        "item-model-logs-over-max",
        "response-schema",
        "modelLogs ignores limit and serves every entry from offset on: a page over the documented maxItems 100",
    ),
    Fault(
        "item-deployments-missing-required",
        "response-schema",
        "registered model deployments items omit the required status",
    ),
    Fault(
        "item-version-deployments-wrong-type",
        "response-schema",
        "version deployments items report registeredModelVersion as a string",
    ),
    Fault(
        "item-versions-bad-enum",
        "response-schema",
        "registered model versions report modelExecutionType 'leaderboard', outside its enum",
    ),
    # status codes
    Fault(
        "status-create-200", "status-code", "POST fromLeaderboard answers 200 instead of the documented 202"
    ),
    Fault(
        "status-archive-200",
        "status-code",
        "POST archive answers 200 with a body instead of the documented 204",
    ),
    Fault("status-missing-410", "status-code", "an unknown registered model id answers 410 instead of 404"),
    Fault(
        "status-delete-200",
        "status-code",
        "DELETE of a registered model answers 200 with the archived model instead of the documented 204",
    ),
    # content type
    Fault("content-type-text", "content-type", "the registered model list is served as text/plain"),
    Fault(
        "content-type-missing",
        "content-type",
        "model package capabilities are served with no Content-Type header",
    ),
    # pagination
    Fault(
        "page-count-mismatch", "pagination", "count is off by one from len(data) on registered model lists"
    ),
    Fault(
        "page-limit-ignored", "pagination", "limit is ignored on model package lists: every item is returned"
    ),
    Fault("page-next-relative", "pagination", "next/previous are relative URLs (path and query only)"),
    Fault(
        "page-next-last-not-null",
        "pagination",
        "next on the last page points past the end instead of being null",
    ),
    Fault(
        "page-offset-skip", "pagination", "offset skips one more item than asked, so walking next loses items"
    ),
    Fault("page-next-drops-filter", "pagination", "next links drop the request's filters and sort"),
    Fault(
        "page-total-page-local",
        "pagination",
        "totalCount reports the page size instead of the number of matching items",
    ),
    # ordering and filtering
    Fault(
        "order-direction-ignored",
        "ordering-filtering",
        "sortDirection=desc is ignored on registered model lists",
    ),
    Fault("order-orderby-ignored", "ordering-filtering", "orderBy is ignored on model package features"),
    Fault(
        "filter-features-search-case-sensitive",
        "ordering-filtering",
        "search on model package features is case-sensitive although the page says 'Case insensitive'",
    ),
    Fault("filter-stage-ignored", "ordering-filtering", "the stage filter on registered models is ignored"),
    Fault(
        "filter-isglobal-inverted", "ordering-filtering", "isGlobal=true returns the local registered models"
    ),
    Fault(
        "filter-time-offset-ignored",
        "ordering-filtering",
        "time-range filters drop the numeric UTC offset and read the time as UTC",
    ),
    # write semantics
    Fault(
        "write-patch-not-persisted",
        "write-semantics",
        "PATCH of a registered model answers the update but does not store it",
    ),
    Fault(
        "write-delete-keeps-versions",
        "write-semantics",
        "DELETE of a registered model archives the model but not its versions",
    ),
    Fault(
        "write-archive-noop",
        "write-semantics",
        "archive answers 204 but the model package stays isArchived false",
    ),
    Fault(
        "write-sharing-invisible",
        "write-semantics",
        "PATCH sharedRoles answers 204 but the roles do not change",
    ),
    Fault(
        "write-sharing-no-owner-allowed",
        "write-semantics",
        "a sharing change that leaves no owner is accepted (204, not 409)",
    ),
    Fault(
        "write-sharing-unknown-user-accepted",
        "write-semantics",
        "a grant to an unknown user is accepted (204, not 422)",
    ),
    Fault(
        "write-lost-update",
        "write-semantics",
        "PATCH of a registered model reads, yields, then writes the whole document back outside a"
        " transaction, so concurrent PATCHes lose updates",
    ),
    Fault(
        "write-ack-before-commit",
        "write-semantics",
        "writes are answered before they are committed (one long transaction committed 30 s later), so"
        " kill -9 loses acknowledged writes",
    ),
    # input validation
    Fault(
        "validation-maxlength-ignored",
        "input-validation",
        "PATCH accepts a registered model name longer than 1024 characters",
    ),
    Fault(
        "validation-bounds-ignored",
        "input-validation",
        "predictionThreshold outside [0, 1] is accepted by fromLeaderboard",
    ),
    # valid input rejected
    Fault(
        "reject-valid-sort-desc",
        "valid-input-rejected",
        "sortDirection=desc on registered model lists is rejected with 422",
    ),
    Fault(
        "reject-valid-capital-true",
        "valid-input-rejected",
        "includeNonPredictionFeatures=True (a documented value) is rejected with 422",
    ),
    Fault(
        "reject-create-name-null",
        "valid-input-rejected",
        "fromLeaderboard rejects \"name\": null (the page's own example body) with 422 'Unable to process'",
    ),
    # robustness
    Fault(
        "robust-500-negative-offset",
        "robustness",
        "a negative offset on registered model lists crashes the handler (500)",
    ),
    Fault(
        "robust-500-unknown-sort-key",
        "robustness",
        "an unknown sortKey on registered model lists crashes the handler (500); ignoring or refusing it is"
        " legal (the page lists the values but never says another is refused)",
    ),
    Fault(
        "robust-500-non-ascii-search",
        "robustness",
        "a non-ASCII search term on model package lists crashes the handler (500)",
    ),
    Fault(
        "robust-500-search-percent",
        "robustness",
        "a registered model search containing '%' crashes the handler (500): the term is spliced into a"
        " printf-style template",
    ),
    Fault(
        "robust-500-long-path-id",
        "robustness",
        "a path id longer than 64 characters crashes the handler (500): ids are copied into a 64-character"
        " column",
    ),
    # auth
    Fault(
        "auth-missing-token-accepted",
        "auth",
        "GET registered models answers 200 without an Authorization header",
    ),
    Fault("auth-wrong-token-accepted", "auth", "any token is accepted, not only the configured one"),
    # isolation
    Fault(
        "isolation-version-any-model",
        "isolation",
        "a version is served under any registered model id, not only its own",
    ),
    Fault(
        "isolation-deployments-any-model",
        "isolation",
        "version deployments are served under any registered model id",
    ),
)

BY_NAME: dict[str, Fault] = {f.name: f for f in FAULTS}
