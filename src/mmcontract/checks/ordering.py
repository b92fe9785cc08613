"""MM201 (`sortKey`/`sortDirection`) and MM202 (`orderBy`): a sorted list is in order across its pages.

Only keys whose values can be read from the documented response are checked (`SORT_FIELDS` says which field
carries each key; `None` means no documented field does, and the check says so instead of guessing).
Comparisons are conservative, as the page does not say how names collate: a sequence of strings passes when
it is ordered by code point, case-insensitively, or as a locale collation orders it (letters and digits only,
ignoring case); ties may come in any order, null values are left
out (the page does not say where they sort), and datetimes are compared as instants.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx

from mmcontract.checks.budget import Budget
from mmcontract.checks.listing import (
    ListOperation,
    choose_limit,
    list_params,
    parse_instant,
    probe_total,
    walk,
)
from mmcontract.checks.violation import ContractViolation, NotApplicable

_ALNUM = re.compile(r"[\W_]+")

# operation -> sort key -> (response field, kind) or None when no documented field carries the key
SORT_FIELDS: dict[str, dict[str, tuple[str, str] | None]] = {
    "GET /registeredModels/": {
        "createdAt": ("createdAt", "datetime"),
        "modifiedAt": ("modifiedAt", "datetime"),
        "name": ("name", "text"),
    },
    "GET /registeredModels/{registeredModelId}/versions/": {
        # The page's version schema (ModelPackageRetrieveResponse) has none of these fields. The version
        # number is read from `registeredModelVersion` when the target returns it (the official client
        # requires it on versions); the other keys cannot be read from a documented field.
        "version": ("registeredModelVersion", "number"),
        "modelType": None,
        "status": None,
        "createdAt": None,
        "updatedAt": None,
    },
    "GET /registeredModels/{registeredModelId}/deployments/": {
        "createdAt": ("createdAt", "datetime"),
        "label": ("label", "text"),
    },
    "GET /registeredModels/{registeredModelId}/versions/{versionId}/deployments/": {
        "createdAt": ("createdAt", "datetime"),
        "label": ("label", "text"),
    },
}
ORDER_BY_FIELDS: dict[str, tuple[str, str]] = {
    "name": ("name", "text"),
    "importance": ("importance", "number"),
}

BASIS_SORT = (
    'page: "sortKey ... Key to order result by" with values {keys}, "sortDirection ... Sort direction" '
    "[asc, desc]; names may collate by code point, ignoring case, or ignoring case and punctuation; ties and "
    "nulls in any place"
)
BASIS_ORDER_BY = (
    'page: "orderBy ... The sort order to apply to the list of features. Prefix the attribute name with a '
    'dash to sort in descending order" [name, importance, -name, -importance]; names may collate by code '
    "point, ignoring case, or ignoring case and punctuation; ties and nulls in any place"
)


def _values(items: list[Any], field: str, kind: str) -> tuple[list[Any], int]:
    """The comparable values of `field` in order, and how many were left out (null or unreadable)."""
    out: list[Any] = []
    skipped = 0
    for item in items:
        raw = item.get(field) if isinstance(item, dict) else None
        value: Any = None
        if kind == "datetime" and isinstance(raw, str):
            value = parse_instant(raw)
        elif (kind == "number" and isinstance(raw, int | float) and not isinstance(raw, bool)) or (
            kind == "text" and isinstance(raw, str)
        ):
            value = raw
        if value is None:
            skipped += 1
        else:
            out.append(value)
    return out, skipped


def _first_disorder(values: list[Any], descending: bool, key: Callable[[Any], Any]) -> int | None:
    for i in range(1, len(values)):
        a, b = key(values[i - 1]), key(values[i])
        if (a < b) if descending else (a > b):
            return i
    return None


def _disorder(values: list[Any], kind: str, descending: bool) -> int | None:
    """Index of the first out-of-order value, or None when the sequence is ordered (texts: either by code
    point or case-insensitively)."""
    if kind != "text":
        return _first_disorder(values, descending, lambda v: v)
    by_code = _first_disorder(values, descending, lambda v: v)
    if by_code is None:
        return None
    by_fold = _first_disorder(values, descending, lambda v: v.casefold())
    if by_fold is None:
        return None
    # A locale collation (e.g. a database's en_US) compares letters and digits first, ignoring case and
    # punctuation: ties under that key may then come in any order.
    by_locale = _first_disorder(values, descending, lambda v: _ALNUM.sub("", v.casefold()))
    return None if by_locale is None else max(by_code, by_fold, by_locale)


def _check_sorted(
    client: httpx.Client,
    op: ListOperation,
    path: str,
    params: dict[str, Any],
    field: str,
    kind: str,
    descending: bool,
    *,
    code: str,
    basis: str,
    budget: Budget,
) -> list[str]:
    notes: list[str] = []
    total = probe_total(client, op, path, code, params)
    limit = choose_limit(total, budget.pages)
    result = walk(
        client, path, list_params(op, params, offset=0, limit=limit), code=code, max_pages=budget.max_pages
    )
    values, skipped = _values(result.items, field, kind)
    if skipped:
        notes.append(f"{skipped} item(s) with a null or unreadable {field} were left out of the comparison")
    if not result.complete:
        notes.append(f"only the first {len(result.pages)} pages were read (budget)")
    if len(set(values)) < 2:
        raise NotApplicable(f"{op.operation}: fewer than 2 distinct {field} values, so no order to check")
    bad = _disorder(values, kind, descending)
    if bad is not None:
        shown = [str(v) for v in values[max(0, bad - 2) : bad + 2]]
        request = "&".join(f"{k}={v}" for k, v in params.items())
        raise ContractViolation(
            code,
            f"{request} does not order the list by {field} ({'descending' if descending else 'ascending'})",
            basis=basis,
            expected=f"{field} {'non-increasing' if descending else 'non-decreasing'} across pages",
            actual=f"... {', '.join(shown)} ... (item {bad + 1} of {len(values)}, walked with limit={limit})",
            response=result.pages[-1].response,
        )
    return notes


def check_sort(
    client: httpx.Client, op: ListOperation, path: str, sort_key: str, direction: str, *, budget: Budget
) -> list[str]:
    """MM201: `sortKey=<key>&sortDirection=<direction>` orders the whole list (across pages)."""
    fields = SORT_FIELDS[op.operation]
    spec = fields[sort_key]
    if spec is None:
        raise NotApplicable(
            f"{op.operation}: sortKey={sort_key} cannot be checked: no documented response field carries it"
        )
    field, kind = spec
    basis = BASIS_SORT.format(keys="[" + ", ".join(fields) + "]")
    if field == "registeredModelVersion":
        basis += (
            "; the version number is read from registeredModelVersion (spec x-doc-gap 'added' on "
            "ModelPackageRetrieveResponse: the official client requires it on versions)"
        )
    return _check_sorted(
        client,
        op,
        path,
        {"sortKey": sort_key, "sortDirection": direction},
        field,
        kind,
        direction == "desc",
        code="MM201",
        basis=basis,
        budget=budget,
    )


def check_order_by(
    client: httpx.Client, op: ListOperation, path: str, order_by: str, *, budget: Budget
) -> list[str]:
    """MM202: `orderBy=<name|importance|-name|-importance>` orders the features list (across pages)."""
    field, kind = ORDER_BY_FIELDS[order_by.lstrip("-")]
    return _check_sorted(
        client,
        op,
        path,
        {"orderBy": order_by},
        field,
        kind,
        order_by.startswith("-"),
        code="MM202",
        basis=BASIS_ORDER_BY,
        budget=budget,
    )
