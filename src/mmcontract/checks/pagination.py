"""MM101-MM105: what the page says about every list's `offset`/`limit`, `count`, `totalCount`, `next` and
`previous`, checked on one concrete list (`path`, relative to the target's `/api/v2/`).

Each function returns notes on what it could not check on this target and raises `ContractViolation` on a
breach. Where the page is silent (the default and the maximum page size), nothing is asserted: a server may
return fewer items than `limit` asks, so every expectation is written in terms of what the server returned.
A live target can change while it is walked; a total that moves between two probes makes the check
`NotApplicable` rather than failed.
"""

from __future__ import annotations

from collections import Counter

import httpx
from hypothesis import strategies as st

from mmcontract.checks.budget import Budget, run_property
from mmcontract.checks.listing import (
    ListOperation,
    Page,
    Params,
    choose_limit,
    get_page,
    identity_of,
    list_params,
    probe_total,
    total_of,
    walk,
)
from mmcontract.checks.violation import ContractViolation, NotApplicable

# The page's words each MM10x rests on live with the judgements over observed traffic, which these active
# checks share (mmcontract.traffic.judge).
from mmcontract.traffic.judge import (
    BASIS_COUNT,
    BASIS_ENDS,
    BASIS_LINKS_SHARING,
    BASIS_LINKS_URI,
    BASIS_TOTAL,
    BASIS_WALK,
    count_problem,
    link_problem,
    repeated,
)


def _stable_total(client: httpx.Client, op: ListOperation, path: str, code: str, first: int) -> None:
    """Raise NotApplicable when the list's size moved while it was being checked (a live target)."""
    if probe_total(client, op, path, code) != first:
        raise NotApplicable(f"{op.operation}: the list changed while it was checked; try again")


def check_page_count(
    client: httpx.Client, op: ListOperation, path: str, *, budget: Budget, seed: int | None = None
) -> list[str]:
    """MM101: on any (offset, limit), `len(data) <= limit`, and `count == len(data)` when count is given."""
    total = probe_total(client, op, path, "MM101")
    top = min(total + 2, 200)  # bounded: a production list can be long and its items large

    def one_page(offset: int, limit: int) -> None:
        response, body = get_page(client, path, list_params(op, offset=offset, limit=limit), code="MM101")
        problem = count_problem(body, limit)  # the judgement the proxy makes on observed pages too
        if problem is not None:
            message, expected, actual = problem
            where = f"offset={offset}&limit={limit}"
            message = f"offset={offset}&{message}" if message.startswith("limit=") else f"{message} ({where})"
            raise ContractViolation(
                "MM101", message, basis=BASIS_COUNT, expected=expected, actual=actual, response=response
            )

    run_property(
        one_page,
        st.integers(0, top),
        st.integers(1, top),
        budget=budget,
        seed=seed,
        examples=((0, 1), (0, max(1, total)), (max(0, total - 1), 2), (total, 1)),
    )
    return []


def check_total_stable(client: httpx.Client, op: ListOperation, path: str, *, budget: Budget) -> list[str]:
    """MM102: every page of one list reports the same totalCount, whatever its limit, and a complete walk
    visits exactly totalCount items."""
    total = probe_total(client, op, path, "MM102")
    wide = 50
    response, body = get_page(client, path, list_params(op, offset=0, limit=wide), code="MM102")
    wide_total = total_of(body, response, "MM102")
    if wide_total != total:
        _stable_total(client, op, path, "MM102", total)
        raise ContractViolation(
            "MM102",
            f"totalCount depends on limit: {total} with limit=1, {wide_total} with limit={wide}",
            basis=BASIS_TOTAL,
            expected="the same totalCount whatever the page size",
            actual=f"totalCount {total} (limit=1) and {wide_total} (limit={wide})",
            response=response,
        )
    limit = choose_limit(total, budget.pages)
    result = walk(
        client, path, list_params(op, offset=0, limit=limit), code="MM102", max_pages=budget.max_pages
    )
    for n, page in enumerate(result.pages):
        page_total = total_of(page.body, page.response, "MM102")
        if page_total != total:
            _stable_total(client, op, path, "MM102", total)
            raise ContractViolation(
                "MM102",
                f"totalCount differs between pages of the same list (page {n + 1} of a walk with limit={limit})",
                basis=BASIS_TOTAL,
                expected=f"totalCount {total} (as reported with limit=1)",
                actual=f"totalCount {page_total}",
                response=page.response,
            )
    if not result.complete:
        return [f"walk stopped after {len(result.pages)} pages (budget): the walked total was not compared"]
    walked = len(result.items)
    if walked != total:
        _stable_total(client, op, path, "MM102", total)
        raise ContractViolation(
            "MM102",
            f"walking next from offset 0 (limit={limit}) visited {walked} items, totalCount says {total}",
            basis=BASIS_TOTAL,
            expected=f"{total} items over all pages",
            actual=f"{walked} items over {len(result.pages)} pages",
            response=result.pages[-1].response,
        )
    return []


def check_walk(
    client: httpx.Client, op: ListOperation, path: str, *, budget: Budget, seed: int | None = None
) -> list[str]:
    """MM103: walking next visits each item once; walks with two different limits visit the same items; a
    page fetched directly at (offset, limit) holds the items the walk found at those positions."""
    notes: list[str] = []
    total = probe_total(client, op, path, "MM103")
    if total < 2:
        raise NotApplicable(f"{op.operation}: fewer than 2 items, nothing to walk")
    ident = identity_of(op)
    limit_a = choose_limit(total, budget.pages)
    limit_b = limit_a + 1 if limit_a > 1 else 2
    walks = []
    for limit in (limit_a, limit_b):
        result = walk(
            client, path, list_params(op, offset=0, limit=limit), code="MM103", max_pages=budget.max_pages
        )
        keys = [ident(item) for item in result.items]
        if op.identity is not None:
            dups = repeated(keys)
            if dups:
                _stable_total(client, op, path, "MM103", total)
                raise ContractViolation(
                    "MM103",
                    f"walking next (limit={limit}) returned some items more than once",
                    basis=BASIS_WALK,
                    expected="every item once",
                    actual=f"repeated {op.identity}s: {dups[:5]}",
                    response=result.pages[-1].response,
                )
        walks.append((limit, result, keys))
    (la, wa, ka), (lb, wb, kb) = walks
    if wa.complete and wb.complete:
        if Counter(ka) != Counter(kb):
            _stable_total(client, op, path, "MM103", total)
            only_a = list((Counter(ka) - Counter(kb)).elements())[:5]
            only_b = list((Counter(kb) - Counter(ka)).elements())[:5]
            raise ContractViolation(
                "MM103",
                f"walks with limit={la} and limit={lb} visited different items",
                basis=BASIS_WALK,
                expected="the same items whatever the page size",
                actual=f"only with limit={la}: {only_a}; only with limit={lb}: {only_b}",
                response=wb.pages[-1].response,
            )
    else:
        notes.append("a walk stopped at the page budget: only the walked prefix was compared")
    if op.identity is None:
        notes.append("items have no documented identity: repeats were not looked for")

    reference = ka

    def direct_page(offset: int, limit: int) -> None:
        if offset >= len(reference):
            return
        response, body = get_page(client, path, list_params(op, offset=offset, limit=limit), code="MM103")
        got = [ident(item) for item in body["data"]]
        want = reference[offset : offset + len(got)]
        if len(got) == 0 or got != want:
            _stable_total(client, op, path, "MM103", total)
            raise ContractViolation(
                "MM103",
                f"offset={offset}&limit={limit} does not hold the items found at those positions by the walk",
                basis=BASIS_WALK,
                expected=f"items {reference[offset : offset + max(1, min(5, len(got)))]}",
                actual=f"items {got[:5]}",
                response=response,
            )

    run_property(
        direct_page,
        st.integers(0, max(0, len(reference) - 1)),
        st.integers(1, max(1, min(len(reference), 50))),
        budget=budget,
        seed=seed,
        examples=((1, 1), (limit_a, 1)),
    )
    return notes


def check_ends(client: httpx.Client, op: ListOperation, path: str, *, budget: Budget) -> list[str]:
    """MM104: previous is null on the first page and only there; next is null on the last page (and past the
    end) and only there; a next link never leads to an empty page."""
    total = probe_total(client, op, path, "MM104")
    limit = choose_limit(total, budget.pages)
    result = walk(
        client, path, list_params(op, offset=0, limit=limit), code="MM104", max_pages=budget.max_pages
    )
    first = result.pages[0]
    if first.previous is not None:
        raise ContractViolation(
            "MM104",
            "previous is not null on the first page (offset=0)",
            basis=BASIS_ENDS,
            expected="previous: null",
            actual=f"previous: {first.previous!r}",
            response=first.response,
        )
    seen = 0
    for n, page in enumerate(result.pages):
        if n > 0 and not page.data and total > 0:
            raise ContractViolation(
                "MM104",
                "following next led to an empty page: the page before it was the last one",
                basis=BASIS_ENDS,
                expected="next: null on the last page",
                actual=f"next: {result.pages[n - 1].next!r} -> a page with no items",
                response=result.pages[n - 1].response,
            )
        if n > 0 and page.previous is None:
            raise ContractViolation(
                "MM104",
                f"previous is null on page {n + 1} of the walk (limit={limit})",
                basis=BASIS_ENDS,
                expected="a URL to the previous page",
                actual="previous: null",
                response=page.response,
            )
        seen += len(page.data)
        if seen >= total and page.next is not None and total > 0:
            _stable_total(client, op, path, "MM104", total)
            raise ContractViolation(
                "MM104",
                f"next is not null on the page that holds the last of {total} items",
                basis=BASIS_ENDS,
                expected="next: null",
                actual=f"next: {page.next!r}",
                response=page.response,
            )
    response, body = get_page(client, path, list_params(op, offset=total + 1, limit=limit), code="MM104")
    if body.get("next") is not None:
        raise ContractViolation(
            "MM104",
            f"next is not null on a page past the end (offset={total + 1}, totalCount={total})",
            basis=BASIS_ENDS,
            expected="next: null",
            actual=f"next: {body.get('next')!r}",
            response=response,
        )
    if not result.complete:
        return [f"walk stopped after {len(result.pages)} pages (budget): the last page was not reached"]
    if total == 0:
        return ["the list is empty: next on its last page was not looked at"]
    return []


def _check_link(
    op: ListOperation, page: Page, which: str, base: httpx.URL, request_params: Params
) -> str | None:
    """MM105 on one link of a page the check fetched: the judgement the proxy makes on observed pages."""
    problem, resolved = link_problem(
        getattr(page, which),
        which,
        request_url=str(page.response.request.url),
        base=base,
        carried={k: str(v) for k, v in request_params.items()},
        uri_links=op.uri_links,
    )
    if problem is not None:
        message, expected, actual = problem
        raise ContractViolation(
            "MM105",
            message,
            basis=BASIS_LINKS_URI if op.uri_links else BASIS_LINKS_SHARING,
            expected=expected,
            actual=actual,
            response=page.response,
        )
    return resolved


def check_links(client: httpx.Client, op: ListOperation, path: str, *, budget: Budget) -> list[str]:
    """MM105: next/previous are absolute (where the page types them `uri`), on the target's scheme, host,
    port and base path, keep the request's filters and sort, and work (previous leads back to the page
    before)."""
    total = probe_total(client, op, path, "MM105")
    if total < 2:
        raise NotApplicable(f"{op.operation}: fewer than 2 items, so no next/previous links")
    limit = choose_limit(total, budget.pages)
    params = list_params(op, op.carried, offset=0, limit=limit)
    base = client.base_url
    response, body = get_page(client, path, params, code="MM105")
    pages = [Page(response, body)]
    while pages[-1].next and len(pages) < min(budget.max_pages, 4):
        url = _check_link(op, pages[-1], "next", base, params)
        assert url is not None
        response, body = get_page(client, url, None, code="MM105")
        pages.append(Page(response, body))
    for page in pages:
        _check_link(op, page, "previous", base, params)
        _check_link(op, page, "next", base, params)
    if len(pages) < 2:
        raise NotApplicable(f"{op.operation}: the list fit on one page (limit={limit}); no links to follow")
    back = _check_link(op, pages[1], "previous", base, params)
    if back is None:
        return ["the second page has no previous link (MM104 reports it)"]
    response, body = get_page(client, back, None, code="MM105")
    ident = identity_of(op)
    got = sorted(map(repr, map(ident, body["data"])))
    want = sorted(map(repr, map(ident, pages[0].data)))
    if got != want:
        raise ContractViolation(
            "MM105",
            "previous of the second page does not lead back to the first page",
            basis=BASIS_LINKS_URI if op.uri_links else BASIS_LINKS_SHARING,
            expected=f"the first page's items {want[:5]}",
            actual=f"items {got[:5]}",
            response=response,
        )
    return []
