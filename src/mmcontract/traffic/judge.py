"""Judgements over observed exchanges: the semantic checks as pure functions of what a client and a server said.

A judgement reads `Exchange`s (request, response, time order) and yields `Finding`s; it sends nothing. The
active suite (`mmcontract run`) is one producer of exchanges, the proxy (`mmcontract proxy`) and HAR files
(`mmcontract check-traffic`) are others. Each judgement keeps the code, title, level and basis of the check it
mirrors (`checks/catalogue.py`) and says what it needs (`JUDGEMENTS`):

one exchange (passive: judged on any traffic)
  ST101 no 5xx · ST103 status documented · ST104 content type documented · ST108 body matches the page's schema
  (Schemathesis's `APIOperation.validate_response`) · MM801 body matches the client-level schema (client level) ·
  MM101 count == len(data) <= limit · MM104 previous null at offset 0, next null on the page holding the last
  item · MM105 next/previous absolute, on the target, keeping the request's documented filters · MM201/MM202 one
  response in its requested order · MM301 every item matches `search` · MM303 every item inside a time range ·
  MM601 a version read under a model belongs to it · MM701 a request without a token is refused (only when
  traffic happens to carry one)
several related exchanges (passive: a page walk a client made by following `next`)
  MM102 totalCount stable along a walk, and a complete walk visits totalCount items · MM103 no item twice in a
  walk · MM104 a `next` never leads to an empty page
a sequence (passive: a write then a read of the same resource, no other write in between)
  MM401 PATCH then GET shows the new name/description · MM403 archive then GET shows isArchived · MM402 DELETE then
  the model and its versions read as archived · MM404 a sharing PATCH then GET sharedRoles shows the roles ·
  MM405 a sharing PATCH that removes every owner a complete listing just showed is refused (409)
the client's requests (side "client-request": never fail a run)
  MM901 query parameters the page documents · MM902 query values the page's schemas allow · MM903 body
  properties the page documents · MM904 the page's auth scheme (Bearer). A finding says whether the client
  level (the overlay) adds what was sent: then its level is "client", else "page".

Needs the active suite (crafted requests no well-behaved client sends): MM406 (a grant to an unknown user),
MM405 without a complete roles listing first, MM501/MM502 (invalid and boundary values), MM702 (a wrong token),
MM701 on every operation, MM103 walks compared across page sizes and direct offsets, MM202/MM201 across pages
with a chosen page size, MM302 absence of matching items, MM407/ST302 (a create then a read the suite chooses),
MM802-MM810 (the client needs that a schema cannot say), and Schemathesis's ST2xx/ST3xx/ST4xx probes.

A sequence judgement is excused when another write went through the same observer in between (time order of
starts and ends); a write that bypassed the observer cannot be seen, so put every writer behind the proxy.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx

from mmcontract.checks.catalogue import info, level_of
from mmcontract.checks.listing import (
    LIST_OPERATIONS,
    ListOperation,
    identity_of,
    parse_instant,
)
from mmcontract.report.model import Level, Side
from mmcontract.traffic.exchange import Exchange, Router
from mmcontract.traffic.memo import MISSING, Bounded, SharedJson

Kind = Literal["exchange", "related", "sequence", "request"]
PAGING = {"offset", "limit"}

BASIS_COUNT = (
    'page: "count integer false Number of items returned on this page." (sharing lists: "count integer true The '
    'number of items returned.") and "limit ... At most this many results are returned."'
)
BASIS_TOTAL = 'page: "totalCount integer true The total number of items across all pages."'
BASIS_WALK = (
    'page: "offset ... This many results will be skipped." and "next ... URL pointing to the next page": '
    "following next from the first page visits every item once"
)
BASIS_ENDS = (
    'page: "next ... URL pointing to the next page (if null, there is no next page)", "previous ... URL '
    'pointing to the previous page (if null, there is no previous page)"'
)
BASIS_LINKS_URI = (
    'page: next/previous are "string,null(uri)": absolute URLs "pointing to the next page" of the same list, '
    "so on the target's API (scheme, host, port, base path) and with the request's filters and sort"
)
BASIS_LINKS_SHARING = (
    'page: next/previous (SharingListV2Response, "string,null") are URLs "pointing to the next page" of the '
    "same list: resolved against the request, on the target's API and with the request's filters"
)
BASIS_ISOLATION = (
    'page: "GET /registeredModels/{registeredModelId}/versions/{versionId}/ Get a registered model\'s version." '
    "(a version of that registered model)"
)
BASIS_AUTH = "page: every operation needs the Authorization header (401 per x-doc-gap)"


# ---------------------------------------------------------------------------------------------- pure judging
# Shared with the active checks (checks/pagination.py): a problem is (message, expected, actual) or None.

Problem = tuple[str, str, str]


def count_problem(body: dict[str, Any], limit: int | None) -> Problem | None:
    """MM101 on one page: len(data) <= limit (when a positive limit was asked), count == len(data)."""
    data = body.get("data")
    if not isinstance(data, list):
        return None
    if limit is not None and limit > 0 and len(data) > limit:
        return (f"limit={limit} returned {len(data)} items", f"at most {limit} items", f"{len(data)} items")
    count = body.get("count")
    if count is not None and count != len(data):
        return (
            "count does not equal the number of items returned",
            f"count == len(data) == {len(data)}",
            f"count == {count!r}",
        )
    return None


def same_value(a: str, b: str) -> bool:
    """A carried parameter may be re-serialised: `True` for `true`, `+00:00` for `Z` (a naive time as UTC)."""
    if a.casefold() == b.casefold():
        return True
    x, y = _instant(a), _instant(b)
    return x is not None and x == y


def _instant(value: str) -> datetime | None:
    found = parse_instant(value)
    if found is None:
        with contextlib.suppress(ValueError):
            naive = datetime.fromisoformat(value)
            found = naive if naive.tzinfo else naive.replace(tzinfo=UTC)
    return found


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host.lower(), url.port or default)


def link_problem(
    link: Any,
    which: str,
    *,
    request_url: str,
    base: httpx.URL,
    carried: dict[str, str],
    uri_links: bool,
) -> tuple[Problem | None, str | None]:
    """MM105 on one link: (the problem or None, the link resolved against the request when it is usable)."""
    if link is None:
        return None, None
    actual = f"{which}: {link!r}"
    if not isinstance(link, str) or not link:
        return (f"{which} is neither a URL nor null", "a URL or null", actual), None
    parts = urlsplit(link)
    if uri_links and not (parts.scheme and parts.netloc):
        return (f"{which} is not an absolute URL", f"an absolute URL on {base}", actual), None
    resolved = httpx.URL(urljoin(request_url, link))
    if _origin(resolved) != _origin(base):
        where = f"a URL on {base.scheme}://{base.netloc.decode()}"
        return (f"{which} points to another host than the target", where, actual), None
    if not resolved.path.startswith(base.path):
        return (f"{which} is outside the API's base path", f"a URL under {base.path}", actual), None
    got = dict(parse_qsl(resolved.query.decode(), keep_blank_values=True))
    for key, value in carried.items():
        if key in PAGING:
            continue
        if key not in got or not same_value(got[key], str(value)):
            message = f"{which} does not carry the request's {key}={value}"
            return (message, f"a link to the same list, with {key}={value}", actual), None
    return None, str(resolved)


def repeated(keys: Iterable[Any]) -> list[Any]:
    """MM103: the keys seen more than once, in order of their second sighting."""
    seen: set[str] = set()
    dups: list[Any] = []
    for key in keys:
        k = repr(key)
        if k in seen and key not in dups:
            dups.append(key)
        seen.add(k)
    return dups


# ----------------------------------------------------------------------------------------------- findings


@dataclass
class Finding:
    code: str
    operation: str
    message: str
    basis: str
    exchanges: list[Exchange]
    expected: str | None = None
    actual: str | None = None
    side: Side = "server"
    level: Level | None = None  # None: the code's level (catalogue.level_of)

    @property
    def effective_level(self) -> Level:
        return self.level or level_of(self.code)


@dataclass(frozen=True)
class Judgement:
    code: str
    kind: Kind
    passive: str  # what traffic lets it judge; the active-only part is in the module docstring
    run: Callable[[Context, Exchange], Iterator[Finding]]

    @property
    def title(self) -> str:
        return info(self.code).title


@dataclass
class Context:
    """What the judgements know: the contracts, the target's base URL, and what they need of earlier exchanges."""

    page: dict[str, Any]
    client: dict[str, Any]
    base: httpx.URL  # the target's API base, e.g. http://host:8080/api/v2/
    level: Level = "page"
    # what the sequence judgements look back at (bounded, so a long-running proxy's memory stays flat)
    writes: list[Exchange] = field(default_factory=list)
    roles_listings: dict[str, Exchange] = field(
        default_factory=dict
    )  # model id -> last complete GET sharedRoles
    walks: dict[str, list[Exchange]] = field(default_factory=dict)  # expected next URL -> the walk so far
    _schemas: dict[str, Any] = field(default_factory=dict)
    # repeated answers (a proxy under load) are judged from these instead of being parsed and validated again
    schema_memo: Bounded[tuple[Any, ...], dict[tuple[Any, ...], Any]] = field(
        default_factory=lambda: Bounded(SCHEMA_MEMO_ENTRIES, SCHEMA_MEMO_BYTES), repr=False
    )
    shared_json: SharedJson = field(default_factory=SharedJson, repr=False)

    @property
    def router(self) -> Router:
        if "router" not in self._schemas:
            self._schemas["router"] = Router(self.page, self.base.path.rstrip("/"))
        return self._schemas["router"]  # type: ignore[no-any-return]

    def schema(self, level: Level) -> Any:
        if level not in self._schemas:
            import schemathesis

            document = self.page if level == "page" else self.client
            self._schemas[level] = schemathesis.openapi.from_dict(document)
        return self._schemas[level]

    def operation(self, document: dict[str, Any], ex: Exchange) -> dict[str, Any]:
        method, path = (ex.operation or " ").split(" ", 1)
        return ((document.get("paths") or {}).get(path) or {}).get(method.lower()) or {}

    def writes_between(self, first: Exchange, last: Exchange) -> list[Exchange]:
        """Writes other than `first` that overlap the interval from `first`'s start to `last`'s end (a write
        refused with a 4xx changed nothing; a 5xx may have)."""
        return [
            e
            for e in self.writes
            if e.is_write
            and not 400 <= e.status < 500
            and e is not first
            and e is not last
            and e.started < last.finished
            and e.finished > first.started
        ]


def _finding(code: str, ex: Exchange | list[Exchange], message: str, basis: str, **kw: Any) -> Finding:
    exchanges = ex if isinstance(ex, list) else [ex]
    return Finding(code, exchanges[-1].operation or "", message, basis, exchanges, **kw)


def _list_page(ex: Exchange) -> tuple[ListOperation, dict[str, Any]] | None:
    if ex.method != "GET" or ex.status != 200 or ex.operation not in LIST_OPERATIONS:
        return None
    body = ex.body
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return None
    return LIST_OPERATIONS[ex.operation], body


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


# ------------------------------------------------------------------------------------------ one exchange


def j_server_error(ctx: Context, ex: Exchange) -> Iterator[Finding]:
    if ex.status >= 500:
        yield _finding(
            "ST101",
            ex,
            f"the server answered {ex.status}",
            "page: a request never gets a 5xx",
            expected="not a 5xx",
            actual=f"HTTP {ex.status}",
        )


def _documented(op: dict[str, Any], status: int) -> dict[str, Any] | None:
    responses = op.get("responses") or {}
    found = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
    return found if isinstance(found, dict) else None


# Answers any HTTP server may give whatever the page documents (too slow, too large, too long, too many):
# the page is silent on them, so they are no finding.
ANY_TIME = frozenset({408, 413, 414, 429, 431})


def j_status(ctx: Context, ex: Exchange) -> Iterator[Finding]:
    op = ctx.operation(ctx.page, ex)
    if op and ex.status < 500 and ex.status not in ANY_TIME and _documented(op, ex.status) is None:
        yield _finding(
            "ST103",
            ex,
            f"status {ex.status} is not documented for {ex.operation}",
            f"page: the documented status codes ({ex.operation}; 401 added, see x-doc-gap)",
            expected=f"one of {', '.join(sorted(op.get('responses') or {}))}",
            actual=f"HTTP {ex.status}",
        )


def j_content_type(ctx: Context, ex: Exchange) -> Iterator[Finding]:
    documented = _documented(ctx.operation(ctx.page, ex), ex.status)
    types = list(((documented or {}).get("content") or {}).keys())
    if not types or not ex.response_body or ex.method == "HEAD":
        return
    given = (ex.response_header("content-type") or "").split(";")[0].strip().lower()
    if given not in [t.lower() for t in types]:
        yield _finding(
            "ST104",
            ex,
            f"Content-Type {given or '(none)'} is not documented for HTTP {ex.status}",
            f"page: the documented media type ({ex.operation})",
            expected=" or ".join(types),
            actual=given or "no Content-Type header",
        )


SCHEMA_MEMO_ENTRIES = 256
SCHEMA_MEMO_BYTES = 16 << 20


def _schema_failures(ctx: Context, level: Level, ex: Exchange) -> dict[tuple[Any, ...], Any]:
    """The schema failures of `ex`'s response at `level`, memoized on what validation reads of it.

    Schemathesis 4's `validate_response` (validate_documented_response) reads the operation (its method: HEAD
    is never judged), the status, the Content-Type header (media type and charset; httpx joins repeated
    values) and the body; the request only feeds SSE payloads, which these contracts do not have. The
    failures name no exchange (the findings built from them do), so equal inputs may share them."""
    content_type = tuple(v for k, v in ex.response_headers if k.lower() == "content-type")
    key = (level, ex.operation, ex.status, content_type, ex.response_body)
    found = ctx.schema_memo.get(key)
    if found is MISSING:
        found = _validate(ctx, level, ex)
        ctx.schema_memo.put(key, found, len(ex.response_body))
    return found  # type: ignore[no-any-return]


def _validate(ctx: Context, level: Level, ex: Exchange) -> dict[tuple[Any, ...], Any]:
    from schemathesis.core.failures import Failure, FailureGroup

    method, path = (ex.operation or " ").split(" ", 1)
    try:
        operation = ctx.schema(level)[path][method]
    except LookupError:
        return {}
    try:
        operation.validate_response(ex.to_httpx())
    except FailureGroup as group:
        found: list[Any] = list(group.exceptions)
    except Failure as failure:
        found = [failure]
    else:
        return {}
    out = {}
    for failure in found:
        message = failure.validation_message if hasattr(failure, "validation_message") else None
        key = (tuple(getattr(failure, "instance_path", ()) or ()), message or str(failure.title))
        out[key] = failure
    return out


def _schema_message(failure: Any, status: int) -> tuple[str, str]:
    from mmcontract.st.records import _failure_names, schema_field

    where = "/".join(map(str, getattr(failure, "instance_path", ()) or ())) or "(root)"
    named = None
    with contextlib.suppress(Exception):
        named = schema_field(failure, _failure_names(failure, None))
    text = (
        getattr(failure, "validation_message", None)
        or str(getattr(failure, "message", failure)).splitlines()[0]
    )
    label = f"{named} ({status})" if named else f"response {status}"
    return f"{label}, at {where}: {text}", f"{where} = {getattr(failure, 'instance', '?')!r}"[:200]


def j_schema(ctx: Context, ex: Exchange) -> Iterator[Finding]:
    page = _schema_failures(ctx, "page", ex)
    for failure in page.values():
        message, actual = _schema_message(failure, ex.status)
        code = getattr(failure, "code", "ST108")
        code = code if isinstance(code, str) and code.startswith("ST") else "ST108"
        yield _finding(
            code,
            ex,
            message,
            f"page: the documented response schema ({ex.operation}; recorded decisions marked x-doc-gap)",
            actual=actual,
        )
    if ctx.level != "client" and ex.operation not in CLIENT_CALLS:
        return
    for key, failure in _schema_failures(ctx, "client", ex).items():
        if key in page:
            continue
        message, actual = _schema_message(failure, ex.status)
        yield _finding(
            "MM801",
            ex,
            f"client contract {message}",
            "client: openapi/overlays/datarobot-client.yaml (what the official datarobot client parses)",
            actual=actual,
        )


# the operations the official client calls (their answers are worth the client-level schema at any level)
CLIENT_CALLS = frozenset(
    {
        "GET /registeredModels/",
        "GET /registeredModels/{registeredModelId}/",
        "PATCH /registeredModels/{registeredModelId}/",
        "GET /registeredModels/{registeredModelId}/versions/",
        "GET /registeredModels/{registeredModelId}/versions/{versionId}/",
        "GET /registeredModels/{registeredModelId}/sharedRoles/",
        "POST /modelPackages/fromLeaderboard/",
    }
)


def j_count(ctx: Context, ex: Exchange) -> Iterator[Finding]:
    page = _list_page(ex)
    if page is None:
        return
    problem = count_problem(page[1], _int(ex.params.get("limit")))
    if problem:
        yield _finding("MM101", ex, problem[0], BASIS_COUNT, expected=problem[1], actual=problem[2])


def documented_params(ctx: Context, ex: Exchange) -> set[str]:
    op = ctx.operation(ctx.page, ex)
    return {p.get("name") for p in op.get("parameters") or [] if p.get("in") == "query"}


def j_links(ctx: Context, ex: Exchange) -> Iterator[Finding]:
    page = _list_page(ex)
    if page is None:
        return
    op, body = page
    documented = documented_params(ctx, ex)
    carried = {k: v for k, v in ex.params.items() if k in documented}
    for which in ("next", "previous"):
        problem, _ = link_problem(
            body.get(which),
            which,
            request_url=ex.url,
            base=ctx.base,
            carried=carried,
            uri_links=op.uri_links,
        )
        if problem:
            basis = BASIS_LINKS_URI if op.uri_links else BASIS_LINKS_SHARING
            yield _finding("MM105", ex, problem[0], basis, expected=problem[1], actual=problem[2])


def j_ends(ctx: Context, ex: Exchange) -> Iterator[Finding]:
    page = _list_page(ex)
    if page is None:
        return
    _, body = page
    total, offset = body.get("totalCount"), _int(ex.params.get("offset")) or 0
    if offset == 0 and body.get("previous") is not None:
        yield _finding(
            "MM104",
            ex,
            "previous is not null on the first page (offset=0)",
            BASIS_ENDS,
            expected="previous: null",
            actual=f"previous: {body.get('previous')!r}",
        )
    if not isinstance(total, int) or isinstance(total, bool) or total <= 0:
        return
    if offset + len(body["data"]) >= total and body.get("next") is not None:
        yield _finding(
            "MM104",
            ex,
            f"next is not null on a page that holds the last of {total} items (offset={offset})",
            BASIS_ENDS,
            expected="next: null",
            actual=f"next: {body.get('next')!r}",
        )
    # a page asked with limit=0 may be empty, and the page says nothing of the links of a 0-item page
    # (variant limit-zero-empty); with items on either side, a previous page exists
    if 0 < offset < total and body.get("previous") is None and _int(ex.params.get("limit")) != 0:
        yield _finding(
            "MM104",
            ex,
            f"previous is null on a page after the first (offset={offset})",
            BASIS_ENDS,
            expected="a URL to the previous page",
            actual="previous: null",
        )


def j_order(ctx: Context, ex: Exchange) -> Iterator[Finding]:
    from mmcontract.checks.ordering import (
        BASIS_ORDER_BY,
        BASIS_SORT,
        ORDER_BY_FIELDS,
        SORT_FIELDS,
        _disorder,
        _values,
    )

    page = _list_page(ex)
    if page is None:
        return
    params = ex.params
    if "sortKey" in params and "sortDirection" in params:
        spec = SORT_FIELDS.get(ex.operation or "", {}).get(params["sortKey"])
        code, descending = "MM201", params["sortDirection"].casefold() == "desc"
        basis = BASIS_SORT.format(keys=sorted(SORT_FIELDS.get(ex.operation or "", {})))
        if params["sortDirection"].casefold() not in {"asc", "desc"}:
            return
    elif "orderBy" in params and ex.operation == "GET /modelPackages/{modelPackageId}/features/":
        key = params["orderBy"]
        spec = ORDER_BY_FIELDS.get(key.lstrip("-"))
        code, descending, basis = "MM202", key.startswith("-"), BASIS_ORDER_BY
    else:
        return
    if spec is None:
        return
    values, _ = _values(page[1]["data"], *spec)
    bad = _disorder(values, spec[1], descending)
    if bad is not None:
        shown = [str(v) for v in values[max(0, bad - 2) : bad + 2]]
        request = "&".join(f"{k}={v}" for k, v in params.items() if k not in PAGING)
        yield _finding(
            code,
            ex,
            f"{request} does not order the page by {spec[0]} ({'descending' if descending else 'ascending'})",
            basis,
            expected=f"{spec[0]} {'non-increasing' if descending else 'non-decreasing'}",
            actual=f"... {', '.join(shown)} ... (item {bad + 1} of {len(values)})",
        )


def j_search(ctx: Context, ex: Exchange) -> Iterator[Finding]:
    from mmcontract.checks.filtering import SEARCH_FIELDS, _get

    page = _list_page(ex)
    term = ex.params.get("search")
    if page is None or not term or ex.operation not in SEARCH_FIELDS:
        return
    fields, basis, hidden = SEARCH_FIELDS[ex.operation]
    if hidden:  # a field the response does not show may match: no item can be shown not to match
        return
    folded = term.casefold()
    for item in page[1]["data"]:
        texts = [_get(item, f) for f in fields]
        shown = [t for t in texts if isinstance(t, str)]
        if shown and not any(folded in t.casefold() for t in shown):
            yield _finding(
                "MM301",
                ex,
                f"search={term} returned an item whose {'/'.join(fields)} does not contain the term",
                basis,
                expected=f"every item's {'/'.join(fields)} contains {term!r} (ignoring case)",
                actual=f"{dict(zip(fields, texts, strict=True))}",
            )
            return


TIME_FILTERS = {
    "createdAtStartTs": ("createdAt", True),
    "createdAtEndTs": ("createdAt", False),
    "modifiedAtStartTs": ("modifiedAt", True),
    "modifiedAtEndTs": ("modifiedAt", False),
}
TOLERANCE = timedelta(milliseconds=1)


def j_time_range(ctx: Context, ex: Exchange) -> Iterator[Finding]:
    page = _list_page(ex)
    if page is None or ex.operation != "GET /registeredModels/":
        return
    for param, (name, start) in TIME_FILTERS.items():
        bound = parse_instant(ex.params.get(param, ""))  # offset-less times are a client-level matter
        if bound is None:
            continue
        for item in page[1]["data"]:
            raw = item.get(name) if isinstance(item, dict) else None
            t = parse_instant(raw) if isinstance(raw, str) else None
            if t is not None and (t < bound - TOLERANCE if start else t > bound + TOLERANCE):
                yield _finding(
                    "MM303",
                    ex,
                    f"{param}={ex.params[param]} returned an item {name} {raw}",
                    f'page: "{param} ... Registered models {"on or after" if start else "before"} this timestamp"',
                    expected=f"{name} {'>=' if start else '<='} {ex.params[param]}",
                    actual=f"{name} {raw}",
                )
                return


def j_isolation(ctx: Context, ex: Exchange) -> Iterator[Finding]:
    if ex.operation != "GET /registeredModels/{registeredModelId}/versions/{versionId}/" or ex.status != 200:
        return
    owner = ex.body.get("registeredModelId") if isinstance(ex.body, dict) else None
    asked = ex.path_params.get("registeredModelId")
    if owner is not None and asked is not None and owner != asked:
        yield _finding(
            "MM601",
            ex,
            "a version was served under another registered model than its own",
            BASIS_ISOLATION,
            expected=f"404, or a version of {asked}",
            actual=f"200 with registeredModelId {owner}",
        )


def j_auth_missing(ctx: Context, ex: Exchange) -> Iterator[Finding]:
    if ex.operation and ex.request_header("authorization") is None and 200 <= ex.status < 300:
        yield _finding(
            "MM701",
            ex,
            f"a request without an Authorization header was answered {ex.status}",
            BASIS_AUTH,
            expected="HTTP 401",
            actual=f"HTTP {ex.status}",
        )


# ------------------------------------------------------------------------------------- related: page walks


def _key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{'&'.join(sorted(f'{k}={v}' for k, v in parse_qsl(parts.query, keep_blank_values=True)))}"


def j_walk(ctx: Context, ex: Exchange) -> Iterator[Finding]:
    """A page requested at the URL an earlier page's `next` gave continues that walk."""
    page = _list_page(ex)
    if page is None:
        return
    op, body = page
    walk = [*ctx.walks.pop(_key(ex.url), []), ex]
    nxt = body.get("next")
    if isinstance(nxt, str) and nxt:
        ctx.walks[_key(urljoin(ex.url, nxt))] = walk
    if len(walk) < 2:
        return
    first, prev = walk[0], walk[-2]
    if ctx.writes_between(first, ex):
        return
    totals = [w.body.get("totalCount") for w in walk]
    if totals[-1] != totals[0]:
        yield _finding(
            "MM102",
            [first, ex],
            f"totalCount differs between pages of one walk (page {len(walk)} reached through next)",
            BASIS_TOTAL,
            expected=f"totalCount {totals[0]} (the walk's first page)",
            actual=f"totalCount {totals[-1]}",
        )
    if not body["data"] and isinstance(totals[0], int) and totals[0] > 0:
        yield _finding(
            "MM104",
            [prev, ex],
            "following next led to an empty page: the page before it was the last one",
            BASIS_ENDS,
            expected="next: null on the last page",
            actual=f"next: {prev.body.get('next')!r} -> a page with no items",
        )
    if op.identity is not None:
        ident = identity_of(op)
        dups = repeated(ident(item) for w in walk for item in w.body["data"])
        earlier = repeated(ident(item) for w in walk[:-1] for item in w.body["data"])
        if len(dups) > len(earlier):
            yield _finding(
                "MM103",
                walk,
                "walking next returned some items more than once",
                BASIS_WALK,
                expected="every item once",
                actual=f"repeated {op.identity}s: {dups[:5]}",
            )
    if nxt is None and (_int(first.params.get("offset")) or 0) == 0 and isinstance(totals[0], int):
        walked = sum(len(w.body["data"]) for w in walk)
        if walked != totals[0]:
            yield _finding(
                "MM102",
                walk,
                f"walking next from offset 0 visited {walked} items, totalCount says {totals[0]}",
                BASIS_TOTAL,
                expected=f"{totals[0]} items over all pages",
                actual=f"{walked} items over {len(walk)} pages",
            )


# ----------------------------------------------------------------------------------------------- sequences


def _last_write(ctx: Context, ex: Exchange, operation: str, param: str) -> Exchange | None:
    """The latest successful `operation` on the resource `ex` reads (the same path parameter `param`) that ended
    before `ex` started, unless another write came between them (then nothing can be said)."""
    resource = ex.path_params[param]
    found = None
    for e in ctx.writes:
        ended_before = e.finished <= ex.started and (found is None or e.finished > found.finished)
        ours = e.operation == operation and e.path_params.get(param) == resource
        if e.is_write and 200 <= e.status < 300 and ended_before and ours:
            found = e
    if found is None or ctx.writes_between(found, ex):
        return None
    return found


def j_patch_persists(ctx: Context, ex: Exchange) -> Iterator[Finding]:
    from mmcontract.checks.writes import BASIS_PATCH

    if ex.operation != "GET /registeredModels/{registeredModelId}/" or ex.status != 200:
        return
    patch = _last_write(ctx, ex, "PATCH /registeredModels/{registeredModelId}/", "registeredModelId")
    sent, body = (patch.request_json if patch else None), ex.body
    if not isinstance(sent, dict) or not isinstance(body, dict):
        return
    stale = {
        k: body.get(k) for k in ("name", "description") if k in sent and k in body and body[k] != sent[k]
    }
    if stale:
        yield _finding(
            "MM401",
            [patch, ex],  # type: ignore[list-item]
            "a PATCHed registered model does not read back with the change",
            BASIS_PATCH,
            expected=str({k: sent[k] for k in stale}),
            actual=f"GET after PATCH: {stale}",
        )


def j_archived(ctx: Context, ex: Exchange) -> Iterator[Finding]:
    from mmcontract.checks.writes import BASIS_ARCHIVE, BASIS_DELETE

    if ex.method != "GET" or ex.status != 200:
        return
    op = ex.operation
    items: list[Any] = []
    if op == "GET /modelPackages/{modelPackageId}/":
        write = _last_write(ctx, ex, "POST /modelPackages/{modelPackageId}/archive/", "modelPackageId")
        code, basis, what = "MM403", BASIS_ARCHIVE, "an archived model package"
        items = [ex.body]
    elif (
        op
        and op.startswith("GET /registeredModels/{registeredModelId}/")
        and (op.endswith("{registeredModelId}/") or "/versions/" in op)
        and "deployments" not in op
    ):
        write = _last_write(ctx, ex, "DELETE /registeredModels/{registeredModelId}/", "registeredModelId")
        code, basis, what = "MM402", BASIS_DELETE, "a DELETEd registered model"
        body = ex.body
        items = body.get("data", []) if isinstance(body, dict) and op.endswith("/versions/") else [body]
    else:
        return
    if write is None:
        return
    live = [i for i in items if isinstance(i, dict) and i.get("isArchived") is False]
    if live:
        ids = [i.get("id") for i in live][:5]
        yield _finding(
            code,
            [write, ex],
            f"{what} reads as not archived: {ids}",
            basis,
            expected="isArchived: true",
            actual="isArchived: false",
        )


SHARING = "/registeredModels/{registeredModelId}/sharedRoles/"
PAGE_ROLES = {"OWNER", "USER", "OBSERVER"}


def _complete_roles(ex: Exchange) -> list[dict[str, Any]] | None:
    """Every entry of a sharing list, when `ex` is a GET of all of it (one page, no filter)."""
    if ex.operation != f"GET {SHARING}" or ex.status != 200 or set(ex.params) - PAGING:
        return None
    body = ex.body
    if not isinstance(body, dict) or not isinstance(body.get("data"), list) or body.get("next") is not None:
        return None
    if (_int(ex.params.get("offset")) or 0) != 0:
        return None
    return [d for d in body["data"] if isinstance(d, dict)]


def _grants(ex: Exchange) -> list[dict[str, Any]]:
    sent = ex.request_json
    roles = sent.get("roles") if isinstance(sent, dict) else None
    return [r for r in roles or [] if isinstance(r, dict) and isinstance(r.get("role"), str)]


def _holder(entry: dict[str, Any], grant: dict[str, Any]) -> bool:
    if grant.get("username") is not None:
        return entry.get("username") == grant["username"] or entry.get("name") == grant["username"]
    return grant.get("id") is not None and entry.get("id") == grant["id"]


def j_sharing(ctx: Context, ex: Exchange) -> Iterator[Finding]:
    from mmcontract.checks.writes import BASIS_NO_OWNER, BASIS_SHARE

    if ex.operation == f"PATCH {SHARING}":
        yield from _no_owner(ctx, ex, BASIS_NO_OWNER)
        return
    listed = _complete_roles(ex)
    if listed is None:
        return
    patch = _last_write(ctx, ex, f"PATCH {SHARING}", "registeredModelId")
    if patch is None:
        return
    for grant in _grants(patch):
        entry = next((e for e in listed if _holder(e, grant)), None)
        who = grant.get("username") or grant.get("id")
        wrong = None
        if grant["role"] == "NO_ROLE" and entry is not None:
            wrong = (
                f"{who} is still listed after its role was removed",
                "not listed",
                f"role {entry.get('role')}",
            )
        elif grant["role"] != "NO_ROLE" and entry is None:
            wrong = (
                f"{who} is not listed after a grant of {grant['role']}",
                f"role {grant['role']}",
                "not listed",
            )
        elif entry is not None and grant["role"] in PAGE_ROLES and entry.get("role") != grant["role"]:
            wrong = (
                f"{who} is listed with another role than granted",
                f"role {grant['role']}",
                f"role {entry.get('role')}",
            )
        if wrong:
            yield _finding("MM404", [patch, ex], wrong[0], BASIS_SHARE, expected=wrong[1], actual=wrong[2])


def _no_owner(ctx: Context, ex: Exchange, basis: str) -> Iterator[Finding]:
    """MM405 passively: the last complete listing (no write since) showed the owners, and this accepted PATCH
    takes the role from every one of them and gives OWNER to no one."""
    if not 200 <= ex.status < 300:
        return
    rm = ex.path_params.get("registeredModelId")
    listing = ctx.roles_listings.get(str(rm))
    if listing is not None and listing.finished > ex.started:
        listing = None
    if listing is None or ctx.writes_between(listing, ex):
        return
    grants = _grants(ex)
    owners = [e for e in _complete_roles(listing) or [] if e.get("role") == "OWNER"]
    if not owners or any(g["role"] == "OWNER" for g in grants):
        return
    removed = [o for o in owners if any(_holder(o, g) and g["role"] != "OWNER" for g in grants)]
    if len(removed) == len(owners):
        yield _finding(
            "MM405",
            [listing, ex],
            f"a sharing change that leaves no owner was answered {ex.status}",
            basis,
            expected="HTTP 409",
            actual=f"HTTP {ex.status}",
        )


# ------------------------------------------------------------------------------------ the client's requests

BASIS_REQUEST = (
    "page: the request side of the contract (documented query parameters, their schemas, body properties)"
)


def _body_properties(document: dict[str, Any], op: dict[str, Any]) -> set[str] | None:
    content = ((op.get("requestBody") or {}).get("content") or {}).get("application/json") or {}
    out: set[str] = set()
    open_ended = False

    def collect(schema: Any) -> None:
        nonlocal open_ended
        schema = _resolve_ref(document, schema)
        if not isinstance(schema, dict):
            return
        out.update((schema.get("properties") or {}).keys())
        for combo in ("allOf", "anyOf", "oneOf"):
            for sub in schema.get(combo) or []:
                collect(sub)
        if not schema.get("properties") and not any(schema.get(c) for c in ("allOf", "anyOf", "oneOf")):
            open_ended = True

    if "schema" not in content:
        return None
    collect(content["schema"])
    return None if open_ended and not out else out


def _resolve_ref(document: dict[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 20:
        target: Any = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node, seen = target, seen + 1
    return node


def _param_schemas(document: dict[str, Any], op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        p["name"]: _resolve_ref(document, p.get("schema") or {})
        for p in op.get("parameters") or []
        if p.get("in") == "query" and "name" in p
    }


def _value_ok(schema: dict[str, Any], value: str) -> bool:
    """Whether a query value fits a parameter schema, read as the query string types it."""
    if not schema:
        return True
    for combo in ("anyOf", "oneOf"):
        if schema.get(combo):
            return any(_value_ok(s, value) for s in schema[combo])
    if "enum" in schema:
        return value in [str(v) if not isinstance(v, bool) else str(v).lower() for v in schema["enum"]]
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    ok = False
    for k in kinds:
        if k in (None, "string"):
            ok = ok or schema.get("format") != "date-time" or parse_instant(value) is not None
        elif k == "integer":
            ok = ok or re.fullmatch(r"-?\d+", value) is not None
        elif k == "number":
            ok = ok or re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", value) is not None
        elif k == "boolean":
            ok = ok or value in ("true", "false")
        elif k == "array":
            ok = ok or _value_ok(_resolve_ref({}, schema.get("items") or {}), value)
        elif k == "null":
            ok = ok or value == ""
    return ok


def _client_level(added: bool) -> dict[str, Any]:
    return {"side": "client-request", "level": "client" if added else "page"}


def _note(added: bool) -> str:
    return (
        "the client level adds it (openapi/overlays/datarobot-client.yaml)"
        if added
        else "the client level does not document it either"
    )


def j_request(ctx: Context, ex: Exchange) -> Iterator[Finding]:
    op = ctx.operation(ctx.page, ex)
    if not op:
        return
    page_params = _param_schemas(ctx.page, op)
    client_params = _param_schemas(ctx.client, ctx.operation(ctx.client, ex))
    for name in dict.fromkeys(k for k, _ in ex.query):
        values = [v for k, v in ex.query if k == name]
        if name not in page_params:
            added = name in client_params
            yield _finding(
                "MM901",
                ex,
                f"the client sent query parameter {name} which the page does not document; {_note(added)}",
                BASIS_REQUEST,
                expected=f"one of {', '.join(sorted(page_params)) or '(no query parameters)'}",
                actual=f"{name}={values[0]}",
                **_client_level(added),
            )
            continue
        bad = [v for v in values if not _value_ok(page_params[name], v)]
        if bad:
            added = all(_value_ok(client_params.get(name, {}), v) for v in bad) and name in client_params
            yield _finding(
                "MM902",
                ex,
                f"the client sent {name}={bad[0]}, a value the page's schema does not allow; {_note(added)}",
                BASIS_REQUEST,
                expected=f"{name} as {page_params[name]}"[:200],
                actual=f"{name}={bad[0]}",
                **_client_level(added),
            )
    sent = ex.request_json
    known = _body_properties(ctx.page, op)
    if isinstance(sent, dict) and known is not None:
        extra = [k for k in sent if k not in known]
        client_known = _body_properties(ctx.client, ctx.operation(ctx.client, ex)) or set()
        for name in extra:
            added = name in client_known
            yield _finding(
                "MM903",
                ex,
                f"the client sent body property {name} which the page does not document; {_note(added)}",
                BASIS_REQUEST,
                expected=f"properties {', '.join(sorted(known))}",
                actual=f"{name}: {sent[name]!r}"[:200],
                **_client_level(added),
            )
    auth = ex.request_header("authorization")
    scheme = auth.split(" ", 1)[0] if auth else None
    if scheme is not None and scheme.casefold() != "bearer":
        added = scheme == "Token"
        yield _finding(
            "MM904",
            ex,
            f"the client sent the {scheme} authorization scheme, the page documents Bearer; "
            + ("the client level accepts Token (x-client-checks token-auth)" if added else _note(False)),
            "page: components.securitySchemes.BearerAuth (http bearer)",
            expected="Authorization: Bearer <token>",
            actual=f"the {scheme} scheme",
            **_client_level(added),
        )


# -------------------------------------------------------------------------------------------- the registry

JUDGEMENTS: tuple[Judgement, ...] = (
    Judgement("ST101", "exchange", "every exchange", j_server_error),
    Judgement("ST103", "exchange", "every exchange", j_status),
    Judgement("ST104", "exchange", "every exchange with a body", j_content_type),
    Judgement(
        "ST108",
        "exchange",
        "every exchange (MM801 too, on the client's calls or at --level client)",
        j_schema,
    ),
    Judgement("MM101", "exchange", "every list page", j_count),
    Judgement("MM105", "exchange", "every list page with links", j_links),
    Judgement("MM104", "exchange", "every list page", j_ends),
    Judgement("MM201", "exchange", "a page asked with sortKey+sortDirection or orderBy", j_order),
    Judgement("MM301", "exchange", "a page asked with search", j_search),
    Judgement("MM303", "exchange", "a page asked with a time-range filter with an offset", j_time_range),
    Judgement("MM601", "exchange", "a version read by id", j_isolation),
    Judgement("MM701", "exchange", "a request that carries no token", j_auth_missing),
    Judgement("MM102", "related", "a walk made by following next (MM103, MM104 too)", j_walk),
    Judgement("MM401", "sequence", "PATCH then GET of a registered model", j_patch_persists),
    Judgement("MM402", "sequence", "DELETE or archive, then a read (MM403 too)", j_archived),
    Judgement("MM404", "sequence", "a sharing PATCH then a complete GET sharedRoles (MM405 too)", j_sharing),
    Judgement("MM901", "request", "every request (MM902-MM904 too)", j_request),
)


def judge(ctx: Context, ex: Exchange) -> list[Finding]:
    """Route `ex`, run every judgement on it (in the order exchanges end), remember what later ones need."""
    if ex.operation is None:
        ctx.router.route(ex)
    if ex.operation is None:
        return []
    if ex.shared_json is None:
        ex.shared_json = ctx.shared_json
    found: list[Finding] = []
    for judgement in JUDGEMENTS:
        found += judgement.run(ctx, ex)
    if ex.is_write:
        ctx.writes.append(ex)
        del ctx.writes[:-MAX_REMEMBERED]
    elif _complete_roles(ex) is not None:
        ctx.roles_listings[ex.path_params["registeredModelId"]] = ex
    while len(ctx.walks) > MAX_REMEMBERED:  # pages whose next nobody followed
        ctx.walks.pop(next(iter(ctx.walks)))
    return found


MAX_REMEMBERED = 5000


def new_context(base_url: str, level: Level = "page") -> Context:
    from mmcontract.spec import load_spec

    base = httpx.URL(base_url.rstrip("/") + "/")
    return Context(load_spec("page"), load_spec("client"), base, level)
