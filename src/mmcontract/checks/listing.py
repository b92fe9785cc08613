"""What the semantic checks share about the API's lists: which operations are lists, how to fetch a page and
how to walk `next` within a bounded number of requests.

Every list answers `{count?, data, next, previous, totalCount}` (page: the *ListResponse tables). Nothing here
knows the reference server: it speaks HTTP through the `httpx.Client` it is given, whose base URL is the
target's `.../api/v2/`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import httpx

from mmcontract.checks.violation import ContractViolation, NotApplicable, status_line
from mmcontract.target.paging import get_within_ceiling

Params = dict[str, Any]
Json = dict[str, Any]

PAGE_LIST_BASIS = (
    'page: list responses carry "data", "next" ("URL pointing to the next page (if null, there is no next '
    'page)"), "previous" and "totalCount" ("The total number of items across all pages")'
)


@dataclass(frozen=True)
class ListOperation:
    operation: str  # "GET /registeredModels/{registeredModelId}/versions/"
    identity: str | None  # the field that identifies an item; None: no documented identity (model logs)
    uri_links: bool  # next/previous documented as `string,null(uri)`: absolute URLs
    required: Mapping[str, Any] = field(default_factory=dict)  # documented required query params
    # documented parameters that keep every item (a sort; a filter every item passes): links must carry them
    carried: Mapping[str, str] = field(default_factory=dict)

    @property
    def path_template(self) -> str:
        return self.operation.split(" ", 1)[1].lstrip("/")

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(p[1:-1] for p in self.path_template.split("/") if p.startswith("{"))

    def path(self, *ids: str) -> str:
        path = self.path_template
        for name, value in zip(self.path_params, ids, strict=True):
            path = path.replace("{" + name + "}", value)
        return path


# createdAtEndTs far in the future: a documented filter that every registered model passes
_RM_CARRIED = {"sortKey": "name", "sortDirection": "asc", "createdAtEndTs": "2999-01-01T00:00:00Z"}
_DEPLOYMENT_SORT = {"sortKey": "createdAt", "sortDirection": "asc"}
_REQUIRED_PAGING = {"offset": 0, "limit": 10}  # page: "offset/limit query integer true" on these two

LIST_OPERATIONS: dict[str, ListOperation] = {
    op.operation: op
    for op in (
        ListOperation("GET /modelPackages/", "id", True),
        ListOperation(
            "GET /modelPackages/{modelPackageId}/features/",
            "name",
            True,
            required=_REQUIRED_PAGING,
            carried={"orderBy": "name", "includeNonPredictionFeatures": "true"},
        ),
        ListOperation("GET /modelPackages/{modelPackageId}/modelLogs/", None, True),
        ListOperation(
            "GET /modelPackages/{modelPackageId}/sharedRoles/", "id", False, required=_REQUIRED_PAGING
        ),
        ListOperation("GET /registeredModels/", "id", True, carried=_RM_CARRIED),
        ListOperation(
            "GET /registeredModels/{registeredModelId}/deployments/", "id", True, carried=_DEPLOYMENT_SORT
        ),
        ListOperation(
            "GET /registeredModels/{registeredModelId}/sharedRoles/", "id", False, required=_REQUIRED_PAGING
        ),
        ListOperation(
            "GET /registeredModels/{registeredModelId}/versions/",
            "id",
            True,
            carried={"sortKey": "version", "sortDirection": "asc"},
        ),
        ListOperation(
            "GET /registeredModels/{registeredModelId}/versions/{versionId}/deployments/",
            "id",
            True,
            carried=_DEPLOYMENT_SORT,
        ),
    )
}


def parse_instant(value: str) -> datetime | None:
    """An RFC 3339 date-time as an aware datetime; None for anything else (a naive time is not an instant)."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def list_operation(operation: str) -> ListOperation:
    return LIST_OPERATIONS[operation]


def request_failed(code: str, response: httpx.Response, what: str, basis: str) -> ContractViolation:
    return ContractViolation(
        code,
        f"{what}: HTTP {response.status_code}",
        basis=basis,
        expected="HTTP 200 with a list body",
        actual=status_line(response),
        response=response,
    )


def get_page(
    client: httpx.Client, url: str, params: Params | None, *, code: str, basis: str = PAGE_LIST_BASIS
) -> tuple[httpx.Response, Json]:
    """GET one page; a non-200 answer or a body that is not a list page is a violation of `code`. A limit
    above the server's own ceiling is not (see mmcontract.target.paging)."""
    response = get_within_ceiling(client, url, params)
    if response.status_code != 200:
        raise request_failed(code, response, f"a documented list request failed ({url})", basis)
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise ContractViolation(
            code,
            "the list answer has no `data` array",
            basis=basis,
            expected="a JSON object with a `data` array",
            actual=response.text[:200],
            response=response,
        )
    return response, body


def total_of(body: Json, response: httpx.Response, code: str) -> int:
    total = body.get("totalCount")
    if not isinstance(total, int) or isinstance(total, bool):
        raise ContractViolation(
            code,
            "totalCount is missing or not an integer",
            basis='page: "totalCount integer true The total number of items across all pages."',
            expected="an integer totalCount",
            actual=repr(total),
            response=response,
        )
    return total


@dataclass
class Page:
    response: httpx.Response
    body: Json

    @property
    def data(self) -> list[Any]:
        return self.body["data"]

    @property
    def next(self) -> Any:
        return self.body.get("next")

    @property
    def previous(self) -> Any:
        return self.body.get("previous")


@dataclass
class Walk:
    pages: list[Page]
    complete: bool  # reached a page whose `next` is null within the budget

    @property
    def items(self) -> list[Any]:
        return [item for page in self.pages for item in page.data]


def walk(
    client: httpx.Client,
    path: str,
    params: Params,
    *,
    code: str,
    max_pages: int,
    resolve_relative: bool = True,
) -> Walk:
    """Follow `next` from the first page, at most `max_pages` pages. A link is followed as given (resolved
    against the request URL when relative, so a walk can go on when MM105 has already reported it)."""
    response, body = get_page(client, path, params, code=code)
    pages = [Page(response, body)]
    while pages[-1].next and len(pages) < max_pages:
        link = pages[-1].next
        if not isinstance(link, str):
            raise ContractViolation(
                code,
                "next is neither a URL nor null",
                basis=PAGE_LIST_BASIS,
                expected="a URL string or null",
                actual=repr(link),
                response=pages[-1].response,
            )
        url = urljoin(str(pages[-1].response.request.url), link) if resolve_relative else link
        response, body = get_page(client, url, None, code=code)
        pages.append(Page(response, body))
    return Walk(pages, complete=not pages[-1].next)


def list_params(op: ListOperation, extra: Params | None = None, **paging: int) -> Params:
    params: Params = dict(op.required)
    params.update(extra or {})
    params.update(paging)
    return params


def probe_total(
    client: httpx.Client, op: ListOperation, path: str, code: str, extra: Params | None = None
) -> int:
    response, body = get_page(client, path, list_params(op, extra, offset=0, limit=1), code=code)
    return total_of(body, response, code)


def choose_limit(total: int, pages: int) -> int:
    """A limit that splits `total` items into about `pages` pages (never 0: on some DataRobot lists limit=0
    means "no limit")."""
    return max(1, math.ceil(total / max(1, pages)))


def pick_instance(
    client: httpx.Client,
    op: ListOperation,
    candidates: Iterable[tuple[str, ...]],
    *,
    code: str,
    max_probes: int = 6,
    extra: Params | None = None,
) -> tuple[str, int]:
    """Of the first `max_probes` candidate path ids, the concrete path whose list is longest, and its total."""
    best: tuple[str, int] | None = None
    for n, ids in enumerate(candidates):
        if n >= max_probes:
            break
        path = op.path(*ids)
        total = probe_total(client, op, path, code, extra)
        if best is None or total > best[1]:
            best = (path, total)
    if best is None:
        raise NotApplicable(f"no existing resource to list {op.operation} on")
    return best


def identity_of(op: ListOperation) -> Callable[[Any], Any]:
    """What identifies an item of `op`'s list: its documented identity field, or (no such field, or an item
    that lacks it: a schema problem the schema check reports) the whole item."""
    key = op.identity

    def ident(item: Any) -> Any:
        if key is not None and isinstance(item, dict) and item.get(key) is not None:
            return item[key]
        return json.dumps(item, sort_keys=True, default=str)

    return ident


def candidates_for(op: ListOperation, discovered: Any) -> list[tuple[str, ...]]:
    """Path ids for `op` from the suite's discovery (ids found by listing the target)."""
    params = op.path_params
    if not params:
        return [()]
    if params == ("modelPackageId",):
        return [(i,) for i in getattr(discovered, "model_package_ids", [])]
    if params == ("registeredModelId",):
        return [(i,) for i in getattr(discovered, "registered_model_ids", [])]
    if params == ("registeredModelId", "versionId"):
        with_deployments = list(getattr(discovered, "deployment_versions", []) or [])
        rest = [v for v in getattr(discovered, "versions", []) if v not in with_deployments]
        return [tuple(v) for v in with_deployments + rest]
    raise ValueError(f"unknown path parameters {params}")
