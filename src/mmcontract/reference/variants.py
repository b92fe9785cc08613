"""The variant catalogue: `mmcontract serve --variant NAME[,NAME...]` switches on legal choices.

A variant is a choice a correct server may make where the reference page is silent (a default page size, the
order of a list, the shape of an error body, ...). The default reference server makes one choice at each such
place; each variant makes another, so client authors (and this suite) can test their code against every
legal server, not just one. Variants are not defects: `page_basis` names the page's words that leave the
choice open. Each is a small local switch in the server (`"name" in self.variants` at the one place it
concerns); several combine. Names are stable: tests and docs refer to them.

`literal` is a combination: the page's letter only (no off-page property, parameter or route).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    page_basis: str
    includes: tuple[str, ...] = ()  # a combination of other variants (`literal`)


VARIANTS: tuple[Variant, ...] = (
    # pagination
    Variant(
        "page-default-20",
        "a list without `limit` serves 20 items (default 100; the features list keeps its documented default)",
        'page: limit "At most this many results are returned." states no default',
    ),
    Variant(
        "page-max-50",
        "the largest page is 50 items everywhere (default 1000; modelLogs 100); a larger limit is clamped",
        'page: limit "At most this many results are returned." states no maximum',
    ),
    Variant(
        "limit-over-max-rejected",
        "a limit above the largest page answers 400 instead of being clamped",
        "page: limit states no maximum and no behaviour above it; GET /modelPackages/ documents"
        ' "400 Bad Request Request invalid, refer to messages for detail."',
    ),
    Variant(
        "limit-over-max-422",
        "a limit above the largest page answers 422 instead of being clamped (400 on GET /modelPackages/,"
        " which documents 400)",
        "page: limit states no maximum; the other lists document no error status at all",
    ),
    Variant(
        "limit-zero-empty",
        "limit=0 serves an empty page (count 0, next/previous null) instead of the largest page"
        " (features keep the documented 'defaults to 0')",
        'page: limit "At most this many results are returned." (0 results is at most 0)',
    ),
    Variant(
        "bad-query-422",
        "invalid query values answer 422 instead of 400 (GET /modelPackages/ keeps its documented 400)",
        "page: the lists other than GET /modelPackages/ document only 200; the status of an invalid query"
        " value is not stated",
    ),
    Variant(
        "unknown-query-values-ignored",
        "an out-of-enum value of an enum query parameter (buildStatus, stage, sortKey, sortDirection, orderBy,"
        " shareRecipientType) is ignored as if the parameter were absent (200, not 400)",
        'page: the lists give "Enumerated Values" for these parameters but never say that another value is'
        " refused; the lists other than GET /modelPackages/ document only 200",
    ),
    # filtering and ordering
    Variant(
        "search-case-sensitive",
        "registry searches (model packages, registered models, versions, deployments) match"
        " case-sensitively; the features search stays case-insensitive",
        'page: search "A term to search for in registered model name" (and the packages/versions texts)'
        ' says nothing of case; only the features search says "Case insensitive"',
    ),
    Variant(
        "archived-listed",
        "archived (deleted) registered models stay in the registered model list (archived packages never do:"
        " the page says they are not listed)",
        'page: DELETE /registeredModels/{id}/ "Permanently archive a registered model and all of its versions"'
        " and GET /registeredModels/ say nothing of archived models in the list (unlike the package archive:"
        ' "It will not be accessible in the model package list api")',
    ),
    Variant(
        "versions-hide-archived",
        "registered model version lists omit archived versions",
        "page: GET .../versions/ lists versions with no word on archived ones",
    ),
    Variant(
        "order-newest-first",
        "every list without sortKey/sortDirection is newest first (versions highest first, logs and"
        " grants latest first), ties broken by id",
        'page: sortKey "Key to order result by" states no default; other lists state no order at all',
    ),
    Variant(
        "sort-default-desc",
        "a list without sortDirection sorts descending (by the given sortKey or the default one)",
        'page: sortDirection "Sort direction" states no default',
    ),
    # links
    Variant(
        "links-query-order",
        "next/previous put limit and offset first, then the request's parameters, then the default"
        " sortDirection made explicit when a sortKey came without one (?limit=2&offset=2&sortKey=name&sortDirection=asc)",
        'page: next "URL pointing to the next page" (string,null(uri)) prescribes no query form',
    ),
    Variant(
        "links-server-address",
        "next/previous use the server's own listening address, not the request's Host header",
        'page: next "URL pointing to the next page" says nothing of the host it names',
    ),
    Variant(
        "sharing-links-relative",
        "next/previous of the sharing lists are relative (path and query)",
        'page: SharingListV2Response next "string,null true URL pointing to the next page." (no uri format,'
        " unlike the other lists' string,null(uri))",
    ),
    # errors
    Variant(
        "error-body-plain",
        '4xx bodies are JSON {"error": "...", "detail": {...}} (no "message")',
        "page: every 4xx response is documented with Schema None",
    ),
    Variant(
        "error-body-text",
        "4xx bodies are text/plain",
        "page: every 4xx response is documented with Schema None",
    ),
    Variant(
        "unknown-method-404",
        "an undeclared method on a known path answers 404 instead of 405",
        "page: documents no 405; an operation that does not exist is not found",
    ),
    Variant(
        "oversize-body-422",
        "a request body over 1 MiB answers 422 instead of 413",
        'page: the writes document 422 "Unable to process ..." and no 413',
    ),
    Variant(
        "content-type-lenient",
        "a JSON body is read whatever its Content-Type (never 415)",
        'page: code samples send "Content-Type: application/json"; no 415 is documented',
    ),
    Variant(
        "no-trailing-slash-served",
        "paths without their trailing slash are served like the documented ones (default 404)",
        "page: documents the paths with a trailing slash only; other paths are unspecified",
    ),
    # response bodies
    Variant(
        "omit-optional",
        "every response property the page marks Required false is omitted",
        "page: the response tables mark e.g. count, buildStatus, datasets.trainingDataSize,"
        " sourceMeta.fips_140_2Enabled, description/isGlobal of a registered model Required false",
    ),
    Variant(
        "null-optional-nullable",
        "every optional nullable response property is null",
        'page: e.g. buildStatus "string,null false", modelDescription.modelCreatedAt "string,null false"',
    ),
    Variant(
        "extra-properties",
        'every JSON object carries an extra "x-vendor" property; every response an X-Vendor-Trace header',
        "page: the response schemas list properties but never forbid others (no additionalProperties)",
    ),
    Variant(
        "uuid-ids",
        "ids are served as UUIDs (36 characters) instead of 24 hex digits; both forms are accepted",
        'page: every id is "string" with no format (e.g. "ID of the registered model.")',
    ),
    Variant(
        "create-202-id-only",
        'fromLeaderboard answers 202 {"id": ...}, fromLearningModel 201 {"id": ...}',
        "page: 202 Accepted ... Schema None; 201 Created none Schema None",
    ),
    Variant(
        "create-empty-body",
        "the creates answer 202/201 with no body and a Location header naming the package",
        "page: 202 Accepted ... Schema None; 201 Created none Schema None",
    ),
    Variant(
        "patch-200-empty",
        "PATCH of a registered model answers 200 with no body",
        "page: PATCH /registeredModels/{id}/ 200 OK none Schema None",
    ),
    Variant(
        "no-registered-model-name",
        "the off-page body fields registeredModelName/registeredModelId of the creates are ignored: a new"
        " package belongs to no registered model (registeredModelId/registeredModelVersion null)",
        "page: ModelPackageCreateFromLeaderboard lists computeAllTsIntervals, description,"
        " distributionPredictionModelId, modelId, name, predictionThreshold only",
    ),
    Variant(
        "package-page-properties-only",
        "model packages carry the page's properties only (no registeredModelId, registeredModelVersion,"
        " stage, tags, createdAt, updatedAt)",
        "page: ModelPackageRetrieveResponse does not list these properties",
    ),
    Variant(
        "page-routes-only",
        "only the page's routes are served: GET /api/v2/version/ (and the benchmark route) answer 404;"
        " versions sortKey accepts only the page's values (modifiedAt is 400)",
        "page: documents 19 operations, no /version/; versions sortKey [version, modelType, status,"
        " createdAt, updatedAt]",
    ),
    Variant(
        "token-bearer-only",
        "only `Authorization: Bearer TOKEN` is accepted; `Token TOKEN` answers 401",
        'page: every code sample sends "Authorization: Bearer {access-token}"',
    ),
    Variant(
        "roles-observer-as-observer",
        "an OBSERVER grant is stored and listed as OBSERVER (not CONSUMER); EDITOR grants are listed as ADMIN",
        'page: request role "One of OWNER, USER, OBSERVER"; AccessControlV2 role is a free string, its'
        ' example "ADMIN"',
    ),
    Variant(
        "literal",
        "the page's letter only: no off-page property, parameter or route",
        "page: the properties, parameters and routes it documents, nothing else",
        includes=(
            "no-registered-model-name",
            "package-page-properties-only",
            "page-routes-only",
            "create-202-id-only",
            "token-bearer-only",
            "roles-observer-as-observer",
        ),
    ),
)

BY_NAME: dict[str, Variant] = {v.name: v for v in VARIANTS}


def parse(values: Iterable[str]) -> frozenset[str]:
    """Names from `--variant` values (repeatable, each a comma list); raises ValueError on an unknown one."""
    names: set[str] = set()
    for value in values:
        for name in value.split(","):
            name = name.strip()
            if not name:
                continue
            if name not in BY_NAME:
                raise ValueError(f"unknown variant {name!r}")
            names.add(name)
    return frozenset(names)


def expand(names: Iterable[str]) -> frozenset[str]:
    """The variants in effect: combinations (`literal`) replaced by what they include."""
    out: set[str] = set()
    for name in names:
        variant = BY_NAME.get(name)
        if variant is None:
            raise ValueError(f"unknown variant {name!r}")
        out |= set(variant.includes) if variant.includes else {name}
    return frozenset(out)
