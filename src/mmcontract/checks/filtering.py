"""MM301 (`search`), MM302 (documented value filters) and MM303 (time ranges with `Z` and numeric offsets).

A filter is checked both ways where the response lets us: every item returned satisfies it, and an item
known to satisfy it (drawn from the unfiltered list) is returned. Values and search terms are drawn from
the target's own data, so the checks work on any target. Where the documented response does not show the
field a filter reads (a version's stage), the filter is checked for consistency with another documented
filter instead of guessed.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
from hypothesis import strategies as st

from mmcontract.checks.budget import Budget, run_property
from mmcontract.checks.listing import (
    LIST_OPERATIONS,
    ListOperation,
    Params,
    Walk,
    identity_of,
    list_params,
    parse_instant,
    probe_total,
    walk,
)
from mmcontract.checks.violation import ContractViolation, NotApplicable

COLLECT_LIMIT = 100  # page size used to collect items (a server may cap it lower: the walk goes on)

# operation -> (documented search fields (dotted), page quote, whether a field the response does not show
# may also match: then an item that matches none of the visible fields is not a failure)
SEARCH_FIELDS: dict[str, tuple[tuple[str, ...], str, bool]] = {
    "GET /registeredModels/": (
        ("name",),
        'page: "search ... A term to search for in registered model name"',
        False,
    ),
    "GET /modelPackages/": (
        ("name", "modelDescription.modelName", "modelDescription.description", "description"),
        'page: "search ... Provide a term to search for in package name, model name, or description"',
        True,  # the package's own description is not in the documented response
    ),
    "GET /registeredModels/{registeredModelId}/versions/": (
        ("name", "modelDescription.modelName", "modelDescription.description", "description"),
        'page: "search ... A term to search for in version name, model name, or description"',
        True,  # the version's own description is not in the documented response
    ),
    "GET /modelPackages/{modelPackageId}/features/": (
        ("name",),
        'page: "search ... Case insensitive search against names of the deployment\'s features."',
        False,
    ),
}
CASE_WORDS = ("case insensitive", "case-insensitive")


def search_case_insensitive(spec: dict[str, Any], operation: str) -> str | None:
    """Where the page or a recorded decision says `search` ignores case: the quote, else None (then the
    search check keeps the term's case, and only asserts what holds either way)."""
    method, path = operation.split(" ", 1)
    for param in spec["paths"][path][method.lower()].get("parameters", []):
        if param.get("name") != "search" or param.get("in") != "query":
            continue
        if any(w in str(param.get("description", "")).casefold() for w in CASE_WORDS):
            return f'page: "{param.get("description")}"'
        for entry in param.get("x-doc-gap") or []:
            if isinstance(entry, dict) and any(w in str(entry).casefold() for w in CASE_WORDS):
                return f"spec x-doc-gap: {entry.get('spec')} ({entry.get('why')})"
    return None


def _must_be_found(item: Any) -> bool:
    """Whether a filter that matches `item` must return it: not for archived items, as the page does not say
    whether archived registered models stay listed (a server may list them unfiltered and drop them from
    filtered lists, or the other way round)."""
    return not (isinstance(item, dict) and item.get("isArchived") is True)


def _get(item: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(item, dict):
            return None
        item = item.get(part)
    return item


def collect(
    client: httpx.Client, op: ListOperation, path: str, params: Params | None, *, code: str, budget: Budget
) -> Walk:
    return walk(
        client,
        path,
        list_params(op, params, offset=0, limit=COLLECT_LIMIT),
        code=code,
        max_pages=budget.max_pages,
    )


def _show(params: Params) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())


# --- MM301 search ------------------------------------------------------------------------------------------


def _flip_case(term: str, mask: list[bool]) -> str:
    return "".join(
        c.swapcase() if flip else c for c, flip in zip(term, mask + [False] * len(term), strict=False)
    )


def check_search(
    client: httpx.Client,
    op: ListOperation,
    path: str,
    *,
    budget: Budget,
    case_insensitive: str | None = None,
    seed: int | None = None,
) -> list[str]:
    """MM301: `search=<term>` with a term taken from an existing name returns that item, and only items whose
    documented fields contain the term (compared case-insensitively, which holds whether or not the server
    ignores case); a term that occurs nowhere returns nothing. With `case_insensitive` (the quote that says
    so), the term's letters change case at random."""
    fields, basis, hidden_may_match = SEARCH_FIELDS[op.operation]
    if case_insensitive:
        basis = f"{basis}; case-insensitive: {case_insensitive}"
    notes: list[str] = []
    if not case_insensitive:
        notes.append(
            "search terms keep their case: neither the page nor the contract says this search ignores case"
        )
    universe = collect(client, op, path, None, code="MM301", budget=budget)
    ident = identity_of(op)
    sources: list[tuple[Any, str]] = []
    for item in universe.items:
        name = _get(item, "name")
        if isinstance(name, str) and _must_be_found(item):
            sources += [(ident(item), tok) for tok in re.findall(r"[A-Za-z0-9]{3,}", name)]
    if not sources:
        raise NotApplicable(f"{op.operation}: no item with a name to draw a search term from")

    def search(source: tuple[Any, str], mask: list[bool]) -> None:
        wanted, token = source
        term = _flip_case(token, mask) if case_insensitive else token
        params = {"search": term}
        result = collect(client, op, path, params, code="MM301", budget=budget)
        folded = term.casefold()
        for item in result.items:
            values = [_get(item, f) for f in fields]
            if any(isinstance(v, str) and folded in v.casefold() for v in values):
                continue
            if hidden_may_match:
                notes.append(f"search={term}: an item matched on a field the response does not show")
                continue
            raise ContractViolation(
                "MM301",
                f"search={term} returned an item whose {', '.join(fields)} does not contain the term",
                basis=basis,
                expected=f"only items whose {' or '.join(fields)} contains {term!r} (any case)",
                actual=f"{op.identity or 'item'} {ident(item)!r} with {dict(zip(fields, values, strict=True))}",
                response=result.pages[-1].response,
            )
        found = {ident(item) for item in result.items}
        if result.complete and wanted not in found:
            raise ContractViolation(
                "MM301",
                f"search={term} did not return the item whose name contains {token!r}",
                basis=basis,
                expected=f"{op.identity} {wanted!r} among the results",
                actual=f"{len(found)} results: {sorted(map(str, found))[:5]}",
                response=result.pages[-1].response,
            )

    run_property(
        search,
        st.sampled_from(sources),
        st.lists(st.booleans(), max_size=12),
        budget=budget,
        seed=seed,
        examples=((sources[0], [True] * 12), (sources[-1], [])),
    )

    nowhere = "zqxj" + secrets.token_hex(6)
    result = collect(client, op, path, {"search": nowhere}, code="MM301", budget=budget)
    if result.items:
        raise ContractViolation(
            "MM301",
            f"search={nowhere} (a term in no item) returned items",
            basis=basis,
            expected="no items",
            actual=f"{len(result.items)} items, e.g. {ident(result.items[0])!r}",
            response=result.pages[0].response,
        )
    return sorted(set(notes))


# --- MM302 value filters -----------------------------------------------------------------------------------


def _check_items(
    result: Walk,
    op: ListOperation,
    params: Params,
    predicate: Callable[[Any], bool | None],
    describe: Callable[[Any], str],
    basis: str,
    expected: str,
) -> int:
    """Every returned item satisfies `predicate` (None: the item does not show the field); returns how many
    items could not be judged."""
    unknown = 0
    for item in result.items:
        verdict = predicate(item)
        if verdict is None:
            unknown += 1
        elif not verdict:
            raise ContractViolation(
                "MM302",
                f"{_show(params)} returned an item that does not match the filter",
                basis=basis,
                expected=expected,
                actual=f"{op.identity or 'item'} {identity_of(op)(item)!r}: {describe(item)}",
                response=result.pages[-1].response,
            )
    return unknown


def _require_present(result: Walk, op: ListOperation, params: Params, wanted: set[Any], basis: str) -> None:
    if not result.complete:
        return
    found = {identity_of(op)(item) for item in result.items}
    missing = wanted - found
    if missing:
        raise ContractViolation(
            "MM302",
            f"{_show(params)} left out items that match the filter",
            basis=basis,
            expected=f"{op.identity}s {sorted(map(str, missing))[:5]} among the results",
            actual=f"{len(found)} results",
            response=result.pages[-1].response,
        )


def check_field_filter(
    client: httpx.Client,
    op: ListOperation,
    path: str,
    param: str,
    field: str,
    *,
    budget: Budget,
    match: str = "equal",
    basis: str,
    values: list[Any] | None = None,
) -> list[str]:
    """MM302 for a filter that the items show directly: `param=<value>` returns only items whose `field`
    matches (`equal`: case-insensitive equality; `contains`: case-insensitive containment; `bool`), and every
    item of the unfiltered list whose field equals the value exactly is returned."""
    notes: list[str] = []
    universe = collect(client, op, path, None, code="MM302", budget=budget)
    ident = identity_of(op)
    seen = [_get(item, field) for item in universe.items]
    candidates = (
        values if values is not None else sorted({v for v in seen if isinstance(v, str) and v}, key=str)
    )
    if not candidates:
        raise NotApplicable(f"{op.operation}: no item shows {field}, nothing to filter on")

    def matches(value: Any, query: Any) -> bool | None:
        if value is None:
            return None
        if match == "bool":
            return value is query
        if not isinstance(value, str):
            return False
        if match == "contains":
            return str(query).casefold() in value.casefold()
        return value.casefold() == str(query).casefold()

    judged = 0  # returned items that showed the field, and items the unfiltered list says must be returned
    for query in candidates[: max(2, budget.examples // 2)]:
        sent = ("true" if query else "false") if match == "bool" else query
        params = {param: sent}
        result = collect(client, op, path, params, code="MM302", budget=budget)
        unknown = _check_items(
            result,
            op,
            params,
            lambda item, q=query: matches(_get(item, field), q),
            lambda item: f"{field}={_get(item, field)!r}",
            basis,
            f"only items with {field} {'containing' if match == 'contains' else 'equal to'} {query!r}",
        )
        judged += len(result.items) - unknown
        if unknown:
            notes.append(f"{param}={sent}: {unknown} item(s) do not show {field}")
        if universe.complete:
            # Completeness asks only for exact matches: a server may match exactly, case-sensitively.
            wanted = {ident(i) for i in universe.items if _get(i, field) == query and _must_be_found(i)}
            judged += len(wanted)
            _require_present(result, op, params, wanted, basis)
    if not universe.complete:
        notes.append("the unfiltered list was longer than the budget: missing matches were not looked for")
    if not judged:
        notes.append(f"no item showed {field}: the filter was judged on nothing (it passes unseen)")
    return notes


def check_related_filter(
    client: httpx.Client,
    param: str,
    value: str,
    *,
    related: Callable[[str], bool | None],
    budget: Budget,
    basis: str,
    related_desc: str,
) -> list[str]:
    """MM302 for a registered-model filter that reads the model's versions (`stage`, `buildStatus`): a model
    is listed exactly when `related(modelId)` says one of its versions matches (None: cannot tell)."""
    op = LIST_OPERATIONS["GET /registeredModels/"]
    notes: list[str] = []
    universe = collect(client, op, "registeredModels/", None, code="MM302", budget=budget)
    params = {param: value}
    result = collect(client, op, "registeredModels/", params, code="MM302", budget=budget)
    listed = {item.get("id") for item in result.items if isinstance(item, dict)}
    sample = [i.get("id") for i in universe.items if isinstance(i, dict) and _must_be_found(i)]
    sample = sample[: max(4, budget.probes * 2)]
    judged = 0
    for model_id in sorted(listed)[: budget.probes * 2] + [m for m in sample if m not in listed]:
        verdict = related(model_id)
        if verdict is None:
            continue
        judged += 1
        if model_id in listed and not verdict:
            raise ContractViolation(
                "MM302",
                f"{param}={value} listed a registered model with no version that matches",
                basis=basis,
                expected=f"only registered models with {related_desc}",
                actual=f"registered model {model_id!r} listed, but it has no such version",
                response=result.pages[-1].response,
            )
        if model_id not in listed and verdict and result.complete:
            raise ContractViolation(
                "MM302",
                f"{param}={value} left out a registered model that has a matching version",
                basis=basis,
                expected=f"registered model {model_id!r} (it has {related_desc}) among the results",
                actual=f"{len(listed)} results without it",
                response=result.pages[-1].response,
            )
    if not judged:
        notes.append(
            f"no registered model's versions could tell whether it has {related_desc}: the filter was judged "
            "on nothing (it passes unseen)"
        )
    return notes


def versions_match(
    client: httpx.Client, params: Params, budget: Budget, field: str | None = None, value: Any = None
) -> Callable[[str], bool | None]:
    """A `related` predicate for check_related_filter: does the model have a version matching `params`
    (asked through the versions list's own filter) or, with `field`, a version whose field equals `value`."""
    op = LIST_OPERATIONS["GET /registeredModels/{registeredModelId}/versions/"]

    def unlisted_versions(model_id: str, path: str) -> bool:
        """Whether the model has versions its versions list does not show (fewer listed than lastVersionNum):
        the page does not say archived versions are listed, so a server may hide them there."""
        response = client.get(f"registeredModels/{model_id}/")
        body = response.json() if response.status_code == 200 else None
        last = body.get("lastVersionNum") if isinstance(body, dict) else None
        return isinstance(last, int) and probe_total(client, op, path, "MM302") < last

    def related(model_id: str) -> bool | None:
        path = op.path(model_id)
        if field is None:
            found = probe_total(client, op, path, "MM302", params) > 0
        else:
            result = collect(client, op, path, None, code="MM302", budget=budget)
            shown = [_get(v, field) for v in result.items]
            found = value in shown
            # an incomplete walk, or a version that does not show the field (buildStatus is optional and
            # nullable on the page: "string,null false"), cannot show the model has no matching version
            if not found and (not result.complete or None in shown):
                return None
        if found:
            return True
        return None if unlisted_versions(model_id, path) else False

    return related


# --- MM303 time ranges -------------------------------------------------------------------------------------

OFFSETS = (timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8)))
TOLERANCE = timedelta(milliseconds=1)  # a server may store more precision than it shows


def _forms(instant: datetime) -> list[str]:
    """The same instant written with `Z` and with numeric offsets (RFC 3339)."""
    utc = instant.astimezone(UTC)
    return [utc.isoformat().replace("+00:00", "Z")] + [utc.astimezone(tz).isoformat() for tz in OFFSETS]


def check_time_range(
    client: httpx.Client, op: ListOperation, path: str, param: str, *, budget: Budget, seed: int | None = None
) -> list[str]:
    """MM303: `<field>StartTs` ("on or after") and `<field>EndTs` ("before") hold for every item returned, an
    item well inside the range is returned, and the same instant written with `Z`, `+05:30` or `-08:00`
    selects the same items."""
    field = "createdAt" if param.startswith("created") else "modifiedAt"
    start = param.endswith("StartTs")
    basis = (
        f'page: "{param} query string(date-time) ... Registered models '
        f"{'created' if field == 'createdAt' else 'modified'} {'on or after' if start else 'before'} this "
        'timestamp"; spec (parameter description): "A server should accept RFC 3339 date-times with `Z` and with '
        'numeric offsets" (one instant, however written; 1 ms tolerance for stored precision)'
    )

    universe = collect(client, op, path, None, code="MM303", budget=budget)
    ident = identity_of(op)
    times = {}
    findable = {ident(item) for item in universe.items if _must_be_found(item)}
    for item in universe.items:
        raw = _get(item, field)
        parsed = parse_instant(raw) if isinstance(raw, str) else None
        if parsed is not None:
            times[ident(item)] = parsed
    pivots = sorted(set(times.values()))
    if len(pivots) < 2:
        raise NotApplicable(f"{op.operation}: fewer than 2 distinct {field} values to put a bound between")
    notes: list[str] = []

    def inside(t: datetime, pivot: datetime) -> bool:
        return t >= pivot - TOLERANCE if start else t <= pivot + TOLERANCE

    def bounded(pivot: datetime) -> None:
        results: dict[str, tuple[Walk, set[Any]]] = {}
        for text in _forms(pivot):
            params = {param: text}
            result = collect(client, op, path, params, code="MM303", budget=budget)
            for item in result.items:
                raw = _get(item, field)
                t = parse_instant(raw) if isinstance(raw, str) else None
                if t is not None and not inside(t, pivot):
                    raise ContractViolation(
                        "MM303",
                        f"{param}={text} returned an item {'before' if start else 'after'} the bound",
                        basis=basis,
                        expected=f"{field} {'>=' if start else '<'} {text}",
                        actual=f"{op.identity} {ident(item)!r} with {field}={raw}",
                        response=result.pages[-1].response,
                    )
            ids = {ident(item) for item in result.items}
            if universe.complete and result.complete:
                clearly = {
                    k
                    for k, t in times.items()
                    if k in findable and (t > pivot + TOLERANCE if start else t < pivot - TOLERANCE)
                }
                missing = clearly - ids
                if missing:
                    raise ContractViolation(
                        "MM303",
                        f"{param}={text} left out items inside the range",
                        basis=basis,
                        expected=f"{op.identity}s {sorted(map(str, missing))[:5]} among the results",
                        actual=f"{len(ids)} results",
                        response=result.pages[-1].response,
                    )
            results[text] = (result, ids)
        (z_text, (z_result, z_ids)), *others = results.items()
        for text, (result, ids) in others:
            if ids != z_ids or (
                result.pages[0].body.get("totalCount") != z_result.pages[0].body.get("totalCount")
            ):
                raise ContractViolation(
                    "MM303",
                    f"{param} selects different items for the same instant written with Z and with an offset",
                    basis=basis,
                    expected=f"{param}={text} selects the same items as {param}={z_text}",
                    actual=f"{len(ids)} items with the offset, {len(z_ids)} with Z",
                    response=result.pages[-1].response,
                )

    middle = pivots[len(pivots) // 2]
    run_property(
        bounded,
        st.sampled_from(pivots),
        budget=budget,
        seed=seed,
        examples=((middle,), (pivots[0] if start else pivots[-1],)),
    )
    if not universe.complete:
        notes.append("the unfiltered list was longer than the budget: missing matches were not looked for")
    return notes
