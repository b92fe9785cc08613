"""The checks do not fail a server for what the page leaves open. Each variant wraps the reference server in
a small ASGI layer that changes one such behaviour, and every check scenario must still pass on it:
- a maximum page size (the page is silent on it): `limit` above 3 is served as 3,
- a maximum page size enforced by refusal: `limit` above 20 answered 400, or 422,
- `count` left out of list bodies (the page makes it optional: "count integer false"),
- relative next/previous on the sharing lists (typed `string,null` there, not `uri`)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from asgi_layers import matching, reference_with, refuse_limit_above, rewrite_json, rewrite_query
from scenarios import FAULT_SCENARIOS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _cap(pairs, cap=3):
    return [
        (k, str(min(int(v), cap)) if k == "limit" and v.isdigit() and int(v) > 0 else v) for k, v in pairs
    ]


def _without_count(body, scope):
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        body.pop("count", None)
    return body


def _relative_links(body, scope):
    if isinstance(body, dict):
        for key in ("next", "previous"):
            if isinstance(body.get(key), str):
                parts = urlsplit(body[key])
                body[key] = f"{parts.path}?{parts.query}"
    return body


VARIANTS = {
    "max-page-size-3": rewrite_query(_cap),
    "limit-above-20-refused-400": refuse_limit_above(20, 400),
    "limit-above-20-refused-422": refuse_limit_above(20, 422),
    "no-count": rewrite_json(_without_count),
    "relative-sharing-links": rewrite_json(_relative_links, matching(r"/sharedRoles/$")),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("fault", sorted(FAULT_SCENARIOS))
def test_checks_pass_where_the_page_is_silent(variant, fault):
    _, scenario = FAULT_SCENARIOS[fault]
    ref = reference_with(VARIANTS[variant])
    try:
        scenario(ref)
    finally:
        ref.client.close()


def test_the_variants_are_in_effect():
    capped = (
        reference_with(VARIANTS["max-page-size-3"])
        .client.get("registeredModels/", params={"limit": 10})
        .json()
    )
    assert len(capped["data"]) == 3 and "limit=3" in capped["next"]
    refused = reference_with(VARIANTS["limit-above-20-refused-422"]).client
    assert refused.get("registeredModels/", params={"limit": 21}).status_code == 422
    assert refused.get("registeredModels/", params={"limit": 20}).status_code == 200
    assert "count" not in reference_with(VARIANTS["no-count"]).client.get("registeredModels/").json()
    ref = reference_with(VARIANTS["relative-sharing-links"])
    nexts = [
        ref.client.get(f"registeredModels/{rm}/sharedRoles/", params={"limit": 1}).json()["next"]
        for rm in ref.discovered.registered_model_ids
    ]
    assert any(n and n.startswith("/") for n in nexts)
