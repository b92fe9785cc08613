"""How many items a target serves in one page, learned from its answers.

The page states no default and no largest page size: a server may clamp a large `limit` or refuse it (400 or
422). Everything the suite lists goes through `get_within_ceiling`, so a server's own ceiling is never taken
for a violation, and later requests stay under it.
"""

from __future__ import annotations

from typing import Any

import httpx

Params = dict[str, Any]

# A refused limit above LIMIT_FLOOR is asked again with smaller ones; the largest served is remembered per list.
# LIMIT_FLOOR is the page's own: its sharedRoles curl samples send limit=10, so every server serves 10 a page.
LIMIT_FLOOR = 10
LIMIT_REFUSED = (400, 422)
_ceilings: dict[tuple[str, str], int] = {}


def _limit_of(params: Params | None) -> int | None:
    value = (params or {}).get("limit")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def get_within_ceiling(client: httpx.Client, url: str, params: Params | None) -> httpx.Response:
    """GET `url`; a large limit the server refuses is retried with smaller ones (the server's ceiling)."""
    limit = _limit_of(params)
    key = (str(client.base_url), url)
    if limit is not None and limit > _ceilings.get(key, limit):
        params = {**(params or {}), "limit": _ceilings[key]}
        limit = _ceilings[key]
    response = client.get(url, params=params)
    if limit is None or limit <= LIMIT_FLOOR or response.status_code not in LIMIT_REFUSED:
        return response
    smaller = limit
    while smaller > LIMIT_FLOOR:
        smaller = max(LIMIT_FLOOR, smaller // 2)
        retry = client.get(url, params={**(params or {}), "limit": smaller})
        if retry.status_code == 200:
            _ceilings[key] = smaller
            return retry
    return response  # refused even at the floor: the original refusal is the violation


def known_ceiling(url: str) -> int | None:
    """The largest page a server served for `url` (relative, as listed) after refusing a larger one, if learned."""
    return min((ceiling for (_, listed), ceiling in _ceilings.items() if listed == url), default=None)


def learn_ceiling(base_url: str, url: str, ceiling: int) -> None:
    """Remember a ceiling found outside `get_within_ceiling` (a full-page case refused its limit)."""
    _ceilings[(base_url, url)] = ceiling
