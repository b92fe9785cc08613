"""The checks do not fail a server for what the page leaves open. Each variant wraps the reference server in
a small ASGI layer that changes one such behaviour, and every check scenario must still pass on it:
- a maximum page size (the page is silent on it): `limit` above 3 is served as 3,
- `count` left out of list bodies (the page makes it optional: "count integer false"),
- relative next/previous on the sharing lists (typed `string,null` there, not `uri`)."""

from __future__ import annotations

import contextlib
import json
import re
import warnings
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from conftest import BASE_URL, LEADERBOARD_MODEL_ID, TOKEN, Reference
from scenarios import FAULT_SCENARIOS

from mmcontract.reference.app import create_app
from mmcontract.target.discovery import discover

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def cap_limit(app, cap=3):
    async def wrapped(scope, receive, send):
        if scope["type"] == "http" and scope.get("query_string"):
            pairs = parse_qsl(scope["query_string"].decode(), keep_blank_values=True)
            pairs = [
                (k, str(min(int(v), cap)) if k == "limit" and v.isdigit() and int(v) > 0 else v)
                for k, v in pairs
            ]
            scope = {**scope, "query_string": urlencode(pairs).encode()}
        await app(scope, receive, send)

    return wrapped


def rewrite_json(app, change, applies=lambda path: True):
    """Buffer JSON answers of paths `applies` accepts and pass their body through `change`."""

    async def wrapped(scope, receive, send):
        if scope["type"] != "http" or not applies(scope["path"]):
            await app(scope, receive, send)
            return
        start, chunks = {}, []

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    body = b"".join(chunks)
                    with contextlib.suppress(ValueError):
                        body = json.dumps(change(json.loads(body))).encode()
                    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                    headers.append((b"content-length", str(len(body)).encode()))
                    await send({**start, "headers": headers})
                    await send({"type": "http.response.body", "body": body})

        await app(scope, receive, capture)

    return wrapped


def _without_count(body):
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        body.pop("count", None)
    return body


def _relative_links(body):
    if isinstance(body, dict):
        for key in ("next", "previous"):
            if isinstance(body.get(key), str):
                parts = urlsplit(body[key])
                body[key] = f"{parts.path}?{parts.query}"
    return body


VARIANTS = {
    "max-page-size-3": cap_limit,
    "no-count": lambda app: rewrite_json(app, _without_count),
    "relative-sharing-links": lambda app: rewrite_json(
        app, _relative_links, lambda path: bool(re.search(r"/sharedRoles/$", path))
    ),
}


def _variant(name: str) -> Reference:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

        app = VARIANTS[name](create_app(token=TOKEN, leaderboard_model_ids=[LEADERBOARD_MODEL_ID]))
        client = TestClient(app, base_url=BASE_URL, headers={"Authorization": f"Bearer {TOKEN}"})
    return Reference(client, discover(client))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("fault", sorted(FAULT_SCENARIOS))
def test_checks_pass_where_the_page_is_silent(variant, fault):
    _, scenario = FAULT_SCENARIOS[fault]
    ref = _variant(variant)
    try:
        scenario(ref)
    finally:
        ref.client.close()


def test_the_variants_are_in_effect():
    capped = _variant("max-page-size-3").client.get("registeredModels/", params={"limit": 10}).json()
    assert len(capped["data"]) == 3 and "limit=3" in capped["next"]
    assert "count" not in _variant("no-count").client.get("registeredModels/").json()
    ref = _variant("relative-sharing-links")
    model = next(
        rm
        for rm in ref.discovered.registered_model_ids
        if ref.client.get(f"registeredModels/{rm}/sharedRoles/", params={"limit": 1}).json()["next"]
    )
    assert (
        ref.client.get(f"registeredModels/{model}/sharedRoles/", params={"limit": 1})
        .json()["next"]
        .startswith("/")
    )
